using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca.Tests;

/// <summary>Against a simulator whose every request stalls for 30 s: each wait below must end long before.</summary>
public sealed class CancellationTests(SlowSimulatorFixture fixture) : IClassFixture<SlowSimulatorFixture>
{
    [Fact]
    public void cancel_from_another_thread_stops_an_in_flight_page_promptly()
    {
        using MdcaClient client = fixture.Connect();
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts();
        Assert.False(query.TryNextPage(200, out _));
        var clock = Stopwatch.StartNew();
        var canceller = new Thread(query.Cancel);
        canceller.Start();
        MdcaException e = Assert.Throws<MdcaException>(() => query.TryNextPage(10_000, out _));
        Assert.Equal(MdcaStatus.Cancelled, e.Status);
        Assert.Equal("OperationStopped", e.ErrorCategory);
        Assert.True(clock.ElapsedMilliseconds < 5000, "took " + clock.ElapsedMilliseconds + " ms");
        canceller.Join();
    }

    [Fact]
    public void a_cancellation_token_cancels_page_enumeration_within_a_second()
    {
        using MdcaClient client = fixture.Connect();
        using MdcaQuery<MdcaAlert> query = client.QueryAlerts();
        using var source = new CancellationTokenSource(300);
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var page in query.Pages(source.Token))
            {
                Assert.Fail("no page can arrive");
            }
        });
        Assert.True(clock.ElapsedMilliseconds < 1300, "took " + clock.ElapsedMilliseconds + " ms");
    }

    [Fact]
    public async Task next_page_async_is_cancelled_by_its_token()
    {
        using MdcaClient client = fixture.Connect();
        using MdcaQuery<MdcaActivity> query = client.QueryActivities();
        using var source = new CancellationTokenSource(300);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.NextPageAsync(source.Token));
        Assert.True(clock.ElapsedMilliseconds < 5000, "took " + clock.ElapsedMilliseconds + " ms");
    }

    [Fact]
    public void a_cancelled_one_shot_call_returns_within_a_second_though_the_native_call_goes_on()
    {
        using MdcaClient client = fixture.Connect();
        foreach (Action<CancellationToken> call in new Action<CancellationToken>[]
        {
            ct => client.Fetch<MdcaAlert>("alerts", "ffffffffffffffffffffffff", ct),
            ct => client.SetAlertRead("ffffffffffffffffffffffff", true, ct),
            ct => client.Request("{\"method\":\"GET\",\"path\":\"v1/subnet/\"}", ct),
        })
        {
            using var source = new CancellationTokenSource(200);
            var clock = Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => call(source.Token));
            Assert.True(clock.ElapsedMilliseconds < 1200, "took " + clock.ElapsedMilliseconds + " ms");
        }
    }

    [Fact]
    public void disposing_a_query_with_a_page_in_flight_returns_promptly()
    {
        using MdcaClient client = fixture.Connect();
        MdcaQuery<MdcaAlert> query = client.QueryAlerts();
        Assert.False(query.TryNextPage(200, out _));
        var clock = Stopwatch.StartNew();
        query.Dispose();
        Assert.True(clock.ElapsedMilliseconds < 2000, "took " + clock.ElapsedMilliseconds + " ms");
        Assert.Throws<ObjectDisposedException>(() => query.TryNextPage(100, out _));
    }
}
