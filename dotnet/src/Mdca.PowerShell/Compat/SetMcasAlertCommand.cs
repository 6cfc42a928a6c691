using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>
    /// Set-MCASAlert: marks alerts read or unread (-MarkAs) or dismisses them (-Dismiss, -BulkDismiss),
    /// as the MCAS module did. The API's deprecated dismiss is a close as false positive (docs/api.md), so
    /// that is what is sent, 100 alerts per request.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "MCASAlert", DefaultParameterSetName = FetchSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class SetMcasAlertCommand : McasCmdlet
    {
        private const string FetchSet = "Fetch";
        private const string BulkDismissSet = "BulkDismiss";
        private const string BulkReopenSet = "BulkReopen";

        private readonly List<string> toDismiss = new();

        /// <summary>Alert id; binds from piped objects' Identity or _id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FetchSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("_id", "Id")]
        [ValidateNotNullOrEmpty]
        public string Identity { get; set; } = "";

        /// <summary>Read or Unread.</summary>
        [Parameter]
        [ValidateSet("Read", "Unread")]
        public string? MarkAs { get; set; }

        /// <summary>Dismisses the alert (closed as false positive).</summary>
        [Parameter]
        public SwitchParameter Dismiss { get; set; }

        /// <summary>Alert ids to dismiss, 100 per request.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BulkDismissSet)]
        public object[]? BulkDismiss { get; set; }

        /// <summary>Refused: reopening has no documented endpoint.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BulkReopenSet)]
        public object[]? BulkReopen { get; set; }

        /// <summary>Outputs nothing (the MCAS module's switch; this cmdlet never outputs anything).</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName == BulkReopenSet)
            {
                Refuse("BulkReopen",
                    "-BulkReopen is not supported: reopening alerts has no documented API endpoint.",
                    "Reopen the alerts in the portal.");
            }
            if (MarkAs == null && !Dismiss && ParameterSetName == FetchSet)
            {
                Refuse("MarkAs", "Give -MarkAs Read|Unread, -Dismiss or -BulkDismiss.", "Set-MCASAlert -Identity ID -MarkAs Read");
            }
            var client = RequireClient();
            if (ParameterSetName == BulkDismissSet)
            {
                foreach (object? item in BulkDismiss ?? Array.Empty<object>())
                {
                    string? id = IdOf(item);
                    if (!string.IsNullOrEmpty(id))
                    {
                        Queue(id!);
                    }
                }
                return;
            }
            if (MarkAs != null)
            {
                bool read = MarkAs.Equals("Read", StringComparison.OrdinalIgnoreCase);
                if (ShouldProcess("alert " + Identity, read ? "Mark as read" : "Mark as unread"))
                {
                    try
                    {
                        Call(ct => client.SetAlertRead(Identity, read, ct));
                    }
                    catch (Exception e) when (IsReportable(e))
                    {
                        WriteItemError(e, Identity);
                    }
                }
            }
            if (Dismiss)
            {
                Queue(Identity);
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing() => Flush();

        private static string? IdOf(object? item)
        {
            var value = PSObject.AsPSObject(item ?? "");
            if (value.BaseObject is string text)
            {
                return text;
            }
            foreach (string name in new[] { "Identity", "_id", "Id" })
            {
                var property = value.Properties[name];
                if (property?.Value != null)
                {
                    return Convert.ToString(property.Value, CultureInfo.InvariantCulture);
                }
            }
            return Convert.ToString(value.BaseObject, CultureInfo.InvariantCulture);
        }

        private void Queue(string id)
        {
            toDismiss.Add(id);
            if (toDismiss.Count == CloseMdcaAlertCommand.BatchSize)
            {
                Flush();
            }
        }

        private void Flush()
        {
            if (toDismiss.Count == 0)
            {
                return;
            }
            string[] ids = toDismiss.ToArray();
            toDismiss.Clear();
            string target = ids.Length == 1 ? "alert " + ids[0] : ids.Length.ToString(CultureInfo.InvariantCulture) + " alerts (" + ids[0] + ", …)";
            if (!ShouldProcess(target, "Dismiss (close as false positive)"))
            {
                return;
            }
            var client = RequireClient();
            try
            {
                string request = Binding.CloseAlertsRequest(
                [
                    new KeyValuePair<string, object?>("Identity", ids),
                    new KeyValuePair<string, object?>("As", "FalsePositive"),
                ]);
                Call(ct => client.CloseAlerts(request, ct));
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, ids.Length == 1 ? ids[0] : target);
            }
        }
    }
}
