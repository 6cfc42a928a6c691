using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mdca
{
    /// <summary>
    /// Reads records with System.Text.Json: typed classes (metadata generated at build time by
    /// <see cref="MdcaJsonContext"/>, reflection for record classes a caller derives), untyped values as plain
    /// .NET values, a depth limit so that a hostile record gives an error rather than a stack overflow.
    /// </summary>
    public static class MdcaJson
    {
        /// <summary>How deep a record may nest (objects and arrays), counting the page's array.</summary>
        public const int MaxDepth = 128;

        /// <summary>The options records are read with.</summary>
        public static JsonSerializerOptions Options { get; } = CreateOptions();

        private static JsonSerializerOptions CreateOptions()
        {
            var options = new JsonSerializerOptions
            {
                MaxDepth = MaxDepth,
                NumberHandling = JsonNumberHandling.AllowReadingFromString,
                TypeInfoResolver = JsonTypeInfoResolver.Combine(MdcaJsonContext.Default, new DefaultJsonTypeInfoResolver()),
            };
            options.Converters.Add(new MdcaLooseValueConverter());
            options.MakeReadOnly();
            return options;
        }

        /// <summary>Reads a page (a JSON array of records) into typed records.</summary>
        /// <exception cref="MdcaException">InvalidResponse: the page is not an array of such records (or nests too deeply).</exception>
        public static List<T> ReadPage<T>(ReadOnlySpan<byte> utf8Json) where T : MdcaRecord
        {
            try
            {
                var typeInfo = (JsonTypeInfo<List<T>>)Options.GetTypeInfo(typeof(List<T>));
                return JsonSerializer.Deserialize(utf8Json, typeInfo) ?? [];
            }
            catch (JsonException e)
            {
                throw Invalid(typeof(T), e);
            }
        }

        /// <summary>Reads one record (a JSON object).</summary>
        /// <exception cref="MdcaException">InvalidResponse: not such a record (or nested too deeply).</exception>
        public static T ReadRecord<T>(ReadOnlySpan<byte> utf8Json) where T : MdcaRecord
        {
            try
            {
                var typeInfo = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
                return JsonSerializer.Deserialize(utf8Json, typeInfo)
                    ?? throw new MdcaException("the server sent null where a record was expected", new JsonException("null record"));
            }
            catch (JsonException e)
            {
                throw Invalid(typeof(T), e);
            }
        }

        /// <summary>Reads any JSON value as plain .NET values (string, long, double, bool, null, dictionaries, arrays).</summary>
        public static object? ReadValue(ReadOnlySpan<byte> utf8Json)
        {
            try
            {
                var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
                reader.Read();
                object? value = MdcaLooseValueConverter.ReadAny(ref reader);
                if (reader.Read())
                {
                    throw new JsonException("trailing data after the JSON value");
                }
                return value;
            }
            catch (JsonException e)
            {
                throw Invalid(typeof(object), e);
            }
        }

        internal static JsonElement ReadElement(ReadOnlySpan<byte> utf8Json)
        {
            try
            {
                var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
                using JsonDocument document = JsonDocument.ParseValue(ref reader);
                return document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw Invalid(typeof(JsonElement), e);
            }
        }

        /// <summary>The metadata a record class is read with (generated for the built-in classes).</summary>
        internal static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

        internal static MdcaException Invalid(Type type, JsonException e) => new(
            (int)MdcaStatus.InvalidResponse, "invalid_response",
            "the library returned JSON that could not be read as " + type.Name + ": " + e.Message,
            null, null, null, "report this as a bug of mdca with the record's id if you can find it");
    }

    /// <summary>Build-time metadata of the record classes (no reflection on the hot path).</summary>
    [JsonSourceGenerationOptions(MaxDepth = MdcaJson.MaxDepth, NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = [typeof(MdcaLooseValueConverter)])]
    [JsonSerializable(typeof(List<MdcaRecord>))]
    [JsonSerializable(typeof(List<MdcaActivity>))]
    [JsonSerializable(typeof(List<MdcaAlert>))]
    [JsonSerializable(typeof(List<MdcaFile>))]
    [JsonSerializable(typeof(List<MdcaEntity>))]
    [JsonSerializable(typeof(List<MdcaSubnet>))]
    [JsonSerializable(typeof(MdcaCloseResult))]
    internal sealed partial class MdcaJsonContext : JsonSerializerContext
    {
    }

    /// <summary>Epoch milliseconds (integer or fractional) or an ISO 8601 string → UTC DateTime.</summary>
    internal sealed class MdcaDateTimeConverter : JsonConverter<DateTime?>
    {
        private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        public override bool HandleNull => true;

        public static DateTime FromEpochMilliseconds(double milliseconds) =>
            Epoch.AddTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond));

        public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number:
                    return reader.TryGetInt64(out long ms) ? Epoch.AddTicks(checked(ms * TimeSpan.TicksPerMillisecond)) : FromEpochMilliseconds(reader.GetDouble());
                case JsonTokenType.String:
                    string? text = reader.GetString();
                    if (string.IsNullOrEmpty(text))
                    {
                        return null;
                    }
                    if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime parsed))
                    {
                        return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
                    }
                    throw new JsonException("'" + text + "' is not a date");
                default:
                    throw new JsonException("expected a date (epoch milliseconds or an ISO 8601 string), got " + reader.TokenType);
            }
        }

        public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
        {
            if (value.HasValue)
            {
                writer.WriteNumberValue((long)Math.Round((value.Value.ToUniversalTime() - Epoch).TotalMilliseconds));
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    /// <summary>
    /// Any JSON value as a plain .NET value: string, long (else double), bool, null,
    /// <c>Dictionary&lt;string, object?&gt;</c> (ordinal keys: case-only differences stay distinct; an exact
    /// repeat replaces the earlier value), <c>object?[]</c>. Plain values print, export and convert in
    /// PowerShell as they are (a JsonElement would not).
    /// </summary>
    internal sealed class MdcaLooseValueConverter : JsonConverter<object?>
    {
        public override bool HandleNull => true;

        public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadAny(ref reader);

        [MethodImpl(MdcaHotPath.Optimized)]
        internal static object? ReadAny(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.Number:
                    return reader.TryGetInt64(out long n) ? n : (object)reader.GetDouble();
                case JsonTokenType.True:
                    return true;
                case JsonTokenType.False:
                    return false;
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.StartArray:
                    if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
                    {
                        // Most arrays of a record are empty (alertIds, policies, tags, …): one shared instance.
                        return Array.Empty<object?>();
                    }
                    var items = new List<object?>();
                    do
                    {
                        items.Add(ReadAny(ref reader));
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);
                    return items.ToArray();
                case JsonTokenType.StartObject:
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        // Member names repeat from record to record (rawDataJson's, entityData's): one string each.
                        string name = MdcaStringCache.Get(ref reader);
                        reader.Read();
                        map[name] = ReadAny(ref reader);
                    }
                    return map;
                default:
                    throw new JsonException("unexpected " + reader.TokenType);
            }
        }

        public override void Write(Utf8JsonWriter writer, object? value, JsonSerializerOptions options) =>
            MdcaJsonWriter.WriteValue(writer, value, 0);
    }
}
