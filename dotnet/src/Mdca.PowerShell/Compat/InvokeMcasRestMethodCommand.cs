using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;

namespace Mdca.PowerShell.Compat
{
    /// <summary>
    /// Invoke-MCASRestMethod: the MCAS module's raw call (-Path, -Method, -Body, -FilterSet, -Raw) with the
    /// session's authentication, pacing and retries. -FilterSet (a hashtable or a list of them) becomes the
    /// body's filters, as the MCAS module merged it; -Raw returns the answer's JSON text as .Content.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "MCASRestMethod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.None)]
    [OutputType(typeof(PSObject))]
    public sealed class InvokeMcasRestMethodCommand : McasCmdlet
    {
        /// <summary>The API path, e.g. /api/v1/alerts/ (or an absolute URL on the tenant).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Get, Post, Put or Delete.</summary>
        [Parameter(Mandatory = true)]
        [ValidateSet("Get", "Post", "Put", "Delete")]
        public string Method { get; set; } = "";

        /// <summary>The body (hashtable, object or JSON text), without the filters.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object? Body { get; set; }

        /// <summary>application/json (the API takes JSON only).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ContentType { get; set; } = "application/json";

        /// <summary>Filters added to the body as "filters": a hashtable or a list of hashtables.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? FilterSet { get; set; }

        /// <summary>Seconds between retries of a throttled call (the session's retry policy applies).</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int RetryInterval { get; set; } = 5;

        /// <summary>Returns an object whose Content is the answer's JSON text.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            string method = Method.ToUpperInvariant();
            string requestJson;
            try
            {
                string media = ContentType.Split(';')[0].Trim();
                if (!media.Equals("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException("-ContentType " + ContentType + " is not supported: the API takes JSON bodies (application/json).");
                }
                if (MyInvocation.BoundParameters.ContainsKey(nameof(RetryInterval)))
                {
                    WriteVerbose("-RetryInterval: throttled calls are retried as the server's Retry-After asks (Connect-Mdca -MaxRetries/-RetryBudgetSeconds set the policy).");
                }
                var query = new List<KeyValuePair<string, string>>();
                string path = InvokeMdcaRestMethodCommand.RelativePath(client.Url, Path, query);
                var request = new List<KeyValuePair<string, object?>> { new("method", method), new("path", path) };
                if (query.Count > 0)
                {
                    var map = new Hashtable(StringComparer.Ordinal);
                    foreach (var pair in query)
                    {
                        map[pair.Key] = pair.Value;
                    }
                    request.Add(new KeyValuePair<string, object?>("query", map));
                }
                if (method != "GET")
                {
                    request.Add(new KeyValuePair<string, object?>("body", BodyWithFilters()));
                }
                requestJson = PsJson.SerializeObject(request);
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, Path);
                return;
            }
            if (method != "GET" && !ShouldProcess(Path, method))
            {
                return;
            }
            JsonElement answer;
            try
            {
                answer = Call(ct => client.Request(requestJson, ct));
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, Path);
                return;
            }
            if (Raw)
            {
                var raw = new PSObject();
                raw.Properties.Add(new PSNoteProperty("StatusCode", 200));
                raw.Properties.Add(new PSNoteProperty("Content", answer.GetRawText()));
                WriteObject(raw);
                return;
            }
            WriteObject(PsJson.ToPSObjects(answer), enumerateCollection: true);
        }

        /// <summary>The body as JSON with -FilterSet merged in as its "filters" object.</summary>
        private JsonElement BodyWithFilters()
        {
            JsonElement body = Body == null ? InvokeMdcaRestMethodCommand.BodyJson(new Hashtable()) : InvokeMdcaRestMethodCommand.BodyJson(Body);
            if (FilterSet == null)
            {
                return body;
            }
            if (body.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("-FilterSet needs a -Body that is an object (hashtable), to which it adds \"filters\".");
            }
            var filters = new Hashtable(StringComparer.Ordinal);
            object? set = PSObject.AsPSObject(FilterSet).BaseObject;
            IEnumerable parts = set is IDictionary single ? new object[] { single } : set as IEnumerable ?? new object[] { set };
            foreach (object? part in parts)
            {
                if (PSObject.AsPSObject(part ?? new object()).BaseObject is not IDictionary dictionary)
                {
                    throw new ArgumentException("-FilterSet takes hashtables such as @{ severity = @{ eq = 2 } }.");
                }
                foreach (DictionaryEntry entry in dictionary)
                {
                    string field = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                    if (filters.ContainsKey(field))
                    {
                        throw new ArgumentException("-FilterSet names the field " + field + " twice; give each field once with all its operators.");
                    }
                    filters[field] = entry.Value;
                }
            }
            var merged = new Hashtable(StringComparer.Ordinal);
            foreach (var property in body.EnumerateObject())
            {
                merged[property.Name] = property.Value.Clone();
            }
            merged["filters"] = filters;
            return InvokeMdcaRestMethodCommand.BodyJson(merged);
        }
    }
}
