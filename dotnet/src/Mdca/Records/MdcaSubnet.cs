using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Mdca
{
    /// <summary>A subnet, i.e. an IP address range (api.md §10).</summary>
    public class MdcaSubnet : MdcaRecord
    {
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>category</c>: 1 corporate, 2 administrative, 3 risky, 4 VPN, 5 cloud provider, 6 other.</summary>
        [JsonPropertyName("category")] public long? Category { get; set; }
        /// <summary><c>organization</c>: the ISP or organisation.</summary>
        [JsonPropertyName("organization")] public string? Organization { get; set; }
        /// <summary><c>subnets</c>: the CIDR ranges.</summary>
        [JsonPropertyName("subnets")] public IReadOnlyList<MdcaIpRange>? Subnets { get; set; }
        /// <summary><c>tags</c>: tag objects or names.</summary>
        [JsonPropertyName("tags")] public object? Tags { get; set; }
        /// <summary><c>location</c>.</summary>
        [JsonPropertyName("location")] public MdcaSubnetLocation? Location { get; set; }
        /// <summary><c>builtIn</c>.</summary>
        [JsonPropertyName("builtIn")] public bool? BuiltIn { get; set; }
        /// <summary><c>lastModified</c> (UTC).</summary>
        [JsonPropertyName("lastModified"), JsonConverter(typeof(MdcaDateTimeConverter))] public DateTime? LastModified { get; set; }
        /// <summary><c>_tid</c>.</summary>
        [JsonPropertyName("_tid")] public long? TenantId { get; set; }
    }

    /// <summary>One of a subnet's <c>subnets[]</c>.</summary>
    public class MdcaIpRange : MdcaObject
    {
        /// <summary><c>originalString</c>: the CIDR as given, e.g. 10.0.0.0/8.</summary>
        [JsonPropertyName("originalString")] public string? OriginalString { get; set; }
        /// <summary><c>address</c>: the IPv6(-mapped) address.</summary>
        [JsonPropertyName("address")] public string? Address { get; set; }
        /// <summary><c>mask</c>: the IPv6 prefix length.</summary>
        [JsonPropertyName("mask")] public long? Mask { get; set; }

        /// <summary>The CIDR, for display.</summary>
        public override string ToString() => OriginalString ?? Address ?? string.Empty;
    }

    /// <summary>A subnet's <c>location</c>.</summary>
    public class MdcaSubnetLocation : MdcaObject
    {
        /// <summary><c>name</c>.</summary>
        [JsonPropertyName("name")] public string? Name { get; set; }
        /// <summary><c>countryCode</c>.</summary>
        [JsonPropertyName("countryCode")] public string? CountryCode { get; set; }
        /// <summary><c>countryName</c>.</summary>
        [JsonPropertyName("countryName")] public string? CountryName { get; set; }
        /// <summary><c>latitude</c>.</summary>
        [JsonPropertyName("latitude")] public double? Latitude { get; set; }
        /// <summary><c>longitude</c>.</summary>
        [JsonPropertyName("longitude")] public double? Longitude { get; set; }
    }
}
