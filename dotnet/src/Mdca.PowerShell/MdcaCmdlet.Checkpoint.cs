using System;
using System.IO;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>
    /// -CheckpointPath and -LookbackSeconds of the list cmdlets (Get-MdcaActivity, -Alert, -File, -Entity):
    /// checked, the saved checkpoint resumed, the new one saved after each page. The cmdlets only declare the
    /// parameters; <see cref="WriteQuery{T}"/> does the rest through these helpers.
    /// </summary>
    public abstract partial class MdcaCmdlet
    {
        internal const string CheckpointPathParameter = "CheckpointPath";
        internal const string LookbackSecondsParameter = "LookbackSeconds";

        /// <summary>The module's own list parameters: never forwarded to the native parameter mapping.</summary>
        internal static readonly string[] CheckpointParameters = [CheckpointPathParameter, LookbackSecondsParameter];

        private const string SameCommandHint =
            "run the same command (cmdlet, filters, sort, -First, -Skip, -All) as the one that wrote the file, "
            + "or give another file (or delete this one) to start a new pull";

        /// <summary>
        /// The file of -CheckpointPath, resolved against the current location, or null without it. Refused
        /// with a terminating InvalidArgument error before anything is sent: -CheckpointPath without -All,
        /// -LookbackSeconds without -CheckpointPath, a folder that does not exist (the first save would fail
        /// only after a page had gone down the pipeline).
        /// </summary>
        internal CheckpointFile? CheckpointFromParameters()
        {
            var bound = MyInvocation.BoundParameters;
            if (!bound.TryGetValue(CheckpointPathParameter, out object? value) || value is not string given)
            {
                if (bound.ContainsKey(LookbackSecondsParameter))
                {
                    ThrowInvalidArgument("-LookbackSeconds applies only to a pull with -CheckpointPath",
                        "add -All -CheckpointPath FILE, or leave -LookbackSeconds out", LookbackSecondsParameter);
                }
                return null;
            }
            if (!bound.TryGetValue("All", out object? all) || !(all is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(all)))
            {
                ThrowInvalidArgument("-CheckpointPath " + given + " needs -All: a checkpoint keeps the position of a pull of every match",
                    "add -All, or leave -CheckpointPath out", given);
            }
            string path;
            try
            {
                path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(given);
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowInvalidArgument("-CheckpointPath " + given + ": " + e.Message, "give a path in the file system", given);
                throw;
            }
            var file = new CheckpointFile(path);
            if (!Directory.Exists(file.Directory))
            {
                ThrowInvalidArgument("-CheckpointPath " + given + ": the directory " + file.Directory + " does not exist",
                    "create it first, or give a path in an existing directory", given);
            }
            return file;
        }

        /// <summary>
        /// The query of a pull with -CheckpointPath: a new pull when the file does not exist or is empty, else
        /// the pull it holds continued (or, completed, re-run incrementally). A file that is not a checkpoint,
        /// or the checkpoint of another query, is a terminating error naming the file; the file is left as is.
        /// </summary>
        internal MdcaQuery<T> StartFromCheckpoint<T>(MdcaClient client, string entity, string requestJson, CheckpointFile file)
            where T : MdcaRecord
        {
            string? saved = null;
            try
            {
                saved = file.Load();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ThrowInvalidArgument("cannot read the checkpoint " + file.Path + ": " + e.Message, "check the file's permissions", file.Path);
            }
            ulong? lookback = MyInvocation.BoundParameters.TryGetValue(LookbackSecondsParameter, out object? secs) && secs != null
                ? Convert.ToUInt64(secs, System.Globalization.CultureInfo.InvariantCulture)
                : null;
            string resumed = requestJson;
            try
            {
                resumed = MdcaParams.ResumeRequest(requestJson, saved, lookback);
            }
            catch (ArgumentException e)
            {
                ThrowInvalidArgument(file.Path + " is not an mdca checkpoint: " + e.Message,
                    "give -CheckpointPath a file that only the Get-Mdca* cmdlets write; delete it to start a new pull", file.Path);
            }
            try
            {
                return Call(_ => client.Query<T>(entity, resumed));
            }
            catch (MdcaException e) when (saved != null && e.Status is MdcaStatus.InvalidArgument or MdcaStatus.InvalidJson
                && QueryIsValid(client, entity, requestJson))
            {
                // The query itself is fine: it is the checkpoint that does not fit it.
                ThrowInvalidArgument("-CheckpointPath " + file.Path + ": " + e.BareMessage, SameCommandHint, file.Path);
                throw;
            }
        }

        /// <summary>
        /// Replaces the checkpoint file with the query's position. Called only once every record of the
        /// pages returned so far has gone down the pipeline. A failure is terminating (Mdca.CheckpointNotSaved):
        /// a pull whose position cannot be kept would be repeated in full by the next run.
        /// </summary>
        internal void SaveCheckpoint<T>(CheckpointFile file, MdcaQuery<T> query)
            where T : MdcaRecord
        {
            try
            {
                file.Save(query.Checkpoint());
            }
            catch (IOException e)
            {
                var record = new ErrorRecord(e, "Mdca.CheckpointNotSaved", ErrorCategory.WriteError, file.Path)
                {
                    ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "check that its directory exists and is writable" },
                };
                ThrowTerminatingError(record);
            }
        }

        private static bool QueryIsValid(MdcaClient client, string entity, string requestJson)
        {
            try
            {
                client.Query<MdcaRecord>(entity, requestJson).Dispose();
                return true;
            }
            catch (MdcaException)
            {
                return false;
            }
        }

        /// <summary>A terminating InvalidArgument error (ErrorId Mdca.InvalidArgument, as the library's own) with a hint.</summary>
        private void ThrowInvalidArgument(string message, string hint, object? target) =>
            ThrowError(new MdcaException((int)MdcaStatus.InvalidArgument, "invalid_argument", message, null, null, null, hint), target);
    }
}
