using System;
using System.Collections;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaEntity: lists entities matching typed filters and -Filter, or fetches them by id.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaEntity", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(MdcaEntity))]
    public sealed class GetMdcaEntityCommand : MdcaCmdlet
    {
        private const string ListSet = "List";
        private const string IdentitySet = "Identity";

        /// <summary>Entity primary keys (JSON {"id","saas","inst"} or its base64 form); binds from piped records' username.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Username", "pk")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>With -Identity: the entity's tree instead of the entity.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        public SwitchParameter Tree { get; set; }

        /// <summary>Account or User.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Account", "User")]
        public string[]? Type { get; set; }

        /// <summary>Account states.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("NotAvailable", "Staged", "Active", "Suspended", "Deleted")]
        public string[]? Status { get; set; }

        /// <summary>Only external entities (-External:$false: only internal ones).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter External { get; set; }

        /// <summary>Domains.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Domain { get; set; }

        /// <summary>Organisational units.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Organization { get; set; }

        /// <summary>Group ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? UserGroup { get; set; }

        /// <summary>App (SaaS) ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? App { get; set; }

        /// <summary>App instance ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int[]? Instance { get; set; }

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
        [ValidateSet("date", "severity", "lastSeen", "username")]
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
                WriteQuery<MdcaEntity>("entities", ListRequest("entities"));
            }
            else if (Tree)
            {
                WriteTrees(Identity);
            }
            else
            {
                WriteFetched<MdcaEntity>("entities", Identity);
            }
        }

        private void WriteTrees(string[] keys)
        {
            var client = RequireClient();
            foreach (string key in keys)
            {
                try
                {
                    // The tree as Invoke-RestMethod would give it (PSCustomObjects), not a JsonElement.
                    WriteObject(PsJson.ToPSObjects(Call(ct => client.EntityTree(key, ct))));
                }
                catch (Exception e) when (IsReportable(e))
                {
                    WriteItemError(e, key);
                }
            }
        }
    }
}
