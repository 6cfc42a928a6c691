using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>
    /// A JSON object of the MDCA API as a typed .NET object, read by System.Text.Json straight from the
    /// UTF-8 text the library returns. Properties carry the server's names (PowerShell matches them
    /// case-insensitively); every field a class does not declare is kept in <see cref="AdditionalProperties"/>
    /// as a plain .NET value (string, long, double, bool, null, <c>Dictionary&lt;string, object?&gt;</c>,
    /// <c>object?[]</c>), so nothing the server sends is lost. Keys differing only by case (<c>created</c> and
    /// <c>Created</c>, api.md §2) stay distinct: one is a property, the other is kept in AdditionalProperties.
    /// </summary>
    public class MdcaObject
    {
        private IDictionary<string, object?>? additionalProperties;

        /// <summary>Every field this class does not declare, with its value as the server sent it.</summary>
        [JsonExtensionData]
        public IDictionary<string, object?> AdditionalProperties
        {
            // Made when first asked for or filled: most objects have no such field, and a record holds ten of them.
            get => additionalProperties ??= new Dictionary<string, object?>(StringComparer.Ordinal);
            set => additionalProperties = value;
        }
    }

    /// <summary>A record of an entity (activity, alert, file, entity, subnet), or of any list endpoint.</summary>
    public class MdcaRecord : MdcaObject
    {
        /// <summary>The record's id (<c>_id</c>).</summary>
        [JsonPropertyName("_id")]
        public string? Id { get; set; }

        /// <summary>The id, for display.</summary>
        public override string ToString() => Id ?? GetType().Name;
    }
}
