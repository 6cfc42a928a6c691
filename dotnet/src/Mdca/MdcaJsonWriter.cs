using System;
using System.Collections;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Security;
using System.Text;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// Writes .NET values (what a PowerShell cmdlet binds: hashtables, arrays, switches, PSObject-wrapped
    /// values, dates, enums) as JSON with System.Text.Json's writer. PowerShell types are recognised by name
    /// so that the binding needs no reference to PowerShell.
    /// </summary>
    public static class MdcaJsonWriter
    {
        private const int MaxDepth = 64;

        /// <summary>The value as a JSON text.</summary>
        /// <exception cref="ArgumentException">The value holds a SecureString, NaN or infinity, or nests more than 64 levels.</exception>
        public static string Serialize(object? value)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                WriteValue(writer, value, 0);
            }
            return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
        }

        internal static void WriteValue(Utf8JsonWriter writer, object? value, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new ArgumentException("value nested too deeply to serialise");
            }
            value = Unwrap(value);
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string s:
                    writer.WriteStringValue(s);
                    return;
                case char or Guid or Uri:
                    writer.WriteStringValue(value.ToString());
                    return;
                case bool b:
                    writer.WriteBooleanValue(b);
                    return;
                case SecureString:
                    throw new ArgumentException("a SecureString is never serialised; pass secrets through MdcaConnectOptions");
                case DateTime time:
                    writer.WriteStringValue(time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset offset:
                    writer.WriteStringValue(offset.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                    return;
                case Enum:
                    writer.WriteStringValue(value.ToString());
                    return;
                case sbyte or byte or short or ushort or int or uint or long:
                    writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    return;
                case ulong u:
                    writer.WriteNumberValue(u);
                    return;
                case float or double or decimal:
                    double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    if (double.IsNaN(d) || double.IsInfinity(d))
                    {
                        throw new ArgumentException("NaN and infinity are not JSON");
                    }
                    writer.WriteNumberValue(d);
                    return;
                case JsonElement element:
                    element.WriteTo(writer);
                    return;
                case MdcaObject record:
                    JsonSerializer.Serialize(writer, record, record.GetType(), MdcaJson.Options);
                    return;
                case IDictionary map:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in map)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        WriteValue(writer, entry.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable items:
                    writer.WriteStartArray();
                    foreach (object? item in items)
                    {
                        WriteValue(writer, item, depth + 1);
                    }
                    writer.WriteEndArray();
                    return;
                default:
                    writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                    return;
            }
        }

        /// <summary>PowerShell wrappers, read by reflection: PSObject → its base object (PSCustomObject → its properties), SwitchParameter → bool.</summary>
        private static object? Unwrap(object? value)
        {
            while (value != null)
            {
                Type type = value.GetType();
                switch (type.FullName)
                {
                    case "System.Management.Automation.PSObject":
                        object? inner = type.GetProperty("BaseObject")?.GetValue(value, null);
                        if (inner == null || inner.GetType().FullName == "System.Management.Automation.PSCustomObject")
                        {
                            return PsProperties(value);
                        }
                        value = inner;
                        continue;
                    case "System.Management.Automation.SwitchParameter":
                        return type.GetProperty("IsPresent")?.GetValue(value, null);
                    default:
                        return value;
                }
            }
            return null;
        }

        private static System.Collections.Specialized.OrderedDictionary PsProperties(object psObject)
        {
            var result = new System.Collections.Specialized.OrderedDictionary();
            if (psObject.GetType().GetProperty("Properties")?.GetValue(psObject, null) is not IEnumerable properties)
            {
                return result;
            }
            foreach (object property in properties)
            {
                Type type = property.GetType();
                if (type.GetProperty("Name")?.GetValue(property, null) is not string name)
                {
                    continue;
                }
                try
                {
                    result[name] = type.GetProperty("Value")?.GetValue(property, null);
                }
                catch (TargetInvocationException)
                {
                    // A property whose getter throws is left out, as ConvertTo-Json does.
                }
            }
            return result;
        }
    }
}
