using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca
{
    /// <summary>The appliances a Cloud Discovery block script is written for (the API's format codes).</summary>
    public enum MdcaAppliance
    {
        /// <summary>BlueCoat ProxySG (102).</summary>
        BlueCoat = 102,
        /// <summary>Cisco ASA (104).</summary>
        CiscoAsa = 104,
        /// <summary>Fortinet FortiGate (108).</summary>
        FortiGate = 108,
        /// <summary>Juniper SRX (129).</summary>
        JuniperSrx = 129,
        /// <summary>Palo Alto (112).</summary>
        PaloAlto = 112,
        /// <summary>Websense (135).</summary>
        Websense = 135,
        /// <summary>Zscaler (120).</summary>
        Zscaler = 120,
    }

    /// <summary>What a Cloud Discovery log upload did.</summary>
    public sealed class MdcaUploadResult
    {
        internal MdcaUploadResult(JsonElement e)
        {
            Bytes = e.GetProperty("bytes").GetInt64();
            Blocks = e.GetProperty("blocks").GetInt32();
            Retries = e.GetProperty("retries").GetInt32();
            FileName = e.GetProperty("file_name").GetString() ?? "";
            Source = e.GetProperty("source").GetString() ?? "";
            Response = e.GetProperty("response").Clone();
        }

        /// <summary>Bytes uploaded (the file's length).</summary>
        public long Bytes { get; }

        /// <summary>Blocks committed; 0 when the file went in one request (below 64 MiB).</summary>
        public int Blocks { get; }

        /// <summary>Storage requests repeated after a transient failure.</summary>
        public int Retries { get; }

        /// <summary>The file name sent to the service.</summary>
        public string FileName { get; }

        /// <summary>The log format sent (documented spelling).</summary>
        public string Source { get; }

        /// <summary>The service's answer to done_upload (undocumented; as it came).</summary>
        public JsonElement Response { get; }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void UploadProgressCallback(ulong sent, ulong total, IntPtr userData);

    internal static class DiscoveryNativeMethods
    {
        [DllImport(NativeMethods.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_discovery_upload(ClientHandle client, byte[]? path, byte[]? uploadJson, UploadProgressCallback? progress, IntPtr userData, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(NativeMethods.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_discovery_streams(ClientHandle client, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(NativeMethods.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_discovery_categories(ClientHandle client, byte[]? streamId, uint timeFrameDays, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(NativeMethods.Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_discovery_block_script(ClientHandle client, byte[]? appliance, out IntPtr outText, out UIntPtr outLen);
    }

    public sealed partial class MdcaClient
    {
        /// <summary>
        /// Uploads a firewall or proxy log for Cloud Discovery: one storage request below 64 MiB, 16 MiB blocks
        /// above (streamed from disk, a failed block retried), then registers it with the data source
        /// <paramref name="streamName"/> (or creates a snapshot report of that name). <paramref name="source"/>
        /// is the log format (PALO_ALTO_SYSLOG, CISCO_ASA, ZSCALER…); an undocumented one is refused before
        /// anything is sent unless <paramref name="forceSource"/>. <paramref name="progress"/> gets the bytes sent
        /// (never going back; the last report is the file's length), on a worker thread. Cancelling stops the
        /// upload between or inside blocks and nothing is committed.
        /// </summary>
        /// <exception cref="MdcaException">InvalidArgument (unknown source, unreadable file), storage and server errors.</exception>
        public MdcaUploadResult UploadDiscoveryLog(string path, string source, string streamName, bool snapshot = false,
            IProgress<long>? progress = null, bool forceSource = false, CancellationToken cancellationToken = default)
        {
            if (path == null)
            {
                throw new ArgumentNullException(nameof(path));
            }
            var request = new Dictionary<string, object?>
            {
                ["source"] = source,
                ["stream_name"] = streamName,
                ["snapshot"] = snapshot,
                ["force_source"] = forceSource,
            };
            string json = MdcaJsonWriter.Serialize(request);
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                UploadProgressCallback? callback = progress == null ? null : (sent, _, _) => progress.Report((long)sent);
                int status = DiscoveryNativeMethods.mdca_client_discovery_upload(client, Native.Utf8(path), Native.Utf8(json), callback, IntPtr.Zero, out IntPtr outJson, out UIntPtr len);
                GC.KeepAlive(callback);
                using NativeText text = Native.CheckText(status, outJson, len);
                return new MdcaUploadResult(MdcaJson.ReadElement(text.Span));
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>As <see cref="UploadDiscoveryLog"/>, on a worker thread.</summary>
        public Task<MdcaUploadResult> UploadDiscoveryLogAsync(string path, string source, string streamName, bool snapshot = false,
            IProgress<long>? progress = null, bool forceSource = false, CancellationToken cancellationToken = default) =>
            Task.Factory.StartNew(() => UploadDiscoveryLog(path, source, streamName, snapshot, progress, forceSource, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        /// <summary>The tenant's Cloud Discovery continuous reports (streams): <c>_id</c>, <c>displayName</c>, <c>logType</c>….</summary>
        public IReadOnlyList<JsonElement> DiscoveryStreams(CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = DiscoveryNativeMethods.mdca_client_discovery_streams(client, out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return Items(MdcaJson.ReadElement(text.Span));
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>
        /// The app categories of the report <paramref name="streamId"/>, every page, most apps first:
        /// <c>{"id": "SAASDB_CATEGORY_…", "total": N}</c>. <paramref name="timeFrameDays"/> narrows the period
        /// (null: the service's default of 90 days).
        /// </summary>
        public IReadOnlyList<JsonElement> DiscoveryCategories(string streamId, uint? timeFrameDays = null, CancellationToken cancellationToken = default)
        {
            if (timeFrameDays == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(timeFrameDays), "the time frame is at least 1 day");
            }
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = DiscoveryNativeMethods.mdca_client_discovery_categories(client, Native.Utf8(streamId), timeFrameDays ?? 0, out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return Items(MdcaJson.ReadElement(text.Span));
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>The block script for <paramref name="appliance"/>: one rule per line, blocking the apps marked unsanctioned.</summary>
        public string DiscoveryBlockScript(MdcaAppliance appliance, CancellationToken cancellationToken = default)
        {
            string code = ((int)appliance).ToString(System.Globalization.CultureInfo.InvariantCulture);
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = DiscoveryNativeMethods.mdca_client_discovery_block_script(client, Native.Utf8(code), out IntPtr text, out UIntPtr len);
                return Native.CheckString(status, text, len);
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        private static List<JsonElement> Items(JsonElement array)
        {
            var list = new List<JsonElement>();
            foreach (JsonElement item in array.EnumerateArray())
            {
                list.Add(item.Clone());
            }
            return list;
        }
    }
}
