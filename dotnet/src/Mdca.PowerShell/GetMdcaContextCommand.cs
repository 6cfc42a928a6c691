using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Get-MdcaContext: the current session (never its secrets), or nothing when not connected.</summary>
    [Cmdlet(VerbsCommon.Get, "MdcaContext")]
    [OutputType(typeof(MdcaContext))]
    public sealed class GetMdcaContextCommand : MdcaCmdlet
    {
        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var session = MdcaSession.Current;
            if (session != null)
            {
                WriteObject(MdcaContext.Of(session));
            }
        }
    }
}
