using System;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// The strings a page repeats in every record (member names of loose objects, enum-like values such as
    /// <c>severity</c>, <c>appName</c>, a user's name) made once and handed out again: each string is what
    /// <c>Utf8JsonReader.GetString()</c> returns for the same bytes, only not a new copy (strings are
    /// immutable, so nothing but reference identity tells them apart). A small direct-mapped table per thread
    /// (records are read on one thread at a time), keyed by the value's UTF-8 bytes; a slot taken by another
    /// value is overwritten.
    /// </summary>
    internal sealed class MdcaStringCache
    {
        private const int Slots = 1024;
        private const int MaxBytes = 128;

        [ThreadStatic]
        private static MdcaStringCache? current;

        private readonly byte[]?[] keys = new byte[]?[Slots];
        private readonly string?[] values = new string?[Slots];

        /// <summary>The reader's string (a String or PropertyName token), shared with earlier equal ones.</summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        internal static string Get(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxBytes)
            {
                return reader.GetString()!;
            }
            return (current ??= new MdcaStringCache()).Lookup(ref reader);
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private string Lookup(ref Utf8JsonReader reader)
        {
            ReadOnlySpan<byte> utf8 = reader.ValueSpan;
            uint h = 2166136261;
            foreach (byte b in utf8)
            {
                h = (h ^ b) * 16777619;
            }
            int slot = (int)((h ^ (h >> 16)) & (Slots - 1));
            byte[]? key = keys[slot];
            if (key != null && utf8.SequenceEqual(key))
            {
                return values[slot]!;
            }
            // The reader's own decoding (it refuses invalid UTF-8), then kept for the next record.
            string value = reader.GetString()!;
            keys[slot] = utf8.ToArray();
            values[slot] = value;
            return value;
        }
    }
}
