using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca
{
    /// <summary>UTF-8 marshalling, status checking and cancellable waits shared by the wrappers.</summary>
    internal static class Native
    {
        /// <summary>How often a waiting caller looks at its CancellationToken.</summary>
        internal const int SliceMilliseconds = 100;

        internal static byte[]? Utf8(string? text)
        {
            if (text == null)
            {
                return null;
            }
            var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Takes ownership of a library string (freed here) and returns it decoded.</summary>
        internal static string? TakeString(IntPtr ptr, UIntPtr len)
        {
            if (ptr == IntPtr.Zero)
            {
                return null;
            }
            using var text = new NativeText(ptr, len);
            return Encoding.UTF8.GetString(text.ToArray());
        }

        /// <summary>Throws the calling thread's last error unless the status is Ok.</summary>
        internal static void Check(int status)
        {
            if (status != (int)MdcaStatus.Ok)
            {
                throw MdcaException.FromLastError(status);
            }
        }

        internal static NativeText CheckText(int status, IntPtr ptr, UIntPtr len)
        {
            Check(status);
            return new NativeText(ptr, len);
        }

        internal static string CheckString(int status, IntPtr ptr, UIntPtr len)
        {
            Check(status);
            return TakeString(ptr, len) ?? string.Empty;
        }

        /// <summary>
        /// Runs a blocking native call. Without a cancellable token it runs on the caller's thread. With one,
        /// it runs on a worker thread while the caller waits in slices of <see cref="SliceMilliseconds"/>, so
        /// that a cancellation returns within a second even though the native call cannot be interrupted (it
        /// finishes in the background and its result is released there). The last error is thread-local, so
        /// <paramref name="call"/> must check its own status (it does, through Check*).
        /// </summary>
        internal static T Run<T>(Func<T> call, CancellationToken cancellationToken, Action<T>? discard = null)
        {
            if (!cancellationToken.CanBeCanceled)
            {
                return call();
            }
            cancellationToken.ThrowIfCancellationRequested();
            Task<T> task = Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (!Wait(task, cancellationToken))
            {
                if (discard != null)
                {
                    task.ContinueWith(t => discard(t.Result), CancellationToken.None,
                        TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                // Observe a late failure so it is not reported as an unobserved task exception.
                task.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw new OperationCanceledException(cancellationToken);
            }
            return Result(task);
        }

        /// <summary>Waits in slices; false if the token was cancelled first.</summary>
        internal static bool Wait(Task task, CancellationToken cancellationToken)
        {
            while (!task.IsCompleted)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
                try
                {
                    task.Wait(SliceMilliseconds, CancellationToken.None);
                }
                catch (AggregateException)
                {
                    // Completed with an error: reported by Result.
                }
            }
            return true;
        }

        /// <summary>The task's result, or its exception rethrown as is (not wrapped).</summary>
        internal static T Result<T>(Task<T> task)
        {
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (MdcaException e)
            {
                // Rethrown on this thread with a fresh stack but the same error.
                throw e.Copy();
            }
        }
    }
}
