using System;
using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// How to connect: the tenant URL and credentials. Secrets are SecureStrings; their characters are
    /// encoded straight into a buffer that is zeroed after the call, never into a managed string.
    /// </summary>
    public sealed class MdcaConnectOptions
    {
        /// <summary>The portal URL, e.g. https://contoso.us3.portal.cloudappsecurity.com.</summary>
        public string? Url { get; set; }

        /// <summary>A legacy API token. With app credentials or an access token, used for the Files API.</summary>
        public SecureString? ApiToken { get; set; }

        /// <summary>The Entra ID tenant (directory) id, for app credentials.</summary>
        public string? TenantId { get; set; }

        /// <summary>The application (client) id, for app credentials.</summary>
        public string? ClientId { get; set; }

        /// <summary>The application's client secret.</summary>
        public SecureString? ClientSecret { get; set; }

        /// <summary>
        /// The identity endpoint host (default: the cloud's). Giving it also lets a URL of no known cloud through.
        /// </summary>
        public string? AuthorityHost { get; set; }

        /// <summary>
        /// The cloud the tenant lives in: "commercial", "gcc", "gcc-high" (or "GccHigh") or "dod". It sets the
        /// authority and checks the URL's host; when null, a known host picks its cloud.
        /// </summary>
        public string? Cloud { get; set; }

        /// <summary>Lets a URL whose host belongs to no known cloud through (a proxy, a new region).</summary>
        public bool AllowAnyHost { get; set; }

        /// <summary>The token audience instead of the MDCA API's (05a65629-4c1b-48c1-a78b-804c4abdd4af/.default).</summary>
        public string? Scope { get; set; }

        /// <summary>
        /// Sign in with the Azure managed identity of the VM, App Service, Function or Automation account the
        /// process runs on (IMDS, or IDENTITY_ENDPOINT/IDENTITY_HEADER when set).
        /// </summary>
        public bool ManagedIdentity { get; set; }

        /// <summary>The client id of a user-assigned managed identity; null for the system-assigned one.</summary>
        public string? ManagedIdentityClientId { get; set; }

        /// <summary>
        /// Sign in as a user with a device code (delegated; docs/api.md §3.9): <see cref="TenantId"/> and
        /// <see cref="ClientId"/> name the user's own app registration with "Allow public client flows" on; no
        /// secret. <see cref="MdcaClient.Connect(MdcaConnectOptions, System.Threading.CancellationToken)"/> shows
        /// the prompt through <see cref="DeviceCodePrompt"/> and waits until the user has signed in. Tokens stay in
        /// memory, never on disk.
        /// </summary>
        public bool DeviceCode { get; set; }

        /// <summary>Shows the device code prompt to the user (print its Message); called once per sign-in, before the wait.</summary>
        public Action<MdcaDeviceCodePrompt>? DeviceCodePrompt { get; set; }

        /// <summary>
        /// App credentials (<see cref="TenantId"/>, <see cref="ClientId"/>) with a certificate instead of a secret: a PEM
        /// file (certificate and key) or a PFX file (with <see cref="CertificatePassword"/>).
        /// </summary>
        public string? CertificatePath { get; set; }

        /// <summary>The PEM private key file when the key is not in <see cref="CertificatePath"/>.</summary>
        public string? CertificateKeyPath { get; set; }

        /// <summary>
        /// The certificate with its private key as PKCS#12 (PFX) bytes, e.g. from
        /// <c>X509Certificate2.Export(X509ContentType.Pkcs12, password)</c>; passed in memory, never written to disk.
        /// </summary>
        public byte[]? CertificatePkcs12 { get; set; }

        /// <summary>The password of the PFX file or bytes.</summary>
        public SecureString? CertificatePassword { get; set; }

        /// <summary>"PS256" (default, x5t#S256) or "RS256" (x5t): the client assertion's signature.</summary>
        public string? CertificateAlgorithm { get; set; }

        /// <summary>"v2" (default) or "v1".</summary>
        public string? TokenEndpoint { get; set; }

        /// <summary>A pre-acquired Bearer token (app or user context).</summary>
        public SecureString? AccessToken { get; set; }

        /// <summary>Request timeout in seconds.</summary>
        public double? TimeoutSeconds { get; set; }

        /// <summary>A proxy URL.</summary>
        public string? Proxy { get; set; }

        /// <summary>Requests per window for this tenant (0 disables pacing); default 30.</summary>
        public int? RateLimitRequests { get; set; }

        /// <summary>The length of the pacing window in seconds (default 60).</summary>
        public double? RateLimitPerSeconds { get; set; }

        /// <summary>Retries after transient faults and 429s (0 alone turns retrying off, the time budget too).</summary>
        public int? MaxRetries { get; set; }

        /// <summary>
        /// How long one request keeps retrying past <see cref="MaxRetries"/> once it starts failing, in seconds:
        /// 429s always, server errors and transport faults while reading lists (default 900; 0 leaves the count alone).
        /// </summary>
        public double? RetryBudgetSeconds { get; set; }

        /// <summary>"device_code", "managed_identity", "certificate", "app", "bearer" or "token": the authentication these options select, or null when none.</summary>
        public string? AuthType
        {
            get
            {
                if (DeviceCode)
                {
                    return "device_code";
                }
                if (ManagedIdentity || !string.IsNullOrEmpty(ManagedIdentityClientId))
                {
                    return "managed_identity";
                }
                if (!string.IsNullOrEmpty(CertificatePath) || CertificatePkcs12 != null)
                {
                    return "certificate";
                }
                if (!string.IsNullOrEmpty(ClientId) || !string.IsNullOrEmpty(TenantId) || ClientSecret != null)
                {
                    return "app";
                }
                if (AccessToken != null)
                {
                    return "bearer";
                }
                return ApiToken != null ? "token" : null;
            }
        }

        /// <summary>Writes the options JSON (secrets included, NUL-terminated) into a buffer the caller disposes (zeroes).</summary>
        internal SecretBuffer ToJson()
        {
            if (string.IsNullOrEmpty(Url))
            {
                throw new ArgumentException("a tenant URL is required (MdcaConnectOptions.Url)");
            }
            string type = AuthType ?? throw new ArgumentException("credentials are required: an API token, app credentials, a managed identity or an access token");
            if (type == "app" && (string.IsNullOrEmpty(TenantId) || string.IsNullOrEmpty(ClientId) || ClientSecret == null))
            {
                throw new ArgumentException("app credentials need a tenant id, a client id and a client secret");
            }
            if (type == "device_code" && (string.IsNullOrEmpty(TenantId) || string.IsNullOrEmpty(ClientId)))
            {
                throw new ArgumentException("a device code sign-in needs the tenant id and the client id of your app registration");
            }
            if (type == "device_code" && (ClientSecret != null || AccessToken != null || ManagedIdentity || CertificatePath != null || CertificatePkcs12 != null))
            {
                throw new ArgumentException("a device code sign-in takes no client secret, certificate, access token or managed identity; choose one way to sign in");
            }
            if (type == "certificate" && (string.IsNullOrEmpty(TenantId) || string.IsNullOrEmpty(ClientId) || ClientSecret != null
                || (!string.IsNullOrEmpty(CertificatePath) && CertificatePkcs12 != null)))
            {
                throw new ArgumentException("certificate credentials need a tenant id, a client id and one certificate (a path or PKCS#12 bytes), and no client secret");
            }
            if (type == "managed_identity" && (ClientSecret != null || AccessToken != null || CertificatePath != null || CertificatePkcs12 != null))
            {
                throw new ArgumentException("a managed identity takes no client secret or access token; choose one way to sign in");
            }
            var buffer = new SecretBuffer();
            try
            {
                using (var json = new Utf8JsonWriter(buffer))
                {
                    json.WriteStartObject();
                    json.WriteString("url", Url);
                    json.WriteStartObject("auth");
                    json.WriteString("type", type);
                    switch (type)
                    {
                        case "token":
                            WriteSecret(json, "token", ApiToken!);
                            break;
                        case "bearer":
                            WriteSecret(json, "token", AccessToken!);
                            if (ApiToken != null)
                            {
                                WriteSecret(json, "legacy_token", ApiToken);
                            }
                            break;
                        case "device_code":
                            json.WriteString("tenant_id", TenantId);
                            json.WriteString("client_id", ClientId);
                            if (!string.IsNullOrEmpty(AuthorityHost))
                            {
                                json.WriteString("authority_host", AuthorityHost);
                            }
                            if (ApiToken != null)
                            {
                                WriteSecret(json, "legacy_token", ApiToken);
                            }
                            break;
                        case "managed_identity":
                            if (!string.IsNullOrEmpty(ManagedIdentityClientId))
                            {
                                json.WriteString("client_id", ManagedIdentityClientId);
                            }
                            if (ApiToken != null)
                            {
                                WriteSecret(json, "legacy_token", ApiToken);
                            }
                            break;
                        case "certificate":
                            json.WriteString("tenant_id", TenantId);
                            json.WriteString("client_id", ClientId);
                            if (CertificatePkcs12 != null)
                            {
                                json.WriteBase64String("pkcs12_base64", CertificatePkcs12);
                            }
                            else
                            {
                                json.WriteString("certificate_path", CertificatePath);
                            }
                            if (!string.IsNullOrEmpty(CertificateKeyPath))
                            {
                                json.WriteString("private_key_path", CertificateKeyPath);
                            }
                            if (CertificatePassword != null)
                            {
                                WriteSecret(json, "password", CertificatePassword);
                            }
                            if (!string.IsNullOrEmpty(CertificateAlgorithm))
                            {
                                json.WriteString("algorithm", CertificateAlgorithm);
                            }
                            if (!string.IsNullOrEmpty(AuthorityHost))
                            {
                                json.WriteString("authority_host", AuthorityHost);
                            }
                            if (!string.IsNullOrEmpty(TokenEndpoint))
                            {
                                json.WriteString("token_endpoint", TokenEndpoint);
                            }
                            if (ApiToken != null)
                            {
                                WriteSecret(json, "legacy_token", ApiToken);
                            }
                            break;
                        default:
                            json.WriteString("tenant_id", TenantId);
                            json.WriteString("client_id", ClientId);
                            WriteSecret(json, "client_secret", ClientSecret!);
                            if (!string.IsNullOrEmpty(AuthorityHost))
                            {
                                json.WriteString("authority_host", AuthorityHost);
                            }
                            if (!string.IsNullOrEmpty(TokenEndpoint))
                            {
                                json.WriteString("token_endpoint", TokenEndpoint);
                            }
                            if (ApiToken != null)
                            {
                                WriteSecret(json, "legacy_token", ApiToken);
                            }
                            break;
                    }
                    json.WriteEndObject();
                    if (!string.IsNullOrEmpty(Cloud))
                    {
                        json.WriteString("cloud", Cloud);
                    }
                    if (AllowAnyHost)
                    {
                        json.WriteBoolean("allow_any_host", true);
                    }
                    if (!string.IsNullOrEmpty(Scope))
                    {
                        json.WriteString("scope", Scope);
                    }
                    if (TimeoutSeconds.HasValue)
                    {
                        json.WriteNumber("timeout_secs", TimeoutSeconds.Value);
                    }
                    if (!string.IsNullOrEmpty(Proxy))
                    {
                        json.WriteString("proxy", Proxy);
                    }
                    if (RateLimitRequests.HasValue)
                    {
                        json.WriteStartObject("rate_limit");
                        json.WriteNumber("requests", RateLimitRequests.Value);
                        if (RateLimitPerSeconds.HasValue)
                        {
                            json.WriteNumber("per_secs", RateLimitPerSeconds.Value);
                        }
                        json.WriteEndObject();
                    }
                    if (MaxRetries.HasValue || RetryBudgetSeconds.HasValue)
                    {
                        json.WriteStartObject("retry");
                        if (MaxRetries.HasValue)
                        {
                            json.WriteNumber("max_retries", MaxRetries.Value);
                        }
                        if (RetryBudgetSeconds.HasValue)
                        {
                            json.WriteNumber("transient_budget_secs", RetryBudgetSeconds.Value);
                        }
                        json.WriteEndObject();
                    }
                    json.WriteEndObject();
                }
                buffer.Terminate();
                return buffer;
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }

        private static unsafe void WriteSecret(Utf8JsonWriter json, string name, SecureString secret)
        {
            IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                json.WriteString(name, new ReadOnlySpan<char>((void*)chars, secret.Length));
                json.Flush();
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(chars);
            }
        }

        /// <summary>A short description without secrets, for logs and ToString.</summary>
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} ({1})", Url ?? "(no url)", AuthType ?? "no credentials");
    }

    /// <summary>A growable byte buffer for JSON holding secrets: every array it ever used is zeroed.</summary>
    internal sealed class SecretBuffer : IBufferWriter<byte>, IDisposable
    {
        private byte[] bytes = new byte[512];
        private int length;

        /// <summary>The NUL-terminated bytes (the live buffer: zeroed by Dispose).</summary>
        internal byte[] Bytes => bytes;

        internal void Terminate()
        {
            GetSpan(1)[0] = 0;
            Advance(1);
        }

        public void Advance(int count) => length += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return bytes.AsMemory(length);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return bytes.AsSpan(length);
        }

        private void Ensure(int sizeHint)
        {
            int need = length + Math.Max(sizeHint, 1);
            if (need <= bytes.Length)
            {
                return;
            }
            var bigger = new byte[Math.Max(need, bytes.Length * 2)];
            Buffer.BlockCopy(bytes, 0, bigger, 0, length);
            Array.Clear(bytes, 0, bytes.Length);
            bytes = bigger;
        }

        public void Dispose()
        {
            Array.Clear(bytes, 0, bytes.Length);
            length = 0;
        }
    }
}
