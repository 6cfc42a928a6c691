using System;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Mdca.PowerShell
{
    /// <summary>
    /// The file of -CheckpointPath: read before a pull, replaced atomically after each page (a temporary file
    /// beside it, flushed to disk, renamed over it, as the CLI's --checkpoint does), so that a stop at any
    /// instant leaves the previous position or the new one, never a torn file. On Unix it is readable by its
    /// owner only: its filters may name users or files.
    /// </summary>
    internal sealed class CheckpointFile
    {
        // rw------- (UnixFileMode.UserRead | UnixFileMode.UserWrite).
        private const int OwnerReadWrite = 0x180;

        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

        internal CheckpointFile(string path)
        {
            Path = path;
        }

        /// <summary>The file's full path.</summary>
        internal string Path { get; }

        /// <summary>FILE.tmp beside FILE: a rename within one directory is atomic.</summary>
        internal string TempPath => Path + ".tmp";

        /// <summary>The directory the file is written in, which must exist before anything is pulled.</summary>
        internal string Directory => System.IO.Path.GetDirectoryName(Path) ?? ".";

        /// <summary>The saved checkpoint, or null when the file does not exist or is empty (a new pull).</summary>
        /// <exception cref="IOException">The file exists and cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">The file exists and cannot be read.</exception>
        internal string? Load()
        {
            string text;
            try
            {
                text = File.ReadAllText(Path, Utf8);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        /// <summary>Replaces the file with <paramref name="checkpoint"/>, atomically and durably.</summary>
        /// <exception cref="IOException">It could not be written (the message names the file).</exception>
        internal void Save(string checkpoint)
        {
            try
            {
                byte[] bytes = Utf8.GetBytes(checkpoint + "\n");
                using (var stream = new FileStream(TempPath, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    // Before the first byte: a leftover FILE.tmp keeps its old mode otherwise.
                    RestrictToOwner(TempPath);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }
                if (File.Exists(Path))
                {
                    File.Replace(TempPath, Path, destinationBackupFileName: null);
                }
                else
                {
                    File.Move(TempPath, Path);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException("cannot save the checkpoint " + Path + ": " + e.Message, e);
            }
        }

        // File.SetUnixFileMode (.NET 7+, so PowerShell 7.4+) is not in netstandard2.0: found at run time.
        private static readonly MethodInfo? SetUnixFileMode = FindSetUnixFileMode();

        private static MethodInfo? FindSetUnixFileMode()
        {
            Type? mode = typeof(File).Assembly.GetType("System.IO.UnixFileMode", throwOnError: false);
            return mode == null ? null : typeof(File).GetMethod("SetUnixFileMode", [typeof(string), mode]);
        }

        private static void RestrictToOwner(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || SetUnixFileMode == null)
            {
                return;
            }
            Type mode = SetUnixFileMode.GetParameters()[1].ParameterType;
            try
            {
                SetUnixFileMode.Invoke(null, [path, Enum.ToObject(mode, OwnerReadWrite)]);
            }
            catch (TargetInvocationException e) when (e.InnerException is IOException or UnauthorizedAccessException)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
        }
    }
}
