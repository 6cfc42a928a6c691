using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>A file (api.md §8).</summary>
    public class MdcaFile : MdcaRecord
    {
        /// <summary><c>id</c>: the app's id of the file (e.g. "&lt;siteGuid&gt;|&lt;itemGuid&gt;").</summary>
        [JsonPropertyName("id")] public string? FileId { get; set; }
        /// <summary><c>_tid</c>.</summary>
        [JsonPropertyName("_tid")] public long? TenantId { get; set; }
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>name_l</c>.</summary>
        [JsonPropertyName("name_l")] public string? NameLower { get; set; }
        /// <summary><c>fileExtension</c>.</summary>
        [JsonPropertyName("fileExtension")] public string? FileExtension { get; set; }
        /// <summary><c>mimeType</c>.</summary>
        [JsonPropertyName("mimeType")] public string? MimeType { get; set; }
        /// <summary><c>fileSize</c> in bytes.</summary>
        [JsonPropertyName("fileSize")] public long? FileSize { get; set; }
        /// <summary><c>isFolder</c>.</summary>
        [JsonPropertyName("isFolder")] public bool? IsFolder { get; set; }
        /// <summary><c>created</c> (UTC). A <c>Created</c> string some tenants also send is kept in AdditionalProperties.</summary>
        [JsonPropertyName("created"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? Created { get; set; }
        /// <summary><c>createdDate</c> (UTC).</summary>
        [JsonPropertyName("createdDate"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? CreatedDate { get; set; }
        /// <summary><c>modifiedDate</c> (UTC).</summary>
        [JsonPropertyName("modifiedDate"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? ModifiedDate { get; set; }
        /// <summary><c>snapshotLastModifiedDate</c> (UTC).</summary>
        [JsonPropertyName("snapshotLastModifiedDate"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? SnapshotLastModifiedDate { get; set; }
        /// <summary><c>lastNrtTimestamp</c> (UTC).</summary>
        [JsonPropertyName("lastNrtTimestamp"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? LastNrtTimestamp { get; set; }
        /// <summary><c>fileType</c>: a code and name pair, e.g. [4, "TEXT"].</summary>
        [JsonPropertyName("fileType")] public object? FileType { get; set; }
        /// <summary><c>fileTypeDisplay</c>.</summary>
        [JsonPropertyName("fileTypeDisplay")] public string? FileTypeDisplay { get; set; }
        /// <summary><c>ftype</c>: the file type code.</summary>
        [JsonPropertyName("ftype")] public long? FType { get; set; }
        /// <summary><c>fileAccessLevel</c>: a code and name pair, e.g. [1, "INTERNAL"].</summary>
        [JsonPropertyName("fileAccessLevel")] public object? FileAccessLevel { get; set; }
        /// <summary><c>facl</c>: the access level code.</summary>
        [JsonPropertyName("facl")] public long? Facl { get; set; }
        /// <summary><c>fileStatus</c>: a code and name pair.</summary>
        [JsonPropertyName("fileStatus")] public object? FileStatus { get; set; }
        /// <summary><c>fstat</c>: the status code.</summary>
        [JsonPropertyName("fstat")] public long? FStat { get; set; }
        /// <summary><c>appId</c>.</summary>
        [JsonPropertyName("appId")] public long? AppId { get; set; }
        /// <summary><c>appName</c>.</summary>
        [JsonPropertyName("appName")] public string? AppName { get; set; }
        /// <summary><c>saasId</c>.</summary>
        [JsonPropertyName("saasId")] public long? SaasId { get; set; }
        /// <summary><c>instId</c>.</summary>
        [JsonPropertyName("instId")] public long? InstId { get; set; }
        /// <summary><c>ownerName</c>.</summary>
        [JsonPropertyName("ownerName")] public string? OwnerName { get; set; }
        /// <summary><c>ownerAddress</c>.</summary>
        [JsonPropertyName("ownerAddress")] public string? OwnerAddress { get; set; }
        /// <summary><c>ownerOrgUnit</c>.</summary>
        [JsonPropertyName("ownerOrgUnit")] public string? OwnerOrgUnit { get; set; }
        /// <summary><c>ownerExternal</c>.</summary>
        [JsonPropertyName("ownerExternal")] public bool? OwnerExternal { get; set; }
        /// <summary><c>quarantined</c>.</summary>
        [JsonPropertyName("quarantined")] public bool? Quarantined { get; set; }
        /// <summary><c>isForeign</c>.</summary>
        [JsonPropertyName("isForeign")] public bool? IsForeign { get; set; }
        /// <summary><c>noGovernance</c>.</summary>
        [JsonPropertyName("noGovernance")] public bool? NoGovernance { get; set; }
        /// <summary><c>enriched</c>.</summary>
        [JsonPropertyName("enriched")] public bool? Enriched { get; set; }
        /// <summary><c>alternateLink</c>: the file in its app.</summary>
        [JsonPropertyName("alternateLink")] public string? AlternateLink { get; set; }
        /// <summary><c>filePath</c>.</summary>
        [JsonPropertyName("filePath")] public string? FilePath { get; set; }
        /// <summary><c>sitePath</c>.</summary>
        [JsonPropertyName("sitePath")] public string? SitePath { get; set; }
        /// <summary><c>siteCollection</c>.</summary>
        [JsonPropertyName("siteCollection")] public string? SiteCollection { get; set; }
        /// <summary><c>siteCollectionId</c>.</summary>
        [JsonPropertyName("siteCollectionId")] public string? SiteCollectionId { get; set; }
        /// <summary><c>spDomain</c>.</summary>
        [JsonPropertyName("spDomain")] public string? SPDomain { get; set; }
        /// <summary><c>driveId</c>.</summary>
        [JsonPropertyName("driveId")] public string? DriveId { get; set; }
        /// <summary><c>parentId</c>.</summary>
        [JsonPropertyName("parentId")] public string? ParentId { get; set; }
        /// <summary><c>parentIds</c>.</summary>
        [JsonPropertyName("parentIds")] public IReadOnlyList<string>? ParentIds { get; set; }
        /// <summary><c>effectiveParents</c>.</summary>
        [JsonPropertyName("effectiveParents")] public IReadOnlyList<string>? EffectiveParents { get; set; }
        /// <summary><c>originalId</c>.</summary>
        [JsonPropertyName("originalId")] public string? OriginalId { get; set; }
        /// <summary><c>emails</c>.</summary>
        [JsonPropertyName("emails")] public IReadOnlyList<string>? Emails { get; set; }
        /// <summary><c>domains</c>.</summary>
        [JsonPropertyName("domains")] public IReadOnlyList<string>? Domains { get; set; }
        /// <summary><c>groupIds</c>.</summary>
        [JsonPropertyName("groupIds")] public IReadOnlyList<string>? GroupIds { get; set; }
        /// <summary><c>groups</c>.</summary>
        [JsonPropertyName("groups")] public object? Groups { get; set; }
        /// <summary><c>collaborators</c>.</summary>
        [JsonPropertyName("collaborators")] public IReadOnlyList<MdcaCollaborator>? Collaborators { get; set; }
        /// <summary><c>display_collaborators</c>.</summary>
        [JsonPropertyName("display_collaborators")] public IReadOnlyList<MdcaCollaborator>? DisplayCollaborators { get; set; }
        /// <summary><c>externalShares</c>.</summary>
        [JsonPropertyName("externalShares")] public object? ExternalShares { get; set; }
        /// <summary><c>dlpScanResults</c>.</summary>
        [JsonPropertyName("dlpScanResults")] public object? DlpScanResults { get; set; }
        /// <summary><c>fTags</c>. An <c>ftags</c> field some tenants also send is kept in AdditionalProperties.</summary>
        [JsonPropertyName("fTags")] public object? FTags { get; set; }
        /// <summary><c>policies</c>.</summary>
        [JsonPropertyName("policies")] public object? Policies { get; set; }
        /// <summary><c>scanVersion</c>.</summary>
        [JsonPropertyName("scanVersion")] public long? ScanVersion { get; set; }
        /// <summary><c>unseenScans</c>.</summary>
        [JsonPropertyName("unseenScans")] public long? UnseenScans { get; set; }
        /// <summary><c>actions</c>: what can be done to the file.</summary>
        [JsonPropertyName("actions")] public IReadOnlyList<MdcaFileAction>? Actions { get; set; }
        /// <summary><c>sharepointItem</c>.</summary>
        [JsonPropertyName("sharepointItem")] public object? SharepointItem { get; set; }
    }

    /// <summary>One of a file's <c>collaborators[]</c>.</summary>
    public class MdcaCollaborator : MdcaObject
    {
        /// <summary><c>id</c>.</summary>
        [JsonPropertyName("id")] public string? Id { get; set; }
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>email</c>.</summary>
        [JsonPropertyName("email")] public string? Email { get; set; }
        /// <summary><c>role</c>, e.g. writer.</summary>
        [JsonPropertyName("role")] public string? Role { get; set; }
        /// <summary><c>accessLevel</c>.</summary>
        [JsonPropertyName("accessLevel")] public long? AccessLevel { get; set; }
        /// <summary><c>type</c>.</summary>
        [JsonPropertyName("type")] public long? Type { get; set; }
        /// <summary><c>saas</c>.</summary>
        [JsonPropertyName("saas")] public long? Saas { get; set; }
        /// <summary><c>inst</c>.</summary>
        [JsonPropertyName("inst")] public long? Inst { get; set; }
    }

    /// <summary>One of a file's <c>actions[]</c>.</summary>
    public class MdcaFileAction : MdcaObject
    {
        /// <summary><c>task_name</c>, e.g. QuarantineTask.</summary>
        [JsonPropertyName("task_name")] public string? TaskName { get; set; }
        /// <summary><c>display_title</c>.</summary>
        [JsonPropertyName("display_title")] public string? DisplayTitle { get; set; }
        /// <summary><c>type</c>.</summary>
        [JsonPropertyName("type")] public string? Type { get; set; }
    }
}
