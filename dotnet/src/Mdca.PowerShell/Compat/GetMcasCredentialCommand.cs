using System;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace Mdca.PowerShell.Compat
{
    /// <summary>
    /// Get-MCASCredential: prompts for the portal (user name) and the legacy API token (password) and keeps
    /// them in the global $CASCredential, which the MCAS-named cmdlets use by default. The token stays a
    /// SecureString in memory; nothing is written to disk.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "MCASCredential")]
    [OutputType(typeof(PSCredential))]
    public sealed class GetMcasCredentialCommand : PSCmdlet
    {
        /// <summary>The portal host or URL, e.g. contoso.us3.portal.cloudappsecurity.com (asked for when not given).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TenantUri { get; set; }

        /// <summary>Also outputs the credential.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string message = TenantUri == null
                ? "Enter the portal host or URL as the user name and the API token as the password."
                : "Enter the API token for " + TenantUri + ".";
            PSCredential? credential;
            try
            {
                if (Host?.UI == null)
                {
                    throw new PSInvalidOperationException("the host has no user interface");
                }
                credential = Host.UI.PromptForCredential("Defender for Cloud Apps", message, TenantUri ?? "", "");
            }
            catch (Exception e) when (e is PSInvalidOperationException or NotImplementedException or HostException or InvalidOperationException)
            {
                var exception = new InvalidOperationException("Cannot prompt for the credential in this host (" + e.Message + ").", e);
                ThrowTerminatingError(new ErrorRecord(exception, "Mdca.CannotPrompt", ErrorCategory.InvalidOperation, null)
                {
                    ErrorDetails = new ErrorDetails(exception.Message)
                    {
                        RecommendedAction = "Set it without a prompt: $global:CASCredential = [pscredential]::new('<portal host>', (Get-Secret MdcaApiToken)).",
                    },
                });
                return;
            }
            if (credential == null)
            {
                return;
            }
            if (string.IsNullOrWhiteSpace(credential.UserName) || credential.Password == null || credential.Password.Length == 0)
            {
                var exception = new ArgumentException("The credential needs the portal host or URL as its user name and the API token as its password.");
                ThrowTerminatingError(new ErrorRecord(exception, "Mdca.InvalidCredential", ErrorCategory.InvalidArgument, credential.UserName));
            }
            SessionState.PSVariable.Set("global:CASCredential", credential);
            if (PassThru)
            {
                WriteObject(credential);
            }
        }
    }
}
