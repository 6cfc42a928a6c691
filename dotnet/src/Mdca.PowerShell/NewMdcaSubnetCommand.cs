using System;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>New-MdcaSubnet: creates an IP address range and outputs it.</summary>
    [Cmdlet(VerbsCommon.New, "MdcaSubnet", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MdcaSubnet))]
    public sealed class NewMdcaSubnetCommand : MdcaCmdlet
    {
        /// <summary>The unique name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = "";

        /// <summary>The category.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("Corporate", "Administrative", "Risky", "VPN", "CloudProvider", "Other")]
        public string Category { get; set; } = "";

        /// <summary>CIDR ranges such as 192.0.2.0/24 or 2001:db8::/32.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Subnet { get; set; } = Array.Empty<string>();

        /// <summary>The ISP name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Organization { get; set; }

        /// <summary>Tag names or ids.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[]? Tag { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (!ShouldProcess("IP range " + Name + " (" + string.Join(", ", Subnet) + ")", "Create"))
            {
                return;
            }
            var client = RequireClient();
            try
            {
                string spec = Binding.SubnetSpec(BoundParameters());
                string id = Call(ct => client.CreateSubnet(spec, ct));
                WriteObject(Call(ct => client.Fetch<MdcaSubnet>("subnets", id, ct)));
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, Name);
            }
        }
    }
}
