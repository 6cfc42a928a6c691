using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>
    /// Close-MdcaAlert: closes alerts as benign, false positive or true positive. Piped ids are closed in
    /// bulk calls of 100 as they arrive (the last, partial batch at the end of the pipeline); an id the
    /// service does not know is a non-terminating error with the id as its target. ConfirmImpact is Medium,
    /// so an unattended job is not prompted under the default $ConfirmPreference; -Force never prompts.
    /// </summary>
    [Cmdlet(VerbsCommon.Close, "MdcaAlert", DefaultParameterSetName = IdentitySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MdcaCloseResult))]
    public sealed class CloseMdcaAlertCommand : MdcaCmdlet
    {
        private const string IdentitySet = "Identity";
        private const string FilterSet = "Filter";

        /// <summary>How many ids one bulk call closes.</summary>
        internal const int BatchSize = 100;

        private readonly List<string> pending = new();

        /// <summary>Alert ids; binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>Raw MDCA filters selecting the alerts to close.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FilterSet)]
        public Hashtable? Filter { get; set; }

        /// <summary>Benign, FalsePositive or TruePositive.</summary>
        [Parameter(Mandatory = true)]
        [Alias("Reason")]
        [ValidateSet("Benign", "FalsePositive", "TruePositive")]
        public string As { get; set; } = "";

        /// <summary>A comment stored with the alerts.</summary>
        [Parameter]
        public string? Comment { get; set; }

        /// <summary>Why (depends on -As).</summary>
        [Parameter]
        [ValidateSet("ActualSeverityIsLower", "ConfirmedWithEndUser", "TriggeredByTest", "NotOfInterest",
            "TooManySimilarAlerts", "AlertIsNotAccurate", "Other")]
        public string? ReasonCode { get; set; }

        /// <summary>Closes without asking, whatever $ConfirmPreference says (-WhatIf still only shows).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (ParameterSetName != IdentitySet)
            {
                return;
            }
            foreach (string id in Identity)
            {
                pending.Add(id);
                if (pending.Count == BatchSize)
                {
                    Flush();
                }
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (ParameterSetName == FilterSet)
            {
                Close(null, "every alert matching the filter");
            }
            else
            {
                Flush();
            }
        }

        private void Flush()
        {
            if (pending.Count == 0)
            {
                return;
            }
            string[] ids = pending.ToArray();
            pending.Clear();
            string target = ids.Length == 1 ? "alert " + ids[0] : ids.Length.ToString(CultureInfo.InvariantCulture) + " alerts (" + ids[0] + ", …)";
            Close(ids, target);
        }

        private void Close(string[]? ids, string target)
        {
            if (!ShouldProcessOrForce(Force, target, "Close as " + As))
            {
                return;
            }
            var client = RequireClient();
            MdcaCloseResult result;
            try
            {
                var values = new List<KeyValuePair<string, object?>>();
                if (ids != null)
                {
                    values.Add(new KeyValuePair<string, object?>("Identity", ids));
                }
                else
                {
                    values.Add(new KeyValuePair<string, object?>("Filter", Filter));
                }
                values.Add(new KeyValuePair<string, object?>("As", As));
                if (Comment != null)
                {
                    values.Add(new KeyValuePair<string, object?>("Comment", Comment));
                }
                if (ReasonCode != null)
                {
                    values.Add(new KeyValuePair<string, object?>("ReasonCode", ReasonCode));
                }
                string request = Binding.CloseAlertsRequest(values);
                result = Call(ct => client.CloseAlerts(request, ct));
            }
            catch (Exception e) when (IsReportable(e))
            {
                // One batch failed: the next batch may still succeed, so the error is not terminating.
                WriteItemError(e, ids is { Length: 1 } ? ids[0] : target);
                return;
            }
            foreach (string missing in result.NotFound)
            {
                var exception = new ItemNotFoundException("Alert " + missing + " was not found, so it was not closed. Check the id (Get-MdcaAlert -Identity " + missing + ").");
                WriteError(new ErrorRecord(exception, "Mdca.AlertNotFound", ErrorCategory.ObjectNotFound, missing));
            }
            WriteObject(result);
        }
    }
}
