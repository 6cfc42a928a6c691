using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>An alert (api.md §7).</summary>
    public class MdcaAlert : MdcaRecord
    {
        /// <summary><c>title</c>.</summary>
        [JsonPropertyName("title")] public string? Title { get; set; }
        /// <summary><c>description</c> (HTML or Markdown).</summary>
        [JsonPropertyName("description")] public string? Description { get; set; }
        /// <summary><c>timestamp</c>: when it was triggered (UTC).</summary>
        [JsonPropertyName("timestamp"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? Timestamp { get; set; }
        /// <summary><c>resolveTime</c> (UTC), null while open.</summary>
        [JsonPropertyName("resolveTime"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? ResolveTime { get; set; }
        /// <summary><c>lastModified</c> (UTC).</summary>
        [JsonPropertyName("lastModified"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? LastModified { get; set; }
        /// <summary><c>URL</c>: the alert in the portal.</summary>
        [JsonPropertyName("URL")] public string? Url { get; set; }
        /// <summary><c>severityValue</c>: 0 low, 1 medium, 2 high.</summary>
        [JsonPropertyName("severityValue")] public long? SeverityValue { get; set; }
        /// <summary><c>statusValue</c>.</summary>
        [JsonPropertyName("statusValue")] public long? StatusValue { get; set; }
        /// <summary><c>resolutionStatusValue</c>: 0 open, 3 closed false positive, 4 benign, 5 true positive, …</summary>
        [JsonPropertyName("resolutionStatusValue")] public long? ResolutionStatusValue { get; set; }
        /// <summary><c>is_open</c>.</summary>
        [JsonPropertyName("is_open")] public bool? IsOpen { get; set; }
        /// <summary><c>isSystemAlert</c>.</summary>
        [JsonPropertyName("isSystemAlert")] public bool? IsSystemAlert { get; set; }
        /// <summary><c>isPreview</c>.</summary>
        [JsonPropertyName("isPreview")] public bool? IsPreview { get; set; }
        /// <summary><c>isMarkdown</c>.</summary>
        [JsonPropertyName("isMarkdown")] public bool? IsMarkdown { get; set; }
        /// <summary><c>threatScore</c>.</summary>
        [JsonPropertyName("threatScore")] public long? ThreatScore { get; set; }
        /// <summary><c>idValue</c>.</summary>
        [JsonPropertyName("idValue")] public long? IdValue { get; set; }
        /// <summary><c>contextId</c>.</summary>
        [JsonPropertyName("contextId")] public string? ContextId { get; set; }
        /// <summary><c>comment</c>.</summary>
        [JsonPropertyName("comment")] public string? Comment { get; set; }
        /// <summary><c>handledByUser</c>.</summary>
        [JsonPropertyName("handledByUser")] public object? HandledByUser { get; set; }
        /// <summary><c>policy</c>: the policy that raised it.</summary>
        [JsonPropertyName("policy")] public MdcaAlertPolicy? Policy { get; set; }
        /// <summary><c>entities</c>: accounts, users, services, IPs, … involved.</summary>
        [JsonPropertyName("entities")] public IReadOnlyList<MdcaAlertEntity>? Entities { get; set; }
        /// <summary><c>evidence</c>.</summary>
        [JsonPropertyName("evidence")] public object? Evidence { get; set; }
        /// <summary><c>intent</c>.</summary>
        [JsonPropertyName("intent")] public object? Intent { get; set; }
        /// <summary><c>stories</c>.</summary>
        [JsonPropertyName("stories")] public object? Stories { get; set; }
        /// <summary><c>audits</c>.</summary>
        [JsonPropertyName("audits")] public object? Audits { get; set; }
        /// <summary><c>threatScoreReasoning</c>.</summary>
        [JsonPropertyName("threatScoreReasoning")] public object? ThreatScoreReasoning { get; set; }
    }

    /// <summary>An alert's <c>policy</c>.</summary>
    public class MdcaAlertPolicy : MdcaObject
    {
        /// <summary><c>id</c>.</summary>
        [JsonPropertyName("id")] public string? Id { get; set; }
        /// <summary><c>label</c>.</summary>
        [JsonPropertyName("label")] public string? Label { get; set; }
        /// <summary><c>policyType</c>, e.g. ANOMALY_DETECTION.</summary>
        [JsonPropertyName("policyType")] public string? PolicyType { get; set; }
        /// <summary><c>type</c>.</summary>
        [JsonPropertyName("type")] public long? Type { get; set; }
    }

    /// <summary>One of an alert's <c>entities[]</c>.</summary>
    public class MdcaAlertEntity : MdcaObject
    {
        /// <summary><c>id</c>: a string, or a number for services (the app id).</summary>
        [JsonPropertyName("id")] public object? Id { get; set; }
        /// <summary><c>label</c>.</summary>
        [JsonPropertyName("label")] public string? Label { get; set; }
        /// <summary><c>type</c>: account, user, service, policyRule, ip, country, …</summary>
        [JsonPropertyName("type")] public string? Type { get; set; }
        /// <summary><c>entityRole</c>: Source, Related, …</summary>
        [JsonPropertyName("entityRole")] public string? EntityRole { get; set; }
        /// <summary><c>entityType</c>.</summary>
        [JsonPropertyName("entityType")] public long? EntityType { get; set; }
        /// <summary><c>saas</c>.</summary>
        [JsonPropertyName("saas")] public long? Saas { get; set; }
        /// <summary><c>inst</c>.</summary>
        [JsonPropertyName("inst")] public long? Inst { get; set; }
        /// <summary><c>pa</c>: the principal address.</summary>
        [JsonPropertyName("pa")] public string? Pa { get; set; }
        /// <summary><c>em</c>: the email.</summary>
        [JsonPropertyName("em")] public string? Em { get; set; }
        /// <summary><c>policyType</c> (policy rules).</summary>
        [JsonPropertyName("policyType")] public string? PolicyType { get; set; }
    }
}
