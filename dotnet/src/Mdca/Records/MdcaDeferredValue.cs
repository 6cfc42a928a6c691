using System;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace Mdca
{
    /// <summary>
    /// A loose value (an object or array of an activity's <c>entityData</c>, <c>internals</c>,
    /// <c>rawDataJson</c>, <c>collected</c>) kept as its UTF-8 text until its property is first read: then it
    /// becomes the plain .NET value <see cref="MdcaLooseValueConverter"/> makes, once, and the text is let go.
    /// Most consumers never look at these (they are about two thirds of what converting an activity
    /// allocates). The text is checked when it is kept — nesting (by the page's reader), strings that decode,
    /// numbers that read; in a page the library has checked (<see cref="KeepChecked"/>), nesting and UTF-8
    /// are the library's checks, and a value with a <c>\u</c> escape or a number that may not be finite is
    /// read token by token — so a value that could not be converted is converted at once instead, and fails
    /// where it always did; what a property returns is the same value either way.
    /// </summary>
    internal sealed class MdcaDeferredValue
    {
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private readonly byte[] utf8;

        private MdcaDeferredValue(byte[] utf8)
        {
            this.utf8 = utf8;
        }

        /// <summary>
        /// The value at the reader (its first token), read past: a deferred value for an object or array that
        /// will convert, else the converted value. <paramref name="input"/> is what the reader reads;
        /// <paramref name="validUtf8"/>: it is known to be valid UTF-8 (the library's pages are), so its unescaped
        /// strings decode and are not checked again here.
        /// </summary>
        internal static object? Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> input, bool validUtf8)
        {
            if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || reader.HasValueSequence)
            {
                return MdcaLooseValueConverter.ReadAny(ref reader);
            }
            Utf8JsonReader start = reader;
            long from = reader.TokenStartIndex;
            int depth = reader.CurrentDepth;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                    case JsonTokenType.PropertyName:
                        if (reader.ValueIsEscaped || (!validUtf8 && !Decodes(reader.ValueSpan)))
                        {
                            reader = start;
                            return MdcaLooseValueConverter.ReadAny(ref reader);
                        }
                        break;
                    case JsonTokenType.Number:
                        if (!reader.TryGetInt64(out _) && !reader.TryGetDouble(out _))
                        {
                            reader = start;
                            return MdcaLooseValueConverter.ReadAny(ref reader);
                        }
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        if (reader.CurrentDepth == depth)
                        {
                            return new MdcaDeferredValue(input.Slice((int)from, (int)(reader.BytesConsumed - from)).ToArray());
                        }
                        break;
                }
            }
            throw new JsonException("the value ends before its object or array does");
        }

        /// <summary>
        /// The object or array starting at <paramref name="start"/> of <paramref name="json"/>, which the library
        /// has checked (valid JSON and UTF-8, nesting within the record limit), kept without reading it token by
        /// token: its end is found by brackets and string quotes alone. <paramref name="end"/> is the index after
        /// its closing bracket. Null (and <paramref name="end"/> -1) when the value holds something only the
        /// token-by-token <see cref="Read"/> may judge: a <c>\u</c> escape (it may be a lone surrogate, which does
        /// not convert) or a number that may not be a finite double (an exponent, or more than 300 characters).
        /// </summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        internal static MdcaDeferredValue? KeepChecked(ReadOnlySpan<byte> json, int start, out int end)
        {
            end = CheckedEnd(json, start);
            return end < 0 ? null : new MdcaDeferredValue(json.Slice(start, end - start).ToArray());
        }

        /// <summary>See <see cref="KeepChecked"/>: the end of the value, or -1.</summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        internal static int CheckedEnd(ReadOnlySpan<byte> json, int start)
        {
            if (start < 0 || start >= json.Length || (json[start] != (byte)'{' && json[start] != (byte)'['))
            {
                return -1;
            }
            int depth = 0;
            // How many bytes of a number (digits, sign, point) have just been seen outside strings.
            int number = 0;
            for (int i = start; i < json.Length; i++)
            {
                byte b = json[i];
                switch (b)
                {
                    case (byte)'"':
                        // To the closing quote: only `"` and `\` matter inside a string.
                        i++;
                        while (true)
                        {
                            int k = json.Slice(i).IndexOfAny((byte)'"', (byte)'\\');
                            if (k < 0)
                            {
                                return -1;
                            }
                            i += k;
                            if (json[i] == (byte)'"')
                            {
                                break;
                            }
                            if (i + 1 >= json.Length || json[i + 1] == (byte)'u')
                            {
                                return -1;
                            }
                            i += 2;
                        }
                        number = 0;
                        break;
                    case (byte)'{':
                    case (byte)'[':
                        depth++;
                        number = 0;
                        break;
                    case (byte)'}':
                    case (byte)']':
                        if (--depth == 0)
                        {
                            return i + 1;
                        }
                        number = 0;
                        break;
                    case (byte)'e':
                    case (byte)'E':
                        // After a digit, an exponent (in true and false, an `e` follows a letter).
                        if (number > 0)
                        {
                            return -1;
                        }
                        break;
                    case >= (byte)'0' and <= (byte)'9':
                    case (byte)'-':
                    case (byte)'+':
                    case (byte)'.':
                        if (++number > 300)
                        {
                            return -1;
                        }
                        break;
                    default:
                        number = 0;
                        break;
                }
            }
            return -1;
        }

        /// <summary>The property's value: the field's, a deferred value converted first (once, whichever thread asks).</summary>
        internal static object? Get(ref object? field)
        {
            object? value = Volatile.Read(ref field);
            if (value is not MdcaDeferredValue deferred)
            {
                return value;
            }
            var reader = new Utf8JsonReader(deferred.utf8, new JsonReaderOptions { MaxDepth = MdcaJson.MaxDepth });
            reader.Read();
            object? converted = MdcaLooseValueConverter.ReadAny(ref reader);
            // A value set meanwhile (or converted by another thread) wins: every caller sees the same object.
            object? previous = Interlocked.CompareExchange(ref field, converted, deferred);
            return ReferenceEquals(previous, deferred) ? converted : previous;
        }

        private static bool Decodes(ReadOnlySpan<byte> utf8)
        {
            if (utf8.IsEmpty)
            {
                return true;
            }
            try
            {
                unsafe
                {
                    fixed (byte* bytes = utf8)
                    {
                        Strict.GetCharCount(bytes, utf8.Length);
                    }
                }
                return true;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}
