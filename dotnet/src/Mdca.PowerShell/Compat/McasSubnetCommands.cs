using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>
    /// Get-MCASSubnetCollection: IP ranges, -ResultSetSize of them from -Skip on. Unlike the MCAS module,
    /// which stopped at 100, any number is paged for the caller.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MCASSubnetCollection", DefaultParameterSetName = "List")]
    [OutputType(typeof(MdcaSubnet))]
    public sealed class GetMcasSubnetCollectionCommand : McasCmdlet
    {
        /// <summary>How many records (default 100, any number: paged for the caller).</summary>
        [Parameter(ParameterSetName = "List")]
        [ValidateRange(1, int.MaxValue)]
        public int ResultSetSize { get; set; } = 100;

        /// <summary>Records to skip first.</summary>
        [Parameter(ParameterSetName = "List")]
        [ValidateRange(0, int.MaxValue)]
        public int Skip { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord() =>
            WriteMcasQuery<MdcaSubnet>("subnets", new McasFilters(), ResultSetSize, Skip, null, null);
    }

    /// <summary>New-MCASSubnetCollection: creates an IP range and outputs its id, as the MCAS module did.</summary>
    [Cmdlet(VerbsCommon.New, "MCASSubnetCollection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(string))]
    public sealed class NewMcasSubnetCollectionCommand : McasCmdlet
    {
        /// <summary>The unique name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = "";

        /// <summary>The category.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public McasIpCategory Category { get; set; }

        /// <summary>CIDR ranges.</summary>
        [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Subnets { get; set; } = Array.Empty<string>();

        /// <summary>The ISP name.</summary>
        [Parameter(Position = 3, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Organization { get; set; }

        /// <summary>Tag names.</summary>
        [Parameter(Position = 4, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Tags { get; set; }

        /// <summary>Outputs nothing.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (!ShouldProcess("IP range " + Name + " (" + string.Join(", ", Subnets) + ")", "Create"))
            {
                return;
            }
            var client = RequireClient();
            try
            {
                var values = new List<KeyValuePair<string, object?>>
                {
                    new("Name", Name),
                    new("Category", (int)Category),
                    new("Subnet", Subnets),
                };
                if (Organization != null)
                {
                    values.Add(new KeyValuePair<string, object?>("Organization", Organization));
                }
                if (Tags != null)
                {
                    values.Add(new KeyValuePair<string, object?>("Tag", Tags));
                }
                string spec = Binding.SubnetSpec(values);
                string id = Call(ct => client.CreateSubnet(spec, ct));
                if (!Quiet)
                {
                    WriteObject(id);
                }
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, Name);
            }
        }
    }

    /// <summary>
    /// Remove-MCASSubnetCollection: deletes an IP range by id or by name, without asking (as the MCAS module
    /// did; -WhatIf and -Confirm work).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "MCASSubnetCollection", DefaultParameterSetName = ByIdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class RemoveMcasSubnetCollectionCommand : McasCmdlet
    {
        private const string ByIdSet = "ById";
        private const string ByNameSet = "ByName";

        /// <summary>The IP range id; binds from piped objects' Identity or _id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByIdSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("_id", "Id")]
        [ValidateNotNullOrEmpty]
        public string Identity { get; set; } = "";

        /// <summary>The IP range's name.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = "";

        /// <summary>Outputs nothing (the MCAS module's switch; this cmdlet never outputs anything).</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            string target = ParameterSetName == ByNameSet ? Name : Identity;
            try
            {
                string? id = ParameterSetName == ByNameSet ? FindByName(client, Name) : Identity;
                if (id == null)
                {
                    var missing = new ItemNotFoundException("No IP range is named '" + Name + "'.");
                    WriteError(new ErrorRecord(missing, "Mdca.NotFound", ErrorCategory.ObjectNotFound, Name));
                    return;
                }
                if (!ShouldProcess("IP range " + target, "Delete"))
                {
                    return;
                }
                Call(ct => client.DeleteSubnet(id, ct));
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, target);
            }
        }

        /// <summary>The id of the range with this name: every range is read (the API has no name filter).</summary>
        private string? FindByName(MdcaClient client, string name)
        {
            using var query = Call(_ => client.Query<MdcaSubnet>("subnets", "{\"all\":true}"));
            while (true)
            {
                var page = Call(ct => query.NextPage(ct));
                if (page == null)
                {
                    return null;
                }
                foreach (var subnet in page)
                {
                    if (string.Equals(subnet.Name, name, StringComparison.Ordinal))
                    {
                        return subnet.Id;
                    }
                }
            }
        }
    }
}
