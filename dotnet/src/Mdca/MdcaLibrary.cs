using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Mdca
{
    /// <summary>
    /// Finds the native library (libmdca.so, mdca.dll, libmdca.dylib). Order: an explicit path
    /// (<see cref="SetPath"/>, else the MDCA_NATIVE_LIBRARY environment variable); then, in the folder given
    /// to <see cref="Initialize"/>, the folder of this assembly and the application's folder:
    /// runtimes/&lt;rid&gt;/native/&lt;file&gt; (the NuGet layout), &lt;file&gt; beside the assembly, and
    /// &lt;rid&gt;/&lt;file&gt;; then the platform's normal search. On .NET (Core) a DllImport resolver does
    /// this (NativeLibrary, through reflection since netstandard2.0 lacks it); on .NET Framework on Windows the
    /// library is preloaded by full path so that DllImport("mdca") binds to it.
    /// </summary>
    public static class MdcaLibrary
    {
        private static readonly object Gate = new();
        private static string? explicitPath;
        private static string? baseDirectory;
        private static volatile bool installed;
        private static string? loadedFrom;
        private static MethodInfo? nativeLoad;

        /// <summary>Use this exact library file (before the first mdca call; afterwards only the same file).</summary>
        public static void SetPath(string path)
        {
            if (string.IsNullOrEmpty(path))
            {
                throw new ArgumentException("a path to the mdca native library is required", nameof(path));
            }
            lock (Gate)
            {
                string full = Path.GetFullPath(path);
                if (loadedFrom != null && !string.Equals(loadedFrom, full, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("the mdca native library is already loaded from " + loadedFrom);
                }
                explicitPath = full;
            }
        }

        /// <summary>Adds a folder to search first (a PowerShell module's folder, for example). Nothing is loaded yet.</summary>
        public static void Initialize(string directory)
        {
            lock (Gate)
            {
                if (!string.IsNullOrEmpty(directory))
                {
                    baseDirectory = directory;
                }
            }
        }

        /// <summary>The runtime identifier used for the runtimes/ folder, e.g. linux-x64, osx-arm64, win-x64.</summary>
        public static string RuntimeIdentifier => OsName() + "-" + Architecture();

        /// <summary>The library's file name on this OS.</summary>
        public static string FileName => OsName() switch
        {
            "win" => "mdca.dll",
            "osx" => "libmdca.dylib",
            _ => "libmdca.so",
        };

        /// <summary>The path the library was loaded from through the resolver, or null (not yet, or the platform search).</summary>
        public static string? LoadedFrom
        {
            get
            {
                lock (Gate)
                {
                    return loadedFrom;
                }
            }
        }

        /// <summary>The path the library will be loaded from, or null for the platform search.</summary>
        public static string? ResolvedPath
        {
            get
            {
                string? path = explicitPath;
                if (string.IsNullOrEmpty(path))
                {
                    path = Environment.GetEnvironmentVariable("MDCA_NATIVE_LIBRARY");
                }
                if (!string.IsNullOrEmpty(path))
                {
                    return Path.GetFullPath(path);
                }
                foreach (string candidate in Candidates())
                {
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
                return null;
            }
        }

        /// <summary>The version of the loaded library, e.g. "0.1.0".</summary>
        public static string Version
        {
            get
            {
                EnsureInstalled();
                return Marshal.PtrToStringAnsi(NativeMethods.mdca_version()) ?? string.Empty;
            }
        }

        private static IEnumerable<string> Candidates()
        {
            var roots = new List<string>();
            string? first = baseDirectory;
            if (!string.IsNullOrEmpty(first))
            {
                roots.Add(first!);
            }
            string assembly = typeof(MdcaLibrary).Assembly.Location;
            if (!string.IsNullOrEmpty(assembly))
            {
                roots.Add(Path.GetDirectoryName(assembly)!);
            }
            roots.Add(AppDomain.CurrentDomain.BaseDirectory);
            string rid = RuntimeIdentifier, file = FileName;
            foreach (string root in roots)
            {
                if (string.IsNullOrEmpty(root))
                {
                    continue;
                }
                yield return Path.Combine(root, "runtimes", rid, "native", file);
                yield return Path.Combine(root, file);
                yield return Path.Combine(root, rid, file);
            }
        }

        internal static void EnsureInstalled()
        {
            if (installed)
            {
                return;
            }
            lock (Gate)
            {
                Install();
            }
        }

        // Runs before the first native call (under Gate). A failure leaves it uninstalled so that the next
        // call reports it again instead of a bare DllNotFoundException.
        private static void Install()
        {
            if (installed)
            {
                return;
            }
            string? path = ResolvedPath;
            if (path != null && !File.Exists(path))
            {
                throw new FileNotFoundException("the mdca native library was not found at " + path, path);
            }
            Type? nativeLibrary = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary");
            if (nativeLibrary != null)
            {
                InstallResolver(nativeLibrary);
            }
            else if (path != null && OsName() == "win")
            {
                // .NET Framework: a module loaded by full path satisfies DllImport("mdca") by its base name.
                if (LoadLibraryExW(path, IntPtr.Zero, LoadWithAlteredSearchPath) == IntPtr.Zero)
                {
                    throw new DllNotFoundException("could not load " + path + " (Win32 error " + Marshal.GetLastWin32Error() + ")");
                }
                loadedFrom = path;
            }
            installed = true;
        }

        private static void InstallResolver(Type nativeLibrary)
        {
            Type? resolverType = typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.DllImportResolver");
            if (resolverType == null)
            {
                return;
            }
            MethodInfo? set = nativeLibrary.GetMethod("SetDllImportResolver", [typeof(Assembly), resolverType]);
            nativeLoad = nativeLibrary.GetMethod("Load", [typeof(string)]);
            MethodInfo? resolve = typeof(MdcaLibrary).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static);
            if (set == null || nativeLoad == null || resolve == null)
            {
                return;
            }
            Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);
            try
            {
                set.Invoke(null, [typeof(MdcaLibrary).Assembly, resolver]);
            }
            catch (TargetInvocationException e) when (e.InnerException is InvalidOperationException)
            {
                // A resolver can be set once per assembly; one set earlier by the host is kept.
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != NativeMethods.Library)
            {
                return IntPtr.Zero;
            }
            string? path = ResolvedPath;
            if (path == null || nativeLoad == null)
            {
                return IntPtr.Zero;
            }
            try
            {
                var loaded = (IntPtr)nativeLoad.Invoke(null, [path])!;
                lock (Gate)
                {
                    loadedFrom = path;
                }
                return loaded;
            }
            catch (TargetInvocationException e)
            {
                throw new DllNotFoundException("could not load the mdca native library from " + path + ": " +
                    e.InnerException?.Message, e.InnerException);
            }
        }

        private const uint LoadWithAlteredSearchPath = 0x00000008;

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        private static extern IntPtr LoadLibraryExW(string path, IntPtr file, uint flags);

        private static string OsName()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return "win";
            }
            return RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
        }

        private static string Architecture() => RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "x64",
            System.Runtime.InteropServices.Architecture.X86 => "x86",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            _ => IntPtr.Size == 8 ? "x64" : "x86",
        };
    }
}
