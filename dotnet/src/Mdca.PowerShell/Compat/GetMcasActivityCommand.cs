using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>Get-MCASActivity: the MCAS module's activity query, over Get-MdcaActivity's machinery.</summary>
    [Cmdlet(VerbsCommon.Get, "MCASActivity", DefaultParameterSetName = ListSet)]
    [OutputType(typeof(MdcaActivity))]
    public sealed class GetMcasActivityCommand : McasCmdlet
    {
        private const string ListSet = "List";
        private const string FetchSet = "Fetch";

        // The MCAS module's IP tag and user-agent tag names → the API's tag ids.
        private static readonly Dictionary<string, string> IpTags = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Akamai_Technologies"] = "0000002d0000000000000000",
            ["Amazon_Web_Services"] = "000000290000000000000000",
            ["Anonymous_proxy"] = "000000030000000000000000",
            ["Ascenty_Data_Centers"] = "0000002f0000000000000000",
            ["Botnet"] = "0000000c0000000000000000",
            ["Brute_force_attacker"] = "000000380000000000000000",
            ["Cisco_CWS"] = "000000270000000000000000",
            ["Cloud_App_Security_network"] = "000000050000000000000000",
            ["Darknet_scanning_IP"] = "0000001f0000000000000000",
            ["Exchange_Online"] = "0000000e0000000000000000",
            ["Exchange_Online_Protection"] = "000000150000000000000000",
            ["Google_Cloud_Platform"] = "000000280000000000000000",
            ["Internal_Network_IP"] = "000000310000000000000000",
            ["Malware_CnC_server"] = "0000000d0000000000000000",
            ["Masergy_Communications"] = "0000002e0000000000000000",
            ["McAfee_Web_Gateway"] = "0000002c0000000000000000",
            ["Microsoft_Azure"] = "0000002a0000000000000000",
            ["Microsoft_Cloud"] = "0000001e0000000000000000",
            ["Microsoft_Hosting"] = "0000003a0000000000000000",
            ["Microsoft_authentication_and_identity"] = "000000100000000000000000",
            ["Office_365"] = "000000170000000000000000",
            ["Office_365_Planner"] = "000000190000000000000000",
            ["Office_365_ProPlus"] = "000000120000000000000000",
            ["Office_Online"] = "000000140000000000000000",
            ["Office_Sway"] = "0000001d0000000000000000",
            ["Office_Web_Access_Companion"] = "0000001a0000000000000000",
            ["OneNote"] = "000000130000000000000000",
            ["Remote_Connectivity_Analyzer"] = "0000001c0000000000000000",
            ["Salesforce_Cloud"] = "000000390000000000000000",
            ["Satellite_provider"] = "000000040000000000000000",
            ["ScanSafe"] = "000000300000000000000000",
            ["SharePoint_Online"] = "0000000f0000000000000000",
            ["Skype_for_Business_Online"] = "000000180000000000000000",
            ["Symantec_Cloud"] = "000000330000000000000000",
            ["Tor"] = "2dfa95cd7922d979d66fcff5",
            ["Yammer"] = "0000001b0000000000000000",
            ["Zscaler"] = "000000160000000000000000",
        };

        private static readonly Dictionary<string, string> UserAgentTags = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Native_client"] = "000000000000000000000000",
            ["Outdated_browser"] = "000000010000000000000000",
            ["Outdated_operating_system"] = "000000020000000000000000",
            ["Robot"] = "0000002b0000000000000000",
        };

        /// <summary>Activity id; binds from piped objects' Identity or _id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FetchSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("_id", "Id")]
        [ValidateNotNullOrEmpty]
        public string Identity { get; set; } = "";

        /// <summary>Date or Created.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Date", "Created")]
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

        /// <summary>User names.</summary>
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

        /// <summary>Data source (0 access control … 6 MDATP).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(0, 6)]
        public int Source { get; set; }

        /// <summary>Event types, e.g. EVENT_CATEGORY_LOGIN.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? EventTypeName { get; set; }

        /// <summary>Event types to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? EventTypeNameNot { get; set; }

        /// <summary>Action types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ActionTypeName { get; set; }

        /// <summary>Action types to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ActionTypeNameNot { get; set; }

        /// <summary>IP categories.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public McasIpCategory[]? IpCategory { get; set; }

        /// <summary>IP address prefixes.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateLength(1, 45)]
        public string[]? IpStartsWith { get; set; }

        /// <summary>IP address prefixes to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateLength(1, 45)]
        public string[]? IpDoesNotStartWith { get; set; }

        /// <summary>At or before this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime DateBefore { get; set; }

        /// <summary>At or after this time.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public DateTime DateAfter { get; set; }

        /// <summary>Device types to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Desktop", "Mobile", "Tablet", "Other")]
        public string[]? DeviceTypeNot { get; set; }

        /// <summary>Device types.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Desktop", "Mobile", "Tablet", "Other")]
        public string[]? DeviceType { get; set; }

        /// <summary>Free-text search (5 characters or more).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateLength(5, int.MaxValue)]
        public string? Text { get; set; }

        /// <summary>A file id.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? FileID { get; set; }

        /// <summary>File labels.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? FileLabel { get; set; }

        /// <summary>File labels to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? FileLabelNot { get; set; }

        /// <summary>IP tags (the MCAS module's names).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? IPTag { get; set; }

        /// <summary>IP tags to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? IPTagNot { get; set; }

        /// <summary>Only activities with a country.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter CountryCodePresent { get; set; }

        /// <summary>Only activities without a country.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter CountryCodeNotPresent { get; set; }

        /// <summary>Two-letter country codes.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateLength(2, 2)]
        public string[]? CountryCode { get; set; }

        /// <summary>Country codes to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateLength(2, 2)]
        public string[]? CountryCodeNot { get; set; }

        /// <summary>A policy id.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? PolicyId { get; set; }

        /// <summary>Within this many days (1-180).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 180)]
        public int DaysAgo { get; set; }

        /// <summary>Only administrative activities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter AdminEvents { get; set; }

        /// <summary>Only non-administrative activities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter NonAdminEvents { get; set; }

        /// <summary>Only impersonated activities.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter Impersonated { get; set; }

        /// <summary>Only activities not impersonated.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter ImpersonatedNot { get; set; }

        /// <summary>User agents containing this text.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? UserAgentContains { get; set; }

        /// <summary>User agents not containing this text.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? UserAgentNotContains { get; set; }

        /// <summary>User-agent tags.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Native_client", "Outdated_browser", "Outdated_operating_system", "Robot")]
        public string[]? UserAgentTag { get; set; }

        /// <summary>User-agent tags to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("Native_client", "Outdated_browser", "Outdated_operating_system", "Robot")]
        public string[]? UserAgentTagNot { get; set; }

        /// <summary>User group ids.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? UserGroup { get; set; }

        /// <summary>User group ids to exclude.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? UserGroupNot { get; set; }

        /// <summary>Only users in an imported group.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter UserGroupPresent { get; set; }

        /// <summary>Only users in no imported group.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter UserGroupNotPresent { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == FetchSet)
            {
                WriteFetched<MdcaActivity>("activities", [Identity]);
                return;
            }
            RefusePeriodicWrite();
            var bound = MyInvocation.BoundParameters;
            var filters = new McasFilters();
            try
            {
                filters.AddIf(UserName, "user.username", "eq", nameof(UserName));
                filters.AddIf(AppId, "service", "eq", nameof(AppId));
                filters.AddIf(McasFilters.Codes(AppName), "service", "eq", nameof(AppName));
                filters.AddIf(AppIdNot, "service", "neq", nameof(AppIdNot));
                filters.AddIf(McasFilters.Codes(AppNameNot), "service", "neq", nameof(AppNameNot));
                if (bound.ContainsKey(nameof(Source)))
                {
                    filters.Add("source", "eq", new[] { Source }, nameof(Source));
                }
                filters.AddIf(EventTypeName, "activity.eventType", "eq", nameof(EventTypeName));
                filters.AddIf(EventTypeNameNot, "activity.eventType", "neq", nameof(EventTypeNameNot));
                filters.AddIf(ActionTypeName, "actionType", "eq", nameof(ActionTypeName));
                filters.AddIf(ActionTypeNameNot, "actionType", "neq", nameof(ActionTypeNameNot));
                filters.AddIf(McasFilters.Codes(IpCategory), "ip.category", "eq", nameof(IpCategory));
                filters.AddIf(IpStartsWith, "ip.address", "startswith", nameof(IpStartsWith));
                filters.AddIf(IpDoesNotStartWith, "ip.address", "doesnotstartwith", nameof(IpDoesNotStartWith));
                if (bound.ContainsKey(nameof(DateBefore)))
                {
                    filters.Add("date", "lte", McasFilters.EpochMs(DateBefore), nameof(DateBefore));
                }
                if (bound.ContainsKey(nameof(DateAfter)))
                {
                    filters.Add("date", "gte", McasFilters.EpochMs(DateAfter), nameof(DateAfter));
                }
                if (bound.ContainsKey(nameof(DaysAgo)))
                {
                    filters.Add("date", "gte_ndays", DaysAgo, nameof(DaysAgo));
                }
                filters.AddIf(Upper(DeviceType), "device.type", "eq", nameof(DeviceType));
                filters.AddIf(Upper(DeviceTypeNot), "device.type", "neq", nameof(DeviceTypeNot));
                filters.AddIf(Text, "text", "text", nameof(Text));
                filters.AddIf(FileID == null ? null : new[] { FileID }, "fileId", "eq", nameof(FileID));
                filters.AddIf(FileLabel, "fileLabels", "eq", nameof(FileLabel));
                filters.AddIf(FileLabelNot, "fileLabels", "neq", nameof(FileLabelNot));
                filters.AddIf(Tags(IPTag, IpTags, nameof(IPTag)), "ip.tags", "eq", nameof(IPTag));
                filters.AddIf(Tags(IPTagNot, IpTags, nameof(IPTagNot)), "ip.tags", "neq", nameof(IPTagNot));
                filters.AddIf(CountryCode, "location.country", "eq", nameof(CountryCode));
                filters.AddIf(CountryCodeNot, "location.country", "neq", nameof(CountryCodeNot));
                filters.AddSwitch(CountryCodePresent, "location.country", "isset", true, nameof(CountryCodePresent));
                filters.AddSwitch(CountryCodeNotPresent, "location.country", "isnotset", true, nameof(CountryCodeNotPresent));
                filters.AddIf(PolicyId == null ? null : new[] { PolicyId }, "policy", "eq", nameof(PolicyId));
                filters.AddSwitch(AdminEvents, "activity.type", "eq", true, nameof(AdminEvents));
                filters.AddSwitch(NonAdminEvents, "activity.type", "eq", false, nameof(NonAdminEvents));
                filters.AddSwitch(Impersonated, "activity.impersonated", "eq", true, nameof(Impersonated));
                filters.AddSwitch(ImpersonatedNot, "activity.impersonated", "eq", false, nameof(ImpersonatedNot));
                filters.AddIf(UserAgentContains, "userAgent.userAgent", "contains", nameof(UserAgentContains));
                filters.AddIf(UserAgentNotContains, "userAgent.userAgent", "ncontains", nameof(UserAgentNotContains));
                filters.AddIf(Tags(UserAgentTag, UserAgentTags, nameof(UserAgentTag)), "userAgent.tags", "eq", nameof(UserAgentTag));
                filters.AddIf(Tags(UserAgentTagNot, UserAgentTags, nameof(UserAgentTagNot)), "userAgent.tags", "neq", nameof(UserAgentTagNot));
                filters.AddIf(UserGroup, "user.tags", "eq", nameof(UserGroup));
                filters.AddIf(UserGroupNot, "user.tags", "neq", nameof(UserGroupNot));
                filters.AddSwitch(UserGroupPresent, "user.tags", "isset", true, nameof(UserGroupPresent));
                filters.AddSwitch(UserGroupNotPresent, "user.tags", "isnotset", true, nameof(UserGroupNotPresent));
            }
            catch (ArgumentException e)
            {
                ThrowError(e, null);
            }
            string? sort = SortBy == null ? null : SortBy.ToLowerInvariant();
            WriteMcasQuery<MdcaActivity>("activities", filters, ResultSetSize, Skip, sort, Direction(SortDirection));
        }

        private static string[]? Upper(string[]? values) => values == null ? null : Array.ConvertAll(values, v => v.ToUpperInvariant());

        private static string[]? Tags(string[]? names, Dictionary<string, string> table, string parameter)
        {
            if (names == null)
            {
                return null;
            }
            return Array.ConvertAll(names, name => table.TryGetValue(name, out string? id)
                ? id
                : throw new ArgumentException($"-{parameter}: unknown tag '{name}'; known tags are {string.Join(", ", table.Keys)}."));
        }
    }
}
