using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    public abstract partial class MdcaCmdlet
    {
        private static int nextActivityId;

        /// <summary>
        /// The query request of a list parameter set: the bound parameters mapped by the native library
        /// (mdca_params_query_request), with -First/-Skip from PowerShell's paging parameters. A mapping
        /// failure (bad value, unknown filter) is terminating: nothing was sent and nothing can be listed.
        /// -CheckpointPath and -LookbackSeconds are the module's own (<see cref="WriteQuery{T}"/> reads them).
        /// </summary>
        internal string ListRequest(string entity, params string[] exclude)
        {
            try
            {
                var values = BoundParameters([.. exclude, .. CheckpointParameters]);
                if (PagingParameters != null)
                {
                    if (PagingParameters.First != ulong.MaxValue)
                    {
                        values.Add(new KeyValuePair<string, object?>("First", PagingParameters.First));
                    }
                    if (PagingParameters.Skip != 0)
                    {
                        values.Add(new KeyValuePair<string, object?>("Skip", PagingParameters.Skip));
                    }
                }
                return Binding.QueryRequest(entity, values);
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, entity);
                throw;
            }
        }

        /// <summary>
        /// Streams a query page by page: records are written as the page arrives (each converted as it is
        /// written), progress after each page,
        /// the total first with -IncludeTotalCount. The wait for a page is time-sliced on the stop token, so
        /// Ctrl+C ends it within a second and frees the native query. A failure part-way is terminating: the
        /// output is incomplete, and a script's try/catch must see it.
        /// With -CheckpointPath the saved position is resumed, and the file is replaced after each page once
        /// all of its records have gone down the pipeline (a pipeline stopped inside a page, by Ctrl+C or
        /// Select-Object -First, leaves the position before that page), and once more at the end with the
        /// completed pull's checkpoint, from which the next run is incremental.
        /// </summary>
        internal void WriteQuery<T>(string entity, string requestJson)
            where T : MdcaRecord
        {
            var client = RequireClient();
            CheckpointFile? checkpoint = CheckpointFromParameters();
            string activity = MyInvocation.MyCommand.Name;
            int activityId = System.Threading.Interlocked.Increment(ref nextActivityId) & 0x7fffffff;
            bool totalReported = false;
            bool progressShown = false;
            MdcaQuery<T>? query = null;
            try
            {
                query = checkpoint == null
                    ? Call(_ => client.Query<T>(entity, requestJson))
                    : StartFromCheckpoint<T>(client, entity, requestJson, checkpoint);
                while (true)
                {
                    using var page = Call(ct => query.NextPageReader(ct));
                    if (page == null)
                    {
                        if (checkpoint != null)
                        {
                            SaveCheckpoint(checkpoint, query);
                        }
                        break;
                    }
                    var status = query.Progress;
                    if (!totalReported && PagingParameters != null && PagingParameters.IncludeTotalCount)
                    {
                        WriteObject(PagingParameters.NewTotalCount(status.Total, status.TotalKnown ? 1.0 : 0.0));
                        totalReported = true;
                    }
                    // A new record per page: hosts that keep the stream (a runspace's Streams.Progress) see each state.
                    string text = status.TotalKnown
                        ? string.Format(CultureInfo.InvariantCulture, "{0} of about {1} records", status.Records, status.Total)
                        : string.Format(CultureInfo.InvariantCulture, "{0} records", status.Records);
                    WriteProgress(new ProgressRecord(activityId, activity, text) { PercentComplete = status.PercentComplete });
                    progressShown = true;
                    // Each record is converted as it is written: the managed heap holds the record in the
                    // pipeline, not the page's thousands. (The library fetches the next page meanwhile.)
                    // TryRead returns true only with a record (netstandard2.0 has no [NotNullWhen]).
                    while (page.TryRead(out T? record))
                    {
                        WriteObject(OutputRecord(record!));
                    }
                    if (checkpoint != null)
                    {
                        SaveCheckpoint(checkpoint, query);
                    }
                }
            }
            catch (Exception e) when (IsReportable(e) && !StopToken.IsCancellationRequested)
            {
                ThrowError(e, entity);
            }
            finally
            {
                query?.Dispose();
                if (progressShown && !StopToken.IsCancellationRequested)
                {
                    try
                    {
                        WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
                    }
                    catch (PipelineStoppedException)
                    {
                        // The pipeline ended while the progress bar was being removed: nothing to remove it from.
                    }
                }
            }
        }

        /// <summary>What a listed or fetched record is written as (the compatibility cmdlets add MCAS's Identity).</summary>
        internal virtual object OutputRecord(MdcaRecord record) => record;

        /// <summary>
        /// The Identity parameter set: one fetch per id. An id not found (or any failure of one fetch) is a
        /// non-terminating error with the id as its target, and the next id is fetched.
        /// </summary>
        internal void WriteFetched<T>(string entity, IEnumerable<string> ids)
            where T : MdcaRecord
        {
            var client = RequireClient();
            foreach (string id in ids)
            {
                try
                {
                    WriteObject(OutputRecord(Call(ct => client.Fetch<T>(entity, id, ct))));
                }
                catch (Exception e) when (IsReportable(e))
                {
                    WriteItemError(e, id);
                }
            }
        }
    }
}
