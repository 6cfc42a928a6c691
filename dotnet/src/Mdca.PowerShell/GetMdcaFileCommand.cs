using System;
using System.Collections;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaFile: lists files matching typed filters and -Filter, or fetches them by id.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaFile", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(MdcaFile))]
    public sealed class GetMdcaFileCommand : MdcaCmdlet
    {
        private const string ListSet = "List";
        private const string IdentitySet = "Identity";

        /// <summary>Ids (_id); binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>App ids, e.g. 15600 (OneDrive for Business), 20892 (SharePoint Online).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Service { get; set; }

        /// <summary>App instance ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Instance { get; set; }

        /// <summary>File types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Other", "Document", "Spreadsheet", "Presentation", "Text", "Image", "Folder")]
        public string[]? FileType { get; set; }

        /// <summary>Access levels.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Private", "Internal", "External", "Public", "PublicInternet")]
        public string[]? Sharing { get; set; }

        /// <summary>Exact file names.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Name { get; set; }

        /// <summary>File extensions without the dot.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Extension { get; set; }

        /// <summary>MIME types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? MimeType { get; set; }

        /// <summary>Owner user names.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Owner { get; set; }

        /// <summary>Owner organisational units.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? OwnerOrgUnit { get; set; }

        /// <summary>Domains of collaborators.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? CollaboratorDomain { get; set; }

        /// <summary>Ids of policies the files matched.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Policy { get; set; }

        /// <summary>Label (tag) ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? FileLabel { get; set; }

        /// <summary>The app's own file ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? FileId { get; set; }

        /// <summary>Includes deleted files.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter IncludeDeleted { get; set; }

        /// <summary>Only trashed files (-Trashed:$false: no trashed files).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Trashed { get; set; }

        /// <summary>Only folders (-Folder:$false: only files).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Folder { get; set; }

        /// <summary>Only quarantined files.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Quarantined { get; set; }

        /// <summary>Modified at or after this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime After { get; set; }

        /// <summary>Modified at or before this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime Before { get; set; }

        /// <summary>Modified within this many days.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, 36500)]
        public int WithinDays { get; set; }

        /// <summary>Created at or after this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime CreatedAfter { get; set; }

        /// <summary>Created at or before this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime CreatedBefore { get; set; }

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
        [ValidateSet("createdDate", "modifiedDate")]
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
                WriteQuery<MdcaFile>("files", ListRequest("files"));
            }
            else
            {
                WriteFetched<MdcaFile>("files", Identity);
            }
        }
    }
}
