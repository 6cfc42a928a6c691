using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mdca.Tests;

/// <summary>
/// What the server really sent, read over HTTP without the library, and a field-by-field comparison of a
/// typed record with it: every JSON field is either the property carrying its exact name (with the same
/// value; dates as the UTC instant of the epoch milliseconds or ISO text) or kept in AdditionalProperties.
/// </summary>
internal static class GroundTruth
{
    private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The raw records of a list made directly to the simulator, paged 100 at a time up to <paramref name="max"/>.</summary>
    public static JsonElement[] List(Simulator sim, string entity, string filters = "{}", int max = 100)
    {
        string path = entity == "subnets" ? "subnet" : entity;
        using var http = new HttpClient();
        var records = new List<JsonElement>();
        while (records.Count < max)
        {
            int limit = Math.Min(100, max - records.Count);
            string body = "{\"filters\":" + filters + ",\"limit\":" + limit.ToString(CultureInfo.InvariantCulture) +
                ",\"skip\":" + records.Count.ToString(CultureInfo.InvariantCulture) + "}";
            using var request = new HttpRequestMessage(HttpMethod.Post, sim.Url + "/api/v1/" + path + "/");
            request.Headers.TryAddWithoutValidation("Authorization", "Token " + sim.AdminToken);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using HttpResponseMessage response = http.Send(request);
            response.EnsureSuccessStatusCode();
            using JsonDocument document = JsonDocument.Parse(response.Content.ReadAsStream());
            JsonElement data = document.RootElement.GetProperty("data");
            records.AddRange(data.EnumerateArray().Select(e => e.Clone()));
            if (data.GetArrayLength() < limit || !document.RootElement.GetProperty("hasNext").GetBoolean())
            {
                break;
            }
        }
        return [.. records];
    }

    public static void AssertSame(JsonElement expected, object? actual, string path)
    {
        switch (actual)
        {
            case null:
                Assert.True(expected.ValueKind == JsonValueKind.Null, path + ": null, but the server sent " + expected.GetRawText());
                return;
            case MdcaObject record:
                AssertObject(expected, record, path);
                return;
            case DateTime time:
                Assert.Equal(DateTimeKind.Utc, time.Kind);
                DateTime want = expected.ValueKind == JsonValueKind.Number
                    ? Epoch.AddTicks((long)Math.Round(expected.GetDouble() * TimeSpan.TicksPerMillisecond))
                    : DateTime.Parse(expected.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                Assert.True(Math.Abs((want - time).Ticks) <= 1, path + ": " + time.ToString("o") + " is not " + expected.GetRawText());
                return;
            case string s:
                Assert.True(expected.ValueKind == JsonValueKind.String && expected.GetString() == s, path + ": " + s + " vs " + expected.GetRawText());
                return;
            case long n:
                Assert.True(expected.ValueKind == JsonValueKind.Number && expected.GetInt64() == n, path + ": " + n + " vs " + expected.GetRawText());
                return;
            case double d:
                Assert.False(expected.ValueKind == JsonValueKind.Number && expected.TryGetInt64(out _), path + ": an integer read as a double");
                Assert.True(expected.ValueKind == JsonValueKind.Number && expected.GetDouble() == d, path + ": " + d + " vs " + expected.GetRawText());
                return;
            case bool b:
                Assert.True(expected.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False), path + ": " + b + " vs " + expected.GetRawText());
                return;
            case IDictionary<string, object?> map:
                Assert.True(expected.ValueKind == JsonValueKind.Object, path + ": an object was expected");
                var names = expected.EnumerateObject().Select(p => p.Name).Distinct().ToList();
                Assert.Equal(names.Count, map.Count);
                foreach (JsonProperty property in expected.EnumerateObject())
                {
                    AssertSame(Last(expected, property.Name), map[property.Name], path + "." + property.Name);
                }
                return;
            case IEnumerable items:
                Assert.True(expected.ValueKind == JsonValueKind.Array, path + ": an array was expected, got " + expected.GetRawText());
                var list = items.Cast<object?>().ToList();
                Assert.Equal(expected.GetArrayLength(), list.Count);
                int i = 0;
                foreach (JsonElement item in expected.EnumerateArray())
                {
                    AssertSame(item, list[i], path + "[" + i + "]");
                    i++;
                }
                return;
            default:
                throw new InvalidOperationException(path + ": unexpected value type " + actual.GetType());
        }
    }

    private static JsonElement Last(JsonElement obj, string name) => obj.EnumerateObject().Last(p => p.Name == name).Value;

    private static void AssertObject(JsonElement expected, MdcaObject record, string path)
    {
        Assert.True(expected.ValueKind == JsonValueKind.Object, path + ": an object was expected");
        var mapped = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (PropertyInfo property in record.GetType().GetProperties())
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } name)
            {
                mapped[name.Name] = property;
            }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty field in expected.EnumerateObject())
        {
            if (!seen.Add(field.Name))
            {
                continue;
            }
            JsonElement value = Last(expected, field.Name);
            if (mapped.TryGetValue(field.Name, out PropertyInfo? property))
            {
                AssertSame(value, property.GetValue(record), path + "." + field.Name);
            }
            else
            {
                Assert.True(record.AdditionalProperties.ContainsKey(field.Name), path + "." + field.Name + " was lost");
                AssertSame(value, record.AdditionalProperties[field.Name], path + "." + field.Name);
            }
        }
        foreach (string key in record.AdditionalProperties.Keys)
        {
            Assert.True(seen.Contains(key), path + ": AdditionalProperties has " + key + ", which the server did not send");
        }
        foreach (KeyValuePair<string, PropertyInfo> property in mapped)
        {
            if (!seen.Contains(property.Key))
            {
                Assert.Null(property.Value.GetValue(record));
            }
        }
    }
}
