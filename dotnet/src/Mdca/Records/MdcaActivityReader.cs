using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Mdca
{
    /// <summary>
    /// Reads an <see cref="MdcaActivity"/> (exactly that class, not one derived from it) in one hand-written
    /// pass: the name of each member is looked up in a table and its value read straight into the property,
    /// where System.Text.Json's metadata-driven converter keeps a resumable stack, a property cache and a
    /// setter delegate per member. Activities are the bulk of every pull (≈100 values a record), so this is
    /// where the conversion's time goes.
    ///
    /// It covers what the server sends: unescaped member names, each value of its property's JSON type or
    /// null. Anything else (an escaped or <c>$</c>-prefixed name, a number sent as a string, a value of the
    /// wrong type, a date the converter refuses) makes <see cref="TryRead"/> return false, and the caller reads
    /// the same record again from its start with System.Text.Json — so every record ends up exactly as the
    /// serializer makes it, errors included. Unknown members go to AdditionalProperties as the serializer puts
    /// them there (the converter of loose values, a repeated name replacing the earlier value).
    /// </summary>
    internal static class MdcaActivityReader
    {
        private static readonly MdcaDateTimeConverter Dates = new();

        /// <summary>
        /// The activity starting at the reader's StartObject token (<paramref name="input"/> is what the reader
        /// reads); false when it must be read by the serializer instead (the reader is then somewhere inside the
        /// record: the caller restores it, and <paramref name="input"/>). Its entityData, internals, rawDataJson
        /// and collected are converted when first read (<see cref="MdcaDeferredValue"/>).
        /// <paramref name="checkedPage"/>: the input is a page the library has checked (valid JSON and UTF-8,
        /// nesting within limits) and the record an element of its array, so the deferred values are kept
        /// without being read token by token. The reader may then go on over a later part of the input: on
        /// return, <paramref name="input"/> is what it reads and <paramref name="skipped"/> how many bytes of the
        /// original input come before it.
        /// </summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        internal static bool TryRead(ref Utf8JsonReader reader, ref ReadOnlySpan<byte> input, bool checkedPage, out MdcaActivity? record, out int skipped)
        {
            record = null;
            skipped = 0;
            try
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }
                return ReadActivity(ref reader, ref input, ref skipped, checkedPage, out record);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
            {
                // The serializer reads it again and reports the problem in its own words.
                return false;
            }
        }

        private static readonly MemberTable ActivityMembers = new(
            "_id", "uid", "tenantId", "aadTenantId", "appId", "saasId", "srcAppId", "appName", "timestamp", "timestampRaw",
            "created", "createdRaw", "instantiation", "instantiationRaw", "eventType", "eventTypeValue", "eventTypeName",
            "genericEventType", "actionType", "adminEvent", "impersonated", "description", "description_id", "severity",
            "source", "confidenceLevel", "alertIds", "classifications", "fileLabels", "policies", "takenAction", "device",
            "location", "user", "userAgent", "mainInfo", "resolvedActor", "entityData", "internals", "rawDataJson",
            "collected");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadActivity(ref Utf8JsonReader reader, ref ReadOnlySpan<byte> input, ref int skipped, bool checkedPage, out MdcaActivity a)
        {
            a = new MdcaActivity();
            ReadOnlySpan<byte> idUtf8 = default;
            while (true)
            {
                if (!NextMember(ref reader, ActivityMembers, a, out int member))
                {
                    return member == End;
                }
                bool ok = true;
                switch (member)
                {
                    case 0:
                        ok = Str(ref reader, out string? id);
                        a.Id = id;
                        idUtf8 = id != null && !reader.ValueIsEscaped ? reader.ValueSpan : default;
                        break;
                    case 1:
                        // uid is the id again: the same string (only reference identity tells).
                        if (a.Id != null && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !idUtf8.IsEmpty
                            && reader.ValueSpan.SequenceEqual(idUtf8))
                        {
                            a.Uid = a.Id;
                            break;
                        }
                        ok = Str(ref reader, out string? uid);
                        a.Uid = uid;
                        break;
                    case 2: ok = Int(ref reader, out long? tenantId); a.TenantId = tenantId; break;
                    case 3: ok = Sym(ref reader, out string? aadTenantId); a.AadTenantId = aadTenantId; break;
                    case 4: ok = Int(ref reader, out long? appId); a.AppId = appId; break;
                    case 5: ok = Int(ref reader, out long? saasId); a.SaasId = saasId; break;
                    case 6: ok = Int(ref reader, out long? srcAppId); a.SrcAppId = srcAppId; break;
                    case 7: ok = Sym(ref reader, out string? appName); a.AppName = appName; break;
                    case 8: a.Timestamp = Date(ref reader); break;
                    case 9: ok = Int(ref reader, out long? timestampRaw); a.TimestampRaw = timestampRaw; break;
                    case 10: a.Created = Date(ref reader); break;
                    case 11: ok = Int(ref reader, out long? createdRaw); a.CreatedRaw = createdRaw; break;
                    case 12: a.Instantiation = Date(ref reader); break;
                    case 13: ok = Int(ref reader, out long? instantiationRaw); a.InstantiationRaw = instantiationRaw; break;
                    case 14: ok = Int(ref reader, out long? eventType); a.EventType = eventType; break;
                    case 15: ok = Sym(ref reader, out string? eventTypeValue); a.EventTypeValue = eventTypeValue; break;
                    case 16: ok = Sym(ref reader, out string? eventTypeName); a.EventTypeName = eventTypeName; break;
                    case 17: ok = Sym(ref reader, out string? genericEventType); a.GenericEventType = genericEventType; break;
                    case 18: ok = Sym(ref reader, out string? actionType); a.ActionType = actionType; break;
                    case 19: ok = Bool(ref reader, out bool? adminEvent); a.AdminEvent = adminEvent; break;
                    case 20: ok = Bool(ref reader, out bool? impersonated); a.Impersonated = impersonated; break;
                    case 21: ok = Str(ref reader, out string? description); a.Description = description; break;
                    case 22: ok = Sym(ref reader, out string? descriptionId); a.DescriptionId = descriptionId; break;
                    case 23: ok = Sym(ref reader, out string? severity); a.Severity = severity; break;
                    case 24: ok = Int(ref reader, out long? source); a.Source = source; break;
                    case 25: ok = Int(ref reader, out long? confidenceLevel); a.ConfidenceLevel = confidenceLevel; break;
                    case 26: a.AlertIds = Loose(ref reader); break;
                    case 27: a.Classifications = Loose(ref reader); break;
                    case 28: a.FileLabels = Loose(ref reader); break;
                    case 29: a.Policies = Loose(ref reader); break;
                    case 30: a.TakenAction = Loose(ref reader); break;
                    case 31: ok = Obj(ref reader, ReadDevice, out MdcaDevice? device); a.Device = device; break;
                    case 32: ok = Obj(ref reader, ReadLocation, out MdcaLocation? location); a.Location = location; break;
                    case 33: ok = Obj(ref reader, ReadUser, out MdcaActivityUser? user); a.User = user; break;
                    case 34: ok = Obj(ref reader, ReadUserAgent, out MdcaUserAgent? userAgent); a.UserAgent = userAgent; break;
                    case 35: ok = Obj(ref reader, ReadMainInfo, out MdcaActivityMainInfo? mainInfo); a.MainInfo = mainInfo; break;
                    case 36: ok = Obj(ref reader, ReadEventObject, out MdcaEventObject? actor); a.ResolvedActor = actor; break;
                    case 37: a.EntityData = Deferred(ref reader, ref input, ref skipped, checkedPage); break;
                    case 38: a.Internals = Deferred(ref reader, ref input, ref skipped, checkedPage); break;
                    case 39: a.RawDataJson = Deferred(ref reader, ref input, ref skipped, checkedPage); break;
                    case 40: a.Collected = Deferred(ref reader, ref input, ref skipped, checkedPage); break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        /// <summary>The depth of a record's member value when the record is an element of a page's array.</summary>
        private const int PageRecordMemberDepth = 2;

        /// <summary>
        /// The reader's state just after a record member whose value is an object, the record being an element of
        /// a page's array: what a reader that resumes after such a value needs (a comma or the record's end next).
        /// </summary>
        private static readonly JsonReaderState AfterPageRecordMember = StateAfterPageRecordMember();

        private static JsonReaderState StateAfterPageRecordMember()
        {
            var reader = new Utf8JsonReader(
                System.Text.Encoding.UTF8.GetBytes("[{\"a\":{}"),
                isFinalBlock: false,
                new JsonReaderState(new JsonReaderOptions { MaxDepth = MdcaJson.MaxDepth }));
            // [ { "a" { }
            for (int i = 0; i < 5; i++)
            {
                reader.Read();
            }
            return reader.CurrentState;
        }

        /// <summary>
        /// A deferred loose value (the reader at its first token). In a checked page, an object or array is kept
        /// by finding its closing bracket, and reading goes on after it with a new reader over the rest of the
        /// input: the tokenizer is where a read spends its time, and these values are the part of an activity
        /// that grows with the source (an audit record's whole raw data: a quarter of the simulator's 3 KB
        /// activities, more in a tenant whose sources log more). What that cannot settle is read token by token.
        /// </summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        private static object? Deferred(ref Utf8JsonReader reader, ref ReadOnlySpan<byte> input, ref int skipped, bool checkedPage)
        {
            if (checkedPage && reader.CurrentDepth == PageRecordMemberDepth && !reader.HasValueSequence
                && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                MdcaDeferredValue? kept = MdcaDeferredValue.KeepChecked(input, (int)reader.TokenStartIndex, out int end);
                if (kept != null)
                {
                    input = input.Slice(end);
                    skipped += end;
                    reader = new Utf8JsonReader(input, isFinalBlock: true, AfterPageRecordMember);
                    return kept;
                }
            }
            return MdcaDeferredValue.Read(ref reader, input, checkedPage);
        }

        private static readonly MemberTable DeviceMembers = new("clientIP", "userAgent", "countryCode", "type", "tags");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadDevice(ref Utf8JsonReader reader, out MdcaDevice d)
        {
            d = new MdcaDevice();
            while (true)
            {
                if (!NextMember(ref reader, DeviceMembers, d, out int member))
                {
                    return member == End;
                }
                bool ok = true;
                switch (member)
                {
                    case 0: ok = Str(ref reader, out string? clientIP); d.ClientIP = clientIP; break;
                    case 1: ok = Sym(ref reader, out string? userAgent); d.UserAgent = userAgent; break;
                    case 2: ok = Sym(ref reader, out string? countryCode); d.CountryCode = countryCode; break;
                    case 3: ok = Sym(ref reader, out string? type); d.Type = type; break;
                    case 4: d.Tags = Loose(ref reader); break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        private static readonly MemberTable LocationMembers = new(
            "countryCode", "city", "region", "regionCode", "latitude", "longitude", "organizationSearchable",
            "anonymousProxy", "isSatelliteProvider", "category", "categoryValue");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadLocation(ref Utf8JsonReader reader, out MdcaLocation l)
        {
            l = new MdcaLocation();
            while (true)
            {
                if (!NextMember(ref reader, LocationMembers, l, out int member))
                {
                    return member == End;
                }
                bool ok = true;
                switch (member)
                {
                    case 0: ok = Sym(ref reader, out string? countryCode); l.CountryCode = countryCode; break;
                    case 1: ok = Sym(ref reader, out string? city); l.City = city; break;
                    case 2: ok = Sym(ref reader, out string? region); l.Region = region; break;
                    case 3: ok = Sym(ref reader, out string? regionCode); l.RegionCode = regionCode; break;
                    case 4: ok = Real(ref reader, out double? latitude); l.Latitude = latitude; break;
                    case 5: ok = Real(ref reader, out double? longitude); l.Longitude = longitude; break;
                    case 6: ok = Sym(ref reader, out string? organization); l.OrganizationSearchable = organization; break;
                    case 7: ok = Bool(ref reader, out bool? anonymousProxy); l.AnonymousProxy = anonymousProxy; break;
                    case 8: ok = Bool(ref reader, out bool? satellite); l.IsSatelliteProvider = satellite; break;
                    case 9: ok = Int(ref reader, out long? category); l.Category = category; break;
                    case 10: ok = Sym(ref reader, out string? categoryValue); l.CategoryValue = categoryValue; break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        private static readonly MemberTable UserMembers = new("userName", "orgUnit", "userTags");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadUser(ref Utf8JsonReader reader, out MdcaActivityUser u)
        {
            u = new MdcaActivityUser();
            while (true)
            {
                if (!NextMember(ref reader, UserMembers, u, out int member))
                {
                    return member == End;
                }
                bool ok = true;
                switch (member)
                {
                    case 0: ok = Sym(ref reader, out string? userName); u.UserName = userName; break;
                    case 1: ok = Sym(ref reader, out string? orgUnit); u.OrgUnit = orgUnit; break;
                    case 2: u.UserTags = Loose(ref reader); break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        private static readonly MemberTable UserAgentMembers = new(
            "family", "name", "os", "browser", "deviceType", "type", "typeName", "nativeBrowser", "operatingSystem", "tags");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadUserAgent(ref Utf8JsonReader reader, out MdcaUserAgent g)
        {
            g = new MdcaUserAgent();
            while (true)
            {
                if (!NextMember(ref reader, UserAgentMembers, g, out int member))
                {
                    return member == End;
                }
                bool ok = true;
                switch (member)
                {
                    case 0: ok = Sym(ref reader, out string? family); g.Family = family; break;
                    case 1: ok = Sym(ref reader, out string? name); g.Name = name; break;
                    case 2: ok = Sym(ref reader, out string? os); g.OS = os; break;
                    case 3: ok = Sym(ref reader, out string? browser); g.Browser = browser; break;
                    case 4: ok = Sym(ref reader, out string? deviceType); g.DeviceType = deviceType; break;
                    case 5: ok = Int(ref reader, out long? type); g.Type = type; break;
                    case 6: ok = Sym(ref reader, out string? typeName); g.TypeName = typeName; break;
                    case 7: ok = Bool(ref reader, out bool? nativeBrowser); g.NativeBrowser = nativeBrowser; break;
                    case 8: ok = Obj(ref reader, ReadOperatingSystem, out MdcaOperatingSystem? system); g.OperatingSystem = system; break;
                    case 9: g.Tags = Loose(ref reader); break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        private static readonly MemberTable OperatingSystemMembers = new("name", "family");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadOperatingSystem(ref Utf8JsonReader reader, out MdcaOperatingSystem o)
        {
            o = new MdcaOperatingSystem();
            while (true)
            {
                if (!NextMember(ref reader, OperatingSystemMembers, o, out int member))
                {
                    return member == End;
                }
                bool ok;
                switch (member)
                {
                    case 0: ok = Sym(ref reader, out string? name); o.Name = name; break;
                    case 1: ok = Sym(ref reader, out string? family); o.Family = family; break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        private static readonly MemberTable MainInfoMembers = new("rawOperationName", "prettyOperationName", "type", "eventObjects");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadMainInfo(ref Utf8JsonReader reader, out MdcaActivityMainInfo m)
        {
            m = new MdcaActivityMainInfo();
            while (true)
            {
                if (!NextMember(ref reader, MainInfoMembers, m, out int member))
                {
                    return member == End;
                }
                bool ok;
                switch (member)
                {
                    case 0: ok = Sym(ref reader, out string? raw); m.RawOperationName = raw; break;
                    case 1: ok = Sym(ref reader, out string? pretty); m.PrettyOperationName = pretty; break;
                    case 2: ok = Sym(ref reader, out string? type); m.Type = type; break;
                    case 3: ok = EventObjects(ref reader, out List<MdcaEventObject>? objects); m.EventObjects = objects; break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        private static readonly MemberTable EventObjectMembers = new(
            "id", "name", "objType", "role", "saasId", "instanceId", "resolved", "tags");

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool ReadEventObject(ref Utf8JsonReader reader, out MdcaEventObject e)
        {
            e = new MdcaEventObject();
            while (true)
            {
                if (!NextMember(ref reader, EventObjectMembers, e, out int member))
                {
                    return member == End;
                }
                bool ok = true;
                switch (member)
                {
                    case 0: ok = Sym(ref reader, out string? id); e.Id = id; break;
                    case 1: ok = Sym(ref reader, out string? name); e.Name = name; break;
                    case 2: ok = Int(ref reader, out long? objType); e.ObjType = objType; break;
                    case 3: ok = Int(ref reader, out long? role); e.Role = role; break;
                    case 4: ok = Int(ref reader, out long? saasId); e.SaasId = saasId; break;
                    case 5: ok = Int(ref reader, out long? instanceId); e.InstanceId = instanceId; break;
                    case 6: ok = Bool(ref reader, out bool? resolved); e.Resolved = resolved; break;
                    case 7: e.Tags = Loose(ref reader); break;
                    default: return false;
                }
                if (!ok)
                {
                    return false;
                }
            }
        }

        /// <summary>The list the serializer makes for <c>IReadOnlyList&lt;MdcaEventObject&gt;</c>: a List, null items kept.</summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool EventObjects(ref Utf8JsonReader reader, out List<MdcaEventObject>? list)
        {
            list = null;
            if (reader.TokenType == JsonTokenType.Null)
            {
                return true;
            }
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }
            list = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (!Obj(ref reader, ReadEventObject, out MdcaEventObject? item))
                {
                    return false;
                }
                list.Add(item!);
            }
            return reader.TokenType == JsonTokenType.EndArray;
        }

        private const int End = -1;
        private const int Unreadable = -2;
        private const int Stored = -3;

        /// <summary>
        /// Moves to the next member's value. False at the object's end (<paramref name="member"/> = End) or when
        /// the record must go to the serializer (Unreadable). A member the class does not declare is read here
        /// into AdditionalProperties and the next one looked at.
        /// </summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool NextMember(ref Utf8JsonReader reader, MemberTable table, MdcaObject target, out int member)
        {
            while (true)
            {
                if (!reader.Read())
                {
                    member = Unreadable;
                    return false;
                }
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    member = End;
                    return false;
                }
                if (reader.TokenType != JsonTokenType.PropertyName || reader.ValueIsEscaped || reader.HasValueSequence)
                {
                    member = Unreadable;
                    return false;
                }
                ReadOnlySpan<byte> name = reader.ValueSpan;
                if (name.Length > 0 && name[0] == (byte)'$')
                {
                    // Metadata names ($id, $type, …) are the serializer's business.
                    member = Unreadable;
                    return false;
                }
                member = table.Find(name);
                if (member >= 0)
                {
                    if (!reader.Read())
                    {
                        member = Unreadable;
                        return false;
                    }
                    return true;
                }
                string key = reader.GetString()!;
                if (!reader.Read())
                {
                    member = Unreadable;
                    return false;
                }
                target.AdditionalProperties[key] = MdcaLooseValueConverter.ReadAny(ref reader);
                member = Stored;
            }
        }

        /// <summary>Makes the object and reads its members (the reader at its StartObject).</summary>
        private delegate bool ObjectReader<TObject>(ref Utf8JsonReader reader, out TObject value);

        private static bool Obj<TObject>(ref Utf8JsonReader reader, ObjectReader<TObject> read, out TObject? value)
            where TObject : MdcaObject
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    value = null;
                    return true;
                case JsonTokenType.StartObject:
                    bool ok = read(ref reader, out TObject made);
                    value = made;
                    return ok;
                default:
                    value = null;
                    return false;
            }
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool Str(ref Utf8JsonReader reader, out string? value)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    value = reader.GetString();
                    return true;
                case JsonTokenType.Null:
                    value = null;
                    return true;
                default:
                    value = null;
                    return false;
            }
        }

        /// <summary>A string value that repeats across records (see <see cref="MdcaStringCache"/>).</summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool Sym(ref Utf8JsonReader reader, out string? value)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    value = MdcaStringCache.Get(ref reader);
                    return true;
                case JsonTokenType.Null:
                    value = null;
                    return true;
                default:
                    value = null;
                    return false;
            }
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool Int(ref Utf8JsonReader reader, out long? value)
        {
            value = null;
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    if (!reader.TryGetInt64(out long n))
                    {
                        return false;
                    }
                    value = n;
                    return true;
                case JsonTokenType.Null:
                    return true;
                default:
                    return false;
            }
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool Real(ref Utf8JsonReader reader, out double? value)
        {
            value = null;
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    if (!reader.TryGetDouble(out double n))
                    {
                        return false;
                    }
                    value = n;
                    return true;
                case JsonTokenType.Null:
                    return true;
                default:
                    return false;
            }
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private static bool Bool(ref Utf8JsonReader reader, out bool? value)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.True:
                    value = true;
                    return true;
                case JsonTokenType.False:
                    value = false;
                    return true;
                case JsonTokenType.Null:
                    value = null;
                    return true;
                default:
                    value = null;
                    return false;
            }
        }

        /// <summary>The property's own converter (it throws on what it refuses: the caller falls back).</summary>
        private static DateTime? Date(ref Utf8JsonReader reader) => Dates.Read(ref reader, typeof(DateTime?), MdcaJson.Options);

        private static object? Loose(ref Utf8JsonReader reader) => MdcaLooseValueConverter.ReadAny(ref reader);
    }

    /// <summary>Member names (UTF-8) → their index in the list given, by an open-addressing hash table.</summary>
    internal sealed class MemberTable
    {
        private readonly byte[][] names;
        private readonly int[] slots;
        private readonly int mask;

        internal MemberTable(params string[] members)
        {
            names = new byte[members.Length][];
            int size = 16;
            while (size < members.Length * 4)
            {
                size *= 2;
            }
            slots = new int[size];
            mask = size - 1;
#if NETSTANDARD2_0
            for (int s = 0; s < slots.Length; s++)
            {
                slots[s] = -1;
            }
#else
            Array.Fill(slots, -1);
#endif
            for (int i = 0; i < members.Length; i++)
            {
                names[i] = System.Text.Encoding.UTF8.GetBytes(members[i]);
                int slot = Hash(names[i]) & mask;
                while (slots[slot] >= 0)
                {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = i;
            }
        }

        /// <summary>The member's index, or -1 when the class does not declare it.</summary>
        [MethodImpl(MdcaHotPath.Optimized)]
        internal int Find(ReadOnlySpan<byte> name)
        {
            int slot = Hash(name) & mask;
            while (true)
            {
                int i = slots[slot];
                if (i < 0)
                {
                    return -1;
                }
                if (name.SequenceEqual(names[i]))
                {
                    return i;
                }
                slot = (slot + 1) & mask;
            }
        }

        [MethodImpl(MdcaHotPath.Optimized)]
        private static int Hash(ReadOnlySpan<byte> name)
        {
            // FNV-1a: member names are short.
            uint h = 2166136261;
            foreach (byte b in name)
            {
                h = (h ^ b) * 16777619;
            }
            return (int)(h ^ (h >> 15));
        }
    }
}
