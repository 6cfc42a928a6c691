namespace Mdca
{
    /// <summary>
    /// The statuses of the C ABI, equal to the library's error codes. Ranges: 1–99 caller errors found
    /// locally (nothing was sent), 100–199 authentication and authorisation, 200–299 the server answered
    /// with an error, 300–399 transport, 400–499 flow control, 900+ internal. Numbers are never changed or
    /// reused; new ones may be added, so treat unknown values by their range.
    /// </summary>
#pragma warning disable CA1027 // not a flags enum: the values are codes
    public enum MdcaStatus
#pragma warning restore CA1027
    {
        /// <summary>Success.</summary>
        Ok = 0,
        /// <summary>A bad argument value (for example a request JSON of the wrong shape).</summary>
        InvalidArgument = 1,
        /// <summary>Bad client options (URL, http on a non-loopback host, missing credentials…).</summary>
        InvalidConfig = 2,
        /// <summary>Unknown filter field or operator, or a value of the wrong type.</summary>
        InvalidFilter = 3,
        /// <summary>Malformed JSON given by the caller.</summary>
        InvalidJson = 4,
        /// <summary>A string argument that is not UTF-8.</summary>
        InvalidUtf8 = 5,
        /// <summary>A NULL pointer where a pointer is required.</summary>
        NullPointer = 6,
        /// <summary>A freed, wrong-type or foreign handle.</summary>
        InvalidHandle = 7,
        /// <summary>An entity name that is not one of activities, alerts, files, entities, subnets.</summary>
        UnknownEntity = 8,
        /// <summary>An action not available for this entity.</summary>
        Unsupported = 9,
        /// <summary>HTTP 401, after one token refresh and retry where a refresh is possible.</summary>
        Unauthorized = 100,
        /// <summary>HTTP 403: the role or permission lacks the action.</summary>
        Forbidden = 101,
        /// <summary>The Files API refused a Bearer (application) token: use a legacy API token for files.</summary>
        FilesNeedLegacyToken = 102,
        /// <summary>The identity endpoint refused or failed the client-credentials request.</summary>
        TokenRequestFailed = 103,
        /// <summary>The user declined a device code sign-in.</summary>
        DeviceCodeDeclined = 110,
        /// <summary>A device code expired before the user signed in: connect again.</summary>
        DeviceCodeExpired = 111,
        /// <summary>Not signed in, or the sign-in was revoked or expired (refresh refused): connect again.</summary>
        SignInRequired = 112,
        /// <summary>HTTP 404.</summary>
        NotFound = 200,
        /// <summary>HTTP 400; the server's validation body is in <see cref="MdcaException.Detail"/>.</summary>
        BadRequest = 201,
        /// <summary>HTTP 429 still after the retry budget.</summary>
        Throttled = 202,
        /// <summary>HTTP 5xx still after the retry budget.</summary>
        ServerError = 203,
        /// <summary>Any other non-2xx HTTP status.</summary>
        UnexpectedStatus = 204,
        /// <summary>A response body that is not the JSON expected.</summary>
        InvalidResponse = 205,
        /// <summary>The request timed out.</summary>
        Timeout = 300,
        /// <summary>Connect, reset, DNS or proxy failure.</summary>
        Connection = 301,
        /// <summary>TLS handshake or certificate failure.</summary>
        Tls = 302,
        /// <summary>Cancelled (a query's Cancel or Dispose).</summary>
        Cancelled = 400,
        /// <summary>A query has no more pages. Not an error.</summary>
        Done = 401,
        /// <summary>A bug in mdca.</summary>
        Internal = 900,
        /// <summary>A panic inside mdca was caught at the C boundary (a bug in mdca).</summary>
        Panic = 901,
    }
}
