using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace Mdca.PowerShell
{
    /// <summary>
    /// Set-MdcaSubnet: changes the given properties of an IP range and keeps the others. The API replaces
    /// the whole record, so the cmdlet starts from the range's current values: the piped record's own
    /// (-InputObject), or the range fetched by -Identity. -Replace sends only what is given, as the API
    /// does (omitted organization and tags become empty).
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "MdcaSubnet", DefaultParameterSetName = IdentitySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(MdcaSubnet))]
    public sealed class SetMdcaSubnetCommand : MdcaCmdlet
    {
        private const string IdentitySet = "Identity";
        private const string InputObjectSet = "InputObject";

        /// <summary>The IP range id; binds from a piped object's Id or _id property.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdentitySet, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "_id")]
        [ValidateNotNullOrEmpty]
        public string Identity { get; set; } = "";

        /// <summary>A range from Get-MdcaSubnet: its own values are the starting point.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        public MdcaSubnet? InputObject { get; set; }

        /// <summary>The unique name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The category.</summary>
        [Parameter]
        [ValidateSet("Corporate", "Administrative", "Risky", "VPN", "CloudProvider", "Other")]
        public string? Category { get; set; }

        /// <summary>CIDR ranges.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Subnet { get; set; }

        /// <summary>The ISP name ("" clears it).</summary>
        [Parameter]
        [AllowEmptyString]
        public string? Organization { get; set; }

        /// <summary>Tag names or ids (an empty array clears them).</summary>
        [Parameter]
        [AllowEmptyCollection]
        public string[]? Tag { get; set; }

        /// <summary>Sends only the given values, as the API does: -Name, -Category and -Subnet are then required.</summary>
        [Parameter]
        public SwitchParameter Replace { get; set; }

        /// <summary>Outputs the updated range.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string id = InputObject?.Id ?? Identity;
            var client = RequireClient();
            try
            {
                var values = new List<KeyValuePair<string, object?>>();
                if (Replace)
                {
                    values.Add(Pair("Name", Name));
                    values.Add(Pair("Category", Category));
                    values.Add(Pair("Subnet", Subnet));
                    values.Add(Pair("Organization", Organization));
                    values.Add(Pair("Tag", Tag));
                }
                else
                {
                    var current = InputObject ?? Call(ct => client.Fetch<MdcaSubnet>("subnets", id, ct));
                    values.Add(Pair("Name", Name ?? current.Name));
                    values.Add(Pair("Category", (object?)Category ?? current.Category));
                    values.Add(Pair("Subnet", (object?)Subnet ?? current.Subnets?.Select(s => s.OriginalString).ToArray()));
                    values.Add(Pair("Organization", Organization ?? current.Organization));
                    values.Add(Pair("Tag", (object?)Tag ?? TagNames(current.Tags)));
                }
                string? name = Name ?? InputObject?.Name;
                string target = "IP range " + id + (name != null ? " (" + name + ")" : "");
                if (!ShouldProcess(target, Replace ? "Replace" : "Update"))
                {
                    return;
                }
                string spec = Binding.SubnetSpec(values);
                Call(ct => client.UpdateSubnet(id, spec, ct));
                if (PassThru)
                {
                    WriteObject(Call(ct => client.Fetch<MdcaSubnet>("subnets", id, ct)));
                }
            }
            catch (Exception e) when (IsReportable(e))
            {
                WriteItemError(e, id);
            }
        }

        /// <summary>
        /// The names of a record's tags: the binding gives them as JSON elements, dictionaries or objects
        /// with a name (the API's tag objects), or plain strings.
        /// </summary>
        private static string[] TagNames(object? tags)
        {
            var names = new List<string>();
            if (tags is JsonElement { ValueKind: JsonValueKind.Array } array)
            {
                foreach (var tag in array.EnumerateArray())
                {
                    if (tag.ValueKind == JsonValueKind.String)
                    {
                        names.Add(tag.GetString()!);
                    }
                    else if (tag.ValueKind == JsonValueKind.Object && tag.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                    {
                        names.Add(name.GetString()!);
                    }
                }
            }
            else if (tags is IEnumerable items and not string)
            {
                foreach (object? tag in items)
                {
                    string? name = tag switch
                    {
                        null => null,
                        string text => text,
                        JsonElement { ValueKind: JsonValueKind.Object } element when element.TryGetProperty("name", out var value) => value.GetString(),
                        IDictionary map => map.Contains("name") ? map["name"]?.ToString() : null,
                        _ => PSObject.AsPSObject(tag).Properties["name"]?.Value?.ToString(),
                    };
                    if (!string.IsNullOrEmpty(name))
                    {
                        names.Add(name!);
                    }
                }
            }
            return names.ToArray();
        }

        private static KeyValuePair<string, object?> Pair(string name, object? value) => new(name, value);
    }
}
