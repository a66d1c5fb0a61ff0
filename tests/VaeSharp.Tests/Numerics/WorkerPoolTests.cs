using VaeSharp.Numerics;

namespace VaeSharp.Tests.Numerics;

public sealed class WorkerPoolTests
{
    private struct CountBody : IParallelBody
    {
        public int[] Hits;
        public void Execute(int index) => Interlocked.Increment(ref Hits[index]);
    }

    private struct ThrowingBody : IParallelBody
    {
        public int Bad;
        public void Execute(int index)
        {
            if (index == Bad) throw new InvalidOperationException($"index {index}");
        }
    }

    private struct NestedBody : IParallelBody
    {
        public WorkerPool Pool;
        public int[] Hits; // [outer × 4]
        public void Execute(int index)
        {
            var inner = new CountBody { Hits = new int[4] };
            Pool.For(4, ref inner);
            for (int j = 0; j < 4; j++) Hits[index * 4 + j] = inner.Hits[j];
        }
    }

    private struct BarrierBody : IParallelBody
    {
        public Barrier Barrier;
        public int[] Met; // [count] 1 when index i met the other thread at the barrier
        public void Execute(int index) => Met[index] = Barrier.SignalAndWait(TimeSpan.FromSeconds(10)) ? 1 : 0;
    }

    [Fact]
    public void For_RunsIndicesConcurrently_OnDifferentThreads()
    {
        // Two indices that each wait for the other at a barrier: completes only if they run at the same time.
        using var pool = new WorkerPool(2);
        for (int rep = 0; rep < 20; rep++)
        {
            using var barrier = new Barrier(2);
            var body = new BarrierBody { Barrier = barrier, Met = new int[2] };
            pool.For(2, ref body);
            Assert.Equal(new[] { 1, 1 }, body.Met);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void For_RunsEveryIndexExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        foreach (int count in new[] { 0, 1, 2, 3, 7, 100, 1000 })
            for (int rep = 0; rep < 50; rep++)
            {
                var body = new CountBody { Hits = new int[count] };
                pool.For(count, ref body);
                Assert.All(body.Hits, h => Assert.Equal(1, h));
            }
    }

    [Fact]
    public void For_PropagatesExceptions_AndPoolStaysUsable()
    {
        using var pool = new WorkerPool(3);
        for (int bad = 0; bad < 6; bad++)
        {
            var thrower = new ThrowingBody { Bad = bad };
            var ex = Assert.Throws<InvalidOperationException>(() => pool.For(6, ref thrower));
            Assert.Equal($"index {bad}", ex.Message);

            var body = new CountBody { Hits = new int[64] };
            pool.For(64, ref body);
            Assert.All(body.Hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void NestedCalls_RunInline()
    {
        using var pool = new WorkerPool(2);
        var body = new NestedBody { Pool = pool, Hits = new int[8 * 4] };
        pool.For(8, ref body);
        Assert.All(body.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void ManyQuickCalls_AndSleepingWorkers_AllComplete()
    {
        using var pool = new WorkerPool(2);
        var body = new CountBody { Hits = new int[2] };
        for (int i = 0; i < 20_000; i++) pool.For(2, ref body);
        Thread.Sleep(5); // let the worker fall asleep, then wake it
        pool.For(2, ref body);
        Assert.All(body.Hits, h => Assert.Equal(20_001, h));
    }

    [Fact]
    public void Dispose_StopsThreads_AndIsIdempotent()
    {
        var pool = new WorkerPool(4);
        var body = new CountBody { Hits = new int[10] };
        pool.For(10, ref body);
        pool.Dispose();
        pool.Dispose();
        // After disposal calls still complete (inline).
        pool.For(10, ref body);
        Assert.All(body.Hits, h => Assert.Equal(2, h));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));
    }

    [Fact]
    public void WarmFor_AllocatesNothing()
    {
        using var pool = new WorkerPool(2);
        var body = new CountBody { Hits = new int[16] };
        pool.For(16, ref body);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) pool.For(16, ref body);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
