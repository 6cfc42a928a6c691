using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>How far a query has got (a snapshot of the C struct mdca_progress).</summary>
    public sealed class MdcaProgress
    {
        internal MdcaProgress(in NativeProgress native)
        {
            Records = native.Records;
            Pages = native.Pages;
            Total = native.Total;
            TotalKnown = native.TotalKnown != 0;
            Requests = native.Requests;
            Retries = native.Retries;
            ThrottleWaitMs = native.ThrottleWaitMs;
            DuplicatesDropped = native.DuplicatesDropped;
            Done = native.Done != 0;
        }

        /// <summary>Records delivered so far (after de-duplication).</summary>
        public ulong Records { get; }

        /// <summary>Pages delivered so far.</summary>
        public ulong Pages { get; }

        /// <summary>The server's approximate total of matching records (meaningful only when <see cref="TotalKnown"/>).</summary>
        public ulong Total { get; }

        /// <summary>Whether the server has reported a total yet.</summary>
        public bool TotalKnown { get; }

        /// <summary>List requests completed (a request that needed retries counts once).</summary>
        public ulong Requests { get; }

        /// <summary>Extra attempts spent on retries after transient faults or 429s.</summary>
        public ulong Retries { get; }

        /// <summary>Milliseconds spent waiting on the tenant's throttle.</summary>
        public ulong ThrottleWaitMs { get; }

        /// <summary>Records dropped because a previous page already delivered the same id.</summary>
        public ulong DuplicatesDropped { get; }

        /// <summary>Whether the last page was delivered.</summary>
        public bool Done { get; }

        /// <summary>Percentage of the approximate total, or -1 when unknown (Write-Progress's convention).</summary>
        public int PercentComplete => !TotalKnown || Total == 0 ? -1 : (int)Math.Min(100.0, 100.0 * Records / Total);
    }

    /// <summary>What <see cref="MdcaClient.CloseAlerts"/> did.</summary>
    public sealed class MdcaCloseResult
    {
        /// <summary>How many alerts were closed.</summary>
        [JsonPropertyName("closed")]
        public long Closed { get; set; }

        /// <summary>The ids given that the server did not know.</summary>
        [JsonPropertyName("not_found")]
        public IReadOnlyList<string> NotFound { get; set; } = [];
    }
}
