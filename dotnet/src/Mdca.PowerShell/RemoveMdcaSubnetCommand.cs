using System;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Remove-MdcaSubnet: deletes IP ranges (asks first unless -Confirm:$false or -Force).</summary>
    [Cmdlet(VerbsCommon.Remove, "MdcaSubnet", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveMdcaSubnetCommand : MdcaCmdlet
    {
        /// <summary>IP range ids; binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>Deletes without asking (-WhatIf still only shows).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            foreach (string id in Identity)
            {
                if (!ShouldProcessOrForce(Force, "IP range " + id, "Delete"))
                {
                    continue;
                }
                try
                {
                    Call(ct => client.DeleteSubnet(id, ct));
                }
                catch (Exception e) when (IsReportable(e))
                {
                    WriteItemError(e, id);
                }
            }
        }
    }
}
