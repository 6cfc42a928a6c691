using System;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;

namespace Mdca.PowerShell
{
    /// <summary>
    /// The session of one runspace: the client Connect-Mdca made and what Get-MdcaContext shows. Each
    /// runspace (a PowerShell session, a job, a ForEach-Object -Parallel runspace) has its own, as the
    /// script module's module-scope variable had; a runspace's client is freed when the runspace closes,
    /// when Disconnect-Mdca runs, or when the module is removed.
    /// </summary>
    internal sealed class MdcaSession
    {
        private static readonly ConcurrentDictionary<Guid, MdcaSession> Sessions = new();

        private MdcaSession(MdcaClient client, string? tenantId, string? clientId)
        {
            Client = client;
            TenantId = tenantId;
            ClientId = clientId;
        }

        internal MdcaClient Client { get; }

        internal string? TenantId { get; }

        internal string? ClientId { get; }

        private static Guid CurrentKey => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

        /// <summary>The session of the calling runspace, or null when it is not connected.</summary>
        internal static MdcaSession? Current => Sessions.TryGetValue(CurrentKey, out var session) ? session : null;

        /// <summary>Makes a new session current in the calling runspace, freeing the one it replaces.</summary>
        internal static void Start(MdcaClient client, string? tenantId, string? clientId)
        {
            var runspace = Runspace.DefaultRunspace;
            var key = runspace?.InstanceId ?? Guid.Empty;
            var session = new MdcaSession(client, tenantId, clientId);
            MdcaSession? replaced = null;
            Sessions.AddOrUpdate(key, session, (_, old) =>
            {
                replaced = old;
                return session;
            });
            replaced?.Client.Dispose();
            if (runspace != null && replaced == null)
            {
                runspace.StateChanged += OnRunspaceStateChanged;
            }
        }

        /// <summary>Ends the calling runspace's session, if any.</summary>
        internal static void End() => End(CurrentKey);

        /// <summary>Ends every session (the module is removed from the process).</summary>
        internal static void EndAll()
        {
            foreach (var key in Sessions.Keys)
            {
                End(key);
            }
        }

        private static void End(Guid key)
        {
            if (Sessions.TryRemove(key, out var session))
            {
                session.Client.Dispose();
            }
        }

        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (sender is Runspace runspace && e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
            {
                runspace.StateChanged -= OnRunspaceStateChanged;
                End(runspace.InstanceId);
            }
        }
    }
}
