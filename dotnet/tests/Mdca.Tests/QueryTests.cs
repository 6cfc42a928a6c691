using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca.Tests;

public sealed class QueryTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly Simulator sim = fixture.Sim;

    private static readonly Dictionary<string, int> Counts = new()
    {
        ["activities"] = Simulator.Activities,
        ["alerts"] = Simulator.Alerts,
        ["files"] = Simulator.Files,
        ["entities"] = Simulator.Entities,
        ["subnets"] = Simulator.Subnets,
    };

    [Fact]
    public void connecting_with_an_api_token_pages_every_entity_to_the_end()
    {
        using MdcaClient client = sim.Connect();
        foreach ((string entity, int expected) in Counts)
        {
            // Files hide deleted ones unless allowDeleted (api.md §14 rule 20): ask for all of them.
            string request = entity == "files" ? "{\"all\":true,\"filters\":{\"allowDeleted\":{\"eq\":true}}}" : "{\"all\":true}";
            using MdcaQuery<MdcaRecord> query = client.Query<MdcaRecord>(entity, request);
            var ids = new HashSet<string>();
            ulong pages = 0;
            while (query.NextPage() is { } page)
            {
                pages++;
                foreach (MdcaRecord record in page)
                {
                    Assert.True(ids.Add(record.Id!), entity + ": " + record.Id + " delivered twice");
                }
            }
            MdcaProgress progress = query.Progress;
            Assert.True(progress.Done);
            Assert.Equal((ulong)ids.Count, progress.Records);
            Assert.Equal(pages, progress.Pages);
            Assert.Null(query.NextPage());
            Assert.True(query.IsFinished);
            Assert.Equal(expected, ids.Count);
        }
        using MdcaQuery<MdcaFile> visible = client.QueryFiles("{\"all\":true}");
        int count = visible.Count();
        Assert.InRange(count, 1, Simulator.Files - 1);
    }

    [Fact]
    public void typed_shortcuts_read_each_entity_into_its_record_class()
    {
        using MdcaClient client = sim.Connect();
        Assert.IsType<MdcaActivity>(client.QueryActivities("{\"first\":1}").Single());
        Assert.IsType<MdcaAlert>(client.QueryAlerts("{\"first\":1}").Single());
        Assert.IsType<MdcaFile>(client.QueryFiles("{\"first\":1}").Single());
        Assert.IsType<MdcaEntity>(client.QueryEntities("{\"first\":1}").Single());
        Assert.IsType<MdcaSubnet>(client.QuerySubnets("{\"first\":1}").Single());
        Assert.Equal(typeof(MdcaFile), MdcaEntities.RecordType("File"));
        Assert.Equal("subnets", MdcaEntities.Canonical("SUBNET"));
    }

    [Fact]
    public async Task next_page_async_pages_to_the_end()
    {
        using MdcaClient client = sim.Connect();
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"all\":true,\"page_size\":100}");
        int records = 0, pages = 0;
        while (await query.NextPageAsync() is { } page)
        {
            records += page.Count;
            pages++;
        }
        Assert.Equal(Simulator.Alerts, records);
        Assert.Equal(3, pages);
        Assert.Null(await query.NextPageAsync());
    }

    [Fact]
    public void connecting_with_app_credentials_lists_alerts()
    {
        using MdcaClient client = MdcaClient.Connect(sim.AppOptions());
        Assert.Equal("app", client.AuthType);
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"all\":true}");
        Assert.Equal(Simulator.Alerts, query.Count());
    }

    [Fact]
    public void files_with_app_credentials_only_raise_files_need_legacy_token_with_a_hint()
    {
        using MdcaClient client = MdcaClient.Connect(sim.AppOptions());
        using MdcaQuery<MdcaFile> query = client.QueryFiles();
        MdcaException e = Assert.Throws<MdcaException>(() => query.NextPage());
        Assert.Equal(MdcaStatus.FilesNeedLegacyToken, e.Status);
        Assert.Equal("files_need_legacy_token", e.Kind);
        Assert.Equal("Mdca.FilesNeedLegacyToken", e.ErrorId);
        Assert.Equal("PermissionDenied", e.ErrorCategory);
        Assert.Equal(403, e.HttpStatus);
        Assert.False(string.IsNullOrEmpty(e.CorrelationId));
        Assert.Contains("Insufficient role based permissions", e.Detail, StringComparison.Ordinal);
        Assert.Contains("token", e.Hint, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("HTTP 403", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.CorrelationId!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void files_with_app_credentials_and_an_api_token_fall_back_to_the_token_automatically()
    {
        MdcaConnectOptions options = sim.AppOptions();
        options.ApiToken = Simulator.Secure(sim.AdminToken);
        using MdcaClient client = MdcaClient.Connect(options);
        Assert.True(client.HasLegacyToken);
        using MdcaQuery<MdcaFile> files = client.QueryFiles("{\"all\":true,\"filters\":{\"allowDeleted\":{\"eq\":true}}}");
        Assert.Equal(Simulator.Files, files.Count());
        using MdcaQuery<MdcaAlert> alerts = client.QueryAlerts("{\"first\":5}");
        Assert.Equal(5, alerts.Count());
    }

    [Fact]
    public void a_bad_url_is_an_invalid_config_error_that_never_shows_the_token()
    {
        const string token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var options = new MdcaConnectOptions { Url = "http://example.com", ApiToken = Simulator.Secure(token) };
        MdcaException e = Assert.Throws<MdcaException>(() => MdcaClient.Connect(options).Dispose());
        Assert.Equal(MdcaStatus.InvalidConfig, e.Status);
        Assert.Equal("InvalidArgument", e.ErrorCategory);
        Assert.DoesNotContain(token, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void missing_credentials_are_an_argument_error_before_anything_is_sent()
    {
        Assert.Throws<ArgumentException>(() => MdcaClient.Connect(new MdcaConnectOptions { Url = sim.Url }));
        Assert.Throws<ArgumentException>(() => MdcaClient.Connect(new MdcaConnectOptions { ApiToken = Simulator.Secure("x") }));
        Assert.Throws<ArgumentException>(() => MdcaClient.Connect(new MdcaConnectOptions { Url = sim.Url, ClientId = "a" }));
    }

    [Fact]
    public void first_and_skip_limit_the_records()
    {
        using MdcaClient client = sim.Connect();
        List<MdcaAlert> all = client.QueryAlerts("{\"first\":130}").ToList();
        Assert.Equal(130, all.Count);
        List<MdcaAlert> skipped = client.QueryAlerts("{\"first\":10,\"skip\":120}").ToList();
        Assert.Equal(10, skipped.Count);
        Assert.Equal(all[120].Id, skipped[0].Id);
    }

    [Fact]
    public void typed_filters_select_the_matching_records_on_the_server()
    {
        using MdcaClient client = sim.Connect();
        // Ground truth: the high-severity alerts among every alert the server holds.
        var high = GroundTruth.List(sim, "alerts", max: 1000)
            .Where(a => a.GetProperty("severityValue").GetInt64() == 2).Select(a => a.GetProperty("_id").GetString()).ToHashSet();
        string request = MdcaParams.QueryRequest("alerts", new Dictionary<string, object> { ["Severity"] = "High", ["All"] = true });
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts(request);
        var ids = query.Select(a => a.Id).ToHashSet();
        Assert.NotEmpty(high);
        Assert.Equal(high, ids);
    }

    [Fact]
    public void several_threads_share_one_client()
    {
        using MdcaClient client = sim.Connect();
        var counts = new int[4];
        Parallel.For(0, counts.Length, i =>
        {
            using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"all\":true}");
            counts[i] = query.Count();
        });
        Assert.All(counts, c => Assert.Equal(Simulator.Alerts, c));
    }

    [Fact]
    public void a_query_outlives_the_disposal_of_its_client()
    {
        MdcaClient client = sim.Connect();
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"all\":true}");
        client.Dispose();
        Assert.Equal(Simulator.Alerts, query.Count());
    }

    [Fact]
    public void using_a_disposed_client_or_query_throws_object_disposed()
    {
        MdcaClient client = sim.Connect();
        MdcaQuery<MdcaAlert> query = client.QueryAlerts();
        query.Dispose();
        query.Dispose();
        Assert.True(query.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => query.NextPage());
        Assert.Throws<ObjectDisposedException>(() => query.Progress);
        query.Cancel();
        client.Dispose();
        client.Dispose();
        Assert.True(client.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => client.QueryAlerts());
        Assert.Throws<ObjectDisposedException>(() => client.Fetch<MdcaAlert>("alerts", "x"));
    }

    [Fact]
    public void an_unknown_id_is_not_found()
    {
        using MdcaClient client = sim.Connect();
        MdcaException e = Assert.Throws<MdcaException>(() => client.Fetch<MdcaAlert>("alerts", "ffffffffffffffffffffffff"));
        Assert.Equal(MdcaStatus.NotFound, e.Status);
        Assert.Equal("ObjectNotFound", e.ErrorCategory);
        Assert.Equal(404, e.HttpStatus);
        MdcaException cancellable = Assert.Throws<MdcaException>(() =>
            client.Fetch<MdcaAlert>("alerts", "ffffffffffffffffffffffff", new CancellationTokenSource().Token));
        Assert.Equal(MdcaStatus.NotFound, cancellable.Status);
    }
}
