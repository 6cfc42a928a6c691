using System;
using System.Text;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// A failed mdca call: the library's error with its stable code, what happened and why
    /// (<see cref="Exception.Message"/>, with the HTTP status and correlation id), the server's
    /// <see cref="Detail"/>, and what to do (<see cref="Hint"/>). <see cref="ErrorCategory"/> and
    /// <see cref="ErrorId"/> are what a PowerShell ErrorRecord needs.
    /// </summary>
    public class MdcaException : Exception
    {
        /// <summary>An error with no library detail (a status only).</summary>
        public MdcaException()
            : this((int)MdcaStatus.Internal, "internal", "mdca call failed", null, null, null, null)
        {
        }

        /// <summary>An error with a message and no library detail.</summary>
        public MdcaException(string message)
            : this((int)MdcaStatus.Internal, "internal", message, null, null, null, null)
        {
        }

        /// <summary>An error caused by another exception (for example a record the reader refused).</summary>
        public MdcaException(string message, Exception innerException)
            : this((int)MdcaStatus.InvalidResponse, "invalid_response", message, null, null, null, null, innerException)
        {
        }

        /// <summary>An error with the library's full detail.</summary>
        public MdcaException(int code, string? kind, string? message, int? httpStatus, string? detail, string? correlationId, string? hint)
            : this(code, kind, message, httpStatus, detail, correlationId, hint, null)
        {
        }

        private MdcaException(int code, string? kind, string? message, int? httpStatus, string? detail, string? correlationId,
            string? hint, Exception? innerException)
            : base(Compose(message, httpStatus, correlationId), innerException)
        {
            Code = code;
            Kind = string.IsNullOrEmpty(kind) ? "unknown" : kind!;
            BareMessage = string.IsNullOrEmpty(message) ? "mdca call failed" : message!;
            HttpStatus = httpStatus;
            Detail = detail;
            CorrelationId = correlationId;
            Hint = hint;
        }

        /// <summary>The library's error code (an <see cref="MdcaStatus"/> value, possibly one newer than this binding).</summary>
        public int Code { get; }

        /// <summary>The code as an <see cref="MdcaStatus"/>.</summary>
        public MdcaStatus Status => (MdcaStatus)Code;

        /// <summary>The snake_case kind name, e.g. "files_need_legacy_token".</summary>
        public string Kind { get; }

        /// <summary>The HTTP status the server answered, when there was one.</summary>
        public int? HttpStatus { get; }

        /// <summary>What the server said (its detail, or a compact form of its error body).</summary>
        public string? Detail { get; }

        /// <summary>The server's correlation id, to quote to support.</summary>
        public string? CorrelationId { get; }

        /// <summary>What to do about it.</summary>
        public string? Hint { get; }

        /// <summary>The message without the HTTP status and correlation id suffix.</summary>
        public string BareMessage { get; }

        /// <summary>Stable PowerShell ErrorId, e.g. "Mdca.FilesNeedLegacyToken".</summary>
        public string ErrorId => "Mdca." + Pascal(Kind);

        /// <summary>The name of the System.Management.Automation.ErrorCategory for this error.</summary>
        public string ErrorCategory => CategoryFor(Code);

        /// <summary>The ErrorCategory name for a status code (unknown codes by their range).</summary>
        public static string CategoryFor(int code)
        {
            switch ((MdcaStatus)code)
            {
                case MdcaStatus.InvalidArgument:
                case MdcaStatus.InvalidConfig:
                case MdcaStatus.InvalidFilter:
                case MdcaStatus.NullPointer:
                case MdcaStatus.UnknownEntity:
                case MdcaStatus.BadRequest:
                    return "InvalidArgument";
                case MdcaStatus.InvalidJson:
                case MdcaStatus.InvalidUtf8:
                    return "InvalidData";
                case MdcaStatus.InvalidHandle: return "InvalidOperation";
                case MdcaStatus.Unsupported: return "NotImplemented";
                case MdcaStatus.Unauthorized:
                case MdcaStatus.TokenRequestFailed:
                case MdcaStatus.DeviceCodeDeclined:
                case MdcaStatus.DeviceCodeExpired:
                case MdcaStatus.SignInRequired:
                    return "AuthenticationError";
                case MdcaStatus.Forbidden:
                case MdcaStatus.FilesNeedLegacyToken:
                    return "PermissionDenied";
                case MdcaStatus.NotFound: return "ObjectNotFound";
                case MdcaStatus.Throttled: return "LimitsExceeded";
                case MdcaStatus.ServerError: return "ResourceUnavailable";
                case MdcaStatus.UnexpectedStatus: return "ProtocolError";
                case MdcaStatus.InvalidResponse: return "InvalidResult";
                case MdcaStatus.Timeout: return "OperationTimeout";
                case MdcaStatus.Connection: return "ConnectionError";
                case MdcaStatus.Tls: return "SecurityError";
                case MdcaStatus.Cancelled: return "OperationStopped";
                default: break;
            }
            if (code is >= 1 and <= 99)
            {
                return "InvalidArgument";
            }
            if (code is >= 100 and <= 199)
            {
                return "PermissionDenied";
            }
            if (code is >= 200 and <= 299)
            {
                return "InvalidResult";
            }
            return code is >= 300 and <= 399 ? "ConnectionError" : "NotSpecified";
        }

        internal MdcaException Copy() => new(Code, Kind, BareMessage, HttpStatus, Detail, CorrelationId, Hint, InnerException);

        private static string Compose(string? message, int? httpStatus, string? correlationId)
        {
            var text = new StringBuilder(string.IsNullOrEmpty(message) ? "mdca call failed" : message);
            bool hasId = !string.IsNullOrEmpty(correlationId);
            if (httpStatus.HasValue || hasId)
            {
                text.Append(" (");
                if (httpStatus.HasValue)
                {
                    text.Append("HTTP ").Append(httpStatus.Value);
                }
                if (httpStatus.HasValue && hasId)
                {
                    text.Append(", ");
                }
                if (hasId)
                {
                    text.Append("correlation id ").Append(correlationId);
                }
                text.Append(')');
            }
            return text.ToString();
        }

        private static string Pascal(string snake)
        {
            var text = new StringBuilder();
            foreach (string part in snake.Split('_'))
            {
                if (part.Length > 0)
                {
                    text.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
                }
            }
            return text.ToString();
        }

        /// <summary>Reads the calling thread's last error (call right after the failing call, on its thread).</summary>
        internal static MdcaException FromLastError(int status)
        {
            if (NativeMethods.mdca_last_error(out IntPtr json, out UIntPtr len) == (int)MdcaStatus.Ok)
            {
                using var text = new NativeText(json, len);
                using var document = JsonDocument.Parse(text.ToArray());
                JsonElement error = document.RootElement;
                if (error.ValueKind == JsonValueKind.Object)
                {
                    return new MdcaException(
                        Int(error, "code") ?? status,
                        Str(error, "kind"),
                        Str(error, "message"),
                        Int(error, "http_status"),
                        Str(error, "detail"),
                        Str(error, "correlation_id"),
                        Str(error, "hint"));
                }
            }
            return new MdcaException(status, "unknown", "mdca call failed with status " + status, null, null, null, null);
        }

        private static string? Str(JsonElement error, string name) =>
            error.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static int? Int(JsonElement error, string name) =>
            error.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : null;
    }
}
