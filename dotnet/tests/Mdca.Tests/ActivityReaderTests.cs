using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Mdca.Tests;

/// <summary>
/// The hand-written activity reader (MdcaActivityReader, used by the enumerator and the PowerShell module)
/// must make exactly what System.Text.Json makes (MdcaJson.ReadPage): same classes, values, value types,
/// collection types and AdditionalProperties, and refuse what it refuses.
/// </summary>
public sealed class ActivityReaderTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly Simulator sim = fixture.Sim;

    [Fact]
    public void simulator_activities_are_read_by_the_fast_reader_exactly_as_the_serializer_reads_them()
    {
        JsonElement[] raw = GroundTruth.List(sim, "activities", max: 300);
        Assert.NotEmpty(raw);
        foreach (JsonElement element in raw)
        {
            byte[] record = Encoding.UTF8.GetBytes(element.GetRawText());
            var reader = new Utf8JsonReader(record, new JsonReaderOptions { MaxDepth = MdcaJson.MaxDepth });
            reader.Read();
            // The server's shape never needs the serializer: else this reader would be no faster.
            ReadOnlySpan<byte> input = record;
            Assert.True(MdcaActivityReader.TryRead(ref reader, ref input, checkedPage: false, out MdcaActivity? fast, out int skipped));
            Assert.Equal(0, skipped);
            Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
            Assert.False(reader.Read());
            MdcaActivity slow = MdcaJson.ReadRecord<MdcaActivity>(record);
            AssertSameGraph(slow, fast, "$");
        }
        // The same records as a page from the library, its deferred values kept without being tokenized.
        AssertSameAsSerializer("[" + string.Join(",", raw.Select(e => e.GetRawText())) + "]");
    }

    [Theory]
    [InlineData("{\"_id\":\"a\",\"uid\":\"b\",\"tenantId\":\"123\",\"appId\":\"-5\"}")]
    [InlineData("{\"_id\":\"a\",\"a\":1,\"A\":2,\"a\":3,\"Uid\":\"x\",\"uid\":\"y\",\"UID\":null}")]
    [InlineData("{\"_id\":\"a\",\"_id\":\"b\",\"severity\":\"INFO\",\"severity\":null}")]
    [InlineData("{\"\\u005fid\":\"a\",\"s\\u0065verity\":\"x\",\"\\u0041\":1}")]
    [InlineData("{\"_id\":\"a\",\"device\":null,\"location\":{\"latitude\":\"1.5\",\"longitude\":-2e3,\"category\":7}}")]
    [InlineData("{\"_id\":\"a\",\"mainInfo\":{\"eventObjects\":[null,{\"id\":\"x\",\"extra\":{\"k\":[1,2.5,\"s\",true,null,{}]}}],\"type\":null}}")]
    [InlineData("{\"_id\":\"a\",\"mainInfo\":{\"eventObjects\":null},\"resolvedActor\":null,\"userAgent\":{\"operatingSystem\":null}}")]
    [InlineData("{\"_id\":\"a\",\"timestamp\":\"2020-01-01T00:00:00Z\",\"created\":null,\"instantiation\":1.5,\"timestampRaw\":null}")]
    [InlineData("{\"_id\":\"a\",\"timestamp\":\"\",\"created\":\"2020-01-01T10:00:00+02:00\",\"instantiation\":-1}")]
    [InlineData("{\"_id\":\"a\",\"device\":{\"tags\":{\"x\":{\"y\":[]}},\"type\":null,\"Type\":\"t\"},\"user\":{\"userTags\":[[],[1]]}}")]
    [InlineData("{\"_id\":null,\"severity\":\"\\u00e9\\n\",\"description\":\"\\ud83d\\ude00 caf\u00e9\"}")]
    [InlineData("{\"_id\":\"a\",\"resolvedActor\":{\"resolved\":false,\"role\":9223372036854775807,\"saasId\":-9223372036854775808}}")]
    [InlineData("{\"_id\":\"a\",\"rawDataJson\":{\"a\":1,\"a\":2,\"b\":1.0,\"c\":1e2,\"d\":12345678901234567890},\"collected\":\"x\"}")]
    [InlineData("{\"$id\":\"1\",\"_id\":\"a\"}")]
    [InlineData("{\"_id\":\"a\",\"$type\":\"x\"}")]
    [InlineData("{\"AdditionalProperties\":{\"x\":1},\"_id\":\"a\"}")]
    [InlineData("{}")]
    [InlineData("{\"_id\":\"a\",\"uid\":\"a\"}")]
    [InlineData("{\"uid\":\"a\",\"_id\":\"a\",\"uid\":\"\\u0061\"}")]
    [InlineData("{\"_id\":\"a\",\"_id\":\"c\",\"uid\":\"c\"}")]
    [InlineData("{\"_id\":\"\",\"uid\":\"\"}")]
    [InlineData("{\"_id\":\"a\",\"_id\":null,\"uid\":\"a\"}")]
    [InlineData("{\"_id\":\"a\",\"uid\":null}")]
    [InlineData("{\"_id\":\"a\",\"rawDataJson\":{\"a\":1e400,\"b\":-1e400,\"c\":1e-400}}")]
    [InlineData("{\"_id\":\"a\",\"rawDataJson\":{\"k\\u0041\":\"\\u00e9\",\"n\":[1.5,-0,1e300]},\"collected\":[{\"x\":{\"y\":[[]]}}],\"internals\":[],\"entityData\":{}}")]
    [InlineData("{\"_id\":\"a\",\"rawDataJson\":\"text\",\"collected\":12,\"internals\":null,\"entityData\":true}")]
    [InlineData("{\"_id\":\"a\",\"alertIds\":[\"x\"],\"policies\":{},\"takenAction\":false,\"entityData\":{\"0\":{\"id\":\"u\"}},\"internals\":0}")]
    [InlineData("{\"_id\":\"a\",\"rawDataJson\":{\"a\":\"}]\\\"[{\",\"b\":[{\"c\":\"\\\\\"},\"\\n\\/\"]},\"severity\":\"x\"}")]
    [InlineData("{\"entityData\":[],\"internals\":{},\"rawDataJson\":[[{}]],\"collected\":{\"x\":[true,false,null,-0.5]}}")]
    [InlineData("{\"_id\":\"a\",\"collected\":{\"a\":[1E5,2e-3]},\"rawDataJson\":{\"t\":true,\"f\":false},\"device\":{\"type\":\"pc\"}}")]
    [InlineData("{ \"rawDataJson\" : { \"k\" : [ 1 , 2 ] } , \"user\" : { \"userName\" : \"u\" } , \"internals\" : [ ] }")]
    public void unusual_records_are_read_exactly_as_the_serializer_reads_them(string json)
    {
        AssertSameAsSerializer("[" + json + "]");
    }

    [Theory]
    [InlineData("{\"_id\":\"a\",\"tenantId\":1.5}")]
    [InlineData("{\"_id\":\"a\",\"appId\":9223372036854775808}")]
    [InlineData("{\"_id\":\"a\",\"tenantId\":\"12x\"}")]
    [InlineData("{\"_id\":\"a\",\"timestamp\":\"not a date\"}")]
    [InlineData("{\"_id\":\"a\",\"user\":[]}")]
    [InlineData("{\"_id\":\"a\",\"adminEvent\":\"true\"}")]
    [InlineData("{\"_id\":5}")]
    [InlineData("{\"_id\":\"a\",\"mainInfo\":{\"eventObjects\":[1]}}")]
    [InlineData("{\"_id\":\"a\",\"mainInfo\":{\"eventObjects\":{}}}")]
    [InlineData("{\"_id\":\"a\",\"location\":{\"latitude\":true}}")]
    [InlineData("{\"_id\":\"a\",\"device\":{\"clientIP\":1}}")]
    [InlineData("{\"_id\":\"a\",\"collected\":{\"a\":\"\\ud800\"}}")]
    public void records_the_serializer_refuses_are_refused(string json)
    {
        byte[] page = Encoding.UTF8.GetBytes("[" + json + "]");
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaActivity>(page));
        MdcaException e = Assert.Throws<MdcaException>(() => MdcaPageReader<MdcaActivity>.ReadAll(page));
        Assert.Equal(MdcaStatus.InvalidResponse, e.Status);
    }

    [Fact]
    public void records_after_one_the_serializer_reads_are_read_again_by_the_fast_reader()
    {
        AssertSameAsSerializer("[{\"_id\":\"a\",\"tenantId\":\"1\"},null,{\"_id\":\"b\",\"tenantId\":2,\"x\":[1]},{\"\\u005fid\":\"c\"},{\"_id\":\"d\"}]");
    }

    [Fact]
    public void deferred_loose_values_refuse_invalid_utf8_when_the_record_is_read_and_convert_once()
    {
        byte[] bad = Encoding.UTF8.GetBytes("[{\"_id\":\"a\",\"rawDataJson\":{\"k\":\"..\"}}]");
        int at = Array.IndexOf(bad, (byte)'.');
        bad[at] = 0xC3;
        bad[at + 1] = 0x28;
        Assert.Throws<MdcaException>(() => MdcaJson.ReadPage<MdcaActivity>(bad));
        Assert.Throws<MdcaException>(() => MdcaPageReader<MdcaActivity>.ReadAll(bad));

        byte[] page = Encoding.UTF8.GetBytes("[{\"_id\":\"a\",\"rawDataJson\":{\"k\":[1,\"v\"]},\"collected\":{\"c\":1}}]");
        MdcaActivity activity = MdcaPageReader<MdcaActivity>.ReadAll(page)[0]!;
        object?[] seen = new object?[8];
        System.Threading.Tasks.Parallel.For(0, seen.Length, i => seen[i] = activity.RawDataJson);
        Assert.All(seen, value => Assert.Same(seen[0], value));
        Assert.Same(seen[0], activity.RawDataJson);
        Assert.Equal(new object?[] { 1L, "v" }, (object?[])((IDictionary<string, object?>)seen[0]!)["k"]!);
        activity.Collected = null;
        Assert.Null(activity.Collected);
        activity.RawDataJson = "x";
        Assert.Equal("x", activity.RawDataJson);
        string json = JsonSerializer.Serialize(MdcaPageReader<MdcaActivity>.ReadAll(page)[0], MdcaJson.Options);
        Assert.Equal(JsonSerializer.Serialize(MdcaJson.ReadPage<MdcaActivity>(page)[0], MdcaJson.Options), json);
        Assert.Contains("\"collected\":{\"c\":1}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void a_checked_pages_deferred_values_are_kept_by_their_brackets_and_reading_goes_on_after_them()
    {
        // Escapes other than \u, brackets and quotes inside strings: kept as they are (the token-by-token read
        // converts a value with escaped strings at once); the members after each value are read as usual.
        string value = "{\"a\":\"}]\\\"[{\\n\",\"b\":[{\"c\":\"\\\\\"},[]],\"n\":-12.5,\"t\":true}";
        string json = "[{\"_id\":\"a\",\"rawDataJson\":" + value + ",\"severity\":\"x\",\"collected\":[" + value + "]},"
            + "{\"internals\":" + value + "}]";
        byte[] page = Encoding.UTF8.GetBytes(json);
        List<MdcaActivity?> records = MdcaPageReader<MdcaActivity>.ReadAll(page, checkedPage: true);
        Assert.Equal(2, records.Count);
        Assert.IsType<MdcaDeferredValue>(Field(records[0]!, "rawDataJsonValue"));
        Assert.IsType<MdcaDeferredValue>(Field(records[0]!, "collectedValue"));
        Assert.IsType<MdcaDeferredValue>(Field(records[1]!, "internalsValue"));
        Assert.Equal("x", records[0]!.Severity);
        Assert.Equal("}]\"[{\n", ((IDictionary<string, object?>)records[0]!.RawDataJson!)["a"]);
        AssertSameAsSerializer(json);
        // Read token by token (not a checked page), the same values are converted at once.
        List<MdcaActivity?> tokenized = MdcaPageReader<MdcaActivity>.ReadAll(page);
        Assert.IsNotType<MdcaDeferredValue>(Field(tokenized[0]!, "rawDataJsonValue"));
    }

    [Theory]
    [InlineData("{}", 2)]
    [InlineData("[]", 2)]
    [InlineData("{\"a\":[1,{\"b\":\"]}\"}],\"c\":true}x", 29)]
    [InlineData("[\"\\\"]\",\"\\\\\"]", 12)]
    [InlineData("[-1.5,0,false,null]", 19)]
    [InlineData("[1e5]", -1)]
    [InlineData("[2E-3]", -1)]
    [InlineData("[\"\\u0041\"]", -1)]
    [InlineData("{\"a\":[]", -1)]
    [InlineData("\"text\"", -1)]
    [InlineData("[\"unterminated]", -1)]
    public void a_checked_values_end_is_found_by_brackets_or_left_to_the_tokenizer(string json, int end)
    {
        Assert.Equal(end, MdcaDeferredValue.CheckedEnd(Encoding.UTF8.GetBytes(json), 0));
    }

    [Fact]
    public void a_number_too_long_to_be_sure_of_is_left_to_the_tokenizer()
    {
        Assert.Equal(302, MdcaDeferredValue.CheckedEnd(Encoding.UTF8.GetBytes("[" + new string('9', 300) + "]"), 0));
        Assert.Equal(-1, MdcaDeferredValue.CheckedEnd(Encoding.UTF8.GetBytes("[" + new string('9', 301) + "]"), 0));
        AssertSameAsSerializer("[{\"_id\":\"a\",\"rawDataJson\":{\"big\":" + new string('9', 400) + "}}]");
        AssertSameAsSerializer("[{\"_id\":\"a\",\"rawDataJson\":{\"big\":" + new string('9', 299) + "}}]");
    }

    [Fact]
    public void random_loose_values_on_a_checked_page_read_as_the_serializer_reads_them()
    {
        // Deferred values of every shape (brackets and quotes inside strings, escapes, exponents, numbers too
        // large for a double, whitespace between tokens) between typed members, a fallback record now and then.
        var rng = new Random(20261203);
        string[] deferred = ["entityData", "internals", "rawDataJson", "collected"];
        string[] typed = ["\"severity\":\"INFO\"", "\"device\":{\"type\":\"pc\",\"tags\":[]}", "\"timestamp\":1700000000000",
            "\"user\":{\"userName\":\"u\"}", "\"extra\":[1,{\"k\":\"v\"}]", "\"alertIds\":[\"x\"]"];
        for (int round = 0; round < 300; round++)
        {
            var page = new StringBuilder("[");
            for (int r = 0; r < 4; r++)
            {
                page.Append(r == 0 ? "" : ",").Append(Space(rng));
                if (rng.Next(12) == 0)
                {
                    page.Append(rng.Next(2) == 0 ? "null" : "{\"\\u005fid\":\"escaped\",\"rawDataJson\":{\"a\":[1]}}");
                    continue;
                }
                var members = new List<string> { "\"_id\":\"r" + r + "\"" };
                members.AddRange(deferred.Where(_ => rng.Next(3) > 0).Select(m => "\"" + m + "\":" + Space(rng) + RandomValue(rng, 0, container: true)));
                members.AddRange(typed.Where(_ => rng.Next(2) == 0));
                members = [.. members.OrderBy(_ => rng.Next())];
                page.Append('{').Append(string.Join("," + Space(rng), members)).Append(Space(rng)).Append('}');
            }
            page.Append(']');
            AssertSameAsSerializer(page.ToString());
        }
    }

    private static string Space(Random rng) => rng.Next(4) switch { 0 => " ", 1 => "\n\t ", _ => "" };

    private static string RandomValue(Random rng, int depth, bool container = false)
    {
        int kind = container ? 6 + rng.Next(2) : rng.Next(depth > 3 ? 6 : 8);
        switch (kind)
        {
            case 0: return "true";
            case 1: return "false";
            case 2: return "null";
            case 3:
                string[] numbers = ["0", "-0", "7", "-12", "3.25", "-0.5", "1e5", "2E-3", "-4.5e+2", "1e400", "-1e400",
                    "9223372036854775807", "9223372036854775808", "123456789012345678901234567890"];
                return numbers[rng.Next(numbers.Length)];
            case 4:
            case 5:
                return RandomString(rng);
            case 6:
                var items = Enumerable.Range(0, rng.Next(4)).Select(_ => Space(rng) + RandomValue(rng, depth + 1) + Space(rng));
                return "[" + string.Join(",", items) + "]";
            default:
                // Keys of every kind, and repeated ones (the last value wins, as in the serializer).
                var members = Enumerable.Range(0, rng.Next(4)).Select(_ =>
                    Space(rng) + (rng.Next(2) == 0 ? RandomString(rng) : "\"k" + rng.Next(3) + "\"") + Space(rng) + ":"
                    + Space(rng) + RandomValue(rng, depth + 1));
                return "{" + string.Join(",", members) + Space(rng) + "}";
        }
    }

    private static string RandomString(Random rng)
    {
        string[] pieces = ["a", "Z", " ", "{", "}", "[", "]", ",", ":", "\u00e9", "\ud83d\ude00", "\\\"", "\\\\", "\\n",
            "\\/", "\\t", "\\u0041", "\\u00e9", "e", "E", "1e5", "true"];
        var text = new StringBuilder("\"");
        for (int i = rng.Next(6); i > 0; i--)
        {
            text.Append(pieces[rng.Next(pieces.Length)]);
        }
        return text.Append('"').ToString();
    }

    private static object? Field(object target, string name) =>
        target.GetType().GetField(name, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(target);

    [Fact]
    public void the_string_cache_gives_back_what_the_reader_decodes_whatever_the_collisions()
    {
        // More distinct values than the cache has slots, each read twice, escaped and too long ones included.
        var values = Enumerable.Range(0, 3000).Select(i => "v" + i).Concat(["", "caf\u00e9", "café", new string('x', 200), "\ud83d\ude00"]).ToList();
        string json = "[" + string.Join(",", values.Concat(values).Select(v => "\"" + v + "\"")) + "]";
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        var expected = (JsonElement[])JsonSerializer.Deserialize<JsonElement[]>(json)!;
        int i = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            Assert.Equal(expected[i++].GetString(), MdcaStringCache.Get(ref reader));
        }
        Assert.Equal(expected.Length, i);
    }

    private static void AssertSameAsSerializer(string page)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(page);
        List<MdcaActivity> slow = MdcaJson.ReadPage<MdcaActivity>(utf8);
        List<MdcaActivity?> fast = MdcaPageReader<MdcaActivity>.ReadAll(utf8);
        // As a page from the library is read: its UTF-8 taken as valid, which it is here too.
        List<MdcaActivity?> trusted = MdcaPageReader<MdcaActivity>.ReadAll(utf8, checkedPage: true);
        Assert.Equal(slow.Count, fast.Count);
        Assert.Equal(slow.Count, trusted.Count);
        for (int i = 0; i < slow.Count; i++)
        {
            AssertSameGraph(slow[i], fast[i], "$[" + i + "]");
            AssertSameGraph(slow[i], trusted[i], "$[" + i + "] (checked page)");
        }
    }

    /// <summary>Same runtime types and values all the way down (public properties, dictionaries, lists).</summary>
    private static void AssertSameGraph(object? expected, object? actual, string path)
    {
        if (expected == null || actual == null)
        {
            Assert.True(expected == null && actual == null, path + ": " + (expected ?? "null") + " vs " + (actual ?? "null"));
            return;
        }
        Assert.True(expected.GetType() == actual.GetType(), path + ": " + expected.GetType() + " vs " + actual.GetType());
        switch (expected)
        {
            case string or long or double or bool or DateTime:
                Assert.True(expected.Equals(actual), path + ": " + expected + " vs " + actual);
                if (expected is DateTime date)
                {
                    Assert.Equal(date.Kind, ((DateTime)actual).Kind);
                }
                return;
            case IDictionary<string, object?> map:
                var other = (IDictionary<string, object?>)actual;
                Assert.Equal(map.Keys.ToArray(), other.Keys.ToArray());
                if (map is Dictionary<string, object?> d)
                {
                    Assert.Same(d.Comparer, ((Dictionary<string, object?>)other).Comparer);
                }
                foreach (KeyValuePair<string, object?> pair in map)
                {
                    AssertSameGraph(pair.Value, other[pair.Key], path + "." + pair.Key);
                }
                return;
            case IList list:
                var items = (IList)actual;
                Assert.True(list.Count == items.Count, path + ": " + list.Count + " vs " + items.Count + " items");
                for (int i = 0; i < list.Count; i++)
                {
                    AssertSameGraph(list[i], items[i], path + "[" + i + "]");
                }
                return;
        }
        Assert.IsAssignableFrom<MdcaObject>(expected);
        foreach (PropertyInfo property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            AssertSameGraph(property.GetValue(expected), property.GetValue(actual), path + "." + property.Name);
        }
    }
}
