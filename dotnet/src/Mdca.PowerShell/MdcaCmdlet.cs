using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Threading;

namespace Mdca.PowerShell
{
    /// <summary>
    /// What every cmdlet of the module shares: the session's client, Ctrl+C (StopProcessing cancels a token
    /// every call of the binding waits on, time-sliced, so a stop is seen within a second), the mapping of
    /// exceptions to ErrorRecords, and streaming a query page by page with progress.
    /// </summary>
    public abstract partial class MdcaCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource stopping = new();
        private bool disposed;

        /// <summary>Cancelled when the pipeline is stopped (Ctrl+C, PowerShell.Stop()).</summary>
        internal CancellationToken StopToken => stopping.Token;

        /// <inheritdoc />
        protected override void StopProcessing()
        {
            stopping.Cancel();
            base.StopProcessing();
        }

        /// <summary>Frees the cancellation source.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Frees the cancellation source.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (!disposed && disposing)
            {
                stopping.Dispose();
            }
            disposed = true;
        }

        /// <summary>The session's client, or a terminating error telling the user to connect first.</summary>
        internal MdcaClient RequireClient()
        {
            var session = MdcaSession.Current;
            if (session == null)
            {
                var exception = new InvalidOperationException("Not connected to Defender for Cloud Apps. Run Connect-Mdca first.");
                ThrowTerminatingError(new ErrorRecord(exception, "Mdca.NotConnected", ErrorCategory.ConnectionError, null));
            }
            return session!.Client;
        }

        /// <summary>
        /// Runs a call of the binding with the stop token. A cancellation caused by a stop becomes
        /// PipelineStoppedException, which ends the pipeline quietly as Ctrl+C should.
        /// </summary>
        internal T Call<T>(Func<CancellationToken, T> call)
        {
            try
            {
                return call(StopToken);
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (MdcaException e) when (StopToken.IsCancellationRequested && e.Status == MdcaStatus.Cancelled)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>As <see cref="Call{T}"/> for calls without a result.</summary>
        internal void Call(Action<CancellationToken> call) => Call<object?>(ct =>
        {
            call(ct);
            return null;
        });

        /// <summary>
        /// An ErrorRecord for an exception of the binding: the category and stable ErrorId it names, the
        /// message (HTTP status, server detail, correlation id) and the hint as the recommended action.
        /// </summary>
        internal static ErrorRecord ToErrorRecord(Exception exception, object? target)
        {
            while (exception is AggregateException or System.Reflection.TargetInvocationException && exception.InnerException != null)
            {
                exception = exception.InnerException!;
            }
            if (exception is MdcaException mdca)
            {
                var category = Enum.TryParse(mdca.ErrorCategory, out ErrorCategory parsed) ? parsed : ErrorCategory.NotSpecified;
                var record = new ErrorRecord(mdca, mdca.ErrorId, category, target)
                {
                    ErrorDetails = new ErrorDetails(mdca.Message),
                };
                string? hint = mdca.Status == MdcaStatus.FilesNeedLegacyToken ? FilesHint : mdca.Hint;
                if (!string.IsNullOrEmpty(hint))
                {
                    record.ErrorDetails.RecommendedAction = hint;
                }
                return record;
            }
            var fallback = exception switch
            {
                ObjectDisposedException => ErrorCategory.InvalidOperation,
                ArgumentException => ErrorCategory.InvalidArgument,
                FormatException => ErrorCategory.InvalidData,
                System.Text.Json.JsonException => ErrorCategory.InvalidData,
                System.IO.InvalidDataException => ErrorCategory.InvalidData,
                InvalidOperationException => ErrorCategory.InvalidOperation,
                _ => ErrorCategory.NotSpecified,
            };
            return new ErrorRecord(exception, "Mdca." + exception.GetType().Name, fallback, target);
        }

        // The library's hint names its own option (legacy_token); a PowerShell user needs the parameter.
        private const string FilesHint = "Connect with a legacy API token as well (Settings > Cloud Apps > System > API tokens): "
            + "Connect-Mdca ... -ApiToken (Read-Host -AsSecureString 'API token'), alone or beside the app credentials; "
            + "Get-MdcaFile then uses it automatically.";

        /// <summary>A non-terminating error: the pipeline goes on with the next item.</summary>
        internal void WriteItemError(Exception exception, object? target) => WriteError(ToErrorRecord(exception, target));

        /// <summary>A terminating error: this cmdlet cannot go on (caught by try/catch in the caller's script).</summary>
        internal void ThrowError(Exception exception, object? target) => ThrowTerminatingError(ToErrorRecord(exception, target));

        /// <summary>True when the exception is one this module reports as an error record (not a stop, not a bug).</summary>
        internal static bool IsReportable(Exception exception) =>
            exception is not (PipelineStoppedException or PipelineClosedException or ActionPreferenceStopException
                or OutOfMemoryException or StackOverflowException);

        /// <summary>
        /// The bound parameters for the native parameter mapping (mdca_params_*), without PowerShell's
        /// common and paging parameters and the given names.
        /// </summary>
        internal List<KeyValuePair<string, object?>> BoundParameters(params string[] exclude)
        {
            var values = new List<KeyValuePair<string, object?>>();
            foreach (var pair in MyInvocation.BoundParameters)
            {
                if (IsCommonParameter(pair.Key) || Array.Exists(exclude, n => string.Equals(n, pair.Key, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }
                values.Add(new KeyValuePair<string, object?>(pair.Key, pair.Value));
            }
            return values;
        }

        private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction",
            "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer",
            "PipelineVariable", "WhatIf", "Confirm", "UseTransaction",
            // SupportsPaging: First and Skip are read from PagingParameters, IncludeTotalCount is reported here.
            "IncludeTotalCount", "First", "Skip",
        };

        private static bool IsCommonParameter(string name) => NotForwarded.Contains(name);

        /// <summary>True when -WhatIf is in effect (the switch or $WhatIfPreference).</summary>
        internal bool WhatIfInEffect()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? bound))
            {
                return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
            }
            return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        }

        /// <summary>
        /// ShouldProcess, except that -Force proceeds without asking (still honouring -WhatIf), for cmdlets
        /// whose ConfirmImpact would prompt under a stricter $ConfirmPreference.
        /// </summary>
        internal bool ShouldProcessOrForce(bool force, string target, string action)
        {
            if (force && !WhatIfInEffect())
            {
                WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Performing the operation \"{0}\" on target \"{1}\" (-Force).", action, target));
                return true;
            }
            return ShouldProcess(target, action);
        }
    }
}
