using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;

namespace Mdca.PowerShell
{
    /// <summary>
    /// Invoke-MdcaRestMethod: Invoke-RestMethod for the tenant, with the session's authentication, pacing,
    /// retries and errors. Takes what Invoke-RestMethod takes (-Uri absolute on the tenant or relative to
    /// the API, -Method defaulting to GET, -Body as hashtable, object or JSON text, -ContentType, -Headers)
    /// and returns what it returns (objects as PSCustomObject, arrays enumerated). With -All on a list
    /// endpoint the body's filters are paged to the end as typed records.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "MdcaRestMethod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(PSObject))]
    public sealed class InvokeMdcaRestMethodCommand : MdcaCmdlet
    {
        /// <summary>The endpoint: relative to the API (v1/alerts/, /api/v1/alerts/) or absolute on the tenant's host.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        public string Uri { get; set; } = "";

        /// <summary>The HTTP method (default GET).</summary>
        [Parameter]
        [ValidateSet("GET", "POST", "PUT", "PATCH", "DELETE")]
        public string Method { get; set; } = "GET";

        /// <summary>The body: a hashtable or object (sent as JSON), or JSON text (sent as is).</summary>
        [Parameter(ValueFromPipeline = true)]
        public object? Body { get; set; }

        /// <summary>Content type of the body; the API takes JSON only.</summary>
        [Parameter]
        public string? ContentType { get; set; }

        /// <summary>Request headers. Authorization is ignored (the session authenticates) with a warning.</summary>
        [Parameter]
        public IDictionary? Headers { get; set; }

        /// <summary>Query-string parameters (added to those of -Uri).</summary>
        [Parameter]
        public Hashtable? Query { get; set; }

        /// <summary>Pages a list endpoint (activities, alerts, files, entities, subnet) to the end.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            string path;
            var query = new List<KeyValuePair<string, string>>();
            JsonElement? body;
            try
            {
                path = RelativePath(client.Url, Uri, query);
                if (Query != null)
                {
                    foreach (DictionaryEntry entry in Query)
                    {
                        query.Add(new KeyValuePair<string, string>(
                            Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "",
                            Convert.ToString(PSObject.AsPSObject(entry.Value ?? "").BaseObject, CultureInfo.InvariantCulture) ?? ""));
                    }
                }
                CheckContentType();
                WarnAboutHeaders();
                body = MyInvocation.BoundParameters.ContainsKey(nameof(Body)) ? BodyJson(Body) : null;
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, Uri);
                return;
            }

            if (All)
            {
                string? entity = ListEntity(path);
                if (entity == null)
                {
                    ThrowError(new ArgumentException("-All pages list endpoints only (v1/activities/, v1/alerts/, v1/files/, v1/entities/, v1/subnet/); " + Uri + " is not one. Leave out -All to send one request."), Uri);
                    return;
                }
                string request;
                try
                {
                    request = ListBodyToQueryRequest(body);
                }
                catch (Exception e) when (IsReportable(e))
                {
                    ThrowError(e, Uri);
                    return;
                }
                switch (entity)
                {
                    case "activities": WriteQuery<MdcaActivity>(entity, request); break;
                    case "alerts": WriteQuery<MdcaAlert>(entity, request); break;
                    case "files": WriteQuery<MdcaFile>(entity, request); break;
                    case "entities": WriteQuery<MdcaEntity>(entity, request); break;
                    default: WriteQuery<MdcaSubnet>(entity, request); break;
                }
                return;
            }

            string method = Method.ToUpperInvariant();
            if (method != "GET" && !ShouldProcess(path, method))
            {
                return;
            }
            string requestJson = RequestJson(method, path, query, body);
            JsonElement answer;
            try
            {
                answer = Call(ct => client.Request(requestJson, ct));
            }
            catch (Exception e) when (IsReportable(e))
            {
                // One request: when it fails there is nothing else this call can do.
                ThrowError(e, Uri);
                return;
            }
            object? output = PsJson.ToPSObjects(answer);
            WriteObject(output, enumerateCollection: true);
        }

        /// <summary>
        /// The API path of -Uri: a relative path as given (the library drops /api/ and /cas/api/), an
        /// absolute URL only on the session's host (the session's credentials go nowhere else). Its query
        /// string is moved to <paramref name="query"/>.
        /// </summary>
        internal static string RelativePath(string sessionUrl, string uri, List<KeyValuePair<string, string>> query)
        {
            string path = uri.Trim();
            if (path.IndexOf("://", StringComparison.Ordinal) >= 0)
            {
                if (!System.Uri.TryCreate(path, UriKind.Absolute, out var absolute))
                {
                    throw new ArgumentException("-Uri " + uri + " is not a valid URL.");
                }
                string tenant = sessionUrl.IndexOf("://", StringComparison.Ordinal) >= 0 ? sessionUrl : "https://" + sessionUrl;
                if (!System.Uri.TryCreate(tenant, UriKind.Absolute, out var tenantUri)
                    || !string.Equals(absolute.Host, tenantUri.Host, StringComparison.OrdinalIgnoreCase)
                    || absolute.Port != tenantUri.Port)
                {
                    throw new ArgumentException("-Uri " + uri + " is not on the connected tenant (" + sessionUrl + "); the session's credentials are only sent there. Give a path relative to the API, e.g. v1/alerts/, or connect to that tenant.");
                }
                path = absolute.PathAndQuery;
            }
            int mark = path.IndexOf('?');
            if (mark >= 0)
            {
                foreach (string part in path.Substring(mark + 1).Split(QuerySeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    int equals = part.IndexOf('=');
                    string name = equals >= 0 ? part.Substring(0, equals) : part;
                    string value = equals >= 0 ? part.Substring(equals + 1) : "";
                    query.Add(new KeyValuePair<string, string>(Unescape(name), Unescape(value)));
                }
                path = path.Substring(0, mark);
            }
            return path;
        }

        private static readonly char[] QuerySeparator = ['&'];

        private static string Unescape(string text) => System.Uri.UnescapeDataString(text.Replace('+', ' '));

        private static readonly string[] ListPathPrefixes = ["cas/", "api/", "v1/"];

        /// <summary>The list entity of a path (v1/files/, /api/v1/alerts, cas/api/v1/subnet/), or null.</summary>
        internal static string? ListEntity(string path)
        {
            string p = path.Trim().Trim('/').ToLowerInvariant();
            foreach (string prefix in ListPathPrefixes)
            {
                if (p.StartsWith(prefix, StringComparison.Ordinal))
                {
                    p = p.Substring(prefix.Length);
                }
            }
            return p switch
            {
                "activities" => "activities",
                "alerts" => "alerts",
                "files" => "files",
                "entities" => "entities",
                "subnet" => "subnets",
                _ => null,
            };
        }

        /// <summary>A list body ({filters, sortField, sortDirection, limit, skip, isScan}) as a query request paging to the end.</summary>
        internal static string ListBodyToQueryRequest(JsonElement? body)
        {
            var request = new List<KeyValuePair<string, object?>>();
            if (body is { ValueKind: JsonValueKind.Object } element)
            {
                foreach (var property in element.EnumerateObject())
                {
                    string key = property.Name.ToLowerInvariant() switch
                    {
                        "filters" => "filters",
                        "sortfield" => "sort_field",
                        "sortdirection" => "sort_direction",
                        "limit" => "page_size",
                        "skip" => "skip",
                        "isscan" => "scan",
                        _ => throw new ArgumentException("the list body key '" + property.Name + "' cannot be paged; use filters, sortField, sortDirection, limit, skip or isScan"),
                    };
                    request.Add(new KeyValuePair<string, object?>(key, property.Value));
                }
            }
            else if (body is { ValueKind: not JsonValueKind.Null })
            {
                throw new ArgumentException("-All needs a list body that is a JSON object ({\"filters\": …}).");
            }
            request.Add(new KeyValuePair<string, object?>("all", true));
            return PsJson.SerializeObject(request);
        }

        private static string RequestJson(string method, string path, List<KeyValuePair<string, string>> query, JsonElement? body)
        {
            var request = new List<KeyValuePair<string, object?>>
            {
                new("method", method),
                new("path", path),
            };
            if (query.Count > 0)
            {
                var map = new Hashtable(StringComparer.Ordinal);
                foreach (var pair in query)
                {
                    map[pair.Key] = pair.Value;
                }
                request.Add(new KeyValuePair<string, object?>("query", map));
            }
            if (body.HasValue)
            {
                request.Add(new KeyValuePair<string, object?>("body", body.Value));
            }
            return PsJson.SerializeObject(request);
        }

        /// <summary>-Body as JSON: text is parsed (and sent as is, not encoded again); anything else is serialised.</summary>
        internal static JsonElement BodyJson(object? value)
        {
            object? inner = value is PSObject wrapped && wrapped.BaseObject is string ? wrapped.BaseObject : value;
            string text;
            if (inner is string json)
            {
                text = json;
                try
                {
                    using var parsed = JsonDocument.Parse(text);
                    return parsed.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new ArgumentException("-Body is text but not JSON (" + e.Message + "). Give a hashtable or object, or JSON text.", e);
                }
            }
            text = PsJson.Serialize(value);
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }

        private void CheckContentType()
        {
            if (string.IsNullOrEmpty(ContentType))
            {
                return;
            }
            string media = ContentType!.Split(';')[0].Trim();
            if (!media.Equals("application/json", StringComparison.OrdinalIgnoreCase) && !media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("-ContentType " + ContentType + " is not supported: the MDCA API takes JSON bodies (application/json), which this cmdlet sends. Leave out -ContentType.");
            }
        }

        private void WarnAboutHeaders()
        {
            if (Headers == null)
            {
                return;
            }
            foreach (DictionaryEntry entry in Headers)
            {
                string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    WriteWarning("The Authorization header is ignored: the session's credentials (Connect-Mdca) authenticate every request.");
                }
                else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    ContentType ??= Convert.ToString(entry.Value, CultureInfo.InvariantCulture);
                    CheckContentType();
                }
                else if (!name.Equals("Accept", StringComparison.OrdinalIgnoreCase))
                {
                    WriteWarning("The header " + name + " is not sent: requests carry the session's authentication and JSON headers only.");
                }
            }
        }
    }
}
