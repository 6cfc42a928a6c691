using System;
using System.Collections.Generic;
using System.Collections.Specialized;

namespace Mdca.PowerShell
{
    /// <summary>
    /// The calls of the binding that take a cmdlet's parameters: the native parameter mapping
    /// (mdca_params_*, tested in Rust), so PowerShell and the library agree on every filter.
    /// </summary>
    internal static class Binding
    {
        /// <summary>A Get-Mdca* cmdlet's parameters → the query request JSON.</summary>
        internal static string QueryRequest(string entity, IEnumerable<KeyValuePair<string, object?>> parameters) =>
            MdcaParams.QueryRequest(entity, Dictionary(parameters));

        /// <summary>Close-MdcaAlert's parameters → the close request JSON.</summary>
        internal static string CloseAlertsRequest(IEnumerable<KeyValuePair<string, object?>> parameters) =>
            MdcaParams.CloseAlertsRequest(Dictionary(parameters));

        /// <summary>New-/Set-MdcaSubnet's parameters → the subnet spec JSON.</summary>
        internal static string SubnetSpec(IEnumerable<KeyValuePair<string, object?>> parameters) =>
            MdcaParams.SubnetSpec(Dictionary(parameters));

        private static OrderedDictionary Dictionary(IEnumerable<KeyValuePair<string, object?>> parameters)
        {
            var dictionary = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in parameters)
            {
                dictionary[pair.Key] = pair.Value;
            }
            return dictionary;
        }
    }
}
