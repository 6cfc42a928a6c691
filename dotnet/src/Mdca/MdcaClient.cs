using System;
using System.Text.Json;
using System.Threading;

namespace Mdca
{
    /// <summary>
    /// A connection to one tenant: its URL, credentials (and cached access token), HTTP connections,
    /// throttle pacing and retry policy, all in the native library. Thread-safe: any number of threads may
    /// use one client. One-shot calls take a CancellationToken: the caller stops waiting within a second
    /// (the native call cannot be interrupted yet, so it finishes in the background and its answer is dropped).
    /// </summary>
    public sealed partial class MdcaClient : IDisposable
    {
        private readonly ClientHandle handle;
        private volatile bool disposed;

        private MdcaClient(ClientHandle handle, MdcaConnectOptions options)
        {
            this.handle = handle;
            Url = options.Url!;
            AuthType = options.AuthType!;
            HasLegacyToken = options.ApiToken != null;
            ConnectedAt = DateTime.UtcNow;
        }

        /// <summary>The tenant URL.</summary>
        public string Url { get; }

        /// <summary>"token", "app", "bearer", "managed_identity" or "device_code".</summary>
        public string AuthType { get; }

        /// <summary>Whether a legacy API token was given (the Files API needs one).</summary>
        public bool HasLegacyToken { get; }

        /// <summary>When the client was created (UTC).</summary>
        public DateTime ConnectedAt { get; }

        /// <summary>Whether <see cref="Dispose"/> was called.</summary>
        public bool IsDisposed => disposed;

        // SafeHandle.IsClosed stays false while a call on another thread holds the handle, so disposal is
        // tracked here to refuse new calls at once.
        private ClientHandle Handle => disposed ? throw new ObjectDisposedException(nameof(MdcaClient)) : handle;

        /// <summary>Creates a client. Nothing is sent until the first call (app tokens are fetched lazily).</summary>
        /// <exception cref="ArgumentException">The options lack a URL or credentials.</exception>
        /// <exception cref="MdcaException">InvalidConfig and the like: the library refused the options.</exception>
        public static MdcaClient Connect(MdcaConnectOptions options) => Connect(options, CancellationToken.None);

        /// <summary>
        /// Creates a client. With <see cref="MdcaConnectOptions.DeviceCode"/>, asks for a device code, shows it through
        /// <see cref="MdcaConnectOptions.DeviceCodePrompt"/> and waits until the user has signed in (the token cancels
        /// the wait); otherwise nothing is sent until the first call.
        /// </summary>
        /// <exception cref="ArgumentException">The options lack a URL or credentials.</exception>
        /// <exception cref="MdcaException">InvalidConfig; for a device code DeviceCodeDeclined, DeviceCodeExpired,
        /// TokenRequestFailed (see its hint) or Cancelled.</exception>
        public static MdcaClient Connect(MdcaConnectOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }
            MdcaLibrary.EnsureInstalled();
            using SecretBuffer json = options.ToJson();
            int status = NativeMethods.mdca_client_new(json.Bytes, out ClientHandle handle);
            if (status != (int)MdcaStatus.Ok)
            {
                MdcaException error = MdcaException.FromLastError(status);
                handle.Dispose();
                throw error;
            }
            var client = new MdcaClient(handle, options);
            if (options.AuthType == "device_code")
            {
                try
                {
                    client.SignInWithDeviceCode(options.DeviceCodePrompt, cancellationToken);
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
            }
            return client;
        }

        private void SignInWithDeviceCode(Action<MdcaDeviceCodePrompt>? show, CancellationToken cancellationToken)
        {
            ClientHandle client = Handle;
            MdcaDeviceCodePrompt prompt = Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_device_code_begin(client, out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return MdcaDeviceCodePrompt.Parse(text.Span);
            }, cancellationToken, interrupt: CancelPendingCalls);
            if (show != null)
            {
                show(prompt);
            }
            else
            {
                Console.Error.WriteLine(prompt.Message);
            }
            Native.Run(() =>
            {
                Native.Check(NativeMethods.mdca_client_sign_in(client));
                return true;
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>
        /// Starts a query over <paramref name="entity"/> (activities, alerts, files, entities, subnets; singular
        /// and any case accepted) with a query request JSON: <c>{"filters": {…}, "sort_field", "sort_direction",
        /// "page_size", "first", "skip", "all", "scan", "resume", "lookback_secs"}</c> (docs/c-api.md;
        /// <see cref="MdcaParams.QueryRequest"/> builds one from cmdlet parameters, <see cref="MdcaParams.ResumeRequest"/>
        /// adds a checkpoint to continue from). Nothing is sent until the first page is asked for.
        /// </summary>
        public MdcaQuery<T> Query<T>(string entity, string? requestJson) where T : MdcaRecord
        {
            int status = NativeMethods.mdca_query_new(Handle, Native.Utf8(entity), Native.Utf8(requestJson ?? "{}"), out QueryHandle query);
            if (status != (int)MdcaStatus.Ok)
            {
                MdcaException error = MdcaException.FromLastError(status);
                query.Dispose();
                throw error;
            }
            return new MdcaQuery<T>(query, MdcaEntities.Canonical(entity));
        }

        /// <summary>A query over activities.</summary>
        public MdcaQuery<MdcaActivity> QueryActivities(string? requestJson = null) => Query<MdcaActivity>("activities", requestJson);

        /// <summary>A query over alerts.</summary>
        public MdcaQuery<MdcaAlert> QueryAlerts(string? requestJson = null) => Query<MdcaAlert>("alerts", requestJson);

        /// <summary>A query over files.</summary>
        public MdcaQuery<MdcaFile> QueryFiles(string? requestJson = null) => Query<MdcaFile>("files", requestJson);

        /// <summary>A query over entities (users and accounts).</summary>
        public MdcaQuery<MdcaEntity> QueryEntities(string? requestJson = null) => Query<MdcaEntity>("entities", requestJson);

        /// <summary>A query over subnets (IP ranges).</summary>
        public MdcaQuery<MdcaSubnet> QuerySubnets(string? requestJson = null) => Query<MdcaSubnet>("subnets", requestJson);

        /// <summary>
        /// Cancels every one-shot call (fetch, close, subnet writes, raw request…) now running on this client on
        /// any thread: each throws promptly (the native call returns MDCA_STATUS_CANCELLED). Calls started
        /// afterwards run normally; queries are cancelled through <see cref="MdcaQuery{T}.Cancel"/>. A
        /// cancelled write may or may not have reached the service. A cancelled token passed to a call does
        /// this by itself.
        /// </summary>
        public void CancelPendingCalls()
        {
            try
            {
                _ = NativeMethods.mdca_client_cancel(Handle);
            }
            catch (ObjectDisposedException)
            {
                // Disposing a client cancels its calls already.
            }
        }

        /// <summary>Fetches one record by id (for entities, the base64 primary key).</summary>
        /// <exception cref="MdcaException">NotFound for an unknown id, and any server or transport error.</exception>
        public T Fetch<T>(string entity, string id, CancellationToken cancellationToken = default) where T : MdcaRecord
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_fetch(client, Native.Utf8(entity), Native.Utf8(id), out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return MdcaJson.ReadRecord<T>(text.Span);
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>The tree of an entity (a user with its accounts, or an account with its parent and siblings) by its base64 primary key.</summary>
        public JsonElement EntityTree(string pk, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_entity_tree(client, Native.Utf8(pk), out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return MdcaJson.ReadElement(text.Span);
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>
        /// Closes alerts. <paramref name="requestJson"/> selects them with <c>"ids"</c> (sent in chunks of 100)
        /// or <c>"filter"</c>, says how with <c>"as"</c> (benign, false_positive, true_positive), and may add
        /// <c>"comment"</c>, <c>"reason_id"</c>…; <see cref="MdcaParams.CloseAlertsRequest"/> builds it from cmdlet parameters.
        /// </summary>
        public MdcaCloseResult CloseAlerts(string requestJson, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_close_alerts(client, Native.Utf8(requestJson), out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                try
                {
                    return JsonSerializer.Deserialize(text.Span, MdcaJsonContext.Default.MdcaCloseResult) ?? new MdcaCloseResult();
                }
                catch (JsonException e)
                {
                    throw new MdcaException("the close outcome could not be read: " + e.Message, e);
                }
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>Marks one alert as read or unread.</summary>
        public void SetAlertRead(string id, bool read, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            Native.Run(() =>
            {
                Native.Check(NativeMethods.mdca_client_set_alert_read(client, Native.Utf8(id), read));
                return true;
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>Sends feedback on one activity: <c>{"feedbackValue", "feedbackText", "allowContact", "contactEmail"}</c>. Returns the server's answer.</summary>
        public JsonElement ActivityFeedback(string id, string feedbackJson, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_activity_feedback(client, Native.Utf8(id), Native.Utf8(feedbackJson), out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return MdcaJson.ReadElement(text.Span);
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>Creates a subnet (IP range) from <c>{"name", "category", "subnets", "organization"?, "tags"?}</c>; returns its id.</summary>
        public string CreateSubnet(string specJson, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_create_subnet(client, Native.Utf8(specJson), out IntPtr id, out UIntPtr len);
                return Native.CheckString(status, id, len);
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>Replaces the subnet <paramref name="id"/> with a spec of the same shape as for <see cref="CreateSubnet"/> (omitted optional fields become empty).</summary>
        public void UpdateSubnet(string id, string specJson, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            Native.Run(() =>
            {
                Native.Check(NativeMethods.mdca_client_update_subnet(client, Native.Utf8(id), Native.Utf8(specJson)));
                return true;
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>Deletes the subnet <paramref name="id"/>.</summary>
        public void DeleteSubnet(string id, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            Native.Run(() =>
            {
                Native.Check(NativeMethods.mdca_client_delete_subnet(client, Native.Utf8(id)));
                return true;
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>
        /// Any request to the tenant's API with the client's authentication, pacing, retries and error mapping:
        /// <c>{"method", "path" (relative to the API base, e.g. "v1/alerts/"), "query"?, "body"?, "idempotent"?}</c>.
        /// Returns the response body.
        /// </summary>
        public JsonElement Request(string requestJson, CancellationToken cancellationToken = default)
        {
            ClientHandle client = Handle;
            return Native.Run(() =>
            {
                int status = NativeMethods.mdca_client_request(client, Native.Utf8(requestJson), out IntPtr json, out UIntPtr len);
                using NativeText text = Native.CheckText(status, json, len);
                return MdcaJson.ReadElement(text.Span);
            }, cancellationToken, interrupt: CancelPendingCalls);
        }

        /// <summary>Frees the native client. Safe to call twice; later calls throw ObjectDisposedException. Running queries keep working.</summary>
        public void Dispose()
        {
            disposed = true;
            handle.Dispose();
        }
    }
}
