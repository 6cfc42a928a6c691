using System;
using System.Management.Automation;

namespace Mdca.PowerShell
{
    /// <summary>Set-MdcaAlert: marks alerts as read or unread.</summary>
    [Cmdlet(VerbsCommon.Set, "MdcaAlert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class SetMdcaAlertCommand : MdcaCmdlet
    {
        /// <summary>Alert ids; binds from piped objects' Id or _id property.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string[] Identity { get; set; } = Array.Empty<string>();

        /// <summary>Marks the alerts as read.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Read")]
        public SwitchParameter Read { get; set; }

        /// <summary>Marks the alerts as unread.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Unread")]
        public SwitchParameter Unread { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var client = RequireClient();
            bool markRead = ParameterSetName == "Read";
            string action = markRead ? "Mark as read" : "Mark as unread";
            foreach (string id in Identity)
            {
                if (!ShouldProcess("alert " + id, action))
                {
                    continue;
                }
                try
                {
                    Call(ct => client.SetAlertRead(id, markRead, ct));
                }
                catch (Exception e) when (IsReportable(e))
                {
                    WriteItemError(e, id);
                }
            }
        }
    }
}
