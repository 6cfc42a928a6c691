using System;
using System.Collections;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaActivity: lists activities matching typed filters and -Filter, or fetches them by id.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaActivity", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(MdcaActivity))]
    public sealed class GetMdcaActivityCommand : MdcaCmdlet
    {
        private const string ListSet = "List";
        private const string IdentitySet = "Identity";

        /// <summary>Ids (_id); binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>App ids, e.g. 11161 (Office 365), 20893 (Exchange Online).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Service { get; set; }

        /// <summary>App instance ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Instance { get; set; }

        /// <summary>User names.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? User { get; set; }

        /// <summary>User domains.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? UserDomain { get; set; }

        /// <summary>Event action types, e.g. EVENT_CATEGORY_LOGIN.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? EventType { get; set; }

        /// <summary>Fine-grained action types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? ActionType { get; set; }

        /// <summary>Source IP addresses.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? IpAddress { get; set; }

        /// <summary>Categories of the source IP address.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Corporate", "Administrative", "Risky", "VPN", "CloudProvider", "Other")]
        public string[]? IpCategory { get; set; }

        /// <summary>Two-letter country codes of the source location.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Country { get; set; }

        /// <summary>Device types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Desktop", "Mobile", "Tablet", "Other")]
        public string[]? DeviceType { get; set; }

        /// <summary>Only administrative activities (-AdminEvent:$false: only non-administrative ones).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter AdminEvent { get; set; }

        /// <summary>Only impersonated activities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Impersonated { get; set; }

        /// <summary>Ids of policies the activities matched.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Policy { get; set; }

        /// <summary>Related file ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? FileId { get; set; }

        /// <summary>Ids of alerts the activities belong to.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? AlertId { get; set; }

        /// <summary>Free-text search.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string? Text { get; set; }

        /// <summary>At or after this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime After { get; set; }

        /// <summary>At or before this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime Before { get; set; }

        /// <summary>Within this many days.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, 36500)]
        public int WithinDays { get; set; }

        /// <summary>Raw MDCA filters, passed through and combined with the typed ones.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public Hashtable? Filter { get; set; }

        /// <summary>Forces scan mode on (or off with -Scan:$false); by default the library chooses.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Scan { get; set; }

        /// <summary>Returns every matching record, page by page (without it, one page unless -First).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter All { get; set; }

        /// <summary>Records per request (1-5000).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 5000)]
        public int PageSize { get; set; }

        /// <summary>Sort field.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("date", "created")]
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
                WriteQuery<MdcaActivity>("activities", ListRequest("activities"));
            }
            else
            {
                WriteFetched<MdcaActivity>("activities", Identity);
            }
        }
    }
}
