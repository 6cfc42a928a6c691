using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Mdca.Tests;

public sealed class RecordTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly Simulator sim = fixture.Sim;

    private static readonly Dictionary<string, Type> Entities = new()
    {
        ["activities"] = typeof(MdcaActivity),
        ["alerts"] = typeof(MdcaAlert),
        ["files"] = typeof(MdcaFile),
        ["entities"] = typeof(MdcaEntity),
        ["subnets"] = typeof(MdcaSubnet),
    };

    [Fact]
    public void typed_records_hold_every_field_the_server_sent_and_nothing_else()
    {
        using MdcaClient client = sim.Connect();
        foreach ((string entity, Type type) in Entities)
        {
            JsonElement[] raw = GroundTruth.List(sim, entity);
            var records = new List<MdcaRecord>();
            typeof(RecordTests).GetMethod(nameof(Read), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type).Invoke(null, [client, entity, records]);
            Assert.Equal(raw.Length, records.Count);
            // Matched by id: the library states its own order (newest first by the entity's window key),
            // which need not be the server's default order that the direct list shows.
            var byId = raw.ToDictionary(r => r.GetProperty("_id").ToString(), StringComparer.Ordinal);
            for (int i = 0; i < records.Count; i++)
            {
                Assert.IsType(type, records[i]);
                Assert.True(byId.TryGetValue(records[i].Id ?? string.Empty, out JsonElement expected), entity + "[" + i + "] is not in the direct list");
                GroundTruth.AssertSame(expected, records[i], entity + "[" + records[i].Id + "]");
            }
        }
    }

    private static void Read<T>(MdcaClient client, string entity, List<MdcaRecord> into) where T : MdcaRecord
    {
        // The same 100 records as the direct list, which has the server's default order (for files, the
        // newest modifiedDate first; the library's own one-page default is the newest createdDate).
        string sort = entity == "files" ? ",\"sort_field\":\"modifiedDate\",\"sort_direction\":\"desc\"" : "";
        using MdcaQuery<T> query = client.Query<T>(entity, "{\"first\":100,\"page_size\":100" + sort + "}");
        into.AddRange(query);
    }

    [Fact]
    public void nested_shapes_are_typed_objects()
    {
        using MdcaClient client = sim.Connect();
        MdcaActivity activity = client.QueryActivities("{\"first\":1}").Single();
        Assert.False(string.IsNullOrEmpty(activity.User!.UserName));
        Assert.NotNull(activity.Location!.CountryCode);
        Assert.NotNull(activity.Device!.ClientIP);
        Assert.NotEmpty(activity.MainInfo!.EventObjects!);
        MdcaAlert alert = client.QueryAlerts("{\"first\":1}").Single();
        Assert.NotEmpty(alert.Entities!);
        Assert.NotNull(alert.Policy!.Label);
        MdcaSubnet subnet = client.QuerySubnets("{\"first\":1}").Single();
        Assert.Contains('/', subnet.Subnets![0].OriginalString!);
    }

    [Fact]
    public void epoch_milliseconds_become_utc_datetimes()
    {
        using MdcaClient client = sim.Connect();
        foreach (MdcaActivity activity in client.QueryActivities("{\"first\":3}"))
        {
            Assert.Equal(DateTimeKind.Utc, activity.Timestamp!.Value.Kind);
            Assert.Equal(activity.TimestampRaw, (long)(activity.Timestamp.Value - DateTime.UnixEpoch).TotalMilliseconds);
        }
        MdcaSubnet subnet = MdcaJson.ReadRecord<MdcaSubnet>("{\"_id\":\"x\",\"lastModified\":1607952165309.8032}"u8);
        Assert.Equal(new DateTime(2020, 12, 14, 13, 22, 45, 309, DateTimeKind.Utc).AddTicks(8032), subnet.LastModified);
        MdcaEntity entity = MdcaJson.ReadRecord<MdcaEntity>("{\"lastSeen\":\"2026-12-02T07:42:01.852Z\"}"u8);
        Assert.Equal(new DateTime(2026, 12, 2, 7, 42, 1, 852, DateTimeKind.Utc), entity.LastSeen);
        Assert.Equal(DateTimeKind.Utc, entity.LastSeen!.Value.Kind);
        Assert.Null(MdcaJson.ReadRecord<MdcaAlert>("{\"resolveTime\":null}"u8).ResolveTime);
        Assert.Throws<MdcaException>(() => MdcaJson.ReadRecord<MdcaAlert>("{\"timestamp\":\"not a date\"}"u8));
    }

    [Fact]
    public void keys_differing_only_by_case_are_both_kept()
    {
        MdcaFile file = MdcaJson.ReadRecord<MdcaFile>("{\"created\":1,\"Created\":\"2020-01-01T00:00:00Z\",\"fTags\":[1],\"ftags\":[2],\"sharepointItem\":{\"id\":\"a\",\"Id\":\"b\"}}"u8);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1), file.Created);
        Assert.Equal("2020-01-01T00:00:00Z", file.AdditionalProperties["Created"]);
        Assert.Equal(new object[] { 1L }, (object?[])file.FTags!);
        Assert.Equal(new object[] { 2L }, (object?[])file.AdditionalProperties["ftags"]!);
        var item = (IDictionary<string, object?>)file.SharepointItem!;
        Assert.Equal("a", item["id"]);
        Assert.Equal("b", item["Id"]);
        MdcaRecord other = MdcaJson.ReadRecord<MdcaRecord>("{\"a\":1,\"A\":2,\"a\":3}"u8);
        Assert.Equal(3L, other.AdditionalProperties["a"]);
        Assert.Equal(2L, other.AdditionalProperties["A"]);

        using MdcaClient client = sim.Connect();
        List<MdcaFile> files = client.QueryFiles("{\"first\":20}").ToList();
        Assert.Contains(files, f => f.Created != null && f.AdditionalProperties.ContainsKey("Created"));
    }

    [Fact]
    public void a_record_nested_100000_levels_deep_is_an_mdca_exception_not_a_stack_overflow()
    {
        const int depth = 100_000;
        var json = new StringBuilder("[{\"_id\":\"deep\",\"x\":");
        json.Append('[', depth).Append(']', depth).Append("}]");
        byte[] utf8 = Encoding.UTF8.GetBytes(json.ToString());
        MdcaException e = Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaActivity>(utf8));
        Assert.Equal(MdcaStatus.InvalidResponse, e.Status);
        Assert.Equal("InvalidResult", e.ErrorCategory);
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaRecord>(utf8));
        Assert.Throws<MdcaException>(() => MdcaJson.ReadValue(utf8));
        // Real records nest far less than the limit.
        string ok = "[{\"x\":" + new string('[', 100) + new string(']', 100) + "}]";
        Assert.Single(MdcaJson.ReadPage<MdcaRecord>(Encoding.UTF8.GetBytes(ok)));
    }

    [Fact]
    public void a_page_read_one_record_at_a_time_refuses_what_the_whole_page_reader_refuses()
    {
        // The enumerator (and the PowerShell module) read a page record by record (MdcaPageReader).
        const int depth = 100_000;
        var json = new StringBuilder("[{\"_id\":\"deep\",\"x\":");
        json.Append('[', depth).Append(']', depth).Append("}]");
        Assert.Throws<MdcaException>(() => MdcaPageReader<MdcaActivity>.ReadAll(Encoding.UTF8.GetBytes(json.ToString())));
        Assert.Empty(MdcaPageReader<MdcaRecord>.ReadAll(" [ ] "u8));
        foreach (string bad in new[] { "[1]", "[{\"a\":1}", "{\"a\":[1]}", "[{\"a\":1}] x", "[{\"a\":1}{\"b\":2}]", "" })
        {
            MdcaException e = Assert.Throws<MdcaException>(() => MdcaPageReader<MdcaRecord>.ReadAll(Encoding.UTF8.GetBytes(bad)));
            Assert.Equal(MdcaStatus.InvalidResponse, e.Status);
        }
        Assert.Throws<MdcaException>(() => MdcaPageReader<MdcaAlert>.ReadAll("[{\"title\":5}]"u8));
        List<MdcaRecord?> records = MdcaPageReader<MdcaRecord>.ReadAll("[{\"_id\":\"a\",\"n\":[]},null,{\"_id\":\"b\",\"A\":1,\"a\":2}]"u8);
        Assert.Equal(3, records.Count);
        Assert.Equal("a", records[0]!.Id);
        Assert.Empty((object?[])records[0]!.AdditionalProperties["n"]!);
        Assert.Null(records[1]);
        Assert.Equal(1L, records[2]!.AdditionalProperties["A"]);
        Assert.Equal(2L, records[2]!.AdditionalProperties["a"]);
    }

    [Fact]
    public void a_page_that_is_not_an_array_of_records_is_an_invalid_response()
    {
        Assert.Empty(MdcaJson.ReadPage<MdcaRecord>(" [ ] "u8));
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaRecord>("[1]"u8));
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaRecord>("[{\"a\":1}"u8));
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaRecord>("{\"a\":[1]}"u8));
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaAlert>("[{\"title\":5}]"u8));
    }

    [Fact]
    public void fetch_by_id_returns_the_record()
    {
        using MdcaClient client = sim.Connect();
        MdcaAlert first = client.QueryAlerts("{\"first\":1}").Single();
        MdcaAlert fetched = client.Fetch<MdcaAlert>("alerts", first.Id!);
        Assert.Equal(first.Id, fetched.Id);
        Assert.Equal(first.Timestamp, fetched.Timestamp);
        Assert.Equal(first.Title, fetched.Title);
    }

    [Fact]
    public void entities_are_fetched_by_the_key_their_records_carry_in_username()
    {
        using MdcaClient client = sim.Connect();
        MdcaEntity user = client.QueryEntities(MdcaParams.QueryRequest("entities", new Dictionary<string, object> { ["Type"] = "User", ["First"] = 1 })).Single();
        MdcaEntity fetched = client.Fetch<MdcaEntity>("entities", user.Username!);
        Assert.Equal(user.Id, fetched.Id);
        JsonElement tree = client.EntityTree(user.Username!);
        Assert.Equal(JsonValueKind.Object, tree.ValueKind);
    }
}
