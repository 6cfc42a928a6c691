using System;
using System.IO;
using System.Management.Automation;

namespace Mdca.PowerShell.Compat
{
    /// <summary>
    /// Send-MCASDiscoveryLog: the MCAS module's upload of a firewall or proxy log (-LogFile, -LogType,
    /// -DiscoveryDataSource, -UploadAsSnapshot, -Delete), done as Send-MdcaDiscoveryLog does it: streamed from
    /// disk in blocks above 64 MiB, a failed block retried, progress shown, Ctrl+C committing nothing.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "MCASDiscoveryLog", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MdcaUploadResult))]
    public sealed class SendMcasDiscoveryLogCommand : McasCmdlet
    {
        /// <summary>The log file.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string LogFile { get; set; } = "";

        /// <summary>The log format (the MCAS module's device type names, e.g. PALO_ALTO, CISCO_ASA, ZSCALER).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string LogType { get; set; } = "";

        /// <summary>The data source the log belongs to (the snapshot report's name with -UploadAsSnapshot).</summary>
        [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string DiscoveryDataSource { get; set; } = "";

        /// <summary>Create a snapshot report instead of feeding a continuous data source.</summary>
        [Parameter]
        public SwitchParameter UploadAsSnapshot { get; set; }

        /// <summary>Delete the log file once it has been uploaded and registered.</summary>
        [Parameter]
        public SwitchParameter Delete { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogFile);
            if (!ShouldProcess(file, "Upload to Cloud Discovery data source '" + DiscoveryDataSource + "'"))
            {
                return;
            }
            var client = RequireClient();
            MdcaUploadResult result;
            try
            {
                long total = new FileInfo(file).Length;
                result = Call(ct => SendMdcaDiscoveryLogCommand.Upload(
                    this, client, file, total, LogType, DiscoveryDataSource, UploadAsSnapshot.IsPresent, false, ct));
            }
            catch (Exception e) when (IsReportable(e) || e is IOException || e is UnauthorizedAccessException)
            {
                WriteItemError(e, LogFile);
                return;
            }
            if (Delete)
            {
                // Only after the service has accepted the upload: a failed one keeps its file.
                try
                {
                    File.Delete(file);
                    WriteVerbose("Deleted " + file + " after uploading it.");
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    WriteItemError(e, LogFile);
                }
            }
            WriteObject(result);
        }
    }

    /// <summary>Get-MCASStream: the tenant's Cloud Discovery continuous reports, each with the MCAS module's Identity property.</summary>
    [Cmdlet(VerbsCommon.Get, "MCASStream")]
    [OutputType(typeof(PSObject))]
    public sealed class GetMcasStreamCommand : McasCmdlet
    {
        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            try
            {
                foreach (var stream in Call(ct => client.DiscoveryStreams(ct)))
                {
                    var record = PsJson.ToPSObjects(stream);
                    if (record is PSObject wrapped && wrapped.Properties["_id"] != null && wrapped.Properties["Identity"] == null)
                    {
                        wrapped.Properties.Add(new PSAliasProperty("Identity", "_id"));
                    }
                    WriteObject(record);
                }
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, null);
            }
        }
    }

    /// <summary>Export-MCASBlockScript: the block script for an appliance (-DeviceType with the MCAS module's names), one rule per line.</summary>
    [Cmdlet(VerbsData.Export, "MCASBlockScript")]
    [OutputType(typeof(string))]
    public sealed class ExportMcasBlockScriptCommand : McasCmdlet
    {
        /// <summary>The appliance, as the MCAS module names it.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateSet("BLUECOAT", "CISCO_ASA", "FORTIGATE", "PALO_ALTO", "JUNIPER_SRX", "WEBSENSE_V7_5", "ZSCALER")]
        public string DeviceType { get; set; } = "";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            MdcaAppliance appliance = DeviceType.ToUpperInvariant() switch
            {
                "BLUECOAT" => MdcaAppliance.BlueCoat,
                "CISCO_ASA" => MdcaAppliance.CiscoAsa,
                "FORTIGATE" => MdcaAppliance.FortiGate,
                "PALO_ALTO" => MdcaAppliance.PaloAlto,
                "JUNIPER_SRX" => MdcaAppliance.JuniperSrx,
                "WEBSENSE_V7_5" => MdcaAppliance.Websense,
                _ => MdcaAppliance.Zscaler,
            };
            var client = RequireClient();
            try
            {
                WriteObject(Call(ct => client.DiscoveryBlockScript(appliance, ct)));
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, DeviceType);
            }
        }
    }
}
