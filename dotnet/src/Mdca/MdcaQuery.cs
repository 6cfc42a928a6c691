using System;
using System.Runtime.InteropServices;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Mdca
{
    /// <summary>
    /// A running list query, stepped page by page (the library pages, paces, retries and de-duplicates).
    /// Enumerating it yields every record to the end. One thread pages at a time; <see cref="Cancel"/>,
    /// <see cref="Progress"/> and <see cref="Dispose"/> may be called from any thread at any time.
    /// </summary>
    /// <typeparam name="T">The record class pages are read into.</typeparam>
    public sealed class MdcaQuery<T> : IDisposable, IEnumerable<T> where T : MdcaRecord
    {
        private readonly QueryHandle handle;
        private readonly object gate = new();
        private Task<NativeText?>? pending;
        private bool finished;
        private volatile bool disposed;

        internal MdcaQuery(QueryHandle handle, string entity)
        {
            this.handle = handle;
            Entity = entity;
        }

        /// <summary>The entity queried (activities, alerts, files, entities, subnets).</summary>
        public string Entity { get; }

        /// <summary>Whether the last page was delivered.</summary>
        public bool IsFinished
        {
            get
            {
                lock (gate)
                {
                    return finished;
                }
            }
        }

        /// <summary>Whether <see cref="Dispose"/> was called.</summary>
        public bool IsDisposed => disposed;

        /// <summary>
        /// The next page, or null when the query has no more pages. With a cancellable token the call waits
        /// in slices and cancels the native query when the token fires (the query cannot go on afterwards):
        /// it throws OperationCanceledException within a second.
        /// </summary>
        /// <exception cref="MdcaException">Any server, transport or authentication error.</exception>
        public IReadOnlyList<T>? NextPage(CancellationToken cancellationToken = default) =>
            ReadAll(NextText(cancellationToken));

        /// <summary>
        /// Waits up to <paramref name="millisecondsTimeout"/> for the next page. Returns false if the page is
        /// still in flight (call again to keep waiting on the same request); true with the page, or with null
        /// when the query is finished. A host such as PowerShell checks for Ctrl+C between calls.
        /// </summary>
        /// <exception cref="MdcaException">Any server, transport or authentication error.</exception>
        public bool TryNextPage(int millisecondsTimeout, out IReadOnlyList<T>? page)
        {
            page = null;
            if (!TryNextText(millisecondsTimeout, out NativeText? text))
            {
                return false;
            }
            page = ReadAll(text);
            return true;
        }

        /// <summary>The next page without blocking a thread of the caller's; null at the end. Cancelling the token cancels the query.</summary>
        /// <exception cref="MdcaException">Any server, transport or authentication error.</exception>
        public async Task<IReadOnlyList<T>?> NextPageAsync(CancellationToken cancellationToken = default)
        {
            Task<NativeText?> task;
            lock (gate)
            {
                ThrowIfDisposed();
                if (finished)
                {
                    return null;
                }
                pending ??= StartFetch();
                task = pending;
            }
            List<T>? page;
            using (cancellationToken.Register(Cancel))
            {
                try
                {
                    // Read before the page stops being in flight: Checkpoint() refuses until it is returned.
                    page = ReadAll(await task.ConfigureAwait(false));
                }
                catch (MdcaException e) when (e.Status == MdcaStatus.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("the mdca query was cancelled", e, cancellationToken);
                }
                finally
                {
                    lock (gate)
                    {
                        if (ReferenceEquals(pending, task))
                        {
                            pending = null;
                        }
                    }
                }
            }
            lock (gate)
            {
                ThrowIfDisposed();
                finished |= page == null;
            }
            return page;
        }

        /// <summary>
        /// The next page as a reader that converts one record at a time (null when the query has no more
        /// pages); the caller disposes it. Waits as <see cref="NextPage"/> does.
        /// </summary>
        internal MdcaPageReader<T>? NextPageReader(CancellationToken cancellationToken = default) =>
            NextText(cancellationToken) is { } text ? new MdcaPageReader<T>(text) : null;

        private NativeText? NextText(CancellationToken cancellationToken)
        {
            bool inFlight;
            lock (gate)
            {
                ThrowIfDisposed();
                if (finished)
                {
                    return null;
                }
                inFlight = pending != null;
            }
            if (!inFlight && !cancellationToken.CanBeCanceled)
            {
                // Blocking callers page on their own thread: no task, no extra thread.
                NativeText? page = FetchText();
                lock (gate)
                {
                    finished |= page == null;
                }
                return page;
            }
            while (true)
            {
                if (TryNextText(Native.SliceMilliseconds, out NativeText? page))
                {
                    return page;
                }
                if (cancellationToken.IsCancellationRequested)
                {
                    Cancel();
                    throw new OperationCanceledException("the mdca query was cancelled", cancellationToken);
                }
            }
        }

        private bool TryNextText(int millisecondsTimeout, out NativeText? page)
        {
            page = null;
            Task<NativeText?> task;
            lock (gate)
            {
                ThrowIfDisposed();
                if (finished)
                {
                    return true;
                }
                pending ??= StartFetch();
                task = pending;
            }
            try
            {
                if (!task.Wait(millisecondsTimeout))
                {
                    return false;
                }
            }
            catch (AggregateException)
            {
                // Reported below through Native.Result, unwrapped.
            }
            lock (gate)
            {
                if (ReferenceEquals(pending, task))
                {
                    pending = null;
                }
                if (disposed)
                {
                    if (task.Status == TaskStatus.RanToCompletion)
                    {
                        task.Result?.Dispose();
                    }
                    throw new ObjectDisposedException(nameof(MdcaQuery<T>));
                }
            }
            NativeText? result = Native.Result(task);
            lock (gate)
            {
                finished |= result == null;
            }
            page = result;
            return true;
        }

        /// <summary>A whole page read into records; the native text is freed.</summary>
        private static List<T>? ReadAll(NativeText? text)
        {
            if (text == null)
            {
                return null;
            }
            using (text)
            {
                return MdcaJson.ReadPage<T>(text.Span);
            }
        }

        /// <summary>The pages to the end; cancelling the token cancels the query.</summary>
        public IEnumerable<IReadOnlyList<T>> Pages(CancellationToken cancellationToken = default)
        {
            while (NextPage(cancellationToken) is { } page)
            {
                yield return page;
            }
        }

        /// <summary>Progress so far: records, pages, approximate total, requests, retries, throttle wait.</summary>
        public MdcaProgress Progress
        {
            get
            {
                ThrowIfDisposed();
                var progress = new NativeProgress { StructSize = (UIntPtr)Marshal.SizeOf<NativeProgress>() };
                Native.Check(NativeMethods.mdca_query_progress(handle, ref progress));
                return new MdcaProgress(progress);
            }
        }

        /// <summary>
        /// The query's checkpoint, a small JSON object (no records, no credentials): the position after the
        /// pages this query has returned so far. Save it once a page is processed; a new query of the same
        /// entity and request, given it through <see cref="MdcaParams.ResumeRequest"/>, continues after those
        /// pages. The checkpoint of a finished query, resumed, returns only the records new or changed since
        /// (an incremental run).
        /// </summary>
        /// <exception cref="InvalidOperationException">A page was asked for and not yet returned (a
        /// <see cref="TryNextPage"/> still waiting, a <see cref="NextPageAsync"/> not yet awaited): a checkpoint
        /// is taken between pages, and that page would be in it without the caller having seen it.</exception>
        /// <exception cref="MdcaException">InvalidArgument when another thread is inside <see cref="NextPage"/>.</exception>
        public string Checkpoint()
        {
            lock (gate)
            {
                ThrowIfDisposed();
                if (pending != null)
                {
                    throw new InvalidOperationException("a page of this query is in flight or not yet returned: take the checkpoint between pages");
                }
                int status = NativeMethods.mdca_query_checkpoint(handle, out IntPtr json, out UIntPtr len);
                return Native.CheckString(status, json, len);
            }
        }

        /// <summary>Stops the query: a page in flight returns Cancelled promptly, and so does every later call. Any thread; idempotent.</summary>
        public void Cancel()
        {
            try
            {
                // Only InvalidHandle can come back (a query freed meanwhile), which is the cancelled state anyway.
                _ = NativeMethods.mdca_query_cancel(handle);
            }
            catch (ObjectDisposedException)
            {
                // Cancelling a disposed query is a no-op: the free already cancelled it.
            }
        }

        /// <summary>
        /// Every record to the end, page by page. Each record is converted as it is reached (straight from
        /// the library's copy of the page, freed once read), so that a caller who does not keep the records
        /// holds one at a time rather than a page of them.
        /// </summary>
        public IEnumerator<T> GetEnumerator()
        {
            while (NextPageReader() is { } reader)
            {
                using (reader)
                {
                    while (reader.TryRead(out T? record))
                    {
                        yield return record!;
                    }
                }
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        /// <summary>Cancels and frees the query. Safe to call twice and from another thread than the one paging.</summary>
        public void Dispose()
        {
            if (disposed)
            {
                return;
            }
            Cancel();
            Task<NativeText?>? inFlight;
            lock (gate)
            {
                disposed = true;
                inFlight = pending;
                pending = null;
            }
            // A page still in flight (a TryNextPage or NextPageAsync given up on) ends Cancelled: observe that, or
            // free the page if it arrived anyway.
            inFlight?.ContinueWith(t =>
            {
                if (t.Status == TaskStatus.RanToCompletion)
                {
                    t.Result?.Dispose();
                }
                else
                {
                    _ = t.Exception;
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            handle.Dispose();
        }

        private Task<NativeText?> StartFetch() =>
            Task.Factory.StartNew(FetchText, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private NativeText? FetchText()
        {
            int status = NativeMethods.mdca_query_next_page(handle, out IntPtr json, out UIntPtr len);
            if (status == (int)MdcaStatus.Done)
            {
                return null;
            }
            return Native.CheckText(status, json, len);
        }

        private void ThrowIfDisposed()
        {
            if (disposed)
            {
                throw new ObjectDisposedException(nameof(MdcaQuery<T>));
            }
        }
    }
}
