using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Disconnect-Mdca: frees the session's client, its cached token and connections.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Mdca")]
    [OutputType(typeof(void))]
    public sealed class DisconnectMdcaCommand : MdcaCmdlet
    {
        /// <inheritdoc />
        protected override void EndProcessing() => MdcaSession.End();
    }
}
