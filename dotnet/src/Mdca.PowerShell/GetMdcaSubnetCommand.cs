using System;
using System.Collections;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaSubnet: lists IP ranges matching typed filters and -Filter, or fetches them by id.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaSubnet", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(MdcaSubnet))]
    public sealed class GetMdcaSubnetCommand : MdcaCmdlet
    {
        private const string ListSet = "List";
        private const string IdentitySet = "Identity";

        /// <summary>Ids (_id); binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>Categories.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Corporate", "Administrative", "Risky", "VPN", "CloudProvider", "Other")]
        public string[]? Category { get; set; }

        /// <summary>Tag ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? Tag { get; set; }

        /// <summary>Only built-in ranges (-BuiltIn:$false: only custom ones).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter BuiltIn { get; set; }

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
        [ValidateSet("category", "tags", "name")]
        public string? SortBy { get; set; }

        /// <summary>Ascending or Descending.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Ascending", "Descending")]
        public string? SortDirection { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == ListSet)
            {
                WriteQuery<MdcaSubnet>("subnets", ListRequest("subnets"));
            }
            else
            {
                WriteFetched<MdcaSubnet>("subnets", Identity);
            }
        }
    }
}
