using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace Mdca.PowerShell.Compat
{
    /// <summary>
    /// What the cmdlets named after Microsoft's community MCAS module share: -Credential defaulting to the
    /// global $CASCredential (user name = portal host or URL, password = legacy API token), the session
    /// that credential selects, and records that carry the MCAS module's Identity property so that
    /// <c>Get-MCASAlert … | Set-MCASAlert</c> pipelines bind as they did.
    /// </summary>
    public abstract class McasCmdlet : MdcaCmdlet
    {
        /// <summary>The portal (user name) and legacy API token (password); default: $CASCredential.</summary>
        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            UseCredentialSession();
        }

        /// <summary>
        /// Makes current the session this call should use: -Credential when given; else a Connect-Mdca
        /// session made without a PSCredential (an explicit sign-in wins over the global default); else
        /// $CASCredential; else whatever session there is. A credential's session is reused while the same
        /// PSCredential object is given, and replaced (the old client freed) when another one is.
        /// </summary>
        private void UseCredentialSession()
        {
            var current = MdcaSession.Current;
            PSCredential? credential = Credential;
            if (credential == null)
            {
                if (current != null && !McasCredentials.IsFromCredential(current.Client))
                {
                    return;
                }
                credential = GlobalCredential();
            }
            if (credential == null)
            {
                if (current == null)
                {
                    var exception = new InvalidOperationException(
                        "Not connected to Defender for Cloud Apps: neither -Credential nor $CASCredential is set, and Connect-Mdca was not run.");
                    var record = new ErrorRecord(exception, "Mdca.NotConnected", ErrorCategory.ConnectionError, null)
                    {
                        ErrorDetails = new ErrorDetails(exception.Message)
                        {
                            RecommendedAction = "Run Get-MCASCredential (or $CASCredential = Get-Credential with the portal host as user name and the API token as password), or Connect-Mdca.",
                        },
                    };
                    ThrowTerminatingError(record);
                }
                return;
            }
            if (current != null && McasCredentials.IsSameCredential(current.Client, credential))
            {
                return;
            }
            MdcaClient? client = null;
            try
            {
                client = McasCredentials.Connect(credential, null, null);
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, credential.UserName);
            }
            MdcaSession.Start(client!, null, null);
            WriteVerbose($"Connected to {client!.Url} with the API token of the credential for {credential.UserName}.");
        }

        private PSCredential? GlobalCredential()
        {
            object? value = SessionState.PSVariable.GetValue("global:CASCredential");
            return PSObject.AsPSObject(value ?? new object()).BaseObject as PSCredential;
        }

        /// <inheritdoc />
        internal override object OutputRecord(MdcaRecord record) => McasRecords.WithIdentity(record);

        /// <summary>
        /// A query of -ResultSetSize records from -Skip on, with the filters built from the MCAS parameters,
        /// streamed page by page through the module's query machinery (paging, throttling, retries).
        /// </summary>
        internal void WriteMcasQuery<T>(string entity, McasFilters filters, int resultSetSize, int skip, string? sortField, string? sortDirection)
            where T : MdcaRecord
        {
            string request;
            try
            {
                var values = new List<KeyValuePair<string, object?>>
                {
                    new("First", resultSetSize),
                };
                if (skip > 0)
                {
                    values.Add(new KeyValuePair<string, object?>("Skip", skip));
                }
                if (sortField != null)
                {
                    values.Add(new KeyValuePair<string, object?>("SortBy", sortField));
                }
                if (sortDirection != null)
                {
                    values.Add(new KeyValuePair<string, object?>("SortDirection", sortDirection));
                }
                if (filters.Count > 0)
                {
                    values.Add(new KeyValuePair<string, object?>("Filter", filters.ToHashtable()));
                }
                request = Binding.QueryRequest(entity, values);
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, entity);
                return;
            }
            WriteQuery<T>(entity, request);
        }

        /// <summary>A terminating InvalidArgument error for an MCAS parameter that cannot be honoured.</summary>
        internal void Refuse(string parameter, string message, string action)
        {
            var exception = new ArgumentException(message);
            var record = new ErrorRecord(exception, "Mdca.McasParameterUnsupported", ErrorCategory.InvalidArgument, parameter)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = action },
            };
            ThrowTerminatingError(record);
        }

        /// <summary>Refuses -PeriodicWriteToFile: records stream instead of being collected and rewritten.</summary>
        internal void RefusePeriodicWrite()
        {
            if (MyInvocation.BoundParameters.ContainsKey("PeriodicWriteToFile"))
            {
                Refuse("PeriodicWriteToFile",
                    "-PeriodicWriteToFile is not supported: records go down the pipeline as each page arrives instead of being collected and rewritten to a file.",
                    "Pipe the output to a file (| ConvertTo-Json -Compress -Depth 10 | Add-Content FILE, or | Export-Csv FILE), or use the Get-Mdca* cmdlet with -All -CheckpointPath FILE to resume a long pull.");
            }
        }

        /// <summary>The API's sort direction for the MCAS -SortDirection, or null.</summary>
        internal static string? Direction(string? sortDirection) => string.IsNullOrEmpty(sortDirection) ? null : sortDirection;
    }

    /// <summary>Which clients were made from which PSCredential (Connect-Mdca -Credential or $CASCredential).</summary>
    internal static class McasCredentials
    {
        private static readonly ConditionalWeakTable<MdcaClient, PSCredential> Made = new();

        internal static bool IsFromCredential(MdcaClient client) => Made.TryGetValue(client, out _);

        internal static bool IsSameCredential(MdcaClient client, PSCredential credential) =>
            Made.TryGetValue(client, out var made) && ReferenceEquals(made, credential);

        /// <summary>
        /// A client for a credential: the user name is the portal host or URL (or <paramref name="url"/>),
        /// the password the legacy API token, never turned into clear text here.
        /// </summary>
        internal static MdcaClient Connect(PSCredential credential, string? url, Action<MdcaConnectOptions>? configure)
        {
            string portal = string.IsNullOrEmpty(url) ? credential.UserName.Trim() : url!;
            if (string.IsNullOrEmpty(portal))
            {
                throw new ArgumentException("The credential has no user name: give the portal host or URL (e.g. contoso.us3.portal.cloudappsecurity.com) as the user name and the API token as the password.");
            }
            if (credential.Password == null || credential.Password.Length == 0)
            {
                throw new ArgumentException("The credential has no password: give the legacy API token (Settings > Cloud Apps > API tokens) as the password.");
            }
            var options = new MdcaConnectOptions { Url = portal, ApiToken = credential.Password };
            configure?.Invoke(options);
            var client = MdcaClient.Connect(options);
            Remember(client, credential);
            return client;
        }

        /// <summary>Notes that <paramref name="client"/> was made from <paramref name="credential"/>.</summary>
        internal static void Remember(MdcaClient client, PSCredential credential) => Made.Add(client, credential);
    }

    /// <summary>Records as the MCAS module wrote them: with an Identity alias (and _id) of the record's id.</summary>
    internal static class McasRecords
    {
        internal static PSObject WithIdentity(MdcaRecord record)
        {
            var wrapped = PSObject.AsPSObject(record);
            string target = record is MdcaEntity ? nameof(MdcaEntity.EntityId) : nameof(MdcaRecord.Id);
            if (wrapped.Properties["Identity"] == null)
            {
                wrapped.Properties.Add(new PSAliasProperty("Identity", target));
            }
            if (record is not MdcaEntity && wrapped.Properties["_id"] == null)
            {
                wrapped.Properties.Add(new PSAliasProperty("_id", nameof(MdcaRecord.Id)));
            }
            return wrapped;
        }
    }

    /// <summary>
    /// The filters an MCAS cmdlet's parameters add: field → operator → value. Two parameters that set the
    /// same operator of the same field (-AppId with -AppName) are refused, as the MCAS module refused them,
    /// instead of one silently winning.
    /// </summary>
    internal sealed class McasFilters
    {
        private readonly Dictionary<string, Dictionary<string, (object Value, string Parameter)>> fields = new(StringComparer.Ordinal);

        internal int Count => fields.Count;

        internal void Add(string field, string op, object value, string parameter)
        {
            if (!fields.TryGetValue(field, out var ops))
            {
                ops = new Dictionary<string, (object, string)>(StringComparer.Ordinal);
                fields[field] = ops;
            }
            if (ops.TryGetValue(op, out var existing))
            {
                throw new ArgumentException($"-{parameter} and -{existing.Parameter} both set the {field} filter ({op}); use only one of them.");
            }
            ops[op] = (value, parameter);
        }

        /// <summary>Adds the filter when the parameter was given (a non-empty array or a value).</summary>
        internal void AddIf(object? value, string field, string op, string parameter)
        {
            if (value == null || (value is Array array && array.Length == 0))
            {
                return;
            }
            Add(field, op, value, parameter);
        }

        /// <summary>Adds <c>field op true</c> for a switch that is present.</summary>
        internal void AddSwitch(SwitchParameter value, string field, string op, object filterValue, string parameter)
        {
            if (value.IsPresent)
            {
                Add(field, op, filterValue, parameter);
            }
        }

        /// <summary>Enum values as their integer codes.</summary>
        internal static long[]? Codes<TEnum>(TEnum[]? values)
            where TEnum : struct, Enum
        {
            if (values == null)
            {
                return null;
            }
            var codes = new long[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                codes[i] = Convert.ToInt64(values[i], System.Globalization.CultureInfo.InvariantCulture);
            }
            return codes;
        }

        /// <summary>A time as the API's epoch milliseconds.</summary>
        internal static long EpochMs(DateTime time)
        {
            var utc = time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Local).ToUniversalTime() : time.ToUniversalTime();
            return (long)(utc - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalMilliseconds;
        }

        internal Hashtable ToHashtable()
        {
            var result = new Hashtable(StringComparer.Ordinal);
            foreach (var field in fields)
            {
                var ops = new Hashtable(StringComparer.Ordinal);
                foreach (var op in field.Value)
                {
                    ops[op.Key] = op.Value.Value;
                }
                result[field.Key] = ops;
            }
            return result;
        }
    }
}
