using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace Mdca.Tests;

/// <summary>
/// Checkpoints: a query stopped after some pages and resumed from its checkpoint returns the rest, so the
/// two together are every record once; a finished query's checkpoint, resumed, returns only what is new
/// since; a checkpoint fits only the query it was taken from. (Own simulator: records are inserted here.)
/// </summary>
public sealed class CheckpointTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly Simulator sim = fixture.Sim;

    private static List<string> Ids(IEnumerable<MdcaRecord> records) => records.Select(r => r.Id!).ToList();

    private static List<string> Drain<T>(MdcaQuery<T> query) where T : MdcaRecord
    {
        var ids = new List<string>();
        while (query.NextPage() is { } page)
        {
            ids.AddRange(Ids(page));
        }
        return ids;
    }

    [Theory]
    [InlineData("alerts", 50)]
    [InlineData("activities", 500)]
    [InlineData("files", 50)]
    [InlineData("entities", 20)]
    public void a_query_resumed_from_its_checkpoint_after_two_pages_returns_the_rest_once(string entity, int pageSize)
    {
        string request = "{\"all\":true,\"page_size\":" + pageSize + "}";
        using MdcaClient client = sim.Connect();
        List<string> full;
        using (MdcaQuery<MdcaRecord> everything = client.Query<MdcaRecord>(entity, request))
        {
            full = Drain(everything);
        }
        Assert.True(full.Count > 2 * pageSize, entity + ": too few records for a third page");

        var first = new List<string>();
        string checkpoint;
        using (MdcaQuery<MdcaRecord> stopped = client.Query<MdcaRecord>(entity, request))
        {
            first.AddRange(Ids(stopped.NextPage()!));
            first.AddRange(Ids(stopped.NextPage()!));
            checkpoint = stopped.Checkpoint();
        }

        using MdcaQuery<MdcaRecord> resumed = client.Query<MdcaRecord>(entity, MdcaParams.ResumeRequest(request, checkpoint));
        List<string> rest = Drain(resumed);
        List<string> union = [.. first, .. rest];
        Assert.Equal(union.Count, union.Distinct().Count());
        Assert.Equal(full.OrderBy(id => id, StringComparer.Ordinal), union.OrderBy(id => id, StringComparer.Ordinal));
        Assert.Equal((ulong)full.Count, resumed.Progress.Records);
    }

    [Theory]
    [InlineData("alerts")]
    [InlineData("activities")]
    public void a_finished_querys_checkpoint_resumed_returns_only_the_records_inserted_since(string entity)
    {
        const string request = "{\"all\":true}";
        using MdcaClient client = sim.Connect();
        List<string> full;
        string checkpoint;
        using (MdcaQuery<MdcaRecord> query = client.Query<MdcaRecord>(entity, request))
        {
            full = Drain(query);
            checkpoint = query.Checkpoint();
        }

        sim.Insert(entity, 7);
        List<string> fresh;
        using (MdcaQuery<MdcaRecord> incremental = client.Query<MdcaRecord>(entity, MdcaParams.ResumeRequest(request, checkpoint)))
        {
            fresh = Drain(incremental);
            checkpoint = incremental.Checkpoint();
        }
        Assert.Equal(7, fresh.Count);
        Assert.Empty(fresh.Intersect(full));
        var truth = GroundTruth.List(sim, entity, max: 100_000).Select(r => r.GetProperty("_id").GetString()!);
        Assert.Equal(truth.OrderBy(id => id, StringComparer.Ordinal), full.Concat(fresh).OrderBy(id => id, StringComparer.Ordinal));

        using MdcaQuery<MdcaRecord> again = client.Query<MdcaRecord>(entity, MdcaParams.ResumeRequest(request, checkpoint));
        Assert.Empty(Drain(again));
    }

    [Fact]
    public void a_checkpoint_of_another_query_is_refused_with_an_invalid_argument_error_saying_so()
    {
        using MdcaClient client = sim.Connect();
        string checkpoint;
        using (MdcaQuery<MdcaAlert> alerts = client.QueryAlerts("{\"all\":true,\"page_size\":50}"))
        {
            Assert.NotNull(alerts.NextPage());
            checkpoint = alerts.Checkpoint();
        }
        string otherFilters = MdcaParams.ResumeRequest("{\"all\":true,\"page_size\":50,\"filters\":{\"severity\":{\"eq\":[2]}}}", checkpoint);
        MdcaException e = Assert.Throws<MdcaException>(() => client.QueryAlerts(otherFilters).Dispose());
        Assert.Equal(MdcaStatus.InvalidArgument, e.Status);
        Assert.Contains("another query", e.Message, StringComparison.Ordinal);

        MdcaException other = Assert.Throws<MdcaException>(() => client.QueryFiles(MdcaParams.ResumeRequest("{\"all\":true,\"page_size\":50}", checkpoint)).Dispose());
        Assert.Equal(MdcaStatus.InvalidArgument, other.Status);
        Assert.Contains("another query", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_checkpoint_is_taken_between_pages_and_holds_no_record_and_no_token()
    {
        using MdcaClient client = sim.Connect();
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts("{\"all\":true,\"page_size\":50}");
        // The first request stalls, so that the page is still in flight when the checkpoint is asked for
        // (a fast answer could otherwise be read and returned before, on a busy machine).
        using (var http = new System.Net.Http.HttpClient())
        using (var fault = new System.Net.Http.StringContent("{\"kind\":\"stall\",\"ms\":1000,\"route\":\"alerts.list\",\"count\":1}", System.Text.Encoding.UTF8, "application/json"))
        {
            (await http.PostAsync(new Uri(sim.Url + "/_sim/faults"), fault)).EnsureSuccessStatusCode();
        }
        Task<IReadOnlyList<MdcaAlert>?> inFlight = query.NextPageAsync();
        Assert.Throws<InvalidOperationException>(() => query.Checkpoint());
        IReadOnlyList<MdcaAlert> page = (await inFlight)!;
        string checkpoint = query.Checkpoint();

        using JsonDocument parsed = JsonDocument.Parse(checkpoint);
        Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
        Assert.Equal("alerts", parsed.RootElement.GetProperty("entity").GetString());
        Assert.DoesNotContain(sim.AdminToken, checkpoint, StringComparison.Ordinal);
        Assert.All(page, alert => Assert.DoesNotContain(alert.Id!, checkpoint, StringComparison.Ordinal));
        Assert.All(page, alert => Assert.DoesNotContain(alert.Title ?? "\u0000", checkpoint, StringComparison.Ordinal));

        query.Dispose();
        Assert.Throws<ObjectDisposedException>(() => query.Checkpoint());
    }

    [Fact]
    public void resume_request_sets_resume_and_lookback_and_keeps_the_rest_of_the_request()
    {
        string request = MdcaParams.ResumeRequest("{\"all\":true,\"resume\":{\"old\":1},\"lookback_secs\":5,\"page_size\":20}", "{\"version\":1}", 60);
        using JsonDocument parsed = JsonDocument.Parse(request);
        JsonElement root = parsed.RootElement;
        Assert.True(root.GetProperty("all").GetBoolean());
        Assert.Equal(20, root.GetProperty("page_size").GetInt32());
        Assert.Equal("{\"version\":1}", root.GetProperty("resume").GetRawText());
        Assert.Equal(60UL, root.GetProperty("lookback_secs").GetUInt64());
        Assert.Equal(4, root.EnumerateObject().Count());

        using JsonDocument fresh = JsonDocument.Parse(MdcaParams.ResumeRequest("{\"all\":true}", "  \n"));
        Assert.False(fresh.RootElement.TryGetProperty("resume", out _));
        Assert.False(fresh.RootElement.TryGetProperty("lookback_secs", out _));

        Assert.Contains("checkpoint", Assert.Throws<ArgumentException>(() => MdcaParams.ResumeRequest(null, "alerts, page 3")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MdcaParams.ResumeRequest(null, "[1]"));
        Assert.Throws<ArgumentException>(() => MdcaParams.ResumeRequest("[]", null));
    }
}
