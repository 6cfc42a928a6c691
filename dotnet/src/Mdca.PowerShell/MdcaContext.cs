using System;

namespace Mdca.PowerShell
{
    /// <summary>What Get-MdcaContext shows of a session. It holds no secret.</summary>
    public sealed class MdcaContext
    {
        private MdcaContext(string url, string authType, bool hasApiToken, string? tenantId, string? clientId, DateTime connectedAt, string libraryVersion)
        {
            Url = url;
            AuthType = authType;
            HasApiToken = hasApiToken;
            TenantId = tenantId;
            ClientId = clientId;
            ConnectedAt = connectedAt;
            LibraryVersion = libraryVersion;
        }

        /// <summary>The portal URL.</summary>
        public string Url { get; }

        /// <summary>token, app or bearer.</summary>
        public string AuthType { get; }

        /// <summary>Whether a legacy API token is available for the Files API.</summary>
        public bool HasApiToken { get; }

        /// <summary>The Entra ID tenant of the application, if any.</summary>
        public string? TenantId { get; }

        /// <summary>The application (client) id, if any.</summary>
        public string? ClientId { get; }

        /// <summary>When the session was created (UTC).</summary>
        public DateTime ConnectedAt { get; }

        /// <summary>The version of the native library.</summary>
        public string LibraryVersion { get; }

        internal static MdcaContext Of(MdcaSession session)
        {
            var client = session.Client;
            return new MdcaContext(client.Url, client.AuthType, client.HasLegacyToken || client.AuthType == "token",
                session.TenantId, session.ClientId, client.ConnectedAt, MdcaLibrary.Version);
        }
    }
}
