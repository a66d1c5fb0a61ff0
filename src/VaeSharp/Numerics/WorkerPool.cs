using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace VaeSharp.Numerics;

/// <summary>
/// A body of work run over an index range by <see cref="WorkerPool.For{TBody}"/>.
/// Implemented by structs so a parallel call allocates nothing.
/// </summary>
public interface IParallelBody
{
    /// <summary>Runs the part of the work with index <paramref name="index"/> (0 ≤ index &lt; count).</summary>
    void Execute(int index);
}

/// <summary>
/// A fixed set of worker threads. <see cref="For{TBody}"/> runs an index range across them with no allocation per call.
/// The work partition must never change a result: each index writes its own outputs.
/// </summary>
/// <remarks>
/// Design: <c>Threads − 1</c> persistent background threads plus the calling thread (thread 0).
/// A call publishes the body (by pointer, with a static generic trampoline reached through a function pointer,
/// so no delegate or closure is allocated) and bumps a generation counter. Idle workers spin on that counter
/// for a short while (hand-off in well under a microsecond when calls come back to back), then block on a
/// per-worker event. Indices are handed out dynamically through an interlocked counter, so which thread runs
/// which index varies from call to call: bodies must make their results independent of that. A worker joins a job
/// only while it is open; once the caller has claimed the last index it closes the job and waits just for the
/// workers that joined, so a slow-to-wake or descheduled worker never delays a call.
/// A call made while the pool is busy (from inside a body, or concurrently from another thread) runs inline.
/// </remarks>
public sealed unsafe class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker spins on the generation counter before blocking, in stopwatch ticks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000; // 200 µs

    /// <summary>A pool that runs everything inline on the calling thread.</summary>
    public static WorkerPool Single { get; } = new(1);

    private readonly Thread[] _workers;               // [Threads − 1] background threads (worker w has id w + 1)
    private readonly ManualResetEventSlim[] _wake;    // [Threads − 1] per-worker wake-up events
    private readonly int[] _sleeping;                 // [Threads − 1] 1 while worker w is (about to be) blocked on _wake[w]

    // The current job, published before _generation is bumped.
    private delegate*<void*, int, void> _invoke;
    private void* _body;
    private int _count;
    private int _next;          // next index to hand out
    private int _state = Closed; // Closed flag | number of workers that joined the current job and have not left
    private Exception? _error;  // first exception thrown by a body in this job

    private const int Closed = 1 << 30;

    private int _generation;    // bumped once per parallel call (and once on dispose)
    private int _busy;          // 1 while a parallel call is in flight
    private volatile bool _disposed;

    /// <summary>Creates a pool with <paramref name="threads"/> threads in all (the caller counts as one).</summary>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "A pool needs at least one thread.");
        Threads = threads;
        _workers = new Thread[threads - 1];
        _wake = new ManualResetEventSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int w = 0; w < _workers.Length; w++)
        {
            _wake[w] = new ManualResetEventSlim(false, spinCount: 1);
            int id = w;
            _workers[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"VaeSharp worker {w + 1}" };
            _workers[w].Start();
        }
    }

    /// <summary>Threads in all, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs <c>body.Execute(i)</c> for every i in [0, count) and returns when all are done.</summary>
    /// <remarks>
    /// Exceptions thrown by the body are re-thrown on the caller once every thread has stopped working on the call
    /// (the first one wins; the remaining indices may be skipped). The pool stays usable afterwards.
    /// </remarks>
    public void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        if (count <= 0) return;
        if (count == 1 || Threads == 1 || _disposed || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) body.Execute(i);
            return;
        }

        try
        {
            // Pin the body: it may live inside a heap object, and workers reach it by raw pointer.
            fixed (byte* bodyPtr = &Unsafe.As<TBody, byte>(ref body))
            {
                _invoke = &Invoke<TBody>;
                _body = bodyPtr;
                _count = count;
                _next = 0;
                _error = null;
                Volatile.Write(ref _state, 0);          // open the job: workers may join from now on
                Interlocked.Increment(ref _generation); // full fence: the job is visible before the new generation
                WakeSleepers();

                RunIndices();

                // Every index is claimed. Close the job so late workers stay out (the caller never waits for a worker
                // that has not started, e.g. one still waking up), then wait for those that joined to finish.
                Interlocked.Or(ref _state, Closed);
                var spinner = new SpinWait();
                while (Volatile.Read(ref _state) != Closed) spinner.SpinOnce(sleep1Threshold: -1);
            }

            Exception? error = _error;
            _error = null;
            if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            _body = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Static trampoline: turns the untyped body pointer back into the caller's struct.</summary>
    private static void Invoke<TBody>(void* body, int index) where TBody : struct, IParallelBody
        => Unsafe.AsRef<TBody>(body).Execute(index);

    /// <summary>Claims and runs indices of the current job until none are left (shared by caller and workers).</summary>
    private void RunIndices()
    {
        delegate*<void*, int, void> invoke = _invoke;
        void* body = _body;
        int count = _count;
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= count) return;
            try
            {
                invoke(body, i);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _error, ex, null);
                Volatile.Write(ref _next, count); // stop handing out further indices
                return;
            }
        }
    }

    private void WakeSleepers()
    {
        for (int w = 0; w < _sleeping.Length; w++)
            if (Volatile.Read(ref _sleeping[w]) != 0) _wake[w].Set();
    }

    private void WorkerLoop(int w)
    {
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            // Wait for a new generation: spin first, then block.
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            var spinner = new SpinWait();
            while (Volatile.Read(ref _generation) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                // Announce the sleep, then re-check (Dekker-style with the caller's generation bump + WakeSleepers).
                Interlocked.Exchange(ref _sleeping[w], 1);
                if (Volatile.Read(ref _generation) == seen) _wake[w].Wait();
                _wake[w].Reset();
                Volatile.Write(ref _sleeping[w], 0);
                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }
            seen = Volatile.Read(ref _generation);
            if (_disposed) return;

            if (TryJoin())
            {
                RunIndices();
                Interlocked.Decrement(ref _state);
            }
        }
    }

    /// <summary>Registers the calling worker on the open job; false when the job is already closed.</summary>
    private bool TryJoin()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if ((state & Closed) != 0) return false;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state) return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed || _workers.Length == 0) { _disposed = true; return; }
        // Wait for an in-flight call to finish before stopping the workers.
        var spinner = new SpinWait();
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) spinner.SpinOnce(sleep1Threshold: -1);
        _disposed = true;
        Interlocked.Increment(ref _generation);
        for (int w = 0; w < _wake.Length; w++) _wake[w].Set();
        foreach (Thread t in _workers) t.Join();
        foreach (ManualResetEventSlim e in _wake) e.Dispose();
    }
}
