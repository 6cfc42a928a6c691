using System;
using System.Runtime.InteropServices;

namespace Mdca
{
    /// <summary>
    /// The DllImports of include/mdca.h. Strings go in as NUL-terminated UTF-8 byte arrays marshalled by
    /// hand (netstandard2.0 has no LPUTF8Str, and hand marshalling lets secrets be wiped); strings come back
    /// as a pointer and a length, freed with mdca_string_free by <see cref="NativeText"/>.
    /// </summary>
    internal static class NativeMethods
    {
        internal const string Library = "mdca";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr mdca_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint mdca_version_number();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_cancel(ClientHandle client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_device_code_begin(ClientHandle client, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_sign_in(ClientHandle client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_last_error(out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_string_free(IntPtr s);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_new(byte[]? optionsJson, out ClientHandle outClient);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_free(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_new(ClientHandle client, byte[]? entity, byte[]? requestJson, out QueryHandle outQuery);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_next_page(QueryHandle query, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_progress(QueryHandle query, ref NativeProgress progress);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_cancel(QueryHandle query);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_checkpoint(QueryHandle query, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_query_free(IntPtr query);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_fetch(ClientHandle client, byte[]? entity, byte[]? id, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_entity_tree(ClientHandle client, byte[]? pk, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_close_alerts(ClientHandle client, byte[]? requestJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_set_alert_read(ClientHandle client, byte[]? id, [MarshalAs(UnmanagedType.U1)] bool read);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_activity_feedback(ClientHandle client, byte[]? id, byte[]? feedbackJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_create_subnet(ClientHandle client, byte[]? specJson, out IntPtr outId, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_update_subnet(ClientHandle client, byte[]? id, byte[]? specJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_delete_subnet(ClientHandle client, byte[]? id);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_client_request(ClientHandle client, byte[]? requestJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_query_request(byte[]? entity, byte[]? paramsJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_close_alerts(byte[]? paramsJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_subnet_spec(byte[]? paramsJson, out IntPtr outJson, out UIntPtr outLen);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int mdca_params_describe(out IntPtr outJson, out UIntPtr outLen);
    }

    /// <summary>
    /// The C struct mdca_progress. It starts with its size (set before each call), so the library fills
    /// only the members this declaration knows, whatever version it is.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeProgress
    {
        internal UIntPtr StructSize;
        internal ulong Records;
        internal ulong Pages;
        internal ulong Total;
        internal byte TotalKnown;
        internal ulong Requests;
        internal ulong Retries;
        internal ulong ThrottleWaitMs;
        internal ulong DuplicatesDropped;
        internal byte Done;
    }

    /// <summary>Owns an mdca_client; releasing it calls mdca_client_free once.</summary>
    internal sealed class ClientHandle : SafeHandle
    {
        public ClientHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle() => NativeMethods.mdca_client_free(handle) == (int)MdcaStatus.Ok;
    }

    /// <summary>Owns an mdca_query; releasing it calls mdca_query_free once (which also cancels it).</summary>
    internal sealed class QueryHandle : SafeHandle
    {
        public QueryHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle() => NativeMethods.mdca_query_free(handle) == (int)MdcaStatus.Ok;
    }

    /// <summary>
    /// A string the library returned; releasing it calls mdca_string_free once. Pages are read straight
    /// out of it (no managed copy: a 14 MB page would land on the large-object heap), and the GC is told
    /// of the memory so that it collects pages as fast as they arrive.
    /// </summary>
    internal sealed class NativeText : SafeHandle
    {
        internal NativeText(IntPtr text, UIntPtr length) : base(IntPtr.Zero, true)
        {
            Length = checked((int)length.ToUInt64());
            SetHandle(text);
            if (Length > 0)
            {
                GC.AddMemoryPressure(Length);
            }
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        internal int Length { get; }

        /// <summary>The bytes, valid until this is disposed (callers hold it alive while reading).</summary>
        internal unsafe ReadOnlySpan<byte> Span => new((void*)handle, Length);

        internal byte[]? ToArray() => Span.ToArray();

        protected override bool ReleaseHandle()
        {
            if (Length > 0)
            {
                GC.RemoveMemoryPressure(Length);
            }
            return NativeMethods.mdca_string_free(handle) == (int)MdcaStatus.Ok;
        }
    }
}
