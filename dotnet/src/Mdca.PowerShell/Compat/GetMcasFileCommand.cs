using System;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>Get-MCASFile: the MCAS module's file query, over Get-MdcaFile's machinery.</summary>
    [Cmdlet(VerbsCommon.Get, "MCASFile", DefaultParameterSetName = ListSet)]
    [OutputType(typeof(MdcaFile))]
    public sealed class GetMcasFileCommand : McasCmdlet
    {
        private const string ListSet = "List";
        private const string FetchSet = "Fetch";

        /// <summary>File id; binds from piped objects' Identity or _id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FetchSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("_id", "Id")]
        [ValidateNotNullOrEmpty]
        public string Identity { get; set; } = "";

        /// <summary>DateModified.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("DateModified")]
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

        /// <summary>File types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public McasFileType[]? Filetype { get; set; }

        /// <summary>File types to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public McasFileType[]? FiletypeNot { get; set; }

        /// <summary>Access levels.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public McasFileAccessLevel[]? FileAccessLevel { get; set; }

        /// <summary>Labels.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? FileLabel { get; set; }

        /// <summary>Labels to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? FileLabelNot { get; set; }

        /// <summary>Collaborator user names.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Collaborators { get; set; }

        /// <summary>Collaborator user names to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? CollaboratorsNot { get; set; }

        /// <summary>Owner user names.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Owner { get; set; }

        /// <summary>Owner user names to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? OwnerNot { get; set; }

        /// <summary>Policy ids the files matched.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? PolicyId { get; set; }

        /// <summary>A MIME type.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? MIMEType { get; set; }

        /// <summary>A MIME type to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? MIMETypeNot { get; set; }

        /// <summary>Domains the files are shared with.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Domains { get; set; }

        /// <summary>Domains the files are not shared with.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? DomainsNot { get; set; }

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

        /// <summary>The file name with extension.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Text of the file name without extension.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? NameWithoutExtension { get; set; }

        /// <summary>An extension.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? Extension { get; set; }

        /// <summary>An extension to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? ExtensionNot { get; set; }

        /// <summary>Only trashed files.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Trashed { get; set; }

        /// <summary>Only files not trashed.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter TrashedNot { get; set; }

        /// <summary>Only quarantined files.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Quarantined { get; set; }

        /// <summary>Only files not quarantined.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter QuarantinedNot { get; set; }

        /// <summary>Only folders.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Folders { get; set; }

        /// <summary>Only files that are not folders.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter FoldersNot { get; set; }

        /// <summary>Created at or before.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime CreatedDateBefore { get; set; }

        /// <summary>Created at or after.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime CreatedDateAfter { get; set; }

        /// <summary>Modified at or before.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime ModifiedDateBefore { get; set; }

        /// <summary>Modified at or after.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime ModifiedDateAfter { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == FetchSet)
            {
                WriteFetched<MdcaFile>("files", [Identity]);
                return;
            }
            RefusePeriodicWrite();
            var bound = MyInvocation.BoundParameters;
            var filters = new McasFilters();
            try
            {
                filters.AddIf(McasFilters.Codes(Filetype), "fileType", "eq", nameof(Filetype));
                filters.AddIf(McasFilters.Codes(FiletypeNot), "fileType", "neq", nameof(FiletypeNot));
                filters.AddIf(McasFilters.Codes(FileAccessLevel), "sharing", "eq", nameof(FileAccessLevel));
                filters.AddIf(FileLabel, "fileLabels", "eq", nameof(FileLabel));
                filters.AddIf(FileLabelNot, "fileLabels", "neq", nameof(FileLabelNot));
                filters.AddIf(Collaborators, "collaborators.users", "eq", nameof(Collaborators));
                filters.AddIf(CollaboratorsNot, "collaborators.users", "neq", nameof(CollaboratorsNot));
                filters.AddIf(Owner, "owner.username", "eq", nameof(Owner));
                filters.AddIf(OwnerNot, "owner.username", "neq", nameof(OwnerNot));
                filters.AddIf(PolicyId, "policy", "cabinetmatchedrulesequals", nameof(PolicyId));
                filters.AddIf(One(MIMEType), "mimeType", "eq", nameof(MIMEType));
                filters.AddIf(One(MIMETypeNot), "mimeType", "neq", nameof(MIMETypeNot));
                filters.AddIf(Domains, "collaborators.withDomain", "eq", nameof(Domains));
                filters.AddIf(DomainsNot, "collaborators.withDomain", "neq", nameof(DomainsNot));
                filters.AddIf(AppId, "service", "eq", nameof(AppId));
                filters.AddIf(McasFilters.Codes(AppName), "service", "eq", nameof(AppName));
                filters.AddIf(AppIdNot, "service", "neq", nameof(AppIdNot));
                filters.AddIf(McasFilters.Codes(AppNameNot), "service", "neq", nameof(AppNameNot));
                filters.AddIf(One(Name), "filename", "eq", nameof(Name));
                filters.AddIf(NameWithoutExtension, "filename", "text", nameof(NameWithoutExtension));
                filters.AddIf(One(Extension), "extension", "eq", nameof(Extension));
                filters.AddIf(One(ExtensionNot), "extension", "neq", nameof(ExtensionNot));
                filters.AddSwitch(Trashed, "trashed", "eq", true, nameof(Trashed));
                filters.AddSwitch(TrashedNot, "trashed", "eq", false, nameof(TrashedNot));
                filters.AddSwitch(Quarantined, "quarantined", "eq", true, nameof(Quarantined));
                filters.AddSwitch(QuarantinedNot, "quarantined", "eq", false, nameof(QuarantinedNot));
                filters.AddSwitch(Folders, "folder", "eq", true, nameof(Folders));
                filters.AddSwitch(FoldersNot, "folder", "eq", false, nameof(FoldersNot));
                // The MCAS module sent both created-date parameters as modifiedDate; they mean createdDate.
                AddDate(filters, bound.ContainsKey(nameof(CreatedDateBefore)), CreatedDateBefore, "createdDate", "lte", nameof(CreatedDateBefore));
                AddDate(filters, bound.ContainsKey(nameof(CreatedDateAfter)), CreatedDateAfter, "createdDate", "gte", nameof(CreatedDateAfter));
                AddDate(filters, bound.ContainsKey(nameof(ModifiedDateBefore)), ModifiedDateBefore, "modifiedDate", "lte", nameof(ModifiedDateBefore));
                AddDate(filters, bound.ContainsKey(nameof(ModifiedDateAfter)), ModifiedDateAfter, "modifiedDate", "gte", nameof(ModifiedDateAfter));
            }
            catch (ArgumentException e)
            {
                ThrowError(e, null);
            }
            string? sort = SortBy == null ? null : "modifiedDate";
            WriteMcasQuery<MdcaFile>("files", filters, ResultSetSize, Skip, sort, Direction(SortDirection));
        }

        private static string[]? One(string? value) => value == null ? null : [value];

        private static void AddDate(McasFilters filters, bool given, DateTime value, string field, string op, string parameter)
        {
            if (given)
            {
                filters.Add(field, op, McasFilters.EpochMs(value), parameter);
            }
        }
    }
}
