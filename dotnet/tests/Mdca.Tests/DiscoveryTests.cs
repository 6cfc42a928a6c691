using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using Xunit;

namespace Mdca.Tests;

/// <summary>
/// Cloud Discovery through the binding (docs/api.md §11): the log upload checked byte for byte against what
/// the simulator's blob storage committed (its SHA-256, GET /_sim/blobs), and the reads checked against what
/// the API itself answers to the same request over plain HTTP.
/// </summary>
public sealed class DiscoveryTests : IDisposable
{
    private const int MiB = 1024 * 1024;

    private readonly Simulator sim = new();
    private readonly string dir = Path.Combine(Path.GetTempPath(), "mdca-discovery-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient http = new();

    public DiscoveryTests() => Directory.CreateDirectory(dir);

    public void Dispose()
    {
        http.Dispose();
        sim.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>A log of <paramref name="bytes"/> pseudo-random bytes (no two blocks alike) and its SHA-256.</summary>
    private (string Path, string Sha256) Log(string name, int bytes)
    {
        string path = Path.Combine(dir, name);
        var random = new Random(bytes);
        var buffer = new byte[MiB];
        using (IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        using (FileStream file = File.Create(path))
        {
            for (int left = bytes; left > 0; left -= buffer.Length)
            {
                int n = Math.Min(left, buffer.Length);
                random.NextBytes(buffer);
                file.Write(buffer, 0, n);
                hash.AppendData(buffer, 0, n);
            }
            return (path, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
        }
    }

    private JsonElement Control(string path, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(sim.Url + "/_sim/" + path));
        using HttpResponseMessage response = http.Send(request);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return JsonDocument.Parse(reader.ReadToEnd()).RootElement.Clone();
    }

    private JsonElement Blob(string fileName) =>
        Control("blobs").GetProperty("blobs").EnumerateArray().Single(b => b.GetProperty("filename").GetString() == fileName);

    private string Api(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(sim.Url + path));
        request.Headers.TryAddWithoutValidation("Authorization", "Token " + sim.AdminToken);
        if (body != null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using HttpResponseMessage response = http.Send(request);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return reader.ReadToEnd();
    }

    /// <summary>Collects progress reports as they are made (Progress&lt;T&gt; would post them later, out of order).</summary>
    private sealed class Reports : IProgress<long>
    {
        private readonly List<long> seen = [];

        public void Report(long value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }

        public List<long> Seen
        {
            get
            {
                lock (seen)
                {
                    return [.. seen];
                }
            }
        }
    }

    [Fact]
    public void a_small_log_goes_up_in_one_request_byte_for_byte_and_becomes_a_snapshot_report()
    {
        (string path, string sha) = Log("small.log", 3 * MiB + 17);
        using MdcaClient client = sim.Connect();
        var progress = new Reports();
        MdcaUploadResult result = client.UploadDiscoveryLog(path, "palo_alto_syslog", "C# snapshot", snapshot: true, progress: progress);
        Assert.Equal(3L * MiB + 17, result.Bytes);
        Assert.Equal(0, result.Blocks);
        Assert.Equal("PALO_ALTO_SYSLOG", result.Source);
        Assert.Equal("small.log", result.FileName);
        JsonElement blob = Blob("small.log");
        Assert.Equal(sha, blob.GetProperty("sha256").GetString());
        Assert.Equal(3L * MiB + 17, blob.GetProperty("length").GetInt64());
        Assert.True(blob.GetProperty("finalized").GetBoolean());
        Assert.Equal(3L * MiB + 17, progress.Seen.Last());
        Assert.Contains(client.DiscoveryStreams(), s => s.GetProperty("displayName").GetString() == "C# snapshot");
    }

    [Fact]
    public async System.Threading.Tasks.Task a_log_above_64_mib_goes_up_in_16_mib_blocks_with_monotone_progress()
    {
        int length = 70 * MiB + 3;
        (string path, string sha) = Log("big.log", length);
        using MdcaClient client = sim.Connect();
        var progress = new Reports();
        MdcaUploadResult result = await client.UploadDiscoveryLogAsync(path, "CISCO_ASA", "Edge", progress: progress);
        Assert.Equal(5, result.Blocks);
        JsonElement blob = Blob("big.log");
        Assert.Equal(sha, blob.GetProperty("sha256").GetString());
        Assert.Equal(5, blob.GetProperty("blocks").GetInt32());
        Assert.True(blob.GetProperty("finalized").GetBoolean());
        List<long> seen = progress.Seen;
        Assert.True(seen.Count >= 5, $"{seen.Count} progress reports");
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First <= p.Second), string.Join(",", seen));
        Assert.Equal(length, seen.Last());
    }

    [Fact]
    public void an_unknown_source_is_refused_before_anything_is_sent_unless_forced()
    {
        (string path, _) = Log("odd.log", 1000);
        using MdcaClient client = sim.Connect();
        Control("stats/reset", HttpMethod.Post);
        MdcaException e = Assert.Throws<MdcaException>(() => client.UploadDiscoveryLog(path, "NOT_A_FORMAT", "Edge"));
        Assert.Equal("invalid_argument", e.Kind);
        Assert.Contains("not a documented Cloud Discovery log source", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Control("stats").GetProperty("total").GetInt32());
        // Forced, it reaches the service, which refuses it in its own words.
        MdcaException refused = Assert.Throws<MdcaException>(() => client.UploadDiscoveryLog(path, "NOT_A_FORMAT", "Edge", forceSource: true));
        Assert.Equal(400, refused.HttpStatus);
        Assert.Equal(1, Control("stats").GetProperty("by_route").GetProperty("discovery.upload_url").GetInt32());
    }

    [Fact]
    public void cancelling_an_upload_commits_nothing()
    {
        (string path, _) = Log("cancelled.log", 80 * MiB);
        using MdcaClient client = sim.Connect();
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfterFirstBlock(cancel);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            client.UploadDiscoveryLog(path, "SQUID", "Edge", progress: progress, cancellationToken: cancel.Token));
        JsonElement blob = Blob("cancelled.log");
        Assert.Equal(JsonValueKind.Null, blob.GetProperty("length").ValueKind);
        Assert.False(blob.GetProperty("finalized").GetBoolean());
    }

    private sealed class CancelAfterFirstBlock(CancellationTokenSource cancel) : IProgress<long>
    {
        public void Report(long value)
        {
            if (value >= 16 * MiB)
            {
                cancel.Cancel();
            }
        }
    }

    [Fact]
    public void streams_categories_and_block_scripts_are_what_the_api_answers()
    {
        using MdcaClient client = sim.Connect();
        JsonElement raw = JsonDocument.Parse(Api(HttpMethod.Get, "/api/discovery/streams/")).RootElement;
        string[] expected = raw.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("_id").GetString()!).ToArray();
        IReadOnlyList<JsonElement> streams = client.DiscoveryStreams();
        Assert.Equal(expected, streams.Select(s => s.GetProperty("_id").GetString()!).ToArray());

        string streamId = expected[1];
        var pages = new List<(string, long)>();
        for (int skip = 0; ; skip += 100)
        {
            string body = $"{{\"streamId\":\"{streamId}\",\"skip\":{skip},\"limit\":100,\"timeFrame\":30}}";
            JsonElement page = JsonDocument.Parse(Api(HttpMethod.Post, "/api/v1/discovery/discovered_apps/categories/", body)).RootElement;
            pages.AddRange(page.EnumerateArray().Select(c => (c.GetProperty("id").GetString()!, c.GetProperty("total").GetInt64())));
            if (page.GetArrayLength() < 100)
            {
                break;
            }
        }
        Assert.NotEmpty(pages);
        IReadOnlyList<JsonElement> categories = client.DiscoveryCategories(streamId, 30);
        Assert.Equal(pages, categories.Select(c => (c.GetProperty("id").GetString()!, c.GetProperty("total").GetInt64())).ToList());
        Assert.Throws<ArgumentOutOfRangeException>(() => client.DiscoveryCategories(streamId, 0));

        MdcaException missing = Assert.Throws<MdcaException>(() => client.DiscoveryCategories("000000000000000000000000"));
        Assert.Equal(404, missing.HttpStatus);

        foreach (MdcaAppliance appliance in Enum.GetValues<MdcaAppliance>())
        {
            string code = ((int)appliance).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string script = Api(HttpMethod.Get, $"/api/discovery_block_scripts/?format={code}&type=banned");
            Assert.Equal(script, client.DiscoveryBlockScript(appliance));
        }
        Assert.Contains("deny", client.DiscoveryBlockScript(MdcaAppliance.BlueCoat), StringComparison.Ordinal);
    }
}
