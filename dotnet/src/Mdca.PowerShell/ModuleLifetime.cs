using System.IO;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>
    /// Import: tells the binding where the module keeps the native library (&lt;module&gt;/&lt;rid&gt;/, laid
    /// out by scripts/build-module.sh), which the binding's resolver (PowerShell 7) or preload (Windows
    /// PowerShell 5.1) then loads on the first call. Nothing is compiled or loaded at import.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        /// <inheritdoc />
        public void OnImport()
        {
            string? directory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
            if (!string.IsNullOrEmpty(directory))
            {
                MdcaLibrary.Initialize(directory!);
            }
        }
    }

    /// <summary>Remove-Module: frees the calling runspace's session (its client, token and connections).</summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        /// <inheritdoc />
        public void OnRemove(PSModuleInfo psModuleInfo) => MdcaSession.End();
    }
}
