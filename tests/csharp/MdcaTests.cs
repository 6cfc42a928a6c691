// C# tests of powershell/Mdca/Mdca.Interop.cs against the simulator, compiled with mcs (C# 5 and default)
// and run on Mono and on CoreCLR by tests/ffi_csharp.rs, which starts the simulators and passes:
//   MDCA_SIM_URL, MDCA_SIM_TOKEN (Global admin legacy token), MDCA_SIM_TENANT_ID, MDCA_SIM_CLIENT_ID,
//   MDCA_SIM_CLIENT_SECRET, MDCA_SIM_AUTHORITY, MDCA_SIM_BEARER (Investigation.read bearer token),
//   MDCA_SIM_COUNTS ("activities=3000,alerts=250,…"), MDCA_SLOW_URL and MDCA_SLOW_TOKEN (a simulator
//   whose every API request stalls), MDCA_EXPECT_NATIVE_PATH (optional: where the library must load from).
// Each test is named after the rule it checks. Exit code = number of failed tests.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Security;
using System.Threading;
using Mdca;

public static class MdcaTests
{
    private static readonly List<KeyValuePair<string, Action>> Tests = new List<KeyValuePair<string, Action>>();

    private static void Test(string name, Action body) { Tests.Add(new KeyValuePair<string, Action>(name, body)); }

    public static int Main(string[] args)
    {
        Register();
        int failed = 0;
        foreach (var test in Tests)
        {
            if (args.Length > 0 && Array.IndexOf(args, test.Key) < 0) continue;
            var clock = Stopwatch.StartNew();
            try
            {
                test.Value();
                Console.WriteLine("PASS " + test.Key + " (" + clock.ElapsedMilliseconds + " ms)");
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine("FAIL " + test.Key + ": " + e);
            }
        }
        Console.WriteLine(failed == 0 ? "all " + Tests.Count + " tests passed" : failed + " test(s) failed");
        return failed;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static string Env(string name)
    {
        string value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(value)) throw new InvalidOperationException("environment variable " + name + " is not set");
        return value;
    }

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (char c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    private static MdcaClient TokenClient()
    {
        var options = new MdcaConnectOptions();
        options.Url = Env("MDCA_SIM_URL");
        options.ApiToken = Secure(Env("MDCA_SIM_TOKEN"));
        return MdcaClient.Connect(options);
    }

    private static MdcaConnectOptions AppOptions()
    {
        var options = new MdcaConnectOptions();
        options.Url = Env("MDCA_SIM_URL");
        options.TenantId = Env("MDCA_SIM_TENANT_ID");
        options.ClientId = Env("MDCA_SIM_CLIENT_ID");
        options.ClientSecret = Secure(Env("MDCA_SIM_CLIENT_SECRET"));
        options.AuthorityHost = Env("MDCA_SIM_AUTHORITY");
        return options;
    }

    private static MdcaClient SlowClient()
    {
        var options = new MdcaConnectOptions();
        options.Url = Env("MDCA_SLOW_URL");
        options.ApiToken = Secure(Env("MDCA_SLOW_TOKEN"));
        options.MaxRetries = 0;
        options.TimeoutSeconds = 60;
        return MdcaClient.Connect(options);
    }

    private static long ExpectedCount(string entity)
    {
        foreach (string pair in Env("MDCA_SIM_COUNTS").Split(','))
        {
            string[] parts = pair.Split('=');
            if (parts[0] == entity) return long.Parse(parts[1]);
        }
        throw new InvalidOperationException("no expected count for " + entity);
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition) throw new Exception("assertion failed: " + message);
    }

    private static void Equal(object expected, object actual, string what)
    {
        if (!object.Equals(expected, actual))
            throw new Exception(what + ": expected <" + expected + "> but got <" + actual + ">");
    }

    private static T Throws<T>(Action action, string what) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            return e;
        }
        catch (Exception e)
        {
            throw new Exception(what + ": expected " + typeof(T).Name + " but got " + e.GetType().Name + ": " + e.Message, e);
        }
        throw new Exception(what + ": expected " + typeof(T).Name + " but nothing was thrown");
    }

    // Deep equality as a caller sees it: types, key spelling and order, case-insensitive lookups, values.
    private static void Same(object expected, object actual, string path)
    {
        if (expected == null || actual == null)
        {
            Assert(expected == null && actual == null, path + ": expected <" + expected + "> but got <" + actual + ">");
            return;
        }
        Equal(expected.GetType(), actual.GetType(), path + " type");
        var map = expected as OrderedDictionary;
        if (map != null)
        {
            var other = (OrderedDictionary)actual;
            Equal(map.Count, other.Count, path + " key count");
            var keys = new ArrayList(map.Keys);
            var otherKeys = new ArrayList(other.Keys);
            for (int n = 0; n < keys.Count; n++)
            {
                Equal(keys[n], otherKeys[n], path + " key " + n);
                string key = (string)keys[n];
                Assert(ReferenceEquals(other[key.ToUpperInvariant()], other[key]), path + ": lookups ignore case for " + key);
                Same(map[n], other[n], path + "." + key);
            }
            return;
        }
        var list = expected as object[];
        if (list != null)
        {
            var other = (object[])actual;
            Equal(list.Length, other.Length, path + " length");
            for (int n = 0; n < list.Length; n++) Same(list[n], other[n], path + "[" + n + "]");
            return;
        }
        Equal(expected, actual, path);
        if (expected is DateTime) Equal(((DateTime)expected).Kind, ((DateTime)actual).Kind, path + " kind");
    }

    private static Hashtable Params(params object[] pairs)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < pairs.Length; i += 2) table[pairs[i]] = pairs[i + 1];
        return table;
    }

    private static List<OrderedDictionary> All(MdcaClient client, string entity, IDictionary parameters)
    {
        var records = new List<OrderedDictionary>();
        using (MdcaQuery query = client.Query(entity, parameters))
        {
            foreach (MdcaPage page in query) records.AddRange(page.Records);
        }
        return records;
    }

    // ---- tests ---------------------------------------------------------------------------------

    private static void Register()
    {
        Test("the_native_library_loads_from_the_module_layout_or_the_override", delegate
        {
            Assert(!string.IsNullOrEmpty(MdcaLibrary.Version), "a version string");
            string expected = Environment.GetEnvironmentVariable("MDCA_EXPECT_NATIVE_PATH");
            if (!string.IsNullOrEmpty(expected))
            {
                Equal(expected, MdcaLibrary.ResolvedPath, "resolved path");
                // Loaded by the resolver: another file can no longer be chosen, the same one can.
                Throws<InvalidOperationException>(delegate { MdcaLibrary.SetPath("/elsewhere/libmdca.so"); }, "a second library");
                MdcaLibrary.SetPath(expected);
            }
            string rid = MdcaLibrary.RuntimeIdentifier;
            Assert(rid == "linux-x64" || rid == "linux-arm64" || rid.StartsWith("osx-") || rid.StartsWith("win-"), rid);
        });

        Test("connecting_with_an_api_token_pages_every_entity_to_the_end", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                foreach (string entity in new string[] { "activities", "alerts", "files", "entities", "subnets" })
                {
                    var ids = new HashSet<string>();
                    long pages = 0;
                    // Files hide deleted ones unless allowDeleted (api.md §14 rule 20): ask for all of them.
                    string request = entity == "files" ? "{\"all\":true,\"filters\":{\"allowDeleted\":{\"eq\":true}}}" : "{\"all\":true}";
                    using (MdcaQuery query = client.Query(entity, request))
                    {
                        MdcaPage page;
                        while ((page = query.NextPage()) != null)
                        {
                            pages++;
                            foreach (OrderedDictionary record in page.Records)
                                Assert(ids.Add((string)record["_id"]), entity + ": _id " + record["_id"] + " delivered twice");
                        }
                        MdcaProgress progress = query.Progress;
                        Assert(progress.Done, entity + ": progress says done");
                        Equal((ulong)ids.Count, progress.Records, entity + " progress records");
                        Equal((ulong)pages, progress.Pages, entity + " progress pages");
                        Assert(query.NextPage() == null, entity + ": a finished query stays finished");
                    }
                    Equal(ExpectedCount(entity), (long)ids.Count, entity + " records");
                }
                using (MdcaQuery visible = client.Query("files", "{\"all\":true}"))
                {
                    long count = 0;
                    foreach (MdcaPage page in visible) count += page.Count;
                    Assert(count > 0 && count < ExpectedCount("files"), "deleted files are hidden by default: " + count);
                }
            }
        });

        Test("connecting_with_app_credentials_lists_alerts", delegate
        {
            using (MdcaClient client = MdcaClient.Connect(AppOptions()))
            {
                Equal("app", client.AuthType, "auth type");
                var alerts = All(client, "alerts", Params("All", true));
                Equal(ExpectedCount("alerts"), (long)alerts.Count, "alerts through app context");
            }
        });

        Test("connecting_with_an_access_token_lists_alerts", delegate
        {
            var options = new MdcaConnectOptions();
            options.Url = Env("MDCA_SIM_URL");
            options.AccessToken = Secure(Env("MDCA_SIM_BEARER"));
            using (MdcaClient client = MdcaClient.Connect(options))
            {
                Equal("bearer", client.AuthType, "auth type");
                using (MdcaQuery query = client.Query("alerts", "{}"))
                    Assert(query.NextPage().Count > 0, "one page of alerts");
            }
        });

        Test("files_with_app_credentials_only_raise_files_need_legacy_token_with_a_hint", delegate
        {
            using (MdcaClient client = MdcaClient.Connect(AppOptions()))
            using (MdcaQuery query = client.Query("files", "{}"))
            {
                var e = Throws<MdcaException>(delegate { query.NextPage(); }, "files in app context");
                Equal(MdcaStatus.FilesNeedLegacyToken, e.Code, "code");
                Equal("files_need_legacy_token", e.Kind, "kind");
                Equal("Mdca.FilesNeedLegacyToken", e.ErrorId, "error id");
                Equal("PermissionDenied", e.ErrorCategory, "category");
                Equal((int?)403, e.HttpStatus, "HTTP status");
                Assert(!string.IsNullOrEmpty(e.CorrelationId), "a correlation id");
                Assert(e.Detail != null && e.Detail.Contains("Insufficient role based permissions"), "server detail: " + e.Detail);
                Assert(e.Hint != null && e.Hint.ToLowerInvariant().Contains("token"), "hint about the API token: " + e.Hint);
                Assert(e.Message.Contains("HTTP 403") && e.Message.Contains(e.CorrelationId), "message carries status and id: " + e.Message);
            }
        });

        Test("files_with_app_credentials_and_an_api_token_fall_back_to_the_token_automatically", delegate
        {
            MdcaConnectOptions options = AppOptions();
            options.ApiToken = Secure(Env("MDCA_SIM_TOKEN"));
            using (MdcaClient client = MdcaClient.Connect(options))
            {
                Assert(client.HasLegacyToken, "legacy token recorded");
                var files = All(client, "files", Params("All", true, "IncludeDeleted", true));
                Equal(ExpectedCount("files"), (long)files.Count, "files through the legacy token");
                var alerts = All(client, "alerts", Params("First", 5));
                Equal(5, alerts.Count, "alerts through the app token on the same client");
            }
        });

        Test("a_bad_url_is_an_invalid_config_error", delegate
        {
            var options = new MdcaConnectOptions();
            options.Url = "http://example.com";
            options.ApiToken = Secure("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
            var e = Throws<MdcaException>(delegate { MdcaClient.Connect(options).Dispose(); }, "http on a public host");
            Equal(MdcaStatus.InvalidConfig, e.Code, "code");
            Equal("InvalidArgument", e.ErrorCategory, "category");
        });

        Test("an_unknown_id_is_not_found", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var e = Throws<MdcaException>(delegate { client.Fetch("alerts", "ffffffffffffffffffffffff"); }, "unknown alert");
                Equal(MdcaStatus.NotFound, e.Code, "code");
                Equal("ObjectNotFound", e.ErrorCategory, "category");
            }
        });

        Test("cancel_from_another_thread_stops_an_in_flight_page_promptly", delegate
        {
            using (MdcaClient client = SlowClient())
            using (MdcaQuery query = client.Query("alerts", "{}"))
            {
                MdcaPage page;
                Assert(!query.TryNextPage(200, out page), "the page is still in flight after 200 ms");
                var clock = Stopwatch.StartNew();
                var canceller = new Thread(delegate() { query.Cancel(); });
                canceller.Start();
                var e = Throws<MdcaException>(delegate { query.TryNextPage(10000, out page); }, "cancelled page");
                Equal(MdcaStatus.Cancelled, e.Code, "code");
                Equal("OperationStopped", e.ErrorCategory, "category");
                Assert(clock.ElapsedMilliseconds < 5000, "cancelled within 5 s, took " + clock.ElapsedMilliseconds + " ms");
                canceller.Join();
            }
        });

        Test("a_cancellation_token_cancels_page_enumeration", delegate
        {
            using (MdcaClient client = SlowClient())
            using (MdcaQuery query = client.Query("alerts", "{}"))
            using (var source = new CancellationTokenSource())
            {
                source.CancelAfter(300);
                var clock = Stopwatch.StartNew();
                Throws<OperationCanceledException>(delegate { foreach (MdcaPage p in query.Pages(source.Token)) { } }, "enumeration");
                Assert(clock.ElapsedMilliseconds < 5000, "cancelled within 5 s");
            }
        });

        Test("disposing_a_query_with_a_page_in_flight_returns_promptly_and_frees_it", delegate
        {
            using (MdcaClient client = SlowClient())
            {
                MdcaQuery query = client.Query("alerts", "{}");
                MdcaPage page;
                Assert(!query.TryNextPage(200, out page), "in flight");
                var clock = Stopwatch.StartNew();
                query.Dispose();
                Assert(clock.ElapsedMilliseconds < 2000, "dispose took " + clock.ElapsedMilliseconds + " ms");
                Throws<ObjectDisposedException>(delegate { query.TryNextPage(5000, out page); }, "paging a disposed query");
            }
        });

        Test("disposing_twice_is_harmless", delegate
        {
            MdcaClient client = TokenClient();
            MdcaQuery query = client.Query("subnets", "{}");
            query.Dispose();
            query.Dispose();
            client.Dispose();
            client.Dispose();
            Assert(client.IsDisposed, "client disposed");
        });

        Test("using_a_disposed_client_or_query_throws_object_disposed", delegate
        {
            MdcaClient client = TokenClient();
            MdcaQuery query = client.Query("subnets", "{}");
            query.Dispose();
            Throws<ObjectDisposedException>(delegate { query.NextPage(); }, "next page after dispose");
            Throws<ObjectDisposedException>(delegate { var p = query.Progress; }, "progress after dispose");
            query.Cancel();
            client.Dispose();
            Throws<ObjectDisposedException>(delegate { client.Query("alerts", "{}"); }, "query after dispose");
            Throws<ObjectDisposedException>(delegate { client.Fetch("alerts", "x"); }, "fetch after dispose");
        });

        Test("a_query_outlives_the_disposal_of_its_client", delegate
        {
            MdcaClient client = TokenClient();
            using (MdcaQuery query = client.Query("alerts", "{\"all\":true}"))
            {
                client.Dispose();
                long count = 0;
                foreach (MdcaPage page in query) count += page.Count;
                Equal(ExpectedCount("alerts"), count, "alerts after the client was disposed");
            }
        });

        Test("several_threads_share_one_client", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                string[] entities = { "alerts", "files", "entities", "subnets", "alerts", "files" };
                var counts = new long[entities.Length];
                var errors = new Exception[entities.Length];
                var threads = new Thread[entities.Length];
                for (int i = 0; i < entities.Length; i++)
                {
                    int index = i;
                    threads[i] = new Thread(delegate()
                    {
                        try { counts[index] = All(client, entities[index], Params("All", true, "Filter", entities[index] == "files" ? Params("allowDeleted", Params("eq", true)) : null)).Count; }
                        catch (Exception e) { errors[index] = e; }
                    });
                    threads[i].Start();
                }
                foreach (Thread t in threads) t.Join();
                for (int i = 0; i < entities.Length; i++)
                {
                    if (errors[i] != null) throw new Exception("thread " + i + " (" + entities[i] + ")", errors[i]);
                    Equal(ExpectedCount(entities[i]), counts[i], entities[i] + " on thread " + i);
                }
            }
        });

        Test("typed_parameters_map_to_mdca_filters", delegate
        {
            var request = (IDictionary)MdcaJson.Parse(MdcaParams.QueryRequest("files", Params(
                "FileType", new string[] { "Document", "Spreadsheet" },
                "After", new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc),
                "Folder", false,
                "Filter", Params("extension", Params("eq", new object[] { "docx" })),
                "PageSize", 50,
                "Verbose", true)));
            var filters = (IDictionary)request["filters"];
            Equal("[1,2]", MdcaJson.Serialize(((IDictionary)filters["fileType"])["eq"]), "fileType.eq");
            Equal(1714521600000L, ((IDictionary)filters["modifiedDate"])["gte"], "modifiedDate.gte");
            Equal(false, ((IDictionary)filters["folder"])["eq"], "folder.eq");
            Equal("[\"docx\"]", MdcaJson.Serialize(((IDictionary)filters["extension"])["eq"]), "raw filter");
            Equal(50L, request["page_size"], "page size");
            Assert(!request.Contains("Verbose") && !request.Contains("verbose"), "common parameters are not forwarded");
        });

        Test("powershell_paging_parameters_are_forwarded_only_when_given", delegate
        {
            var unset = (IDictionary)MdcaJson.Parse(MdcaParams.PagedQueryRequest("alerts", Params("All", true, "Identity", null), ulong.MaxValue, 0, new string[] { "Identity" }));
            Assert(!unset.Contains("first") && !unset.Contains("skip"), "no first/skip: " + MdcaJson.Serialize(unset));
            var set = (IDictionary)MdcaJson.Parse(MdcaParams.PagedQueryRequest("alerts", Params("First", 99L), 25, 10, new string[0]));
            Equal(25L, set["first"], "first from PagingParameters wins over the bound value");
            Equal(10L, set["skip"], "skip");
        });

        Test("powershell_switches_and_wrapped_values_are_unwrapped_before_mapping", delegate
        {
            var request = (IDictionary)MdcaJson.Parse(MdcaParams.QueryRequest("files", Params(
                "Folder", new System.Management.Automation.SwitchParameter(true),
                "Trashed", new System.Management.Automation.SwitchParameter(false),
                "Extension", new System.Management.Automation.PSObject(new string[] { "pdf", "docx" }))));
            var filters = (IDictionary)request["filters"];
            Equal(true, ((IDictionary)filters["folder"])["eq"], "switch present");
            Equal(false, ((IDictionary)filters["trashed"])["eq"], "switch given as $false");
            Equal("[\"pdf\",\"docx\"]", MdcaJson.Serialize(((IDictionary)filters["extension"])["eq"]), "PSObject-wrapped array");
        });

        Test("an_unknown_parameter_is_an_invalid_argument_error", delegate
        {
            var e = Throws<MdcaException>(delegate { MdcaParams.QueryRequest("alerts", Params("Colour", "red")); }, "unknown parameter");
            Equal(MdcaStatus.InvalidArgument, e.Code, "code");
            Equal("Mdca.InvalidArgument", e.ErrorId, "error id");
            Assert(e.Message.Contains("-Severity"), "lists the known parameters: " + e.Message);
        });

        Test("typed_filters_select_the_matching_records_on_the_server", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var high = All(client, "alerts", Params("Severity", "High", "All", true));
                Assert(high.Count > 0 && high.Count < ExpectedCount("alerts"), "some but not all alerts are high: " + high.Count);
                foreach (OrderedDictionary alert in high) Equal(2L, alert["severityValue"], "severityValue");
                var documents = All(client, "files", Params("FileType", "Document", "First", 20));
                Assert(documents.Count > 0, "some documents");
                foreach (OrderedDictionary file in documents) Equal(1L, ((object[])file["fileType"])[0], "fileType code");
            }
        });

        Test("first_and_skip_limit_the_records", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var all = All(client, "alerts", Params("First", 130));
                Equal(130, all.Count, "first 130");
                var skipped = All(client, "alerts", Params("First", 10, "Skip", 120));
                Equal(all[120]["_id"], skipped[0]["_id"], "skip 120 starts at the 121st");
            }
        });

        Test("epoch_milliseconds_become_utc_datetimes", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                foreach (var pair in new string[][] { new[] { "activities", "timestamp" }, new[] { "alerts", "timestamp" }, new[] { "files", "modifiedDate" } })
                {
                    var records = All(client, pair[0], Params("First", 3));
                    foreach (OrderedDictionary record in records)
                    {
                        Assert(record[pair[1]] is DateTime, pair[0] + "." + pair[1] + " is a DateTime: " + record[pair[1]]);
                        Equal(DateTimeKind.Utc, ((DateTime)record[pair[1]]).Kind, "kind");
                    }
                }
            }
            var converted = MdcaRecords.Convert("subnets", MdcaJson.Parse("{\"_id\":\"x\",\"lastModified\":1607952165309.8032}"));
            Equal(new DateTime(2020, 12, 14, 13, 22, 45, 309, DateTimeKind.Utc).AddTicks(8032), converted["lastModified"], "fractional epoch ms");
        });

        Test("keys_differing_only_by_case_are_both_kept", delegate
        {
            var record = MdcaRecords.Convert("files", MdcaJson.Parse("{\"created\":1,\"Created\":2,\"user\":{\"id\":\"a\",\"Id\":\"b\"}}"));
            Equal(1L, record["created"], "first key kept");
            Equal(2L, record["Created_2"], "second key renamed");
            Equal("b", ((IDictionary)record["user"])["id_2"], "nested key renamed");
            Equal("a", ((IDictionary)record["USER"])["ID"], "lookups ignore case");
            Equal("Mdca.File", MdcaRecords.TypeName("files"), "type name");
            using (MdcaClient client = TokenClient())
            {
                var files = All(client, "files", Params("First", 20));
                Assert(files.Exists(f => f.Contains("Created_2") && f.Contains("created")), "a real file record with created/Created keeps both");
            }
        });

        Test("page_records_equal_parsing_the_page_json_then_converting_each_record", delegate
        {
            // The page reader goes straight from UTF-8 to the final records; Parse then Convert is the
            // reference it must match for every entity's real records (types, key case and order, values).
            using (MdcaClient client = TokenClient())
            {
                foreach (string entity in new string[] { "activities", "alerts", "files", "entities", "subnets" })
                {
                    using (MdcaQuery query = client.Query(entity, "{\"first\":400}"))
                    {
                        foreach (MdcaPage page in query)
                        {
                            var items = (IList)MdcaJson.Parse(page.Json);
                            Equal(items.Count, page.Count, entity + " count");
                            for (int n = 0; n < items.Count; n++)
                                Same(MdcaRecords.Convert(entity, items[n]), page.Records[n], entity + "[" + n + "]");
                        }
                    }
                }
            }
            // What real records may not contain: repeated keys, case collisions with suffixes already taken,
            // escapes, non-ASCII text, numbers at the edges of long, nested arrays, and date fields of every kind.
            string[] documents = new string[]
            {
                "{\"a\":1,\"A\":2,\"a\":3,\"A_2\":4,\"A\":5,\"b\":{\"x\":[1,{\"X\":true,\"x\":false}],\"x\":null}}",
                "{\"s\":\"\\u00e9\\n\\\"\\\\\\/\\b\\f\\r\\t\\ud83d\\ude00 \u00e9\u20ac\ud83d\ude00\",\"k\\u0041\":\"v\",\"kA\":\"w\",\"e\":\"\"}",
                "{\"n\":[0,-0,1023,1024,-1,123456789012345678,1234567890123456789,9223372036854775807,-9223372036854775808,9223372036854775808,1.5e3,1E2,-1.25,0.1]}",
                " { \"nested\" : [ [ 1 , [ 2 , [ ] ] ] , { } , [ { \"timestamp\" : 5 } ] ] , \"t\" : true , \"f\" : false } ",
                "{\"timestamp\":1607952165309,\"created\":1607952165309.8032,\"instantiation\":\"2020-12-14T13:22:45.309Z\",\"Created\":3}",
                "{\"Timestamp\":\"not a date\",\"timestamp\":\"2020-12-14 13:22:45\",\"created\":null,\"instantiation\":true}",
                "{\"timestamp\":\"x\",\"timestamp\":5,\"TIMESTAMP\":6}",
            };
            foreach (string entity in new string[] { "activities", "files", "activity" })
            {
                foreach (string document in documents)
                {
                    var page = new MdcaPage(entity, System.Text.Encoding.UTF8.GetBytes("[" + document + "," + document + "]"));
                    Equal(2, page.Count, "count");
                    foreach (OrderedDictionary record in page.Records)
                        Same(MdcaRecords.Convert(entity, MdcaJson.Parse(document)), record, entity + " " + document);
                }
            }
            Equal(0, new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes(" [ ] ")).Count, "an empty page");
            Throws<System.IO.InvalidDataException>(delegate { var r = new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes("[1]")).Records[0]; }, "a record that is not an object");
            Throws<FormatException>(delegate { new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes("[{\"a\":1}")); }, "an unterminated page");
            Equal(0, new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes("{\"a\":[1]}")).Count, "a page that is not an array has no records");
            Equal(2, new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes("\n[ {\"a\":\"],[{\"} ,\t{\"b\":[{}]} ]\r\n")).Count, "brackets in strings and blanks");
            foreach (string bad in new string[] { "[{\"a\":1},]", "[,{\"a\":1}]", "[{\"a\":1}{\"b\":2}]", "[{\"a\":1}] x", "{\"a\":", "[{\"a\":1}}" })
                Throws<FormatException>(delegate { new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes(bad)); }, "malformed page " + bad);
            Throws<FormatException>(delegate { var r = new MdcaPage("files", System.Text.Encoding.UTF8.GetBytes("[{\"a\":tru}]")).Records[0]; }, "a bad literal");
        });

        Test("page_records_are_the_same_objects_on_every_read_and_can_be_changed", delegate
        {
            var page = new MdcaPage("alerts", System.Text.Encoding.UTF8.GetBytes("[{\"_id\":\"a\"},{\"_id\":\"b\"},{\"_id\":\"c\"}]"));
            Equal(3, page.Count, "count before any record is read");
            OrderedDictionary second = page.Records[1];
            second["seen"] = true;
            var order = new List<string>();
            foreach (OrderedDictionary record in page.Records) order.Add((string)record["_id"]);
            Equal("a,b,c", string.Join(",", order.ToArray()), "order");
            Assert(ReferenceEquals(second, page.Records[1]), "a record read twice is the same object");
            Equal(true, page.Records[1]["seen"], "a change to a record is kept");
            Equal(1, page.Records.IndexOf(second), "IndexOf");
            page.Records.RemoveAt(0);
            page.Records.Add(new OrderedDictionary());
            Equal(3, page.Records.Count, "count after changes");
            Assert(ReferenceEquals(second, page.Records[0]), "records keep their identity when the list changes");
            Equal("[{\"_id\":\"a\"},{\"_id\":\"b\"},{\"_id\":\"c\"}]", page.Json, "the page's JSON as returned");
        });

        Test("fetch_by_id_returns_the_record", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var first = All(client, "alerts", Params("First", 1))[0];
                var fetched = client.Fetch("alerts", (string)first["_id"]);
                Equal(first["_id"], fetched["_id"], "_id");
                Assert(fetched["timestamp"] is DateTime, "fetched records are converted too");
            }
        });

        Test("entities_are_fetched_by_the_key_their_records_carry_in_username", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var user = All(client, "entities", Params("Type", "User", "First", 1))[0];
                var fetched = client.Fetch("entities", (string)user["username"]);
                Equal(user["_id"], fetched["_id"], "_id of the fetched entity");
                var tree = client.EntityTree((string)user["username"]) as IDictionary;
                Assert(tree != null && MdcaJson.Serialize(tree).Contains((string)user["_id"]), "the tree holds the user");
            }
        });

        Test("piped_alert_ids_close_in_one_bulk_call_and_read_state_changes", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var open = All(client, "alerts", Params("ResolutionStatus", "Open", "First", 3));
                Equal(3, open.Count, "three open alerts");
                var ids = new string[] { (string)open[0]["_id"], (string)open[1]["_id"], (string)open[2]["_id"] };
                string request = MdcaParams.CloseAlertsRequest(Params("Identity", ids, "As", "Benign", "Comment", "triaged", "ReasonCode", "TriggeredByTest"));
                IDictionary outcome = client.CloseAlerts(request);
                Equal(3L, outcome["closed"], "closed count");
                Equal(0, ((IList)outcome["not_found"]).Count, "none missing");
                var closed = client.Fetch("alerts", ids[0]);
                Equal(4L, closed["resolutionStatusValue"], "closed as benign");
                var again = client.CloseAlerts(MdcaParams.CloseAlertsRequest(Params("Identity", new string[] { ids[2], "ffffffffffffffffffffffff" }, "As", "TruePositive")));
                Equal("[\"ffffffffffffffffffffffff\"]", MdcaJson.Serialize(again["not_found"]), "unknown ids are reported");
                client.SetAlertRead(ids[1], true);
                Equal(1L, client.Fetch("alerts", ids[1])["statusValue"], "read");
                client.SetAlertRead(ids[1], false);
                Equal(0L, client.Fetch("alerts", ids[1])["statusValue"], "unread");
            }
        });

        Test("subnets_are_created_updated_and_deleted_from_parameters", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                string spec = MdcaParams.SubnetSpec(Params("Name", "csharp-test", "Category", "Corporate", "Subnet", new string[] { "192.0.2.0/24" }));
                string id = client.CreateSubnet(spec);
                Assert(!string.IsNullOrEmpty(id), "an id");
                client.UpdateSubnet(id, MdcaParams.SubnetSpec(Params("Name", "csharp-test", "Category", "VPN", "Subnet", "198.51.100.0/24", "Tag", "lab")));
                var updated = client.Fetch("subnets", id);
                Equal(4L, updated["category"], "category after update");
                client.DeleteSubnet(id);
                var e = Throws<MdcaException>(delegate { client.Fetch("subnets", id); }, "deleted subnet");
                Equal(MdcaStatus.NotFound, e.Code, "deleted");
            }
        });

        Test("a_raw_request_reaches_any_endpoint_and_list_paths_can_be_paged", delegate
        {
            using (MdcaClient client = TokenClient())
            {
                var answer = (IDictionary)client.Request("{\"method\":\"POST\",\"path\":\"v1/subnet/\",\"body\":{\"limit\":2}}");
                Equal(2, ((IList)answer["data"]).Count, "raw list page");
                Equal("subnets", MdcaParams.EntityForListPath("/api/v1/subnet/"), "list path");
                Equal(null, MdcaParams.EntityForListPath("v1/alerts/close_benign/"), "not a list path");
                string request = MdcaParams.ListBodyToQueryRequest(Params("filters", Params("category", Params("eq", new int[] { 1 }))), true, null);
                using (MdcaQuery query = client.Query("subnets", request))
                {
                    long count = 0;
                    foreach (MdcaPage page in query) count += page.Count;
                    Assert(count >= 1, "paged the raw body");
                }
            }
        });

        Test("json_round_trips_unicode_and_escapes", delegate
        {
            string text = "{\"a\":\"\\u00e9\\\"\\n\\ud83d\\ude00\",\"b\":[1,2.5,-3e2,true,null]}";
            var parsed = (IDictionary)MdcaJson.Parse(text);
            Equal("\u00e9\"\n\ud83d\ude00", parsed["a"], "string");
            Equal("{\"a\":\"\u00e9\\\"\\n\ud83d\ude00\",\"b\":[1,2.5,-300,true,null]}", MdcaJson.Serialize(parsed), "serialised");
            Throws<FormatException>(delegate { MdcaJson.Parse("{\"a\":}"); }, "malformed");
            Throws<ArgumentException>(delegate { MdcaJson.Serialize(Params("token", Secure("x"))); }, "secure strings are not serialised");
        });

        Test("error_categories_follow_the_code_ranges", delegate
        {
            Equal("LimitsExceeded", MdcaException.CategoryFor(MdcaStatus.Throttled), "throttled");
            Equal("AuthenticationError", MdcaException.CategoryFor(MdcaStatus.Unauthorized), "unauthorized");
            Equal("ConnectionError", MdcaException.CategoryFor(399), "unknown transport code");
            Equal("NotSpecified", MdcaException.CategoryFor(950), "unknown internal code");
        });
    }
}

// Stand-ins with the names and members of PowerShell's types: the interop reads them by reflection (it
// cannot reference System.Management.Automation and stay usable from plain C#).
namespace System.Management.Automation
{
    public struct SwitchParameter
    {
        private readonly bool present;
        public SwitchParameter(bool present) { this.present = present; }
        public bool IsPresent { get { return present; } }
    }

    public class PSObject
    {
        private readonly object baseObject;
        public PSObject(object baseObject) { this.baseObject = baseObject; }
        public object BaseObject { get { return baseObject; } }
    }
}
