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
public sealed class WorkerPool : IDisposable
{
    /// <summary>A pool that runs everything inline on the calling thread.</summary>
    public static WorkerPool Single { get; } = new(1);

    /// <summary>Creates a pool with <paramref name="threads"/> threads in all (the caller counts as one).</summary>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "A pool needs at least one thread.");
        Threads = threads;
    }

    /// <summary>Threads in all, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs <c>body.Execute(i)</c> for every i in [0, count) and returns when all are done.</summary>
    public void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        // Placeholder: serial. The performance issue replaces this with persistent threads.
        for (int i = 0; i < count; i++) body.Execute(i);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
