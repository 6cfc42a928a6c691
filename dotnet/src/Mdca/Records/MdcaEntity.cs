using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>An entity (api.md §9): a user or an account.</summary>
    public class MdcaEntity : MdcaRecord
    {
        /// <summary><c>id</c>: the user's or account's id (a guid or a UPN).</summary>
        [JsonPropertyName("id")] public string? EntityId { get; set; }
        /// <summary><c>displayName</c>.</summary>
        [JsonPropertyName("displayName")] public string? DisplayName { get; set; }
        /// <summary><c>username</c>: the entity's primary key as a JSON string (what Fetch and EntityTree take, base64-encoded).</summary>
        [JsonPropertyName("username")] public string? Username { get; set; }
        /// <summary><c>email</c>.</summary>
        [JsonPropertyName("email")] public string? Email { get; set; }
        /// <summary><c>domain</c>.</summary>
        [JsonPropertyName("domain")] public string? Domain { get; set; }
        /// <summary><c>organization</c>: the org unit.</summary>
        [JsonPropertyName("organization")] public string? Organization { get; set; }
        /// <summary><c>role</c>.</summary>
        [JsonPropertyName("role")] public string? Role { get; set; }
        /// <summary><c>sid</c>.</summary>
        [JsonPropertyName("sid")] public string? Sid { get; set; }
        /// <summary><c>ii</c>: "app|instance|id".</summary>
        [JsonPropertyName("ii")] public string? II { get; set; }
        /// <summary><c>type</c>.</summary>
        [JsonPropertyName("type")] public long? Type { get; set; }
        /// <summary><c>idType</c>.</summary>
        [JsonPropertyName("idType")] public long? IdType { get; set; }
        /// <summary><c>status</c>: 0 N/A, 1 staged, 2 active, 3 suspended, 4 deleted.</summary>
        [JsonPropertyName("status")] public long? Status { get; set; }
        /// <summary><c>isAdmin</c>.</summary>
        [JsonPropertyName("isAdmin")] public bool? IsAdmin { get; set; }
        /// <summary><c>isExternal</c>.</summary>
        [JsonPropertyName("isExternal")] public bool? IsExternal { get; set; }
        /// <summary><c>isFake</c>.</summary>
        [JsonPropertyName("isFake")] public bool? IsFake { get; set; }
        /// <summary><c>lastSeen</c> (UTC).</summary>
        [JsonPropertyName("lastSeen"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? LastSeen { get; set; }
        /// <summary><c>threatScore</c>.</summary>
        [JsonPropertyName("threatScore")] public long? ThreatScore { get; set; }
        /// <summary><c>sctime</c>.</summary>
        [JsonPropertyName("sctime")] public long? ScTime { get; set; }
        /// <summary><c>appData</c>: the app the account belongs to.</summary>
        [JsonPropertyName("appData")] public MdcaAppData? AppData { get; set; }
        /// <summary><c>identifiers</c>.</summary>
        [JsonPropertyName("identifiers")] public object? Identifiers { get; set; }
        /// <summary><c>userGroups</c>.</summary>
        [JsonPropertyName("userGroups")] public object? UserGroups { get; set; }
        /// <summary><c>scoreTrends</c>.</summary>
        [JsonPropertyName("scoreTrends")] public object? ScoreTrends { get; set; }
        /// <summary><c>subApps</c>.</summary>
        [JsonPropertyName("subApps")] public object? SubApps { get; set; }
        /// <summary><c>actions</c>.</summary>
        [JsonPropertyName("actions")] public object? Actions { get; set; }
    }

    /// <summary>An entity's <c>appData</c>.</summary>
    public class MdcaAppData : MdcaObject
    {
        /// <summary><c>appId</c>.</summary>
        [JsonPropertyName("appId")] public long? AppId { get; set; }
        /// <summary><c>saas</c>.</summary>
        [JsonPropertyName("saas")] public long? Saas { get; set; }
        /// <summary><c>instance</c>.</summary>
        [JsonPropertyName("instance")] public long? Instance { get; set; }
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
    }
}
