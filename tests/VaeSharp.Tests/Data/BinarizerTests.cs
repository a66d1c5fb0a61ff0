using VaeSharp.Data;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Data;

public sealed class BinarizerTests
{
    private static float[] Ramp(int n)
    {
        var p = new float[n];
        for (int i = 0; i < n; i++) p[i] = (i % 101) / 100f; // p from 0 to 1
        return p;
    }

    [Fact]
    public void Static_is_binary_fixed_for_a_seed_and_changes_with_it()
    {
        var p = Ramp(200_000); // several parallel blocks
        var a = Binarizer.Static(p, 7);
        var b = Binarizer.Static(p, 7);
        var c = Binarizer.Static(p, 8);
        Assert.All(a, x => Assert.True(x is 0f or 1f));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Static_equals_the_sequential_blockwise_definition()
    {
        // Independent of thread count: block k always uses Rng.ForStream(seed, k).
        var p = Ramp(3 * Binarizer.StaticBlockSize + 123);
        var expected = new float[p.Length];
        for (int start = 0, k = 0; start < p.Length; start += Binarizer.StaticBlockSize, k++)
        {
            int len = Math.Min(Binarizer.StaticBlockSize, p.Length - start);
            Binarizer.Sample(p.AsSpan(start, len), expected.AsSpan(start, len), Rng.ForStream(5, (ulong)k));
        }
        Assert.Equal(expected, Binarizer.Static(p, 5));
    }

    [Theory]
    [InlineData(0.05f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void Static_mean_matches_probability(float prob)
    {
        // n = 200,000: the standard error is at most 0.0011, so 0.006 is > 5 sigma and still catches a biased draw.
        const int n = 200_000;
        var p = Enumerable.Repeat(prob, n).ToArray();
        double mean = Binarizer.Static(p, 11).Average(x => (double)x);
        Assert.InRange(mean, prob - 0.006, prob + 0.006);
    }

    [Fact]
    public void Extremes_are_deterministic()
    {
        var zeros = Binarizer.Static(new float[1000], 3);
        Assert.All(zeros, x => Assert.Equal(0f, x));
        var ones = Binarizer.Static(Enumerable.Repeat(1f, 1000).ToArray(), 3);
        Assert.All(ones, x => Assert.Equal(1f, x));
    }

    [Fact]
    public void Per_pixel_probabilities_are_respected()
    {
        // Two pixels with p = 0.2 and 0.8 repeated: their column means must separate.
        const int rows = 50_000;
        var p = new float[rows * 2];
        for (int i = 0; i < rows; i++) { p[2 * i] = 0.2f; p[2 * i + 1] = 0.8f; }
        var x = Binarizer.Static(p, 99);
        double m0 = 0, m1 = 0;
        for (int i = 0; i < rows; i++) { m0 += x[2 * i]; m1 += x[2 * i + 1]; }
        Assert.InRange(m0 / rows, 0.19, 0.21);
        Assert.InRange(m1 / rows, 0.79, 0.81);
    }

    [Fact]
    public void Dynamic_draws_differ_between_calls_and_match_p_on_average()
    {
        var p = Enumerable.Repeat(0.4f, 100 * 784).ToArray();
        var rng = new Rng(1);
        var first = new float[p.Length];
        var second = new float[p.Length];
        Binarizer.Sample(p, first, rng);
        Binarizer.Sample(p, second, rng);
        Assert.NotEqual(first, second);
        int differ = first.Zip(second).Count(t => t.First != t.Second);
        // P(differ) = 2·0.4·0.6 = 0.48 per pixel; 78,400 pixels.
        Assert.InRange(differ / (double)p.Length, 0.46, 0.50);
        Assert.InRange(first.Average(v => (double)v), 0.39, 0.41);

        var replay = new float[p.Length];
        Binarizer.Sample(p, replay, new Rng(1));
        Assert.Equal(first, replay);
    }

    [Fact]
    public void Sample_allocates_nothing_and_checks_lengths()
    {
        var p = Ramp(100 * 784);
        var dst = new float[p.Length];
        var rng = new Rng(2);
        Binarizer.Sample(p, dst, rng); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Binarizer.Sample(p, dst, rng);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var e = Assert.Throws<ArgumentException>(() => Binarizer.Sample(p, new float[3], rng));
        Assert.Contains("3 values for 78400 probabilities", e.Message);
    }

    [Fact]
    public void Static_dataset_keeps_labels()
    {
        var d = Dataset.FromBytes("d", 2, 1, [0, 255, 128, 255], [1, 0], 2);
        var b = Binarizer.Static(d, 4);
        Assert.Equal(d.Labels, b.Labels);
        Assert.Equal(1f, b.Features[1]);
        Assert.Equal(0f, b.Features[0]);
    }
}
