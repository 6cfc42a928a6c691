using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace Mdca.Tests;

/// <summary>Calls that change the tenant: a simulator of their own so that other classes see stable data.</summary>
public sealed class ActionTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly Simulator sim = fixture.Sim;

    private static Dictionary<string, object?> Params(params object?[] pairs)
    {
        var result = new Dictionary<string, object?>();
        for (int i = 0; i < pairs.Length; i += 2)
        {
            result[(string)pairs[i]!] = pairs[i + 1];
        }
        return result;
    }

    [Fact]
    public void alert_ids_close_in_one_bulk_call_and_read_state_changes()
    {
        using MdcaClient client = sim.Connect();
        string[] ids = client.QueryAlerts(MdcaParams.QueryRequest("alerts", Params("ResolutionStatus", "Open", "First", 3)))
            .Select(a => a.Id!).ToArray();
        Assert.Equal(3, ids.Length);
        string request = MdcaParams.CloseAlertsRequest(Params("Identity", ids, "As", "Benign", "Comment", "triaged", "ReasonCode", "TriggeredByTest"));
        MdcaCloseResult outcome = client.CloseAlerts(request);
        Assert.Equal(3, outcome.Closed);
        Assert.Empty(outcome.NotFound);
        Assert.Equal(4, client.Fetch<MdcaAlert>("alerts", ids[0]).ResolutionStatusValue);
        MdcaCloseResult again = client.CloseAlerts(MdcaParams.CloseAlertsRequest(Params("Identity", new[] { ids[2], "ffffffffffffffffffffffff" }, "As", "TruePositive")));
        Assert.Equal(["ffffffffffffffffffffffff"], again.NotFound);
        client.SetAlertRead(ids[1], true);
        Assert.Equal(1, client.Fetch<MdcaAlert>("alerts", ids[1]).StatusValue);
        client.SetAlertRead(ids[1], false);
        Assert.Equal(0, client.Fetch<MdcaAlert>("alerts", ids[1]).StatusValue);
    }

    [Fact]
    public void subnets_are_created_updated_and_deleted_from_parameters()
    {
        using MdcaClient client = sim.Connect();
        string spec = MdcaParams.SubnetSpec(Params("Name", "csharp-test", "Category", "Corporate", "Subnet", new[] { "192.0.2.0/24" }));
        string id = client.CreateSubnet(spec);
        Assert.False(string.IsNullOrEmpty(id));
        client.UpdateSubnet(id, MdcaParams.SubnetSpec(Params("Name", "csharp-test", "Category", "VPN", "Subnet", "198.51.100.0/24", "Tag", "lab")));
        MdcaSubnet updated = client.Fetch<MdcaSubnet>("subnets", id);
        Assert.Equal(4, updated.Category);
        Assert.Equal("198.51.100.0/24", updated.Subnets!.Single().OriginalString);
        client.DeleteSubnet(id);
        MdcaException e = Assert.Throws<MdcaException>(() => client.Fetch<MdcaSubnet>("subnets", id));
        Assert.Equal(MdcaStatus.NotFound, e.Status);
    }

    [Fact]
    public void activity_feedback_is_sent_and_answered()
    {
        using MdcaClient client = sim.Connect();
        MdcaActivity activity = client.QueryActivities("{\"first\":1}").Single();
        JsonElement answer = client.ActivityFeedback(activity.Id!, "{\"feedbackValue\":1,\"feedbackText\":\"ok\"}");
        Assert.True(answer.GetProperty("success").GetBoolean());
    }

    [Fact]
    public void a_raw_request_reaches_any_endpoint_and_list_paths_can_be_paged()
    {
        using MdcaClient client = sim.Connect();
        JsonElement answer = client.Request("{\"method\":\"POST\",\"path\":\"v1/subnet/\",\"body\":{\"limit\":2}}");
        Assert.Equal(2, answer.GetProperty("data").GetArrayLength());
        Assert.Equal("subnets", MdcaParams.EntityForListPath("/api/v1/subnet/"));
        Assert.Equal("alerts", MdcaParams.EntityForListPath("CAS/API/V1/ALERTS?x=1"));
        Assert.Null(MdcaParams.EntityForListPath("v1/alerts/close_benign/"));
        string request = MdcaParams.ListBodyToQueryRequest(Params("filters", Params("category", Params("eq", new[] { 1 }))), true, null);
        var expected = GroundTruth.List(sim, "subnets", "{\"category\":{\"eq\":[1]}}").Select(s => s.GetProperty("_id").GetString()).ToList();
        using MdcaQuery<MdcaRecord> query = client.Query<MdcaRecord>(MdcaParams.EntityForListPath("v1/subnet/")!, request);
        Assert.Equal(expected, query.Select(r => r.Id).ToList());
        Assert.Throws<System.ArgumentException>(() => MdcaParams.ListBodyToQueryRequest(Params("colour", "red"), true, null));
    }
}
