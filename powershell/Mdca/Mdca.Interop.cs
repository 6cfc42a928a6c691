// Mdca.Interop.cs — the C# binding of the mdca C ABI (include/mdca.h).
//
// One source file, loaded by the PowerShell module with Add-Type and usable as-is by C# programs
// (add it to a project, or compile it with the program). It is written in C# 5 without references beyond
// mscorlib/System so that it compiles on Windows PowerShell 5.1 (.NET Framework 4.5+), PowerShell 7
// (.NET 8+), Mono and any .NET project.
//
// What lives here and why:
// - DllImport declarations of the ABI. Strings cross as NUL-terminated UTF-8 byte arrays marshalled by
//   hand: .NET Framework has no UnmanagedType.LPUTF8Str, and hand marshalling lets secrets be wiped.
// - SafeHandles whose release calls the matching free, so a handle is freed exactly once even when a
//   script forgets Dispose, and a handle in use by a call on another thread is freed after that call.
// - MdcaException: a failing status with the library's full error (code, kind, HTTP status, server
//   detail, correlation id, hint) plus the PowerShell ErrorCategory name and a stable ErrorId.
// - MdcaQuery: pages one by one, cancellable from any thread, with a time-sliced wait so that PowerShell's
//   Ctrl+C is observed while a page is in flight.
// - Native library resolution: runtimes/<rid>/native/ beside the module (or an explicit path).
// - A small JSON reader/writer (no System.Text.Json on .NET Framework) and the record conversion
//   (epoch milliseconds → DateTime, keys differing only by case renamed) so that PowerShell and C# see
//   the same typed records. Pages are read by MdcaRecordReader straight from the library's UTF-8 bytes
//   into that final shape, one record at a time as the caller reads them (a 5000-activity page is 14 MB:
//   converting it twice through a UTF-16 copy made the binding, not the API, the bottleneck).
//
// Secrets (API token, client secret, access token) are only accepted as SecureString; their characters
// are encoded straight into a byte buffer that is zeroed after the call, never into a managed string.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca
{
    /// <summary>The statuses of the C ABI (the library's error codes; see docs/architecture.md).</summary>
    public static class MdcaStatus
    {
        public const int Ok = 0;
        public const int InvalidArgument = 1;
        public const int InvalidConfig = 2;
        public const int InvalidFilter = 3;
        public const int InvalidJson = 4;
        public const int InvalidUtf8 = 5;
        public const int NullPointer = 6;
        public const int InvalidHandle = 7;
        public const int UnknownEntity = 8;
        public const int Unsupported = 9;
        public const int Unauthorized = 100;
        public const int Forbidden = 101;
        public const int FilesNeedLegacyToken = 102;
        public const int TokenRequestFailed = 103;
        public const int NotFound = 200;
        public const int BadRequest = 201;
        public const int Throttled = 202;
        public const int ServerError = 203;
        public const int UnexpectedStatus = 204;
        public const int InvalidResponse = 205;
        public const int Timeout = 300;
        public const int Connection = 301;
        public const int Tls = 302;
        public const int Cancelled = 400;
        public const int Done = 401;
        public const int Internal = 900;
        public const int Panic = 901;
    }

    /// <summary>Progress of a query (mirrors the C struct mdca_progress).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MdcaProgress
    {
        public ulong Records;
        public ulong Pages;
        public ulong Total;
        private byte totalKnown;
        public ulong Requests;
        public ulong Retries;
        public ulong ThrottleWaitMs;
        public ulong DuplicatesDropped;
        private byte done;

        /// <summary>Whether the server reported an (approximate) total yet.</summary>
        public bool TotalKnown { get { return totalKnown != 0; } }
        /// <summary>Whether the last page was delivered.</summary>
        public bool Done { get { return done != 0; } }

        /// <summary>Percentage of the approximate total, or -1 when unknown (Write-Progress's convention).</summary>
        public int PercentComplete
        {
            get
            {
                if (!TotalKnown || Total == 0) return -1;
                double percent = 100.0 * Records / Total;
                return (int)Math.Min(100.0, Math.Max(0.0, percent));
            }
        }
    }

    internal static class NativeMethods
    {
        internal const string Library = "mdca";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr mdca_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_last_error(out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_last_error_code();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_string_free(IntPtr s);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_new(byte[] optionsJson, out MdcaClientHandle outClient);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_free(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_new(MdcaClientHandle client, byte[] entity, byte[] requestJson,
            out MdcaQueryHandle outQuery);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_next_page(MdcaQueryHandle query, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_progress(MdcaQueryHandle query, out MdcaProgress progress);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_cancel(MdcaQueryHandle query);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_free(IntPtr query);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_fetch(MdcaClientHandle client, byte[] entity, byte[] id,
            out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_entity_tree(MdcaClientHandle client, byte[] pk,
            out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_close_alerts(MdcaClientHandle client, byte[] requestJson,
            out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_set_alert_read(MdcaClientHandle client, byte[] id,
            [MarshalAs(UnmanagedType.U1)] bool read);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_activity_feedback(MdcaClientHandle client, byte[] id,
            byte[] feedbackJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_create_subnet(MdcaClientHandle client, byte[] specJson,
            out IntPtr outId, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_update_subnet(MdcaClientHandle client, byte[] id, byte[] specJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_delete_subnet(MdcaClientHandle client, byte[] id);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_request(MdcaClientHandle client, byte[] requestJson,
            out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_query_request(byte[] entity, byte[] paramsJson,
            out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_close_alerts(byte[] paramsJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_subnet_spec(byte[] paramsJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_describe(out IntPtr outJson, out UIntPtr outLen);
    }

    /// <summary>Owns an mdca_client; releasing it calls mdca_client_free once.</summary>
    public sealed class MdcaClientHandle : SafeHandle
    {
        public MdcaClientHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle() { return NativeMethods.mdca_client_free(handle) == MdcaStatus.Ok; }
    }

    /// <summary>Owns an mdca_query; releasing it calls mdca_query_free once (which also cancels it).</summary>
    public sealed class MdcaQueryHandle : SafeHandle
    {
        public MdcaQueryHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle() { return NativeMethods.mdca_query_free(handle) == MdcaStatus.Ok; }
    }

    /// <summary>A failed mdca call: the library's error with its stable code.</summary>
    public class MdcaException : Exception
    {
        public int Code { get; private set; }
        /// <summary>snake_case kind name, e.g. "files_need_legacy_token".</summary>
        public string Kind { get; private set; }
        public int? HttpStatus { get; private set; }
        /// <summary>What the server said (its detail, or a compact form of its error body).</summary>
        public string Detail { get; private set; }
        public string CorrelationId { get; private set; }
        /// <summary>What to do about it.</summary>
        public string Hint { get; private set; }
        /// <summary>The message without the HTTP status and correlation id suffix.</summary>
        public string BareMessage { get; private set; }

        public MdcaException(int code, string kind, string message, int? httpStatus, string detail,
            string correlationId, string hint)
            : base(Compose(message, httpStatus, correlationId))
        {
            Code = code;
            Kind = string.IsNullOrEmpty(kind) ? "unknown" : kind;
            BareMessage = message;
            HttpStatus = httpStatus;
            Detail = detail;
            CorrelationId = correlationId;
            Hint = hint;
        }

        private static string Compose(string message, int? httpStatus, string correlationId)
        {
            var text = new StringBuilder(string.IsNullOrEmpty(message) ? "mdca call failed" : message);
            if (httpStatus.HasValue || !string.IsNullOrEmpty(correlationId))
            {
                text.Append(" (");
                if (httpStatus.HasValue) text.Append("HTTP ").Append(httpStatus.Value);
                if (httpStatus.HasValue && !string.IsNullOrEmpty(correlationId)) text.Append(", ");
                if (!string.IsNullOrEmpty(correlationId)) text.Append("correlation id ").Append(correlationId);
                text.Append(")");
            }
            return text.ToString();
        }

        /// <summary>Stable PowerShell ErrorId, e.g. "Mdca.FilesNeedLegacyToken".</summary>
        public string ErrorId { get { return "Mdca." + Pascal(Kind); } }

        /// <summary>The name of the System.Management.Automation.ErrorCategory for this error.</summary>
        public string ErrorCategory { get { return CategoryFor(Code); } }

        /// <summary>The ErrorCategory name for a status code (unknown codes by their range).</summary>
        public static string CategoryFor(int code)
        {
            switch (code)
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
            }
            if (code >= 1 && code <= 99) return "InvalidArgument";
            if (code >= 100 && code <= 199) return "PermissionDenied";
            if (code >= 200 && code <= 299) return "InvalidResult";
            if (code >= 300 && code <= 399) return "ConnectionError";
            return "NotSpecified";
        }

        private static string Pascal(string snake)
        {
            var text = new StringBuilder();
            foreach (var part in snake.Split('_'))
            {
                if (part.Length == 0) continue;
                text.Append(char.ToUpperInvariant(part[0])).Append(part.Substring(1));
            }
            return text.ToString();
        }

        /// <summary>Reads the calling thread's last error (call right after the failing call).</summary>
        internal static MdcaException FromLastError(int status)
        {
            IntPtr json;
            UIntPtr len;
            if (NativeMethods.mdca_last_error(out json, out len) == MdcaStatus.Ok)
            {
                var text = Native.TakeString(json, len);
                var error = MdcaJson.Parse(text) as IDictionary;
                if (error != null)
                {
                    object http = error["http_status"];
                    return new MdcaException(
                        error["code"] is long ? (int)(long)error["code"] : status,
                        error["kind"] as string,
                        error["message"] as string,
                        http is long ? (int?)(int)(long)http : null,
                        error["detail"] as string,
                        error["correlation_id"] as string,
                        error["hint"] as string);
                }
            }
            return new MdcaException(status, "unknown", "mdca call failed with status " + status, null, null, null, null);
        }
    }

    /// <summary>UTF-8 marshalling and status checking shared by the wrappers.</summary>
    internal static class Native
    {
        internal static byte[] Utf8(string text)
        {
            if (text == null) return null;
            var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Copies a library-owned string and frees it with mdca_string_free.</summary>
        internal static string TakeString(IntPtr ptr, UIntPtr len)
        {
            byte[] bytes = TakeBytes(ptr, len);
            return bytes == null ? null : Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Copies a library-owned string's UTF-8 bytes and frees it with mdca_string_free.</summary>
        internal static byte[] TakeBytes(IntPtr ptr, UIntPtr len)
        {
            if (ptr == IntPtr.Zero) return null;
            try
            {
                var bytes = new byte[checked((int)len.ToUInt64())];
                Marshal.Copy(ptr, bytes, 0, bytes.Length);
                return bytes;
            }
            finally
            {
                NativeMethods.mdca_string_free(ptr);
            }
        }

        internal static void Check(int status)
        {
            if (status != MdcaStatus.Ok) throw MdcaException.FromLastError(status);
        }

        internal static string CheckString(int status, IntPtr ptr, UIntPtr len)
        {
            Check(status);
            return TakeString(ptr, len);
        }
    }

    /// <summary>
    /// Finds the native library. Order: an explicit path (SetPath, or the MDCA_NATIVE_LIBRARY environment
    /// variable), then runtimes/&lt;rid&gt;/native/&lt;file&gt; under the base directory (the module folder given
    /// to Initialize, else the application's directory), then the platform's normal search.
    /// On .NET (Core) a DllImport resolver is installed through reflection; on Windows .NET Framework the
    /// library is preloaded by full path so that DllImport("mdca") binds to it; on Mono the normal search
    /// applies (LD_LIBRARY_PATH / DYLD_LIBRARY_PATH or the application's directory).
    /// </summary>
    public static class MdcaLibrary
    {
        private static readonly object Gate = new object();
        private static string explicitPath;
        private static string baseDirectory;
        private static bool installed;
        private static string loadedFrom;

        /// <summary>Use this exact library file (before the first mdca call; afterwards only the same file).</summary>
        public static void SetPath(string path)
        {
            lock (Gate)
            {
                if (loadedFrom != null && !string.Equals(loadedFrom, Path.GetFullPath(path), StringComparison.Ordinal))
                    throw new InvalidOperationException("the mdca native library is already loaded from " + loadedFrom);
                explicitPath = path;
            }
        }

        /// <summary>
        /// Sets the folder holding runtimes/&lt;rid&gt;/native/. Nothing is loaded until the first mdca call, so
        /// SetPath may still choose another file afterwards.
        /// </summary>
        public static void Initialize(string moduleDirectory)
        {
            lock (Gate)
            {
                if (!string.IsNullOrEmpty(moduleDirectory)) baseDirectory = moduleDirectory;
            }
        }

        /// <summary>The runtime identifier used for the runtimes/ folder, e.g. linux-x64, osx-arm64, win-x64.</summary>
        public static string RuntimeIdentifier
        {
            get { return OsName() + "-" + Architecture(); }
        }

        /// <summary>The library's file name on this OS.</summary>
        public static string FileName
        {
            get
            {
                string os = OsName();
                if (os == "win") return "mdca.dll";
                if (os == "osx") return "libmdca.dylib";
                return "libmdca.so";
            }
        }

        /// <summary>The path the library will be loaded from, or null for the platform search.</summary>
        public static string ResolvedPath
        {
            get
            {
                string path = explicitPath;
                if (string.IsNullOrEmpty(path)) path = Environment.GetEnvironmentVariable("MDCA_NATIVE_LIBRARY");
                if (!string.IsNullOrEmpty(path)) return Path.GetFullPath(path);
                string root = baseDirectory ?? AppDomain.CurrentDomain.BaseDirectory;
                if (string.IsNullOrEmpty(root)) return null;
                string candidate = Path.Combine(Path.Combine(Path.Combine(Path.Combine(root, "runtimes"),
                    RuntimeIdentifier), "native"), FileName);
                return File.Exists(candidate) ? candidate : null;
            }
        }

        /// <summary>The version of the loaded library, e.g. "0.1.0".</summary>
        public static string Version
        {
            get
            {
                EnsureInstalled();
                return Marshal.PtrToStringAnsi(NativeMethods.mdca_version());
            }
        }

        internal static void EnsureInstalled()
        {
            if (installed) return;
            lock (Gate) { Install(); }
        }

        // Runs before the first native call (under Gate). A failure leaves it uninstalled so that the next call
        // reports it again instead of a bare DllNotFoundException.
        private static void Install()
        {
            if (installed) return;
            string path = ResolvedPath;
            if (path != null && !File.Exists(path))
                throw new FileNotFoundException("the mdca native library was not found at " + path, path);
            Type nativeLibrary = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary");
            if (nativeLibrary != null)
            {
                // .NET (Core): the resolver loads the file when the first DllImport binds (see Resolve).
                InstallResolver(nativeLibrary);
            }
            else if (path != null && OsName() == "win")
            {
                // .NET Framework: a module loaded by full path satisfies DllImport("mdca") by its base name.
                if (LoadLibraryExW(path, IntPtr.Zero, LoadWithAlteredSearchPath) == IntPtr.Zero)
                    throw new DllNotFoundException("could not load " + path + " (Win32 error " + Marshal.GetLastWin32Error() + ")");
                loadedFrom = path;
            }
            installed = true;
        }

        private static MethodInfo nativeLoad;

        private static void InstallResolver(Type nativeLibrary)
        {
            Type resolverType = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.DllImportResolver");
            MethodInfo set = nativeLibrary.GetMethod("SetDllImportResolver", new Type[] { typeof(Assembly), resolverType });
            nativeLoad = nativeLibrary.GetMethod("Load", new Type[] { typeof(string) });
            if (resolverType == null || set == null || nativeLoad == null) return;
            MethodInfo resolve = typeof(MdcaLibrary).GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Static);
            Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);
            try
            {
                set.Invoke(null, new object[] { typeof(MdcaLibrary).Assembly, resolver });
            }
            catch (TargetInvocationException e)
            {
                // A resolver can be set once per assembly; one set earlier by the host is kept.
                if (!(e.InnerException is InvalidOperationException)) throw;
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != NativeMethods.Library) return IntPtr.Zero;
            string path = ResolvedPath;
            if (path == null) return IntPtr.Zero;
            try
            {
                var loaded = (IntPtr)nativeLoad.Invoke(null, new object[] { path });
                lock (Gate) { loadedFrom = path; }
                return loaded;
            }
            catch (TargetInvocationException e)
            {
                throw new DllNotFoundException("could not load the mdca native library from " + path + ": " +
                    e.InnerException.Message, e.InnerException);
            }
        }

        private const uint LoadWithAlteredSearchPath = 0x00000008;

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
        private static extern IntPtr LoadLibraryExW(string path, IntPtr file, uint flags);

        private static string OsName()
        {
            PlatformID platform = Environment.OSVersion.Platform;
            if (platform == PlatformID.Win32NT || platform == PlatformID.Win32Windows) return "win";
            if (platform == PlatformID.MacOSX || File.Exists("/System/Library/CoreServices/SystemVersion.plist")) return "osx";
            return "linux";
        }

        private static string Architecture()
        {
            Type info = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.RuntimeInformation")
                ?? Type.GetType("System.Runtime.InteropServices.RuntimeInformation, System.Runtime.InteropServices.RuntimeInformation");
            if (info != null)
            {
                PropertyInfo property = info.GetProperty("ProcessArchitecture", BindingFlags.Public | BindingFlags.Static);
                if (property != null)
                {
                    string arch = property.GetValue(null, null).ToString().ToLowerInvariant();
                    if (arch == "x64" || arch == "x86" || arch == "arm64" || arch == "arm") return arch;
                }
            }
            return IntPtr.Size == 8 ? "x64" : "x86";
        }
    }

    /// <summary>How to connect: the tenant URL and credentials. Secrets are SecureStrings.</summary>
    public sealed class MdcaConnectOptions
    {
        /// <summary>The portal URL, e.g. https://contoso.us3.portal.cloudappsecurity.com.</summary>
        public string Url { get; set; }
        /// <summary>A legacy API token. With app credentials or an access token, used for the Files API.</summary>
        public SecureString ApiToken { get; set; }
        public string TenantId { get; set; }
        public string ClientId { get; set; }
        public SecureString ClientSecret { get; set; }
        /// <summary>The identity endpoint host (default https://login.microsoftonline.com).</summary>
        public string AuthorityHost { get; set; }
        /// <summary>"v2" (default) or "v1".</summary>
        public string TokenEndpoint { get; set; }
        /// <summary>A pre-acquired Bearer token (app or user context).</summary>
        public SecureString AccessToken { get; set; }
        public double? TimeoutSeconds { get; set; }
        public string Proxy { get; set; }
        /// <summary>Requests per window for this tenant (0 disables pacing); default 30.</summary>
        public int? RateLimitRequests { get; set; }
        public double? RateLimitPerSeconds { get; set; }
        public int? MaxRetries { get; set; }

        /// <summary>"app", "bearer" or "token": the authentication these options select.</summary>
        public string AuthType
        {
            get
            {
                if (!string.IsNullOrEmpty(ClientId) || !string.IsNullOrEmpty(TenantId) || ClientSecret != null) return "app";
                if (AccessToken != null) return "bearer";
                if (ApiToken != null) return "token";
                return null;
            }
        }

        /// <summary>Writes the options JSON (secrets included) into a buffer the caller must zero.</summary>
        internal SecretBuffer ToJson()
        {
            if (string.IsNullOrEmpty(Url)) throw new ArgumentException("a tenant URL is required");
            string type = AuthType;
            if (type == null) throw new ArgumentException("credentials are required: an API token, app credentials or an access token");
            if (type == "app" && (string.IsNullOrEmpty(TenantId) || string.IsNullOrEmpty(ClientId) || ClientSecret == null))
                throw new ArgumentException("app credentials need a tenant id, a client id and a client secret");
            var json = new SecretBuffer();
            json.Raw("{\"url\":").String(Url).Raw(",\"auth\":{\"type\":").String(type);
            if (type == "token")
            {
                json.Raw(",\"token\":").Secret(ApiToken);
            }
            else if (type == "bearer")
            {
                json.Raw(",\"token\":").Secret(AccessToken);
                if (ApiToken != null) json.Raw(",\"legacy_token\":").Secret(ApiToken);
            }
            else
            {
                json.Raw(",\"tenant_id\":").String(TenantId).Raw(",\"client_id\":").String(ClientId);
                json.Raw(",\"client_secret\":").Secret(ClientSecret);
                if (!string.IsNullOrEmpty(AuthorityHost)) json.Raw(",\"authority_host\":").String(AuthorityHost);
                if (!string.IsNullOrEmpty(TokenEndpoint)) json.Raw(",\"token_endpoint\":").String(TokenEndpoint);
                if (ApiToken != null) json.Raw(",\"legacy_token\":").Secret(ApiToken);
            }
            json.Raw("}");
            if (TimeoutSeconds.HasValue) json.Raw(",\"timeout_secs\":").Raw(MdcaJson.Serialize(TimeoutSeconds.Value));
            if (!string.IsNullOrEmpty(Proxy)) json.Raw(",\"proxy\":").String(Proxy);
            if (RateLimitRequests.HasValue)
            {
                json.Raw(",\"rate_limit\":{\"requests\":").Raw(MdcaJson.Serialize(RateLimitRequests.Value));
                if (RateLimitPerSeconds.HasValue) json.Raw(",\"per_secs\":").Raw(MdcaJson.Serialize(RateLimitPerSeconds.Value));
                json.Raw("}");
            }
            if (MaxRetries.HasValue) json.Raw(",\"retry\":{\"max_retries\":").Raw(MdcaJson.Serialize(MaxRetries.Value)).Raw("}");
            json.Raw("}");
            return json;
        }
    }

    /// <summary>
    /// A growable UTF-8 buffer for JSON holding secrets: every buffer it ever used is zeroed, and secrets
    /// are copied from SecureString one character at a time without becoming a managed string.
    /// </summary>
    internal sealed class SecretBuffer : IDisposable
    {
        private byte[] bytes = new byte[256];
        private int length;

        internal SecretBuffer Raw(string text)
        {
            foreach (char c in text) Append(c);
            return this;
        }

        internal SecretBuffer String(string text)
        {
            Append('"');
            for (int i = 0; i < text.Length; i++) AppendEscaped(text, ref i);
            Append('"');
            return this;
        }

        internal SecretBuffer Secret(SecureString secret)
        {
            IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                Append('"');
                int count = secret.Length;
                var pair = new char[2];
                for (int i = 0; i < count; i++)
                {
                    char c = (char)Marshal.ReadInt16(chars, i * 2);
                    if (char.IsHighSurrogate(c) && i + 1 < count)
                    {
                        pair[0] = c;
                        pair[1] = (char)Marshal.ReadInt16(chars, (i + 1) * 2);
                        AppendPair(pair);
                        i++;
                    }
                    else
                    {
                        AppendChar(c);
                    }
                }
                pair[0] = pair[1] = '\0';
                Append('"');
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(chars);
            }
            return this;
        }

        /// <summary>The NUL-terminated bytes (the live buffer: zeroed by Dispose).</summary>
        internal byte[] Terminated()
        {
            Append('\0');
            return bytes;
        }

        public void Dispose()
        {
            Array.Clear(bytes, 0, bytes.Length);
            length = 0;
        }

        private void AppendEscaped(string text, ref int i)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length)
            {
                AppendPair(new char[] { c, text[i + 1] });
                i++;
            }
            else
            {
                AppendChar(c);
            }
        }

        private void AppendChar(char c)
        {
            switch (c)
            {
                case '"': Raw("\\\""); return;
                case '\\': Raw("\\\\"); return;
                case '\n': Raw("\\n"); return;
                case '\r': Raw("\\r"); return;
                case '\t': Raw("\\t"); return;
            }
            if (c < 0x20 || char.IsSurrogate(c))
            {
                Raw("\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
                return;
            }
            var one = new char[] { c };
            var encoded = Encoding.UTF8.GetBytes(one);
            foreach (byte b in encoded) Append(b);
            Array.Clear(encoded, 0, encoded.Length);
            one[0] = '\0';
        }

        private void AppendPair(char[] pair)
        {
            var encoded = Encoding.UTF8.GetBytes(pair);
            foreach (byte b in encoded) Append(b);
            Array.Clear(encoded, 0, encoded.Length);
        }

        private void Append(char ascii) { Append((byte)ascii); }

        private void Append(byte b)
        {
            if (length == bytes.Length)
            {
                var bigger = new byte[bytes.Length * 2];
                Buffer.BlockCopy(bytes, 0, bigger, 0, length);
                Array.Clear(bytes, 0, bytes.Length);
                bytes = bigger;
            }
            bytes[length++] = b;
        }
    }

    /// <summary>A connection to one tenant. Thread-safe: any number of threads may use one client.</summary>
    public sealed class MdcaClient : IDisposable
    {
        private readonly MdcaClientHandle handle;
        private volatile bool disposed;

        private MdcaClient(MdcaClientHandle handle, string url, string authType)
        {
            this.handle = handle;
            Url = url;
            AuthType = authType;
            ConnectedAt = DateTime.UtcNow;
        }

        public string Url { get; private set; }
        /// <summary>"token", "app" or "bearer".</summary>
        public string AuthType { get; private set; }
        public bool HasLegacyToken { get; private set; }
        public DateTime ConnectedAt { get; private set; }
        public bool IsDisposed { get { return disposed; } }

        // SafeHandle.IsClosed stays false while a call on another thread holds the handle, so disposal is
        // tracked here to refuse new calls at once.
        private MdcaClientHandle Handle
        {
            get
            {
                if (disposed) throw new ObjectDisposedException("MdcaClient");
                return handle;
            }
        }

        /// <summary>Creates a client. Nothing is sent until the first call (app tokens are fetched lazily).</summary>
        public static MdcaClient Connect(MdcaConnectOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            MdcaLibrary.EnsureInstalled();
            using (SecretBuffer json = options.ToJson())
            {
                MdcaClientHandle handle;
                int status = NativeMethods.mdca_client_new(json.Terminated(), out handle);
                if (status != MdcaStatus.Ok)
                {
                    var error = MdcaException.FromLastError(status);
                    handle.Dispose();
                    throw error;
                }
                var client = new MdcaClient(handle, options.Url, options.AuthType);
                client.HasLegacyToken = options.ApiToken != null;
                return client;
            }
        }

        /// <summary>Starts a query over an entity with a query request JSON (see docs/c-api.md).</summary>
        public MdcaQuery Query(string entity, string requestJson)
        {
            MdcaQueryHandle query;
            int status = NativeMethods.mdca_query_new(Handle, Native.Utf8(entity), Native.Utf8(requestJson ?? "{}"), out query);
            if (status != MdcaStatus.Ok)
            {
                var error = MdcaException.FromLastError(status);
                query.Dispose();
                throw error;
            }
            return new MdcaQuery(query, entity);
        }

        /// <summary>Starts a query from cmdlet-style parameters (mapped by mdca_params_query_request).</summary>
        public MdcaQuery Query(string entity, IDictionary parameters)
        {
            return Query(entity, MdcaParams.QueryRequest(entity, parameters));
        }

        /// <summary>Fetches one record by id; returns it converted like query records.</summary>
        public OrderedDictionary Fetch(string entity, string id)
        {
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_client_fetch(Handle, Native.Utf8(entity), Native.Utf8(id), out json, out len);
            Native.Check(status);
            return new MdcaRecordReader(entity).ReadDocument(Native.TakeBytes(json, len));
        }

        /// <summary>Fetches the tree of an entity by its base64 primary key, as parsed JSON.</summary>
        public object EntityTree(string pk)
        {
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_client_entity_tree(Handle, Native.Utf8(pk), out json, out len);
            return MdcaJson.Parse(Native.CheckString(status, json, len));
        }

        /// <summary>Closes alerts (request JSON as mdca_client_close_alerts); returns the outcome JSON parsed.</summary>
        public IDictionary CloseAlerts(string requestJson)
        {
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_client_close_alerts(Handle, Native.Utf8(requestJson), out json, out len);
            return MdcaJson.Parse(Native.CheckString(status, json, len)) as IDictionary;
        }

        public void SetAlertRead(string id, bool read)
        {
            Native.Check(NativeMethods.mdca_client_set_alert_read(Handle, Native.Utf8(id), read));
        }

        public object ActivityFeedback(string id, string feedbackJson)
        {
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_client_activity_feedback(Handle, Native.Utf8(id), Native.Utf8(feedbackJson), out json, out len);
            return MdcaJson.Parse(Native.CheckString(status, json, len));
        }

        /// <summary>Creates an IP range (spec JSON as mdca_client_create_subnet); returns its id.</summary>
        public string CreateSubnet(string specJson)
        {
            IntPtr id;
            UIntPtr len;
            int status = NativeMethods.mdca_client_create_subnet(Handle, Native.Utf8(specJson), out id, out len);
            return Native.CheckString(status, id, len);
        }

        public void UpdateSubnet(string id, string specJson)
        {
            Native.Check(NativeMethods.mdca_client_update_subnet(Handle, Native.Utf8(id), Native.Utf8(specJson)));
        }

        public void DeleteSubnet(string id)
        {
            Native.Check(NativeMethods.mdca_client_delete_subnet(Handle, Native.Utf8(id)));
        }

        /// <summary>Any endpoint with the client's auth, pacing and retries: {"method","path","query","body"}.</summary>
        public object Request(string requestJson)
        {
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_client_request(Handle, Native.Utf8(requestJson), out json, out len);
            return MdcaJson.Parse(Native.CheckString(status, json, len));
        }

        /// <summary>Frees the native client. Safe to call twice; later calls throw ObjectDisposedException.</summary>
        public void Dispose()
        {
            disposed = true;
            handle.Dispose();
        }
    }

    /// <summary>One page of records.</summary>
    public sealed class MdcaPage
    {
        private readonly MdcaPageText text;
        private string json;

        internal MdcaPage(string entity, byte[] utf8) : this(entity, new MdcaPageText(utf8, null)) { }

        internal MdcaPage(string entity, MdcaNativeText native) : this(entity, new MdcaPageText(null, native)) { }

        private MdcaPage(string entity, MdcaPageText text)
        {
            Entity = entity;
            this.text = text;
            Records = new MdcaRecordList(entity, text, MdcaElementScanner.Scan(text));
        }

        public string Entity { get; private set; }

        /// <summary>The page as the library returned it: a JSON array of records (decoded on first use).</summary>
        public string Json
        {
            get
            {
                if (json == null) json = Encoding.UTF8.GetString(text.ToArray());
                return json;
            }
        }

        /// <summary>
        /// The records, converted (dates as DateTime, case-colliding keys renamed). Each record is converted
        /// when first read, so a page costs what its caller reads, and records stream to a pipeline as they
        /// are converted rather than after the whole page.
        /// </summary>
        public IList<OrderedDictionary> Records { get; private set; }
        public int Count { get { return Records.Count; } }
    }

    /// <summary>
    /// Owns a string the library returned; releasing it calls mdca_string_free once. A page keeps the
    /// library's buffer rather than a managed copy: a 14 MB page would be a large-object-heap array, which
    /// only a full collection reclaims, so copies of past pages piled up. The GC is told of the memory.
    /// </summary>
    internal sealed class MdcaNativeText : SafeHandle
    {
        private readonly int length;

        internal MdcaNativeText(IntPtr text, UIntPtr length) : base(IntPtr.Zero, true)
        {
            this.length = checked((int)length.ToUInt64());
            SetHandle(text);
            if (this.length > 0) GC.AddMemoryPressure(this.length);
        }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        internal int Length { get { return length; } }

        /// <summary>Copies count bytes from offset into target (from its start).</summary>
        internal void CopyTo(int offset, byte[] target, int count)
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                Marshal.Copy(new IntPtr(handle.ToInt64() + offset), target, 0, count);
            }
            finally
            {
                if (added) DangerousRelease();
            }
        }

        protected override bool ReleaseHandle()
        {
            if (length > 0) GC.RemoveMemoryPressure(length);
            return NativeMethods.mdca_string_free(handle) == MdcaStatus.Ok;
        }
    }

    /// <summary>A page's UTF-8 JSON: the library's buffer, or managed bytes (pages built in tests).</summary>
    internal sealed class MdcaPageText
    {
        private readonly byte[] managed;
        private readonly MdcaNativeText native;

        internal MdcaPageText(byte[] managed, MdcaNativeText native)
        {
            if (managed == null && native == null) throw new ArgumentNullException("managed");
            this.managed = managed;
            this.native = native;
        }

        internal int Length { get { return managed != null ? managed.Length : native.Length; } }

        /// <summary>The bytes themselves when managed, else null (then use CopyTo).</summary>
        internal byte[] Managed { get { return managed; } }

        internal void CopyTo(int offset, byte[] target, int count)
        {
            if (managed != null) Buffer.BlockCopy(managed, offset, target, 0, count);
            else native.CopyTo(offset, target, count);
        }

        internal byte[] ToArray()
        {
            if (managed != null) return managed;
            var bytes = new byte[native.Length];
            native.CopyTo(0, bytes, bytes.Length);
            return bytes;
        }
    }

    /// <summary>
    /// Finds where each element of a page's top-level array starts and ends, reading the page in chunks
    /// that stay off the large-object heap. Only brackets and strings are followed; each element is checked
    /// in full when it is read. A page that is not an array has no records (as MdcaJson.Parse gave).
    /// </summary>
    internal sealed class MdcaElementScanner
    {
        private const int Chunk = 64 * 1024;
        private readonly List<int> starts = new List<int>();
        private readonly List<int> lengths = new List<int>();
        private int depth;
        private bool inString;
        private bool escaped;
        private bool opened;
        private bool closed;
        private bool afterComma;
        private int start = -1;

        internal int[] Starts { get { return starts.ToArray(); } }
        internal int[] Lengths { get { return lengths.ToArray(); } }

        internal static MdcaElementScanner Scan(MdcaPageText text)
        {
            var scanner = new MdcaElementScanner();
            int length = text.Length;
            byte[] managed = text.Managed;
            if (managed != null)
            {
                if (!scanner.Feed(managed, 0, length, 0)) return NotAnArray(text);
            }
            else
            {
                var chunk = new byte[Math.Min(Chunk, Math.Max(length, 1))];
                for (int offset = 0; offset < length; offset += chunk.Length)
                {
                    int count = Math.Min(chunk.Length, length - offset);
                    text.CopyTo(offset, chunk, count);
                    if (!scanner.Feed(chunk, 0, count, offset)) return NotAnArray(text);
                }
            }
            if (!scanner.closed) throw new FormatException("invalid JSON at offset " + length + ": unexpected end");
            return scanner;
        }

        private static MdcaElementScanner NotAnArray(MdcaPageText text)
        {
            MdcaJson.Parse(Encoding.UTF8.GetString(text.ToArray()));
            return new MdcaElementScanner();
        }

        private static FormatException Error(int offset, string what)
        {
            return new FormatException("invalid JSON at offset " + offset + ": " + what);
        }

        // Returns false at once if the document turns out not to be an array. Most of a page is string
        // content, so strings are skipped in a tight loop; the state lives in locals while scanning.
        private bool Feed(byte[] bytes, int from, int to, int offset)
        {
            int level = depth;
            bool quoted = inString, escape = escaped;
            try
            {
                for (int k = from; k < to; k++)
                {
                    byte c = bytes[k];
                    if (quoted)
                    {
                        if (escape) { escape = false; continue; }
                        while (c != '"' && c != '\\')
                        {
                            if (++k == to) return true;
                            c = bytes[k];
                        }
                        if (c == '"') quoted = false;
                        else escape = true;
                        continue;
                    }
                    if (level > 1)
                    {
                        if (c == '"') quoted = true;
                        else if (c == '{' || c == '[') level++;
                        else if (c == '}' || c == ']') level--;
                        continue;
                    }
                    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
                    int position = offset + k;
                    if (closed) throw Error(position, "trailing characters");
                    if (!opened)
                    {
                        if (c != '[') return false;
                        opened = true;
                        level = 1;
                        continue;
                    }
                    // level == 1: between or inside the page's elements.
                    if (c == ',' || c == ']')
                    {
                        if (start >= 0)
                        {
                            starts.Add(start);
                            lengths.Add(position - start);
                            start = -1;
                        }
                        else if (c == ',' || afterComma)
                        {
                            throw Error(position, "unexpected character");
                        }
                        afterComma = c == ',';
                        if (c == ']') { level = 0; closed = true; }
                        continue;
                    }
                    if (c == '}') throw Error(position, "unexpected '}'");
                    if (start >= 0 && (c == '{' || c == '[' || c == '"')) throw Error(position, "expected ',' or ']'");
                    if (start < 0) start = position;
                    if (c == '"') quoted = true;
                    else if (c == '{' || c == '[') level++;
                }
                return true;
            }
            finally
            {
                depth = level;
                inString = quoted;
                escaped = escape;
            }
        }
    }

    /// <summary>
    /// A page's records, each read from the page's UTF-8 JSON the first time it is asked for and kept, so
    /// that it behaves as the list of converted records it stands for (the same object every time). Any
    /// change to the list first converts the rest. Safe for concurrent readers.
    /// </summary>
    internal sealed class MdcaRecordList : IList<OrderedDictionary>, IList
    {
        private readonly object gate = new object();
        private readonly string entity;
        private MdcaPageText text;
        private int[] starts;
        private int[] lengths;
        private OrderedDictionary[] records;
        private int pending;
        private MdcaRecordReader reader;
        private byte[] scratch;
        private List<OrderedDictionary> changed;

        internal MdcaRecordList(string entity, MdcaPageText text, MdcaElementScanner elements)
        {
            this.entity = entity;
            this.text = text;
            starts = elements.Starts;
            lengths = elements.Lengths;
            records = new OrderedDictionary[starts.Length];
            pending = starts.Length;
        }

        public int Count
        {
            get
            {
                List<OrderedDictionary> list = changed;
                return list != null ? list.Count : records.Length;
            }
        }

        public OrderedDictionary this[int index]
        {
            get
            {
                List<OrderedDictionary> list = changed;
                if (list != null) return list[index];
                if ((uint)index >= (uint)records.Length) throw new ArgumentOutOfRangeException("index");
                OrderedDictionary record = Volatile.Read(ref records[index]);
                return record ?? Convert(index);
            }
            set { Changed()[index] = value; }
        }

        private OrderedDictionary Convert(int index)
        {
            lock (gate)
            {
                OrderedDictionary record = records[index];
                if (record != null) return record;
                if (reader == null) reader = new MdcaRecordReader(entity);
                int start = starts[index], length = lengths[index];
                byte[] managed = text.Managed;
                if (managed != null)
                {
                    record = reader.ReadElement(managed, start, start + length);
                }
                else
                {
                    // One record (a few KB) at a time out of the library's buffer, into a reused array.
                    if (scratch == null || scratch.Length < length) scratch = new byte[Math.Max(length, 8192)];
                    text.CopyTo(start, scratch, length);
                    record = reader.ReadElement(scratch, 0, length);
                }
                Volatile.Write(ref records[index], record);
                if (--pending == 0)
                {
                    // Every record is read: the reader's caches and the offsets are no longer needed (the
                    // page keeps its text for Json).
                    reader = null;
                    scratch = null;
                    starts = null;
                    lengths = null;
                    text = null;
                }
                return record;
            }
        }

        private List<OrderedDictionary> Changed()
        {
            lock (gate)
            {
                if (changed == null)
                {
                    var list = new List<OrderedDictionary>(records.Length);
                    for (int n = 0; n < records.Length; n++) list.Add(this[n]);
                    changed = list;
                }
                return changed;
            }
        }

        public IEnumerator<OrderedDictionary> GetEnumerator()
        {
            List<OrderedDictionary> list = changed;
            if (list != null) return list.GetEnumerator();
            return Enumerate();
        }

        private IEnumerator<OrderedDictionary> Enumerate()
        {
            for (int n = 0; n < records.Length; n++)
            {
                if (changed != null) throw new InvalidOperationException("the records were changed during enumeration");
                yield return this[n];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }

        public int IndexOf(OrderedDictionary item)
        {
            List<OrderedDictionary> list = changed;
            if (list != null) return list.IndexOf(item);
            // A record not read yet cannot be the item, which the caller got from this list or elsewhere.
            if (item == null) return -1;
            for (int n = 0; n < records.Length; n++)
                if (ReferenceEquals(Volatile.Read(ref records[n]), item)) return n;
            return -1;
        }

        public bool Contains(OrderedDictionary item) { return IndexOf(item) >= 0; }

        public void CopyTo(OrderedDictionary[] array, int arrayIndex)
        {
            if (array == null) throw new ArgumentNullException("array");
            if (arrayIndex < 0 || array.Length - arrayIndex < Count) throw new ArgumentException("the array is too small");
            for (int n = 0; n < Count; n++) array[arrayIndex + n] = this[n];
        }

        public bool IsReadOnly { get { return false; } }
        public void Add(OrderedDictionary item) { Changed().Add(item); }
        public void Insert(int index, OrderedDictionary item) { Changed().Insert(index, item); }
        public bool Remove(OrderedDictionary item) { return Changed().Remove(item); }
        public void RemoveAt(int index) { Changed().RemoveAt(index); }
        public void Clear() { Changed().Clear(); }

        // The non-generic IList, which PowerShell uses for indexing, slicing and Count.
        object IList.this[int index]
        {
            get { return this[index]; }
            set { this[index] = (OrderedDictionary)value; }
        }
        int IList.Add(object value) { Add((OrderedDictionary)value); return Count - 1; }
        bool IList.Contains(object value) { return Contains(value as OrderedDictionary); }
        int IList.IndexOf(object value) { return IndexOf(value as OrderedDictionary); }
        void IList.Insert(int index, object value) { Insert(index, (OrderedDictionary)value); }
        void IList.Remove(object value) { Remove(value as OrderedDictionary); }
        bool IList.IsFixedSize { get { return false; } }
        bool IList.IsReadOnly { get { return false; } }
        void ICollection.CopyTo(Array array, int index)
        {
            if (array == null) throw new ArgumentNullException("array");
            for (int n = 0; n < Count; n++) array.SetValue(this[n], index + n);
        }
        bool ICollection.IsSynchronized { get { return false; } }
        object ICollection.SyncRoot { get { return gate; } }
    }

    /// <summary>
    /// A running query. Pages are pulled with NextPage (blocking) or TryNextPage (time-sliced, so a host
    /// such as PowerShell can react to Ctrl+C between slices). Cancel may be called from any thread;
    /// Dispose cancels and frees the native query once any in-flight page call has returned.
    /// </summary>
    public sealed class MdcaQuery : IDisposable, IEnumerable<MdcaPage>
    {
        private readonly MdcaQueryHandle handle;
        private readonly object gate = new object();
        private Task<MdcaPage> pending;
        private bool finished;
        private volatile bool disposed;

        internal MdcaQuery(MdcaQueryHandle handle, string entity)
        {
            this.handle = handle;
            Entity = entity;
        }

        public string Entity { get; private set; }
        public bool IsFinished { get { return finished; } }
        public bool IsDisposed { get { return disposed; } }

        /// <summary>The next page, or null when the query has no more pages.</summary>
        public MdcaPage NextPage()
        {
            MdcaPage page;
            bool inFlight;
            lock (gate)
            {
                if (disposed) throw new ObjectDisposedException("MdcaQuery");
                if (finished) return null;
                inFlight = pending != null;
            }
            if (inFlight)
            {
                // A sliced wait left a page in flight: finish waiting for it.
                TryNextPage(Timeout.Infinite, out page);
                return page;
            }
            // Blocking callers page on their own thread: no task, no extra thread.
            page = FetchPage();
            if (page == null) lock (gate) { finished = true; }
            return page;
        }

        /// <summary>
        /// Waits up to <paramref name="millisecondsTimeout"/> for the next page. Returns false if the page is
        /// still in flight (call again to keep waiting on the same request); true with the page, or with
        /// null when the query is finished. Errors are thrown as MdcaException.
        /// </summary>
        public bool TryNextPage(int millisecondsTimeout, out MdcaPage page)
        {
            page = null;
            Task<MdcaPage> task;
            lock (gate)
            {
                if (disposed) throw new ObjectDisposedException("MdcaQuery");
                if (finished) return true;
                if (pending == null) pending = Task.Factory.StartNew<MdcaPage>(FetchPage, TaskCreationOptions.LongRunning);
                task = pending;
            }
            try
            {
                if (!task.Wait(millisecondsTimeout)) return false;
            }
            catch (AggregateException e)
            {
                lock (gate) { pending = null; }
                if (disposed) throw new ObjectDisposedException("MdcaQuery");
                Exception inner = e.InnerException ?? e;
                if (inner is MdcaException) throw new MdcaException(((MdcaException)inner).Code, ((MdcaException)inner).Kind,
                    ((MdcaException)inner).BareMessage, ((MdcaException)inner).HttpStatus, ((MdcaException)inner).Detail,
                    ((MdcaException)inner).CorrelationId, ((MdcaException)inner).Hint);
                if (inner is ObjectDisposedException) throw new ObjectDisposedException("MdcaQuery");
                throw new InvalidOperationException(inner.Message, inner);
            }
            lock (gate)
            {
                if (disposed) throw new ObjectDisposedException("MdcaQuery");
                pending = null;
                page = task.Result;
                if (page == null) finished = true;
            }
            return true;
        }

        private MdcaPage FetchPage()
        {
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_query_next_page(handle, out json, out len);
            if (status == MdcaStatus.Done) return null;
            Native.Check(status);
            var text = new MdcaNativeText(json, len);
            try
            {
                return new MdcaPage(Entity, text);
            }
            catch
            {
                text.Dispose();
                throw;
            }
        }

        /// <summary>Progress so far (records, pages, approximate total, requests, retries, throttle wait).</summary>
        public MdcaProgress Progress
        {
            get
            {
                if (disposed) throw new ObjectDisposedException("MdcaQuery");
                MdcaProgress progress;
                Native.Check(NativeMethods.mdca_query_progress(handle, out progress));
                return progress;
            }
        }

        /// <summary>Stops the query: an in-flight page call returns Cancelled promptly. Any thread.</summary>
        public void Cancel()
        {
            try
            {
                Native.Check(NativeMethods.mdca_query_cancel(handle));
            }
            catch (ObjectDisposedException)
            {
                // Cancelling a disposed query is a no-op: the free already cancelled it.
            }
        }

        /// <summary>Pages until the end; cancelling the token cancels the native query.</summary>
        public IEnumerable<MdcaPage> Pages(CancellationToken cancellation)
        {
            using (cancellation.Register(Cancel))
            {
                while (true)
                {
                    MdcaPage page;
                    try
                    {
                        page = NextPage();
                    }
                    catch (MdcaException e)
                    {
                        if (e.Code == MdcaStatus.Cancelled && cancellation.IsCancellationRequested)
                            throw new OperationCanceledException("the mdca query was cancelled", e, cancellation);
                        throw;
                    }
                    if (page == null) yield break;
                    yield return page;
                }
            }
        }

        public IEnumerator<MdcaPage> GetEnumerator() { return Pages(CancellationToken.None).GetEnumerator(); }
        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }

        /// <summary>Cancels and frees. Safe to call twice and from another thread than the one paging.</summary>
        public void Dispose()
        {
            if (disposed) return;
            Cancel();
            disposed = true;
            handle.Dispose();
        }
    }

    /// <summary>Cmdlet parameters → request JSON, through the tested Rust mapping (mdca_params_*).</summary>
    public static class MdcaParams
    {
        /// <summary>PowerShell's common and paging-report parameters, which are never forwarded.</summary>
        public static readonly string[] NotForwarded = new string[]
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction",
            "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer",
            "PipelineVariable", "WhatIf", "Confirm", "IncludeTotalCount", "UseTransaction"
        };

        /// <summary>Bound parameters as a JSON object, leaving out common parameters and the given names.</summary>
        public static string ToJson(IDictionary parameters, params string[] exclude)
        {
            var forwarded = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            if (parameters != null)
            {
                foreach (DictionaryEntry entry in parameters)
                {
                    string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
                    if (Array.Exists(NotForwarded, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))) continue;
                    if (exclude != null && Array.Exists(exclude, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))) continue;
                    forwarded[name] = entry.Value;
                }
            }
            return MdcaJson.Serialize(forwarded);
        }

        /// <summary>The query request JSON for a Get-Mdca* cmdlet's bound parameters.</summary>
        public static string QueryRequest(string entity, IDictionary parameters, params string[] exclude)
        {
            MdcaLibrary.EnsureInstalled();
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_params_query_request(Native.Utf8(entity), Native.Utf8(ToJson(parameters, exclude)), out json, out len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>
        /// The query request JSON for a cmdlet with SupportsPaging: -First/-Skip come from PowerShell's
        /// PagingParameters (First = UInt64.MaxValue and Skip = 0 when not given) rather than the bound set.
        /// </summary>
        public static string PagedQueryRequest(string entity, IDictionary parameters, ulong first, ulong skip, string[] exclude)
        {
            var forwarded = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            if (parameters != null)
                foreach (DictionaryEntry entry in parameters)
                {
                    string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
                    if (string.Equals(name, "First", StringComparison.OrdinalIgnoreCase) ||
                        string.Equals(name, "Skip", StringComparison.OrdinalIgnoreCase)) continue;
                    forwarded[name] = entry.Value;
                }
            if (first != ulong.MaxValue) forwarded["First"] = first;
            if (skip != 0) forwarded["Skip"] = skip;
            return QueryRequest(entity, forwarded, exclude);
        }

        /// <summary>The close request JSON for Close-MdcaAlert's parameters.</summary>
        public static string CloseAlertsRequest(IDictionary parameters, params string[] exclude)
        {
            MdcaLibrary.EnsureInstalled();
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_params_close_alerts(Native.Utf8(ToJson(parameters, exclude)), out json, out len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>The subnet spec JSON for New-/Set-MdcaSubnet's parameters.</summary>
        public static string SubnetSpec(IDictionary parameters, params string[] exclude)
        {
            MdcaLibrary.EnsureInstalled();
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_params_subnet_spec(Native.Utf8(ToJson(parameters, exclude)), out json, out len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>Every parameter the mapping accepts (JSON).</summary>
        public static string Describe()
        {
            MdcaLibrary.EnsureInstalled();
            IntPtr json;
            UIntPtr len;
            int status = NativeMethods.mdca_params_describe(out json, out len);
            return Native.CheckString(status, json, len);
        }

        /// <summary>
        /// For Invoke-MdcaRestMethod -All: the entity of a list path (v1/files/, /api/v1/alerts, …) and the
        /// query request for a list body ({filters, sortField, sortDirection, limit, skip}), or null when the
        /// path is not a list endpoint.
        /// </summary>
        public static string EntityForListPath(string path)
        {
            if (path == null) return null;
            string p = path.Trim().Trim('/').ToLowerInvariant();
            int q = p.IndexOf('?');
            if (q >= 0) p = p.Substring(0, q).Trim('/');
            if (p.StartsWith("cas/")) p = p.Substring(4);
            if (p.StartsWith("api/")) p = p.Substring(4);
            if (p.StartsWith("v1/")) p = p.Substring(3);
            switch (p)
            {
                case "activities": return "activities";
                case "alerts": return "alerts";
                case "files": return "files";
                case "entities": return "entities";
                case "subnet": return "subnets";
            }
            return null;
        }

        /// <summary>Translates an API list body into a query request JSON that pages to the end.</summary>
        public static string ListBodyToQueryRequest(IDictionary body, bool all, ulong? first)
        {
            var request = new OrderedDictionary();
            if (body != null)
            {
                foreach (DictionaryEntry entry in body)
                {
                    string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
                    switch (key.ToLowerInvariant())
                    {
                        case "filters": request["filters"] = entry.Value; break;
                        case "sortfield": request["sort_field"] = entry.Value; break;
                        case "sortdirection": request["sort_direction"] = entry.Value; break;
                        case "limit": request["page_size"] = entry.Value; break;
                        case "skip": request["skip"] = entry.Value; break;
                        case "isscan": request["scan"] = entry.Value; break;
                        default:
                            throw new ArgumentException("the list body key '" + key +
                                "' cannot be paged; use filters, sortField, sortDirection, limit, skip or isScan");
                    }
                }
            }
            if (all) request["all"] = true;
            if (first.HasValue) request["first"] = first.Value;
            return MdcaJson.Serialize(request);
        }
    }

    /// <summary>Record conversion shared by PowerShell and C#: dates and case-colliding keys.</summary>
    public static class MdcaRecords
    {
        // Top-level fields holding a point in time (epoch ms numbers or ISO strings), per entity (api.md §2, §6–§10).
        private static readonly Dictionary<string, string[]> DateFields = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
        {
            { "activities", new string[] { "timestamp", "created", "instantiation" } },
            { "alerts", new string[] { "timestamp", "resolveTime", "lastModified" } },
            { "files", new string[] { "createdDate", "modifiedDate", "snapshotLastModifiedDate", "lastNrtTimestamp" } },
            { "entities", new string[] { "lastSeen" } },
            { "subnets", new string[] { "lastModified" } },
        };

        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>The PSTypeName of an entity's records, e.g. Mdca.File.</summary>
        public static string TypeName(string entity)
        {
            switch ((entity ?? "").Trim().ToLowerInvariant())
            {
                case "activities": case "activity": return "Mdca.Activity";
                case "alerts": case "alert": return "Mdca.Alert";
                case "files": case "file": return "Mdca.File";
                case "entities": case "entity": return "Mdca.Entity";
                case "subnets": case "subnet": return "Mdca.Subnet";
            }
            return "Mdca.Record";
        }

        /// <summary>The top-level date fields of an entity's records (entity or entities), or null.</summary>
        internal static string[] DateFieldsOf(string entity)
        {
            string[] fields;
            string key = (entity ?? "").Trim().ToLowerInvariant();
            if (!key.EndsWith("s")) key = key == "entity" ? "entities" : key + "s";
            return DateFields.TryGetValue(key, out fields) ? fields : null;
        }

        /// <summary>A date field's value as Convert gives it: numbers and ISO strings become UTC DateTimes.</summary>
        internal static object ToDate(object value)
        {
            if (value is long) return FromEpochMilliseconds((long)value);
            if (value is double) return FromEpochMilliseconds((double)value);
            var text = value as string;
            if (text != null)
            {
                DateTime parsed;
                if (DateTime.TryParse(text, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out parsed))
                    return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            }
            return value;
        }

        /// <summary>Epoch milliseconds (integer or fractional) as a UTC DateTime.</summary>
        public static DateTime FromEpochMilliseconds(double milliseconds)
        {
            return Epoch.AddTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond));
        }

        /// <summary>
        /// Converts a parsed record: its entity's date fields become UTC DateTimes, and in every object a key
        /// equal to an earlier one but for case (created/Created, api.md §2) gets a suffix _2, _3, … so that
        /// case-insensitive consumers such as PowerShell keep both.
        /// </summary>
        public static OrderedDictionary Convert(string entity, object record)
        {
            var source = record as IDictionary;
            if (source == null) throw new InvalidDataException("a record is not a JSON object");
            var converted = (OrderedDictionary)Normalize(source);
            string[] fields = DateFieldsOf(entity);
            if (fields != null)
            {
                foreach (string field in fields)
                {
                    if (!converted.Contains(field)) continue;
                    object value = converted[field];
                    object date = ToDate(value);
                    if (!ReferenceEquals(date, value)) converted[field] = date;
                }
            }
            return converted;
        }

        private static object Normalize(object value)
        {
            var map = value as IDictionary;
            if (map != null)
            {
                var result = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                foreach (DictionaryEntry entry in map)
                {
                    string name = (string)entry.Key;
                    string unique = name;
                    for (int n = 2; result.Contains(unique); n++) unique = name + "_" + n;
                    result[unique] = Normalize(entry.Value);
                }
                return result;
            }
            var list = value as IList;
            if (list != null)
            {
                var items = new object[list.Count];
                for (int i = 0; i < items.Length; i++) items[i] = Normalize(list[i]);
                return items;
            }
            return value;
        }
    }

    /// <summary>
    /// Reads the library's UTF-8 JSON straight into records' final shape, in one pass and without a UTF-16
    /// copy of the page: objects become OrderedDictionary with case-insensitive keys (a key equal to an
    /// earlier one but for case renamed _2, _3, …; an exact repeat replacing the earlier value), arrays
    /// object[], numbers long (else double), and the entity's top-level date fields DateTime. The result is
    /// what MdcaRecords.Convert(entity, MdcaJson.Parse(text)) gives; the C# tests compare the two.
    /// Key strings, short string values and small integers are shared between records rather than
    /// allocated for each, since a page repeats them thousands of times. Not thread-safe: one per page.
    /// </summary>
    internal sealed class MdcaRecordReader
    {
        private const int CacheSize = 4096;
        private const int MaxCachedString = 40;
        private static readonly object True = true;
        private static readonly object False = false;
        private static readonly object[] SmallLongs = MakeSmallLongs(1024);
        // Empty arrays cannot be changed, so every record shares one (an activity has several).
        private static readonly object[] NoItems = new object[0];

        private readonly string[] dateFields;
        private byte[] s;
        private int i;
        private int end;
        private char[] chars = new char[256];
        // Decoded strings by their UTF-8 bytes (hash-indexed, a collision replaces): keys and short values.
        private readonly byte[][] cachedBytes = new byte[CacheSize][];
        private readonly string[] cachedText = new string[CacheSize];
        // Last size of the objects under each key, so that a dictionary is allocated at its final size
        // instead of rehashing as it grows (a page's records share their shape).
        private readonly Dictionary<string, int> sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        private int recordSize;
        // Elements of the arrays being read, innermost last (each array reads and removes its own tail).
        private readonly List<object> items = new List<object>();

        internal MdcaRecordReader(string entity)
        {
            dateFields = MdcaRecords.DateFieldsOf(entity);
        }

        private static object[] MakeSmallLongs(int count)
        {
            var boxes = new object[count];
            for (int n = 0; n < count; n++) boxes[n] = (long)n;
            return boxes;
        }

        /// <summary>The record that is json[start, end) (one element of a page).</summary>
        internal OrderedDictionary ReadElement(byte[] json, int start, int end)
        {
            s = json;
            i = start;
            this.end = end;
            SkipBlanks();
            if (i >= end || s[i] != '{') throw new InvalidDataException("a record is not a JSON object");
            OrderedDictionary record = ReadObject(null, true);
            SkipBlanks();
            if (i != end) throw Error("expected ',' or ']'");
            s = null;
            return record;
        }

        /// <summary>A whole document that is one record.</summary>
        internal OrderedDictionary ReadDocument(byte[] json)
        {
            s = json;
            i = 0;
            end = json.Length;
            SkipBlanks();
            if (i >= end || s[i] != '{') throw new InvalidDataException("a record is not a JSON object");
            OrderedDictionary record = ReadObject(null, true);
            SkipBlanks();
            if (i != end) throw Error("trailing characters");
            s = null;
            return record;
        }

        private FormatException Error(string what)
        {
            return new FormatException("invalid JSON at offset " + i + ": " + what);
        }

        private void SkipBlanks()
        {
            while (i < end)
            {
                byte c = s[i];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                i++;
            }
        }

        private object ReadValue(string key)
        {
            SkipBlanks();
            if (i >= end) throw Error("unexpected end");
            byte c = s[i];
            if (c == '{') return ReadObject(key, false);
            if (c == '[') return ReadArray(key);
            if (c == '"') return ReadString(false);
            if (Literal((byte)'t', "true")) return True;
            if (Literal((byte)'f', "false")) return False;
            if (Literal((byte)'n', "null")) return null;
            return ReadNumber();
        }

        private bool Literal(byte first, string word)
        {
            if (s[i] != first || i + word.Length > end) return false;
            for (int k = 1; k < word.Length; k++)
                if (s[i + k] != word[k]) return false;
            i += word.Length;
            return true;
        }

        private OrderedDictionary ReadObject(string parentKey, bool record)
        {
            int size;
            if (record) size = recordSize;
            else if (parentKey == null || !sizes.TryGetValue(parentKey, out size)) size = 0;
            var map = new OrderedDictionary(size, StringComparer.OrdinalIgnoreCase);
            List<KeyValuePair<string, string>> renamed = null;
            i++;
            SkipBlanks();
            if (i < end && s[i] == '}') { i++; }
            else
            {
                while (true)
                {
                    SkipBlanks();
                    if (i >= end || s[i] != '"') throw Error("expected a key");
                    string key = ReadString(true);
                    SkipBlanks();
                    if (i >= end || s[i] != ':') throw Error("expected ':'");
                    i++;
                    object value = ReadValue(key);
                    Insert(map, key, value, record, ref renamed);
                    SkipBlanks();
                    if (i < end && s[i] == ',') { i++; continue; }
                    if (i < end && s[i] == '}') { i++; break; }
                    throw Error("expected ',' or '}'");
                }
            }
            if (record) recordSize = map.Count;
            else if (parentKey != null && size != map.Count) sizes[parentKey] = map.Count;
            return map;
        }

        // Adds key → value as MdcaJson.Parse then MdcaRecords.Convert would: a repeated key replaces the value in
        // place (Parse), a key equal to another but for case is renamed key_2, key_3, … (Normalize), and a
        // record's date fields are converted under their final name (Convert).
        private void Insert(OrderedDictionary map, string key, object value, bool record,
            ref List<KeyValuePair<string, string>> renamed)
        {
            try
            {
                map.Add(key, record ? DateIfField(key, value) : value);
                return;
            }
            catch (ArgumentException)
            {
                // The key is taken ignoring case: the rare path, below.
            }
            string target = null;
            if (renamed != null)
                foreach (var pair in renamed)
                    if (string.Equals(pair.Key, key, StringComparison.Ordinal)) { target = pair.Value; break; }
            if (target == null)
            {
                foreach (DictionaryEntry entry in map)
                {
                    var existing = (string)entry.Key;
                    if (!string.Equals(existing, key, StringComparison.Ordinal) || IsRenamed(renamed, existing)) continue;
                    target = existing;
                    break;
                }
            }
            if (target != null)
            {
                map[target] = record ? DateIfField(target, value) : value;
                return;
            }
            string unique = key;
            for (int n = 2; map.Contains(unique); n++) unique = key + "_" + n.ToString(CultureInfo.InvariantCulture);
            if (renamed == null) renamed = new List<KeyValuePair<string, string>>();
            renamed.Add(new KeyValuePair<string, string>(key, unique));
            map.Add(unique, record ? DateIfField(unique, value) : value);
        }

        private static bool IsRenamed(List<KeyValuePair<string, string>> renamed, string name)
        {
            if (renamed == null) return false;
            foreach (var pair in renamed)
                if (string.Equals(pair.Value, name, StringComparison.Ordinal)) return true;
            return false;
        }

        private object DateIfField(string name, object value)
        {
            if (dateFields == null) return value;
            foreach (string field in dateFields)
                if (string.Equals(field, name, StringComparison.OrdinalIgnoreCase)) return MdcaRecords.ToDate(value);
            return value;
        }

        // Elements of an array share the array's key for size hints.
        private object[] ReadArray(string key)
        {
            int first = items.Count;
            i++;
            SkipBlanks();
            if (i < end && s[i] == ']') { i++; return NoItems; }
            try
            {
                while (true)
                {
                    items.Add(ReadValue(key));
                    SkipBlanks();
                    if (i < end && s[i] == ',') { i++; continue; }
                    if (i < end && s[i] == ']') { i++; break; }
                    throw Error("expected ',' or ']'");
                }
                var result = new object[items.Count - first];
                items.CopyTo(first, result, 0, result.Length);
                return result;
            }
            finally
            {
                items.RemoveRange(first, items.Count - first);
            }
        }

        private object ReadNumber()
        {
            int start = i;
            bool integral = true;
            if (i < end && s[i] == '-') i++;
            while (i < end)
            {
                byte c = s[i];
                if (c >= '0' && c <= '9') { i++; continue; }
                if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; i++; continue; }
                break;
            }
            int length = i - start;
            bool negative = s[start] == '-';
            if (length == 0 || (length == 1 && negative))
            {
                i = start;
                throw Error("unexpected character");
            }
            int digits = negative ? length - 1 : length;
            if (integral && digits <= 18)
            {
                // At most 18 digits always fit a long: no overflow check needed.
                long whole = 0;
                for (int k = negative ? start + 1 : start; k < i; k++) whole = whole * 10 + (s[k] - '0');
                if (negative) whole = -whole;
                if (whole >= 0 && whole < SmallLongs.Length) return SmallLongs[whole];
                return whole;
            }
            string token = Encoding.ASCII.GetString(s, start, length);
            long big;
            if (integral && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out big)) return big;
            double real;
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out real)) return real;
            i = start;
            throw Error("bad number " + token);
        }

        private string ReadString(bool key)
        {
            int start = ++i;
            uint hash = 2166136261;
            while (i < end)
            {
                byte c = s[i];
                if (c == '"')
                {
                    int length = i - start;
                    i++;
                    if (!key && length > MaxCachedString) return Encoding.UTF8.GetString(s, start, length);
                    return Cached(start, length, hash);
                }
                if (c == '\\') return ReadEscaped(start);
                hash = (hash ^ c) * 16777619;
                i++;
            }
            throw Error("unterminated string");
        }

        private string Cached(int start, int length, uint hash)
        {
            int slot = (int)((hash ^ (hash >> 15)) & (CacheSize - 1));
            byte[] known = cachedBytes[slot];
            if (known != null && known.Length == length)
            {
                int k = 0;
                while (k < length && known[k] == s[start + k]) k++;
                if (k == length) return cachedText[slot];
            }
            string text = Encoding.UTF8.GetString(s, start, length);
            var copy = new byte[length];
            Buffer.BlockCopy(s, start, copy, 0, length);
            cachedBytes[slot] = copy;
            cachedText[slot] = text;
            return text;
        }

        // A string with escapes: runs of plain UTF-8 are decoded between them (as MdcaJson.ParseString does).
        private string ReadEscaped(int start)
        {
            int count = 0;
            int run = start;
            while (true)
            {
                if (i >= end) throw Error("unterminated string");
                byte c = s[i];
                if (c != '"' && c != '\\') { i++; continue; }
                if (i > run)
                {
                    Reserve(count + (i - run));
                    count += Encoding.UTF8.GetChars(s, run, i - run, chars, count);
                }
                i++;
                if (c == '"') return new string(chars, 0, count);
                if (i >= end) throw Error("unterminated escape");
                byte e = s[i++];
                Reserve(count + 1);
                switch (e)
                {
                    case (byte)'"': chars[count++] = '"'; break;
                    case (byte)'\\': chars[count++] = '\\'; break;
                    case (byte)'/': chars[count++] = '/'; break;
                    case (byte)'b': chars[count++] = '\b'; break;
                    case (byte)'f': chars[count++] = '\f'; break;
                    case (byte)'n': chars[count++] = '\n'; break;
                    case (byte)'r': chars[count++] = '\r'; break;
                    case (byte)'t': chars[count++] = '\t'; break;
                    case (byte)'u':
                        if (i + 4 > end) throw Error("short \\u escape");
                        chars[count++] = (char)int.Parse(Encoding.ASCII.GetString(s, i, 4), NumberStyles.HexNumber,
                            CultureInfo.InvariantCulture);
                        i += 4;
                        break;
                    default: throw Error("bad escape");
                }
                run = i;
            }
        }

        private void Reserve(int count)
        {
            if (count <= chars.Length) return;
            var bigger = new char[Math.Max(count, chars.Length * 2)];
            Array.Copy(chars, bigger, chars.Length);
            chars = bigger;
        }
    }

    /// <summary>
    /// Minimal JSON: Parse gives OrderedDictionary (case-sensitive keys, document order), object[]-like
    /// List&lt;object&gt;, string, long, double, bool and null; Serialize accepts dictionaries, lists, strings,
    /// numbers, booleans, DateTime (ISO 8601 UTC), enums, and PowerShell wrappers (PSObject, SwitchParameter).
    /// </summary>
    public static class MdcaJson
    {
        public static object Parse(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            int i = 0;
            object value = ParseValue(text, ref i);
            SkipBlanks(text, ref i);
            if (i != text.Length) throw Error(text, i, "trailing characters");
            return value;
        }

        private static FormatException Error(string text, int i, string what)
        {
            return new FormatException("invalid JSON at offset " + i + ": " + what);
        }

        private static void SkipBlanks(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        }

        private static object ParseValue(string s, ref int i)
        {
            SkipBlanks(s, ref i);
            if (i >= s.Length) throw Error(s, i, "unexpected end");
            char c = s[i];
            if (c == '{')
            {
                var map = new OrderedDictionary();
                i++;
                SkipBlanks(s, ref i);
                if (i < s.Length && s[i] == '}') { i++; return map; }
                while (true)
                {
                    SkipBlanks(s, ref i);
                    if (i >= s.Length || s[i] != '"') throw Error(s, i, "expected a key");
                    string key = ParseString(s, ref i);
                    SkipBlanks(s, ref i);
                    if (i >= s.Length || s[i] != ':') throw Error(s, i, "expected ':'");
                    i++;
                    map[key] = ParseValue(s, ref i);
                    SkipBlanks(s, ref i);
                    if (i < s.Length && s[i] == ',') { i++; continue; }
                    if (i < s.Length && s[i] == '}') { i++; return map; }
                    throw Error(s, i, "expected ',' or '}'");
                }
            }
            if (c == '[')
            {
                var list = new List<object>();
                i++;
                SkipBlanks(s, ref i);
                if (i < s.Length && s[i] == ']') { i++; return list; }
                while (true)
                {
                    list.Add(ParseValue(s, ref i));
                    SkipBlanks(s, ref i);
                    if (i < s.Length && s[i] == ',') { i++; continue; }
                    if (i < s.Length && s[i] == ']') { i++; return list; }
                    throw Error(s, i, "expected ',' or ']'");
                }
            }
            if (c == '"') return ParseString(s, ref i);
            if (Literal(s, ref i, "true")) return true;
            if (Literal(s, ref i, "false")) return false;
            if (Literal(s, ref i, "null")) return null;
            return ParseNumber(s, ref i);
        }

        private static bool Literal(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
            i += word.Length;
            return true;
        }

        private static object ParseNumber(string s, ref int i)
        {
            int start = i;
            bool integral = true;
            if (i < s.Length && s[i] == '-') i++;
            while (i < s.Length)
            {
                char c = s[i];
                if (c >= '0' && c <= '9') { i++; continue; }
                if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; i++; continue; }
                break;
            }
            string token = s.Substring(start, i - start);
            if (token.Length == 0 || token == "-") throw Error(s, start, "unexpected character");
            long whole;
            if (integral && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole)) return whole;
            double real;
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out real)) return real;
            throw Error(s, start, "bad number " + token);
        }

        private static string ParseString(string s, ref int i)
        {
            i++;
            var text = new StringBuilder();
            while (true)
            {
                if (i >= s.Length) throw Error(s, i, "unterminated string");
                char c = s[i++];
                if (c == '"') return text.ToString();
                if (c != '\\') { text.Append(c); continue; }
                if (i >= s.Length) throw Error(s, i, "unterminated escape");
                char e = s[i++];
                switch (e)
                {
                    case '"': text.Append('"'); break;
                    case '\\': text.Append('\\'); break;
                    case '/': text.Append('/'); break;
                    case 'b': text.Append('\b'); break;
                    case 'f': text.Append('\f'); break;
                    case 'n': text.Append('\n'); break;
                    case 'r': text.Append('\r'); break;
                    case 't': text.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length) throw Error(s, i, "short \\u escape");
                        text.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: throw Error(s, i, "bad escape");
                }
            }
        }

        public static string Serialize(object value)
        {
            var text = new StringBuilder();
            Write(text, value, 0);
            return text.ToString();
        }

        private static void Write(StringBuilder text, object value, int depth)
        {
            if (depth > 64) throw new ArgumentException("value nested too deeply to serialise");
            value = Unwrap(value);
            if (value == null) { text.Append("null"); return; }
            if (value is string || value is char || value is Guid || value is Uri) { WriteString(text, value.ToString()); return; }
            if (value is bool) { text.Append((bool)value ? "true" : "false"); return; }
            if (value is SecureString) throw new ArgumentException("a SecureString is never serialised; pass secrets through MdcaConnectOptions");
            if (value is DateTime)
            {
                var time = (DateTime)value;
                if (time.Kind != DateTimeKind.Utc) time = time.ToUniversalTime();
                WriteString(text, time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                return;
            }
            if (value is DateTimeOffset)
            {
                WriteString(text, ((DateTimeOffset)value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                return;
            }
            if (value is Enum) { WriteString(text, value.ToString()); return; }
            if (value is sbyte || value is byte || value is short || value is ushort || value is int || value is uint ||
                value is long || value is ulong)
            {
                text.Append(System.Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            }
            if (value is float || value is double || value is decimal)
            {
                double d = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("NaN and infinity are not JSON");
                text.Append(d.ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            var map = value as IDictionary;
            if (map != null)
            {
                text.Append('{');
                bool first = true;
                foreach (DictionaryEntry entry in map)
                {
                    if (!first) text.Append(',');
                    first = false;
                    WriteString(text, System.Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                    text.Append(':');
                    Write(text, entry.Value, depth + 1);
                }
                text.Append('}');
                return;
            }
            var items = value as IEnumerable;
            if (items != null)
            {
                text.Append('[');
                bool first = true;
                foreach (object item in items)
                {
                    if (!first) text.Append(',');
                    first = false;
                    Write(text, item, depth + 1);
                }
                text.Append(']');
                return;
            }
            WriteString(text, System.Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        /// <summary>PowerShell wrappers, read by reflection so that this file needs no reference to them.</summary>
        private static object Unwrap(object value)
        {
            while (value != null)
            {
                string name = value.GetType().FullName;
                if (name == "System.Management.Automation.PSObject")
                {
                    object inner = value.GetType().GetProperty("BaseObject").GetValue(value, null);
                    if (inner == null || inner.GetType().FullName == "System.Management.Automation.PSCustomObject")
                        return PsProperties(value);
                    value = inner;
                    continue;
                }
                if (name == "System.Management.Automation.SwitchParameter")
                    return value.GetType().GetProperty("IsPresent").GetValue(value, null);
                return value;
            }
            return null;
        }

        private static IDictionary PsProperties(object psObject)
        {
            var result = new OrderedDictionary();
            object properties = psObject.GetType().GetProperty("Properties").GetValue(psObject, null);
            foreach (object property in (IEnumerable)properties)
            {
                Type type = property.GetType();
                string propertyName = (string)type.GetProperty("Name").GetValue(property, null);
                object propertyValue = null;
                try { propertyValue = type.GetProperty("Value").GetValue(property, null); }
                catch (TargetInvocationException) { continue; }
                result[propertyName] = propertyValue;
            }
            return result;
        }

        private static void WriteString(StringBuilder text, string s)
        {
            text.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    case '\r': text.Append("\\r"); break;
                    case '\t': text.Append("\\t"); break;
                    default:
                        if (c < 0x20) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else text.Append(c);
                        break;
                }
            }
            text.Append('"');
        }
    }
}
