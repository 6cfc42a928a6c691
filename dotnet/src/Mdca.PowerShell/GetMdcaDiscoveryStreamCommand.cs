using System;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaDiscoveryStream: the tenant's Cloud Discovery continuous reports (data sources and views).</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaDiscoveryStream")]
    [OutputType(typeof(PSObject))]
    public sealed class GetMdcaDiscoveryStreamCommand : MdcaCmdlet
    {
        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            try
            {
                foreach (var stream in Call(ct => client.DiscoveryStreams(ct)))
                {
                    WriteObject(PsJson.ToPSObjects(stream));
                }
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, null);
            }
        }
    }
}
