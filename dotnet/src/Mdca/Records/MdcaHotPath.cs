using System.Runtime.CompilerServices;

namespace Mdca
{
    /// <summary>
    /// How the methods that convert every record are compiled. A pull is a short, hot process: 100k activities
    /// convert in about a second and a half, while the runtime's tiered compilation first runs each method
    /// unoptimized, then instrumented for dynamic PGO, and optimizes it only after call counts and a delay that
    /// every newly compiled method extends — so a large share of the records were read by slow code (measured
    /// with <c>perf</c> on the C# consumer in <c>bench/csharp</c>: ~9 % of its CPU in the JIT, and unoptimized or
    /// instrumented reader code still running after the first 20k records). The record readers are therefore
    /// compiled fully optimized at their first call (median −8 % CPU per pull in interleaved runs), at the price of the
    /// few percent profile-guided optimization would have won back in a process that runs for minutes.
    /// </summary>
    internal static class MdcaHotPath
    {
        /// <summary>
        /// <c>MethodImplOptions.AggressiveOptimization</c>, which netstandard2.0 does not name (the runtime that
        /// runs the library — .NET Framework 4.7.2+ or .NET 8+ — reads the flag by its value; the Framework's JIT
        /// has no tiers and ignores it).
        /// </summary>
        internal const MethodImplOptions Optimized = (MethodImplOptions)512;
    }
}
