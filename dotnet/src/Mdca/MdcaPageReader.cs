using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>
    /// Reads a page (the JSON array the library returned) one record at a time, straight out of the
    /// library's memory. A caller that hands each record on before reading the next keeps one record in the
    /// managed heap instead of the page's thousands: they die young (gen0), where a 5000-record list read at
    /// once lives until its last record is consumed, is promoted and is collected by full GCs. The native
    /// page is freed as soon as its last record is read (or on Dispose). One thread at a time.
    /// </summary>
    internal sealed class MdcaPageReader<T> : IDisposable where T : MdcaRecord
    {
        private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MdcaJson.MaxDepth };
        private static JsonConverter<T>? converter;

        /// <summary>The serializer's converter, made when first needed (a pull of activities may never need it).</summary>
        private static JsonConverter<T> Converter => converter ??= (JsonConverter<T>)MdcaJson.TypeInfo<T>().Converter;

        /// <summary>A hand-written reader for T (only for exactly the built-in MdcaActivity), else null.</summary>
        private static readonly FastReader? Fast = typeof(T) == typeof(MdcaActivity)
            ? (FastReader)(object)new MdcaPageReader<MdcaActivity>.FastReader(MdcaActivityReader.TryRead)
            : null;

        private delegate bool FastReader(ref Utf8JsonReader reader, ref ReadOnlySpan<byte> input, bool checkedPage, out T? record, out int skipped);

        private NativeText? text;
        private Position position = new(ReaderOptions);

        internal MdcaPageReader(NativeText text)
        {
            this.text = text;
        }

        /// <summary>The next record; false (and the page freed) after the last one.</summary>
        /// <exception cref="MdcaException">InvalidResponse: the page is not an array of such records.</exception>
        [MethodImpl(MdcaHotPath.Optimized)]
        internal bool TryRead(out T? record)
        {
            record = null;
            if (text == null)
            {
                return false;
            }
            bool more;
            try
            {
                // The library has checked its pages: valid JSON and UTF-8, records nested within limits.
                more = Next(text.Span, ref position, checkedPage: true, out record);
            }
            catch (MdcaException)
            {
                Dispose();
                throw;
            }
            if (!more)
            {
                Dispose();
            }
            return more;
        }

        /// <summary>Frees the native page (records not read are dropped). Idempotent.</summary>
        public void Dispose()
        {
            text?.Dispose();
            text = null;
        }

        /// <summary>
        /// Every record of a page read one at a time as <see cref="TryRead"/> does (for tests); by default the
        /// bytes are not assumed to be what the library's pages are (checked: valid JSON and UTF-8).
        /// </summary>
        internal static List<T?> ReadAll(ReadOnlySpan<byte> page, bool checkedPage = false)
        {
            var records = new List<T?>();
            var position = new Position(ReaderOptions);
            while (Next(page, ref position, checkedPage, out T? record))
            {
                records.Add(record);
            }
            return records;
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool Next(ReadOnlySpan<byte> page, ref Position position, bool checkedPage, out T? record)
        {
            record = null;
            try
            {
                ReadOnlySpan<byte> input = page.Slice(position.Offset);
                var reader = new Utf8JsonReader(input, isFinalBlock: true, position.State);
                if (!position.Started)
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new JsonException("a page is a JSON array of records");
                    }
                    position.Started = true;
                }
                if (!reader.Read())
                {
                    throw new JsonException("the page ends before its array does");
                }
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    if (reader.Read())
                    {
                        throw new JsonException("trailing data after the page's array");
                    }
                    return false;
                }
                // The record class's converter reads the object in one pass. (JsonSerializer.Deserialize(ref
                // reader) would first skip over the whole record to find where it ends: a second pass.)
                if (reader.TokenType == JsonTokenType.Null)
                {
                    record = null;
                }
                else
                {
                    Utf8JsonReader start = reader;
                    // The fast reader may go on with a reader over a later part of the input.
                    ReadOnlySpan<byte> rest = input;
                    if (Fast != null && Fast(ref reader, ref rest, checkedPage, out record, out int skipped))
                    {
                        position.Offset += skipped;
                    }
                    else
                    {
                        // What the fast reader leaves to the serializer is read again from the record's start.
                        reader = start;
                        record = Converter.Read(ref reader, typeof(T), MdcaJson.Options);
                    }
                }
                position.Offset += checked((int)reader.BytesConsumed);
                position.State = reader.CurrentState;
                return true;
            }
            catch (JsonException e)
            {
                throw MdcaJson.Invalid(typeof(T), e);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                // A value of the wrong type for a property (the reader's Get* refuse it): what
                // JsonSerializer.Deserialize reports as a JsonException.
                throw MdcaJson.Invalid(typeof(T), new JsonException(e.Message, e));
            }
        }

        /// <summary>Where the next record starts: the reader's state after the previous one.</summary>
        private struct Position(JsonReaderOptions options)
        {
            internal JsonReaderState State = new(options);
            internal int Offset;
            internal bool Started;
        }
    }
}
