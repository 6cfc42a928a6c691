using System;
using System.Collections;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>Get-MCASAccount: the MCAS module's account (entity) query, over Get-MdcaEntity's machinery.</summary>
    [Cmdlet(VerbsCommon.Get, "MCASAccount", DefaultParameterSetName = ListSet)]
    [OutputType(typeof(MdcaEntity))]
    public sealed class GetMcasAccountCommand : McasCmdlet
    {
        private const string ListSet = "List";

        // The MCAS module looked an -Identity up as an Office 365 account of the default instance.
        private const int Office365 = 11161;

        /// <summary>An account id (the entity's id in Office 365); binds from piped objects' Identity.</summary>
        [Parameter(ParameterSetName = ListSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("_id")]
        [ValidateNotNullOrEmpty]
        public string? Identity { get; set; }

        /// <summary>Username or LastSeen.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Username", "LastSeen")]
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

        /// <summary>Only external accounts.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter External { get; set; }

        /// <summary>Only internal accounts.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Internal { get; set; }

        /// <summary>Refused: the entities API has no user-name filter (the MCAS module ignored it).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? UserName { get; set; }

        /// <summary>Only administrators.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter IsAdmin { get; set; }

        /// <summary>User or Account.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("User", "Account")]
        public string? Type { get; set; }

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

        /// <summary>User domains.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? UserDomain { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (UserName != null)
            {
                Refuse("UserName",
                    "-UserName is not supported: the entities API has no user-name filter (the MCAS module accepted -UserName and ignored it).",
                    "Give the account's id with -Identity, or filter the output: Get-MCASAccount -ResultSetSize 1000 | Where-Object Username -eq '...'.");
            }
            var filters = new McasFilters();
            try
            {
                if (External && Internal)
                {
                    throw new ArgumentException("-External and -Internal exclude each other; use one of them.");
                }
                filters.AddSwitch(External, "isExternal", "eq", true, nameof(External));
                filters.AddSwitch(Internal, "isExternal", "eq", false, nameof(Internal));
                filters.AddSwitch(IsAdmin, "isAdmin", "eq", true, nameof(IsAdmin));
                if (Type != null)
                {
                    filters.Add("type", "eq", new[] { Type == "Account" ? 1 : 2 }, nameof(Type));
                }
                filters.AddIf(AppId, "app", "eq", nameof(AppId));
                filters.AddIf(McasFilters.Codes(AppName), "app", "eq", nameof(AppName));
                filters.AddIf(AppIdNot, "app", "neq", nameof(AppIdNot));
                filters.AddIf(McasFilters.Codes(AppNameNot), "app", "neq", nameof(AppNameNot));
                filters.AddIf(UserDomain, "domain", "eq", nameof(UserDomain));
                if (!string.IsNullOrEmpty(Identity))
                {
                    var key = new Hashtable { ["id"] = Identity, ["saas"] = Office365, ["inst"] = 0 };
                    filters.Add("entity", "eq", new object[] { key }, nameof(Identity));
                }
            }
            catch (ArgumentException e)
            {
                ThrowError(e, null);
            }
            string? sort = SortBy switch
            {
                null => null,
                "LastSeen" => "lastSeen",
                _ => "username",
            };
            WriteMcasQuery<MdcaEntity>("entities", filters, ResultSetSize, Skip, sort, Direction(SortDirection));
        }
    }
}
