using System;
using System.Collections;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaAlert: lists alerts matching typed filters and -Filter, or fetches them by id.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaAlert", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(MdcaAlert))]
    public sealed class GetMdcaAlertCommand : MdcaCmdlet
    {
        private const string ListSet = "List";
        private const string IdentitySet = "Identity";

        /// <summary>Ids (_id); binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>Severities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Low", "Medium", "High", "Informational")]
        public string[]? Severity { get; set; }

        /// <summary>Resolution states.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Open", "Dismissed", "Resolved", "FalsePositive", "Benign", "TruePositive")]
        public string[]? ResolutionStatus { get; set; }

        /// <summary>Only open alerts (-Open:$false: only closed ones).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Open { get; set; }

        /// <summary>Only read alerts (-Read:$false: only unread ones).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Read { get; set; }

        /// <summary>App ids of the related entities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Service { get; set; }

        /// <summary>App instance ids of the related entities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Instance { get; set; }

        /// <summary>Ids of the policies that raised the alerts.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Policy { get; set; }

        /// <summary>Related IP addresses.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? IpAddress { get; set; }

        /// <summary>Related file ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? FileId { get; set; }

        /// <summary>Risk scores.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Risk { get; set; }

        /// <summary>Alert type codes.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? AlertType { get; set; }

        /// <summary>Raised at or after this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime After { get; set; }

        /// <summary>Raised at or before this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime Before { get; set; }

        /// <summary>Raised within this many days.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, 36500)]
        public int WithinDays { get; set; }

        /// <summary>Resolved at or after this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime ResolvedAfter { get; set; }

        /// <summary>Resolved at or before this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime ResolvedBefore { get; set; }

        /// <summary>Raw MDCA filters, passed through and combined with the typed ones.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public Hashtable? Filter { get; set; }

        /// <summary>Returns every matching record, page by page (without it, one page unless -First).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter All { get; set; }

        /// <summary>Records per request (1-100).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 100)]
        public int PageSize { get; set; }

        /// <summary>Sort field.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("date", "severity")]
        public string? SortBy { get; set; }

        /// <summary>Ascending or Descending.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Ascending", "Descending")]
        public string? SortDirection { get; set; }

        /// <summary>With -All: a file that keeps the pull's position, saved after each page; the next run resumes it (only what is new once a pull completed).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? CheckpointPath { get; set; }

        /// <summary>With -CheckpointPath: how many seconds before the previous run's newest record an incremental run starts reading again (default 600).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, int.MaxValue)]
        public int LookbackSeconds { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == ListSet)
            {
                WriteQuery<MdcaAlert>("alerts", ListRequest("alerts"));
            }
            else
            {
                WriteFetched<MdcaAlert>("alerts", Identity);
            }
        }
    }
}
