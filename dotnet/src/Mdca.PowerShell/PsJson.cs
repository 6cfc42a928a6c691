using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Text;
using System.Text.Json;

namespace Mdca.PowerShell
{
    /// <summary>
    /// PowerShell values to JSON (bound parameters for the native parameter mapping, request bodies) and
    /// JSON to the objects Invoke-RestMethod returns. Writing uses Utf8JsonWriter; reading JsonDocument:
    /// no hand-written JSON parser.
    /// </summary>
    internal static class PsJson
    {
        private const int MaxDepth = 64;

        /// <summary>A PowerShell value (hashtable, PSCustomObject, array, switch, date, …) as JSON text.</summary>
        internal static string Serialize(object? value)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false }))
            {
                Write(writer, value, 0);
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /// <summary>Named values as a JSON object (parameter name → value), in the given order.</summary>
        internal static string SerializeObject(IEnumerable<KeyValuePair<string, object?>> values)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var pair in values)
                {
                    writer.WritePropertyName(pair.Key);
                    Write(writer, pair.Value, 1);
                }
                writer.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static void Write(Utf8JsonWriter writer, object? value, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new ArgumentException("the value is nested more than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels deep and cannot be sent as JSON");
            }
            value = Unwrap(value);
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string text:
                    writer.WriteStringValue(text);
                    return;
                case char c:
                    writer.WriteStringValue(c.ToString());
                    return;
                case bool b:
                    writer.WriteBooleanValue(b);
                    return;
                case SecureString:
                    throw new ArgumentException("a SecureString is never sent as JSON; pass secrets to Connect-Mdca");
                case PSCredential:
                    throw new ArgumentException("a PSCredential is never sent as JSON; pass secrets to Connect-Mdca");
                case DateTime time:
                    writer.WriteStringValue((time.Kind == DateTimeKind.Utc ? time : time.ToUniversalTime())
                        .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset offset:
                    writer.WriteStringValue(offset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                    return;
                case Guid or Uri or Enum:
                    writer.WriteStringValue(value.ToString());
                    return;
                case sbyte or byte or short or ushort or int or uint or long:
                    writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    return;
                case ulong u:
                    writer.WriteNumberValue(u);
                    return;
                case decimal d:
                    writer.WriteNumberValue(d);
                    return;
                case float or double:
                    double number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    if (double.IsNaN(number) || double.IsInfinity(number))
                    {
                        throw new ArgumentException("NaN and infinity cannot be sent as JSON");
                    }
                    writer.WriteNumberValue(number);
                    return;
                case JsonElement element:
                    element.WriteTo(writer);
                    return;
                case IDictionary map:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in map)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                        Write(writer, entry.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case PSObject custom:
                    writer.WriteStartObject();
                    foreach (var property in custom.Properties)
                    {
                        object? propertyValue;
                        try
                        {
                            propertyValue = property.Value;
                        }
                        catch (GetValueException)
                        {
                            continue;
                        }
                        writer.WritePropertyName(property.Name);
                        Write(writer, propertyValue, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable items:
                    writer.WriteStartArray();
                    foreach (object? item in items)
                    {
                        Write(writer, item, depth + 1);
                    }
                    writer.WriteEndArray();
                    return;
                default:
                    // A typed object (for example a record of the binding): its public properties, as
                    // ConvertTo-Json would write them.
                    Write(writer, PSObject.AsPSObject(value), depth + 1);
                    return;
            }
        }

        /// <summary>Unwraps PSObject around a base object and SwitchParameter; PSCustomObjects stay PSObject.</summary>
        private static object? Unwrap(object? value)
        {
            while (value is PSObject wrapper)
            {
                object inner = wrapper.BaseObject;
                if (inner is PSCustomObject)
                {
                    return wrapper;
                }
                if (IsPlainValue(inner) || inner is IDictionary || inner is IEnumerable)
                {
                    value = inner;
                    continue;
                }
                // A typed object: keep the wrapper so its adapted and note properties are written.
                return wrapper;
            }
            return value is SwitchParameter flag ? flag.IsPresent : value;
        }

        private static bool IsPlainValue(object value) => value is string or char or bool or DateTime or DateTimeOffset
            or Guid or Uri or Enum or sbyte or byte or short or ushort or int or uint or long or ulong or float or double
            or decimal or SecureString or PSCredential or JsonElement;

        /// <summary>
        /// JSON text as Invoke-RestMethod returns it: objects as PSCustomObject, arrays as object[], integers
        /// as Int32/Int64 (Double beyond), strings, booleans, null. A key equal to an earlier one but for case
        /// gets a suffix _2, _3, … because PowerShell properties are case-insensitive (nothing is lost).
        /// </summary>
        internal static object? ToPSObjects(JsonElement element, int depth = 0)
        {
            if (depth > MaxDepth * 2)
            {
                throw new InvalidDataException("the answer is nested more than " + (MaxDepth * 2).ToString(CultureInfo.InvariantCulture) + " levels deep");
            }
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var result = new PSObject();
                    var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var property in element.EnumerateObject())
                    {
                        string name = property.Name;
                        for (int suffix = 2; !seen.Add(name); suffix++)
                        {
                            name = property.Name + "_" + suffix.ToString(CultureInfo.InvariantCulture);
                        }
                        result.Properties.Add(new PSNoteProperty(name, ToPSObjects(property.Value, depth + 1)));
                    }
                    return result;
                case JsonValueKind.Array:
                    var items = new object?[element.GetArrayLength()];
                    int index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        items[index++] = ToPSObjects(item, depth + 1);
                    }
                    return items;
                case JsonValueKind.String:
                    return element.GetString();
                case JsonValueKind.Number:
                    if (element.TryGetInt32(out int small))
                    {
                        return small;
                    }
                    if (element.TryGetInt64(out long large))
                    {
                        return large;
                    }
                    return element.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }
    }
}
