using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mdca.PowerShell
{
    /// <summary>Connect-Mdca: creates the session every other cmdlet uses.</summary>
    [Cmdlet(VerbsCommunications.Connect, "Mdca", DefaultParameterSetName = ApiTokenSet)]
    [OutputType(typeof(MdcaContext))]
    public sealed class ConnectMdcaCommand : MdcaCmdlet
    {
        private const string ApiTokenSet = "ApiToken";
        private const string ClientSecretSet = "ClientSecret";
        private const string ClientCredentialSet = "ClientCredential";
        private const string AccessTokenSet = "AccessToken";
        private const string ManagedIdentitySet = "ManagedIdentity";
        private const string CredentialSet = "Credential";
        private const string DeviceCodeSet = "DeviceCode";
        private static readonly string[] HostTag = { "PSHOST" };
        private const string CertificatePathSet = "CertificatePath";
        private const string CertificateSet = "Certificate";

        /// <summary>The portal URL from the portal's About page (with -Credential: its user name unless given).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ApiTokenSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ClientSecretSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ClientCredentialSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = AccessTokenSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ManagedIdentitySet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = DeviceCodeSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CertificatePathSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CertificateSet)]
        [Parameter(Position = 0, ParameterSetName = CredentialSet)]
        [Alias("PortalUrl")]
        [ValidateNotNullOrEmpty]
        public string Url { get; set; } = "";

        /// <summary>A legacy API token.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ApiTokenSet)]
        [Parameter(ParameterSetName = ClientSecretSet)]
        [Parameter(ParameterSetName = ClientCredentialSet)]
        [Parameter(ParameterSetName = AccessTokenSet)]
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        [Parameter(ParameterSetName = DeviceCodeSet)]
        [Parameter(ParameterSetName = CertificatePathSet)]
        [Parameter(ParameterSetName = CertificateSet)]
        public SecureString? ApiToken { get; set; }

        /// <summary>The Entra ID tenant of the application.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = ClientCredentialSet)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [ValidateNotNullOrEmpty]
        public string? TenantId { get; set; }

        /// <summary>The application (client) id, or the client id of a user-assigned managed identity.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
        [Parameter(ParameterSetName = ManagedIdentitySet)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>A PEM (certificate and key) or PFX file whose certificate is uploaded to the app registration.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
        [ValidateNotNullOrEmpty]
        public string? CertificatePath { get; set; }

        /// <summary>The password of the PFX file.</summary>
        [Parameter(ParameterSetName = CertificatePathSet)]
        public SecureString? CertificatePassword { get; set; }

        /// <summary>A certificate with an exportable private key (e.g. from Cert:\CurrentUser\My); passed in memory.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        /// <summary>The application's client secret.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
        public SecureString? ClientSecret { get; set; }

        /// <summary>The application as a credential: user name = client id, password = secret.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClientCredentialSet)]
        [Credential]
        public PSCredential? ClientCredential { get; set; }

        /// <summary>A bearer access token acquired elsewhere.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
        public SecureString? AccessToken { get; set; }

        /// <summary>The MCAS module's credential ($CASCredential): user name = portal host or URL, password = legacy API token.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Signs in with the Azure managed identity of the machine or app (with -ClientId: a user-assigned one).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ManagedIdentitySet)]
        public SwitchParameter ManagedIdentity { get; set; }

        /// <summary>
        /// Signs you in with a device code (delegated): shows a code and a URL, then waits until you have signed in
        /// in a browser (Ctrl+C stops waiting). -TenantId and -ClientId name your own app registration with
        /// "Allow public client flows" on. Tokens stay in memory, never on disk.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        public SwitchParameter DeviceCode { get; set; }

        /// <summary>The cloud the tenant lives in; sets the authority and checks the URL's host.</summary>
        [Parameter]
        [ValidateSet("Commercial", "Gcc", "GccHigh", "DoD")]
        public string? Environment { get; set; }

        /// <summary>Accepts a URL whose host belongs to no known cloud (a proxy, a new region).</summary>
        [Parameter]
        public SwitchParameter AllowAnyHost { get; set; }

        /// <summary>The token audience instead of the MDCA API's.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Scope { get; set; }

        /// <summary>The identity endpoint host for sovereign clouds.</summary>
        [Parameter(ParameterSetName = ClientSecretSet)]
        [Parameter(ParameterSetName = ClientCredentialSet)]
        [Parameter(ParameterSetName = DeviceCodeSet)]
        [Parameter(ParameterSetName = CertificatePathSet)]
        [Parameter(ParameterSetName = CertificateSet)]
        public string? AuthorityHost { get; set; }

        /// <summary>v2 (default) or v1 client-credentials endpoint.</summary>
        [Parameter(ParameterSetName = ClientSecretSet)]
        [Parameter(ParameterSetName = ClientCredentialSet)]
        [Parameter(ParameterSetName = CertificatePathSet)]
        [Parameter(ParameterSetName = CertificateSet)]
        [ValidateSet("v2", "v1")]
        public string? TokenEndpoint { get; set; }

        /// <summary>Timeout of one HTTP request, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public double TimeoutSeconds { get; set; }

        /// <summary>An HTTP proxy URL.</summary>
        [Parameter]
        public string? Proxy { get; set; }

        /// <summary>Requests per minute this session allows itself (0 disables pacing).</summary>
        [Parameter]
        [ValidateRange(0, 10000)]
        public int RateLimit { get; set; }

        /// <summary>How often a throttled or transient failure is retried (0: never, unless -RetryBudgetSeconds is given too).</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int MaxRetries { get; set; }

        /// <summary>How long one request keeps retrying past -MaxRetries once it starts failing, in seconds.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public double RetryBudgetSeconds { get; set; }

        /// <summary>Loads the native library from this file (before the first connection of the process).</summary>
        [Parameter]
        public string? NativeLibraryPath { get; set; }

        /// <summary>Outputs the new session's context.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var bound = MyInvocation.BoundParameters;
            if (!string.IsNullOrEmpty(NativeLibraryPath))
            {
                try
                {
                    MdcaLibrary.SetPath(GetUnresolvedProviderPathFromPSPath(NativeLibraryPath));
                }
                catch (Exception e) when (IsReportable(e))
                {
                    ThrowError(e, NativeLibraryPath);
                }
            }
            var options = new MdcaConnectOptions
            {
                Url = Url,
                ApiToken = ApiToken,
                AccessToken = AccessToken,
            };
            if (ParameterSetName == CredentialSet)
            {
                options.Url = string.IsNullOrEmpty(Url) ? Credential!.UserName.Trim() : Url;
                options.ApiToken = Credential!.Password;
            }
            if (ParameterSetName is ClientSecretSet or ClientCredentialSet)
            {
                options.TenantId = TenantId;
                if (ClientCredential != null)
                {
                    options.ClientId = ClientCredential.UserName;
                    options.ClientSecret = ClientCredential.Password;
                }
                else
                {
                    options.ClientId = ClientId;
                    options.ClientSecret = ClientSecret;
                }
                if (!string.IsNullOrEmpty(AuthorityHost))
                {
                    options.AuthorityHost = AuthorityHost;
                }
                if (!string.IsNullOrEmpty(TokenEndpoint))
                {
                    options.TokenEndpoint = TokenEndpoint;
                }
            }
            if (ParameterSetName == DeviceCodeSet)
            {
                options.DeviceCode = true;
                options.TenantId = TenantId;
                options.ClientId = ClientId;
                if (!string.IsNullOrEmpty(AuthorityHost))
                {
                    options.AuthorityHost = AuthorityHost;
                }
                // Called on this (the pipeline) thread before the wait, so the host may be written to.
                options.DeviceCodePrompt = prompt => WriteInformation(
                    new HostInformationMessage { Message = prompt.Message },
                    HostTag);
            }
            if (ParameterSetName is CertificatePathSet or CertificateSet)
            {
                options.TenantId = TenantId;
                options.ClientId = ClientId;
                options.AuthorityHost = string.IsNullOrEmpty(AuthorityHost) ? null : AuthorityHost;
                options.TokenEndpoint = string.IsNullOrEmpty(TokenEndpoint) ? null : TokenEndpoint;
                if (Certificate != null)
                {
                    ExportCertificate(Certificate, options);
                }
                else
                {
                    options.CertificatePath = GetUnresolvedProviderPathFromPSPath(CertificatePath);
                    options.CertificatePassword = CertificatePassword;
                }
            }
            if (ParameterSetName == ManagedIdentitySet)
            {
                options.ManagedIdentity = true;
                options.ManagedIdentityClientId = ClientId;
            }
            if (!string.IsNullOrEmpty(Environment))
            {
                options.Cloud = Environment;
            }
            options.AllowAnyHost = AllowAnyHost.IsPresent;
            if (!string.IsNullOrEmpty(Scope))
            {
                options.Scope = Scope;
            }
            if (bound.ContainsKey(nameof(TimeoutSeconds)))
            {
                options.TimeoutSeconds = TimeoutSeconds;
            }
            if (!string.IsNullOrEmpty(Proxy))
            {
                options.Proxy = Proxy;
            }
            if (bound.ContainsKey(nameof(RateLimit)))
            {
                options.RateLimitRequests = RateLimit;
                options.RateLimitPerSeconds = 60;
            }
            if (bound.ContainsKey(nameof(MaxRetries)))
            {
                options.MaxRetries = MaxRetries;
            }
            if (bound.ContainsKey(nameof(RetryBudgetSeconds)))
            {
                options.RetryBudgetSeconds = RetryBudgetSeconds;
            }
            MdcaClient? client = null;
            try
            {
                client = MdcaClient.Connect(options, StopToken);
            }
            catch (Exception e) when (IsReportable(e))
            {
                ThrowError(e, Url);
            }
            finally
            {
                if (options.CertificatePkcs12 != null)
                {
                    Array.Clear(options.CertificatePkcs12, 0, options.CertificatePkcs12.Length);
                }
            }
            if (ParameterSetName == CredentialSet)
            {
                Compat.McasCredentials.Remember(client!, Credential!);
            }
            MdcaSession.Start(client!, options.TenantId, options.ClientId);
            WriteVerbose($"Connected to {client!.Url} with {client.AuthType} authentication.");
            if (PassThru)
            {
                WriteObject(MdcaContext.Of(MdcaSession.Current!));
            }
        }

        /// <summary>
        /// The certificate and its key as PKCS#12 bytes in memory (never on disk), under a one-time password.
        /// </summary>
        private void ExportCertificate(X509Certificate2 certificate, MdcaConnectOptions options)
        {
            if (!certificate.HasPrivateKey)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"the certificate {certificate.Thumbprint} has no private key: give the certificate from the store that holds its key (Cert:\\CurrentUser\\My), or -CertificatePath with a PFX"),
                    "Mdca.CertificateWithoutPrivateKey", ErrorCategory.InvalidArgument, certificate));
            }
            string password = Guid.NewGuid().ToString("N");
            try
            {
                options.CertificatePkcs12 = certificate.Export(X509ContentType.Pkcs12, password);
            }
            catch (CryptographicException e)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"the private key of certificate {certificate.Thumbprint} is not exportable, so it cannot be handed to mdca: import the certificate with an exportable key (Import-PfxCertificate -Exportable), or use -CertificatePath with a PFX file ({e.Message})", e),
                    "Mdca.CertificateKeyNotExportable", ErrorCategory.InvalidArgument, certificate));
            }
            var secure = new SecureString();
            foreach (char c in password)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            options.CertificatePassword = secure;
        }
    }
}
