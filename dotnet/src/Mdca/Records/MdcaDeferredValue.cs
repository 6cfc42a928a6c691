using System;
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
    /// numbers that read — so a value that could not be converted is converted at once instead, and fails
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
