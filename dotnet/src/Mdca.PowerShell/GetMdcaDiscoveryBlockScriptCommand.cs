using System;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaDiscoveryBlockScript: the block script for an appliance, one rule per line.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaDiscoveryBlockScript")]
    [OutputType(typeof(string))]
    public sealed class GetMdcaDiscoveryBlockScriptCommand : MdcaCmdlet
    {
        /// <summary>The appliance: BlueCoat, CiscoAsa, FortiGate, JuniperSrx, PaloAlto, Websense or Zscaler.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [Alias("DeviceType")]
        public MdcaAppliance Appliance { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            try
            {
                WriteObject(Call(ct => client.DiscoveryBlockScript(Appliance, ct)));
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, Appliance);
            }
        }
    }
}
