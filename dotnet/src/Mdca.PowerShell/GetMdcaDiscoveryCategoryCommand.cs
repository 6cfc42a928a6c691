using System;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaDiscoveryCategory: a report's app categories with their app counts, most apps first.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaDiscoveryCategory")]
    [OutputType(typeof(PSObject))]
    public sealed class GetMdcaDiscoveryCategoryCommand : MdcaCmdlet
    {
        /// <summary>The report's _id (from Get-MdcaDiscoveryStream).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("_id", "Id")]
        [ValidateNotNullOrEmpty]
        public string StreamId { get; set; } = "";

        /// <summary>Only the last N days (the service's default is 90).</summary>
        [Parameter]
        [ValidateRange(1, 365)]
        public uint? TimeFrame { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            try
            {
                foreach (var row in Call(ct => client.DiscoveryCategories(StreamId, TimeFrame, ct)))
                {
                    WriteObject(PsJson.ToPSObjects(row));
                }
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, StreamId);
            }
        }
    }
}
