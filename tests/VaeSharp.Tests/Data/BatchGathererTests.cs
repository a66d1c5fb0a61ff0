using VaeSharp.Data;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Data;

public sealed class BatchGathererTests
{
    [Fact]
    public void SkipUniform_advances_the_generator_exactly_as_FillUniform()
    {
        int[] lengths = [.. Enumerable.Range(0, 200), 255, 256, 257, 511, 512, 513, 784, 1000, 4097];
        foreach (int n in lengths)
        {
            var filled = new Rng(11);
            var skipped = new Rng(11);
            filled.FillUniform(new float[n]);
            skipped.SkipUniform(n);
            Assert.True(filled.GetState().SequenceEqual(skipped.GetState()), $"length {n}");
        }
    }

    /// <summary>The old path: one generator, rows binarized one after another.</summary>
    private static float[] Serial(float[] source, int[] rows, int d, Rng? rng)
    {
        var result = new float[rows.Length * d];
        for (int r = 0; r < rows.Length; r++)
        {
            var src = source.AsSpan(rows[r] * d, d);
            if (rng is null) src.CopyTo(result.AsSpan(r * d, d));
            else Binarizer.Sample(src, result.AsSpan(r * d, d), rng);
        }
        return result;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(16, 2)]
    [InlineData(63, 3)]
    [InlineData(64, 2)]
    [InlineData(100, 2)]
    [InlineData(784, 1)]
    [InlineData(784, 2)]
    [InlineData(784, 3)]
    [InlineData(1000, 2)]
    public void Parallel_gathering_is_bit_identical_to_binarizing_row_after_row(int d, int threads)
    {
        const int n = 300, batch = 37;
        var source = new float[n * d];
        new Rng(5).FillUniform(source);
        var order = Enumerable.Range(0, n).ToArray();
        new Rng(6).Shuffle(order);
        using var pool = new WorkerPool(threads);
        var gatherer = new BatchGatherer();
        var reference = new Rng(9);
        var fast = new Rng(9);
        var batchBuffer = new float[batch * d + 5];
        for (int start = 0; start + batch <= n; start += batch) // several batches: buffers are reused, the stream continues
        {
            int[] rows = order[start..(start + batch)];
            float[] expected = Serial(source, rows, d, reference);
            gatherer.Gather(source, rows, d, batchBuffer, fast, pool);
            Assert.Equal(expected, batchBuffer.AsSpan(0, batch * d).ToArray());
            Assert.Equal(reference.GetState(), fast.GetState());
            gatherer.Gather(source, rows, d, batchBuffer, null, pool); // no binarization: a plain copy
            Assert.Equal(Serial(source, rows, d, null), batchBuffer.AsSpan(0, batch * d).ToArray());
        }
    }

    [Fact]
    public void A_destination_too_small_is_refused()
    {
        var gatherer = new BatchGatherer();
        var ex = Assert.Throws<ArgumentException>(() => gatherer.Gather(new float[40], [0, 1, 2], 10, new float[29], null, WorkerPool.Single));
        Assert.Contains("3 rows of 10", ex.Message);
    }
}
