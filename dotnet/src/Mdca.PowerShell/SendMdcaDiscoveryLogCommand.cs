using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca.PowerShell
{
    /// <summary>
    /// Send-MdcaDiscoveryLog: uploads a firewall or proxy log for Cloud Discovery (one request below 64 MiB,
    /// 16 MiB blocks above, streamed from disk, a failed block retried) and registers it with a data source
    /// or as a snapshot report. Shows bytes sent with Write-Progress; Ctrl+C stops it and nothing is committed.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "MdcaDiscoveryLog", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MdcaUploadResult))]
    public sealed class SendMdcaDiscoveryLogCommand : MdcaCmdlet
    {
        /// <summary>The log file.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "File")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>The log format, e.g. PALO_ALTO_SYSLOG, CISCO_ASA, ZSCALER (case-insensitive).</summary>
        [Parameter(Mandatory = true)]
        [Alias("LogType")]
        [ValidateNotNullOrEmpty]
        public string Source { get; set; } = "";

        /// <summary>The data source the log belongs to, or the snapshot report's name with -Snapshot.</summary>
        [Parameter(Mandatory = true)]
        [Alias("DiscoveryDataSource")]
        [ValidateNotNullOrEmpty]
        public string StreamName { get; set; } = "";

        /// <summary>Create a snapshot report instead of feeding a continuous data source.</summary>
        [Parameter]
        [Alias("UploadAsSnapshot")]
        public SwitchParameter Snapshot { get; set; }

        /// <summary>Send a -Source that is not in the documented list (a format newer than this module).</summary>
        [Parameter]
        public SwitchParameter ForceSource { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(file, "Upload to Cloud Discovery data source '" + StreamName + "'"))
            {
                return;
            }
            var client = RequireClient();
            try
            {
                long total = new FileInfo(file).Length;
                MdcaUploadResult result = Call(ct => Upload(this, client, file, total, Source, StreamName, Snapshot.IsPresent, ForceSource.IsPresent, ct));
                WriteObject(result);
            }
            catch (Exception e) when (IsReportable(e) || e is IOException || e is UnauthorizedAccessException)
            {
                WriteItemError(e, Path);
            }
        }

        /// <summary>The upload, with Write-Progress from the pipeline thread (also Send-MCASDiscoveryLog's).</summary>
        internal static MdcaUploadResult Upload(
            Cmdlet cmdlet, MdcaClient client, string file, long total, string source, string streamName, bool snapshot, bool forceSource, CancellationToken ct)
        {
            long sent = 0;
            var progress = new Progress(v => Interlocked.Exchange(ref sent, v));
            Task<MdcaUploadResult> task = client.UploadDiscoveryLogAsync(file, source, streamName, snapshot, progress, forceSource, ct);
            const int activityId = 16;
            string activity = "Uploading " + System.IO.Path.GetFileName(file);
            try
            {
                // Write-Progress only works on the pipeline thread: poll the worker's count from here.
                while (!task.Wait(200, ct))
                {
                    long now = Interlocked.Read(ref sent);
                    int percent = total > 0 ? (int)(now * 100 / total) : 0;
                    cmdlet.WriteProgress(new ProgressRecord(activityId, activity, now + " of " + total + " bytes") { PercentComplete = percent });
                }
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                throw e.InnerException!;
            }
            finally
            {
                cmdlet.WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
            return task.Result;
        }

        /// <summary>An IProgress that reports synchronously (System.Progress would post to a context).</summary>
        private sealed class Progress : IProgress<long>
        {
            private readonly Action<long> report;

            internal Progress(Action<long> report) => this.report = report;

            public void Report(long value) => report(value);
        }
    }
}
