using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// Cmdlet parameters → request JSON, through the library's tested mapping (mdca_params_*), so that
    /// PowerShell and Rust agree on every filter. Parameter names are case-insensitive.
    /// </summary>
    public static class MdcaParams
    {
        /// <summary>PowerShell's common and paging-report parameters, which are never forwarded.</summary>
        public static IReadOnlyList<string> NotForwarded { get; } =
        [
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction",
            "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer",
            "PipelineVariable", "WhatIf", "Confirm", "IncludeTotalCount", "UseTransaction",
        ];

        /// <summary>Bound parameters as a JSON object, leaving out common parameters and the given names.</summary>
        public static string ToJson(IDictionary? parameters, params string[] exclude) => MdcaJsonWriter.Serialize(Forwarded(parameters, exclude));

        private static OrderedDictionary Forwarded(IDictionary? parameters, string[]? exclude)
        {
            var forwarded = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            if (parameters == null)
            {
                return forwarded;
            }
            foreach (DictionaryEntry entry in parameters)
            {
                string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                if (Contains(NotForwarded, name) || (exclude != null && Contains(exclude, name)))
                {
                    continue;
                }
                forwarded[name] = entry.Value;
            }
            return forwarded;
        }

        private static bool Contains(IEnumerable<string> names, string name) =>
            names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>The query request JSON for a Get-Mdca* cmdlet's bound parameters.</summary>
        /// <exception cref="MdcaException">InvalidArgument (unknown parameter or bad value), InvalidFilter, UnknownEntity.</exception>
        public static string QueryRequest(string entity, IDictionary? parameters, params string[] exclude)
        {
            MdcaLibrary.EnsureInstalled();
            int status = NativeMethods.mdca_params_query_request(Native.Utf8(entity), Native.Utf8(ToJson(parameters, exclude)), out IntPtr json, out UIntPtr len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>
        /// The query request JSON for a cmdlet with SupportsPaging: -First/-Skip come from PowerShell's
        /// PagingParameters (First = UInt64.MaxValue and Skip = 0 when not given) rather than the bound set.
        /// </summary>
        public static string PagedQueryRequest(string entity, IDictionary? parameters, ulong first, ulong skip, params string[] exclude)
        {
            OrderedDictionary forwarded = Forwarded(parameters, ["First", "Skip"]);
            if (first != ulong.MaxValue)
            {
                forwarded["First"] = first;
            }
            if (skip != 0)
            {
                forwarded["Skip"] = skip;
            }
            return QueryRequest(entity, forwarded, exclude);
        }

        /// <summary>
        /// A query request that continues from a checkpoint (<see cref="MdcaQuery{T}.Checkpoint"/>): the
        /// request with <c>"resume"</c> set to the checkpoint and, when given, <c>"lookback_secs"</c> (how far
        /// before the previous run's newest record an incremental run starts reading again; default 600).
        /// A null or blank checkpoint (a file not written yet) leaves the request a new pull. The request
        /// must be the one the checkpoint was taken from (entity, filters, sort, first, skip, all): the
        /// query refuses another one with an InvalidArgument <see cref="MdcaException"/>.
        /// </summary>
        /// <param name="requestJson">The query request JSON (null means <c>{}</c>).</param>
        /// <param name="checkpoint">A checkpoint as <see cref="MdcaQuery{T}.Checkpoint"/> returned it, or null.</param>
        /// <param name="lookbackSeconds">The look-back of an incremental run, or null for the library's default.</param>
        /// <exception cref="ArgumentException">The request or the checkpoint is not a JSON object.</exception>
        public static string ResumeRequest(string? requestJson, string? checkpoint, ulong? lookbackSeconds = null)
        {
            using JsonDocument request = ParseObject(requestJson ?? "{}", nameof(requestJson), "the query request");
            using JsonDocument? saved = string.IsNullOrWhiteSpace(checkpoint) ? null : ParseObject(checkpoint!, nameof(checkpoint), "the checkpoint");
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (JsonProperty property in request.RootElement.EnumerateObject())
                {
                    if (property.NameEquals(ResumeKey) || property.NameEquals(LookbackKey))
                    {
                        continue;
                    }
                    property.WriteTo(writer);
                }
                if (saved != null)
                {
                    writer.WritePropertyName(ResumeKey);
                    saved.RootElement.WriteTo(writer);
                }
                if (lookbackSeconds.HasValue)
                {
                    writer.WriteNumber(LookbackKey, lookbackSeconds.Value);
                }
                writer.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private const string ResumeKey = "resume";
        private const string LookbackKey = "lookback_secs";

        private static JsonDocument ParseObject(string json, string parameter, string what)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json);
            }
            catch (JsonException e)
            {
                throw new ArgumentException(what + " is not JSON: " + e.Message, parameter, e);
            }
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new ArgumentException(what + " is not a JSON object", parameter);
            }
            return document;
        }

        /// <summary>The close request JSON for Close-MdcaAlert's parameters (Identity or Filter, As, Comment, ReasonCode).</summary>
        public static string CloseAlertsRequest(IDictionary? parameters, params string[] exclude)
        {
            MdcaLibrary.EnsureInstalled();
            int status = NativeMethods.mdca_params_close_alerts(Native.Utf8(ToJson(parameters, exclude)), out IntPtr json, out UIntPtr len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>The subnet spec JSON for New-/Set-MdcaSubnet's parameters (Name, Category, Subnet, Organization, Tag).</summary>
        public static string SubnetSpec(IDictionary? parameters, params string[] exclude)
        {
            MdcaLibrary.EnsureInstalled();
            int status = NativeMethods.mdca_params_subnet_spec(Native.Utf8(ToJson(parameters, exclude)), out IntPtr json, out UIntPtr len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>Every parameter the mapping accepts (JSON).</summary>
        public static string Describe()
        {
            MdcaLibrary.EnsureInstalled();
            int status = NativeMethods.mdca_params_describe(out IntPtr json, out UIntPtr len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>
        /// For Invoke-MdcaRestMethod -All: the entity of a list path (v1/files/, /api/v1/alerts, …), or null when
        /// the path is not a list endpoint.
        /// </summary>
        public static string? EntityForListPath(string? path)
        {
            if (path == null)
            {
                return null;
            }
            string p = path.Trim().Trim('/').ToUpperInvariant();
            int q = p.IndexOf('?');
            if (q >= 0)
            {
                p = p.Substring(0, q).Trim('/');
            }
            foreach (string prefix in new[] { "CAS/", "API/", "V1/" })
            {
                if (p.StartsWith(prefix, StringComparison.Ordinal))
                {
                    p = p.Substring(prefix.Length);
                }
            }
            return p switch
            {
                "ACTIVITIES" => "activities",
                "ALERTS" => "alerts",
                "FILES" => "files",
                "ENTITIES" => "entities",
                "SUBNET" => "subnets",
                _ => null,
            };
        }

        /// <summary>Translates an API list body (<c>{filters, sortField, sortDirection, limit, skip, isScan}</c>) into a query request JSON.</summary>
        /// <exception cref="ArgumentException">A body key that cannot be paged.</exception>
        public static string ListBodyToQueryRequest(IDictionary? body, bool all, ulong? first)
        {
            var request = new OrderedDictionary();
            if (body != null)
            {
                foreach (DictionaryEntry entry in body)
                {
                    string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                    string name = key.ToUpperInvariant() switch
                    {
                        "FILTERS" => "filters",
                        "SORTFIELD" => "sort_field",
                        "SORTDIRECTION" => "sort_direction",
                        "LIMIT" => "page_size",
                        "SKIP" => "skip",
                        "ISSCAN" => "scan",
                        _ => throw new ArgumentException("the list body key '" + key +
                            "' cannot be paged; use filters, sortField, sortDirection, limit, skip or isScan", nameof(body)),
                    };
                    request[name] = entry.Value;
                }
            }
            if (all)
            {
                request["all"] = true;
            }
            if (first.HasValue)
            {
                request["first"] = first.Value;
            }
            return MdcaJsonWriter.Serialize(request);
        }
    }

    /// <summary>The entities of the API and their record classes.</summary>
    public static class MdcaEntities
    {
        /// <summary>The canonical (plural, lower-case) name of an entity: activities, alerts, files, entities, subnets; otherwise the name unchanged.</summary>
        public static string Canonical(string entity) => (entity ?? string.Empty).Trim().ToUpperInvariant() switch
        {
            "ACTIVITIES" or "ACTIVITY" => "activities",
            "ALERTS" or "ALERT" => "alerts",
            "FILES" or "FILE" => "files",
            "ENTITIES" or "ENTITY" => "entities",
            "SUBNETS" or "SUBNET" => "subnets",
            _ => entity ?? string.Empty,
        };

        /// <summary>The record class of an entity (MdcaRecord for an unknown name).</summary>
        public static Type RecordType(string entity) => Canonical(entity) switch
        {
            "activities" => typeof(MdcaActivity),
            "alerts" => typeof(MdcaAlert),
            "files" => typeof(MdcaFile),
            "entities" => typeof(MdcaEntity),
            "subnets" => typeof(MdcaSubnet),
            _ => typeof(MdcaRecord),
        };
    }
}
