using System;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>Get-MCASAlert: the MCAS module's alert query, over Get-MdcaAlert's machinery.</summary>
    [Cmdlet(VerbsCommon.Get, "MCASAlert", DefaultParameterSetName = ListSet)]
    [OutputType(typeof(MdcaAlert))]
    public sealed class GetMcasAlertCommand : McasCmdlet
    {
        private const string ListSet = "List";
        private const string FetchSet = "Fetch";

        /// <summary>Alert id; binds from piped objects' Identity or _id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FetchSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("_id", "Id")]
        [ValidateNotNullOrEmpty]
        public string Identity { get; set; } = "";

        /// <summary>Date or Severity.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Date", "Severity")]
        public string? SortBy { get; set; }

        /// <summary>Ascending or Descending.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Ascending", "Descending")]
        public string? SortDirection { get; set; }

        /// <summary>How many records (default 100, any number: paged for the caller).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, int.MaxValue)]
        public int ResultSetSize { get; set; } = 100;

        /// <summary>Records to skip first.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, int.MaxValue)]
        public int Skip { get; set; }

        /// <summary>Refused: records stream instead.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string? PeriodicWriteToFile { get; set; }

        /// <summary>Severities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public McasSeverity[]? Severity { get; set; }

        /// <summary>Resolution states.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public McasResolutionStatus[]? ResolutionStatus { get; set; }

        /// <summary>Refused: the alerts API filters by entity key, not user name.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [Alias("User")]
        [ValidateNotNullOrEmpty]
        public string[]? UserName { get; set; }

        /// <summary>App ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [Alias("Service", "Services")]
        [ValidateNotNullOrEmpty]
        public int[]? AppId { get; set; }

        /// <summary>App names.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [Alias("ServiceName", "ServiceNames")]
        [ValidateNotNullOrEmpty]
        public McasApp[]? AppName { get; set; }

        /// <summary>App ids to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [Alias("ServiceNot", "ServicesNot")]
        [ValidateNotNullOrEmpty]
        public int[]? AppIdNot { get; set; }

        /// <summary>App names to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [Alias("ServiceNameNot", "ServiceNamesNot")]
        [ValidateNotNullOrEmpty]
        public McasApp[]? AppNameNot { get; set; }

        /// <summary>Policy ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Policy { get; set; }

        /// <summary>Risk scores (0-10).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, 10)]
        public int[]? Risk { get; set; }

        /// <summary>Alert source.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? Source { get; set; }

        /// <summary>Only read alerts.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Read { get; set; }

        /// <summary>Only unread alerts.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Unread { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == FetchSet)
            {
                WriteFetched<MdcaAlert>("alerts", [Identity]);
                return;
            }
            RefusePeriodicWrite();
            if (UserName != null)
            {
                Refuse("UserName",
                    "-UserName is not supported: the alerts API filters by the related entity's key (entity.entity), not by user name.",
                    "Find the user's key with Get-MCASAccount or Get-MdcaEntity, then Get-MdcaAlert -Filter @{ 'entity.entity' = @{ eq = @(@{ id = '...'; saas = 11161; inst = 0 }) } }.");
            }
            var filters = new McasFilters();
            try
            {
                filters.AddIf(McasFilters.Codes(Severity), "severity", "eq", nameof(Severity));
                filters.AddIf(McasFilters.Codes(ResolutionStatus), "resolutionStatus", "eq", nameof(ResolutionStatus));
                filters.AddIf(AppId, "entity.service", "eq", nameof(AppId));
                filters.AddIf(McasFilters.Codes(AppName), "entity.service", "eq", nameof(AppName));
                filters.AddIf(AppIdNot, "entity.service", "neq", nameof(AppIdNot));
                filters.AddIf(McasFilters.Codes(AppNameNot), "entity.service", "neq", nameof(AppNameNot));
                filters.AddIf(Policy, "entity.policy", "eq", nameof(Policy));
                filters.AddIf(Risk, "risk", "eq", nameof(Risk));
                filters.AddIf(Source, "source", "eq", nameof(Source));
                filters.AddSwitch(Read, "read", "eq", true, nameof(Read));
                filters.AddSwitch(Unread, "read", "eq", false, nameof(Unread));
            }
            catch (ArgumentException e)
            {
                ThrowError(e, null);
            }
            string? sort = SortBy == null ? null : SortBy.ToLowerInvariant();
            WriteMcasQuery<MdcaAlert>("alerts", filters, ResultSetSize, Skip, sort, Direction(SortDirection));
        }
    }
}
