using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>An activity (api.md §6): one event of a connected app, with who, where, from what device.</summary>
    public class MdcaActivity : MdcaRecord
    {
        // The loose values the page reader may keep as text until first read (MdcaDeferredValue).
        private object? entityDataValue;
        private object? internalsValue;
        private object? rawDataJsonValue;
        private object? collectedValue;

        /// <summary><c>uid</c>: the same value as the id.</summary>
        [JsonPropertyName("uid")] public string? Uid { get; set; }
        /// <summary><c>tenantId</c>.</summary>
        [JsonPropertyName("tenantId")] public long? TenantId { get; set; }
        /// <summary><c>aadTenantId</c>: the Entra ID tenant.</summary>
        [JsonPropertyName("aadTenantId")] public string? AadTenantId { get; set; }
        /// <summary><c>appId</c>: the app (service) id.</summary>
        [JsonPropertyName("appId")] public long? AppId { get; set; }
        /// <summary><c>saasId</c>.</summary>
        [JsonPropertyName("saasId")] public long? SaasId { get; set; }
        /// <summary><c>srcAppId</c>.</summary>
        [JsonPropertyName("srcAppId")] public long? SrcAppId { get; set; }
        /// <summary><c>appName</c>.</summary>
        [JsonPropertyName("appName")] public string? AppName { get; set; }
        /// <summary><c>timestamp</c>: when it happened (UTC).</summary>
        [JsonPropertyName("timestamp"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? Timestamp { get; set; }
        /// <summary><c>timestampRaw</c> (epoch milliseconds).</summary>
        [JsonPropertyName("timestampRaw")] public long? TimestampRaw { get; set; }
        /// <summary><c>created</c>: when MDCA recorded it (UTC).</summary>
        [JsonPropertyName("created"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? Created { get; set; }
        /// <summary><c>createdRaw</c> (epoch milliseconds).</summary>
        [JsonPropertyName("createdRaw")] public long? CreatedRaw { get; set; }
        /// <summary><c>instantiation</c> (UTC).</summary>
        [JsonPropertyName("instantiation"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? Instantiation { get; set; }
        /// <summary><c>instantiationRaw</c> (epoch milliseconds).</summary>
        [JsonPropertyName("instantiationRaw")] public long? InstantiationRaw { get; set; }
        /// <summary><c>eventType</c>.</summary>
        [JsonPropertyName("eventType")] public long? EventType { get; set; }
        /// <summary><c>eventTypeValue</c>, e.g. EVENT_O365_ONEDRIVE_GENERIC.</summary>
        [JsonPropertyName("eventTypeValue")] public string? EventTypeValue { get; set; }
        /// <summary><c>eventTypeName</c>.</summary>
        [JsonPropertyName("eventTypeName")] public string? EventTypeName { get; set; }
        /// <summary><c>genericEventType</c>.</summary>
        [JsonPropertyName("genericEventType")] public string? GenericEventType { get; set; }
        /// <summary><c>actionType</c>.</summary>
        [JsonPropertyName("actionType")] public string? ActionType { get; set; }
        /// <summary><c>adminEvent</c>.</summary>
        [JsonPropertyName("adminEvent")] public bool? AdminEvent { get; set; }
        /// <summary><c>impersonated</c>.</summary>
        [JsonPropertyName("impersonated")] public bool? Impersonated { get; set; }
        /// <summary><c>description</c>.</summary>
        [JsonPropertyName("description")] public string? Description { get; set; }
        /// <summary><c>description_id</c>.</summary>
        [JsonPropertyName("description_id")] public string? DescriptionId { get; set; }
        /// <summary><c>severity</c>, e.g. INFO.</summary>
        [JsonPropertyName("severity")] public string? Severity { get; set; }
        /// <summary><c>source</c>.</summary>
        [JsonPropertyName("source")] public long? Source { get; set; }
        /// <summary><c>confidenceLevel</c>.</summary>
        [JsonPropertyName("confidenceLevel")] public long? ConfidenceLevel { get; set; }
        /// <summary><c>alertIds</c>.</summary>
        [JsonPropertyName("alertIds")] public object? AlertIds { get; set; }
        /// <summary><c>classifications</c>.</summary>
        [JsonPropertyName("classifications")] public object? Classifications { get; set; }
        /// <summary><c>fileLabels</c>.</summary>
        [JsonPropertyName("fileLabels")] public object? FileLabels { get; set; }
        /// <summary><c>policies</c>.</summary>
        [JsonPropertyName("policies")] public object? Policies { get; set; }
        /// <summary><c>takenAction</c>.</summary>
        [JsonPropertyName("takenAction")] public object? TakenAction { get; set; }
        /// <summary><c>device</c>: the client's IP, user agent and country.</summary>
        [JsonPropertyName("device")] public MdcaDevice? Device { get; set; }
        /// <summary><c>location</c>: where the IP address is.</summary>
        [JsonPropertyName("location")] public MdcaLocation? Location { get; set; }
        /// <summary><c>user</c>: who did it.</summary>
        [JsonPropertyName("user")] public MdcaActivityUser? User { get; set; }
        /// <summary><c>userAgent</c>: the parsed user agent.</summary>
        [JsonPropertyName("userAgent")] public MdcaUserAgent? UserAgent { get; set; }
        /// <summary><c>mainInfo</c>: the operation and the objects it touched.</summary>
        [JsonPropertyName("mainInfo")] public MdcaActivityMainInfo? MainInfo { get; set; }
        /// <summary><c>resolvedActor</c>.</summary>
        [JsonPropertyName("resolvedActor")] public MdcaEventObject? ResolvedActor { get; set; }
        /// <summary><c>entityData</c>: a list, or an object keyed "0", "1", … (api.md §6).</summary>
        [JsonPropertyName("entityData")] public object? EntityData { get => MdcaDeferredValue.Get(ref entityDataValue); set => entityDataValue = value; }
        /// <summary><c>internals</c>.</summary>
        [JsonPropertyName("internals")] public object? Internals { get => MdcaDeferredValue.Get(ref internalsValue); set => internalsValue = value; }
        /// <summary><c>rawDataJson</c>: the vendor's audit record.</summary>
        [JsonPropertyName("rawDataJson")] public object? RawDataJson { get => MdcaDeferredValue.Get(ref rawDataJsonValue); set => rawDataJsonValue = value; }
        /// <summary><c>collected</c>.</summary>
        [JsonPropertyName("collected")] public object? Collected { get => MdcaDeferredValue.Get(ref collectedValue); set => collectedValue = value; }
    }

    /// <summary>An activity's <c>device</c>.</summary>
    public class MdcaDevice : MdcaObject
    {
        /// <summary><c>clientIP</c>.</summary>
        [JsonPropertyName("clientIP")] public string? ClientIP { get; set; }
        /// <summary><c>userAgent</c> (the raw string).</summary>
        [JsonPropertyName("userAgent")] public string? UserAgent { get; set; }
        /// <summary><c>countryCode</c>.</summary>
        [JsonPropertyName("countryCode")] public string? CountryCode { get; set; }
        /// <summary><c>type</c>, e.g. DESKTOP.</summary>
        [JsonPropertyName("type")] public string? Type { get; set; }
        /// <summary><c>tags</c>.</summary>
        [JsonPropertyName("tags")] public object? Tags { get; set; }
    }

    /// <summary>An activity's <c>location</c> (of its IP address).</summary>
    public class MdcaLocation : MdcaObject
    {
        /// <summary><c>countryCode</c>.</summary>
        [JsonPropertyName("countryCode")] public string? CountryCode { get; set; }
        /// <summary><c>city</c>.</summary>
        [JsonPropertyName("city")] public string? City { get; set; }
        /// <summary><c>region</c>.</summary>
        [JsonPropertyName("region")] public string? Region { get; set; }
        /// <summary><c>regionCode</c>.</summary>
        [JsonPropertyName("regionCode")] public string? RegionCode { get; set; }
        /// <summary><c>latitude</c>.</summary>
        [JsonPropertyName("latitude")] public double? Latitude { get; set; }
        /// <summary><c>longitude</c>.</summary>
        [JsonPropertyName("longitude")] public double? Longitude { get; set; }
        /// <summary><c>organizationSearchable</c>: the ISP or organisation.</summary>
        [JsonPropertyName("organizationSearchable")] public string? OrganizationSearchable { get; set; }
        /// <summary><c>anonymousProxy</c>.</summary>
        [JsonPropertyName("anonymousProxy")] public bool? AnonymousProxy { get; set; }
        /// <summary><c>isSatelliteProvider</c>.</summary>
        [JsonPropertyName("isSatelliteProvider")] public bool? IsSatelliteProvider { get; set; }
        /// <summary><c>category</c> (IP range category).</summary>
        [JsonPropertyName("category")] public long? Category { get; set; }
        /// <summary><c>categoryValue</c>, e.g. CORPORATE.</summary>
        [JsonPropertyName("categoryValue")] public string? CategoryValue { get; set; }
    }

    /// <summary>An activity's <c>user</c>.</summary>
    public class MdcaActivityUser : MdcaObject
    {
        /// <summary><c>userName</c>.</summary>
        [JsonPropertyName("userName")] public string? UserName { get; set; }
        /// <summary><c>orgUnit</c>.</summary>
        [JsonPropertyName("orgUnit")] public string? OrgUnit { get; set; }
        /// <summary><c>userTags</c>.</summary>
        [JsonPropertyName("userTags")] public object? UserTags { get; set; }
    }

    /// <summary>An activity's parsed <c>userAgent</c>.</summary>
    public class MdcaUserAgent : MdcaObject
    {
        /// <summary><c>family</c>.</summary>
        [JsonPropertyName("family")] public string? Family { get; set; }
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>os</c>.</summary>
        [JsonPropertyName("os")] public string? OS { get; set; }
        /// <summary><c>browser</c>.</summary>
        [JsonPropertyName("browser")] public string? Browser { get; set; }
        /// <summary><c>deviceType</c>.</summary>
        [JsonPropertyName("deviceType")] public string? DeviceType { get; set; }
        /// <summary><c>type</c>.</summary>
        [JsonPropertyName("type")] public long? Type { get; set; }
        /// <summary><c>typeName</c>.</summary>
        [JsonPropertyName("typeName")] public string? TypeName { get; set; }
        /// <summary><c>nativeBrowser</c>.</summary>
        [JsonPropertyName("nativeBrowser")] public bool? NativeBrowser { get; set; }
        /// <summary><c>operatingSystem</c>: <c>name</c> and <c>family</c>.</summary>
        [JsonPropertyName("operatingSystem")] public MdcaOperatingSystem? OperatingSystem { get; set; }
        /// <summary><c>tags</c>.</summary>
        [JsonPropertyName("tags")] public object? Tags { get; set; }
    }

    /// <summary>A user agent's <c>operatingSystem</c>.</summary>
    public class MdcaOperatingSystem : MdcaObject
    {
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>family</c>.</summary>
        [JsonPropertyName("family")] public string? Family { get; set; }
    }

    /// <summary>An activity's <c>mainInfo</c>.</summary>
    public class MdcaActivityMainInfo : MdcaObject
    {
        /// <summary><c>rawOperationName</c>.</summary>
        [JsonPropertyName("rawOperationName")] public string? RawOperationName { get; set; }
        /// <summary><c>prettyOperationName</c>.</summary>
        [JsonPropertyName("prettyOperationName")] public string? PrettyOperationName { get; set; }
        /// <summary><c>type</c>.</summary>
        [JsonPropertyName("type")] public string? Type { get; set; }
        /// <summary><c>eventObjects</c>: the objects the activity touched.</summary>
        [JsonPropertyName("eventObjects")] public IReadOnlyList<MdcaEventObject>? EventObjects { get; set; }
    }

    /// <summary>An object an activity touched (<c>mainInfo.eventObjects[]</c>) or its actor (<c>resolvedActor</c>).</summary>
    public class MdcaEventObject : MdcaObject
    {
        /// <summary><c>id</c>.</summary>
        [JsonPropertyName("id")] public string? Id { get; set; }
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>objType</c>.</summary>
        [JsonPropertyName("objType")] public long? ObjType { get; set; }
        /// <summary><c>role</c>.</summary>
        [JsonPropertyName("role")] public long? Role { get; set; }
        /// <summary><c>saasId</c>.</summary>
        [JsonPropertyName("saasId")] public long? SaasId { get; set; }
        /// <summary><c>instanceId</c>.</summary>
        [JsonPropertyName("instanceId")] public long? InstanceId { get; set; }
        /// <summary><c>resolved</c> (actors only).</summary>
        [JsonPropertyName("resolved")] public bool? Resolved { get; set; }
        /// <summary><c>tags</c>.</summary>
        [JsonPropertyName("tags")] public object? Tags { get; set; }
    }
}
