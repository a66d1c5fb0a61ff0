using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Objectives;

public class CorruptionTests
{
    private const int N = 200_000;

    private static float[] Grey()
    {
        var x = new float[N];
        for (int i = 0; i < N; i++) x[i] = 0.25f + 0.5f * (i % 2);   // 0.25, 0.75, …
        return x;
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void MaskingZeroesAFractionP(double p)
    {
        var x = Grey();
        var y = new float[N];
        new Corruption(CorruptionKind.Mask, (float)p).Apply(x, y, new Rng(3));
        int zeroed = 0;
        for (int i = 0; i < N; i++)
        {
            if (y[i] == 0f) zeroed++;
            else Assert.Equal(x[i], y[i]);
        }
        double se = Math.Sqrt(p * (1 - p) / N);
        Assert.InRange(zeroed / (double)N, p - 5 * se, p + 5 * se);
    }

    [Fact]
    public void SaltAndPepperSetsHalfToZeroAndHalfToOne()
    {
        const double p = 0.3;
        var x = Grey();
        var y = new float[N];
        new Corruption(CorruptionKind.SaltPepper, (float)p).Apply(x, y, new Rng(4));
        int zeros = 0, ones = 0;
        for (int i = 0; i < N; i++)
        {
            if (y[i] == 0f) zeros++;
            else if (y[i] == 1f) ones++;
            else Assert.Equal(x[i], y[i]);
        }
        double se = Math.Sqrt(p / 2 * (1 - p / 2) / N);
        Assert.InRange(zeros / (double)N, p / 2 - 5 * se, p / 2 + 5 * se);
        Assert.InRange(ones / (double)N, p / 2 - 5 * se, p / 2 + 5 * se);
    }

    [Fact]
    public void GaussianNoiseHasMeanZeroAndStandardDeviationSigma()
    {
        const double sigma = 0.3;
        var x = Grey();
        var y = new float[N];
        new Corruption(CorruptionKind.Gaussian, (float)sigma).Apply(x, y, new Rng(5));
        double sum = 0, sum2 = 0;
        for (int i = 0; i < N; i++) { double e = y[i] - x[i]; sum += e; sum2 += e * e; }
        double mean = sum / N, variance = sum2 / N - mean * mean;
        Assert.InRange(mean, -5 * sigma / Math.Sqrt(N), 5 * sigma / Math.Sqrt(N));
        // Var of the sample variance of a normal is 2σ⁴/N.
        Assert.InRange(variance, sigma * sigma - 5 * Math.Sqrt(2.0 / N) * sigma * sigma, sigma * sigma + 5 * Math.Sqrt(2.0 / N) * sigma * sigma);
    }

    [Theory]
    [InlineData("none", CorruptionKind.None, 0f)]
    [InlineData("gaussian:0.5", CorruptionKind.Gaussian, 0.5f)]
    [InlineData("mask:0.25", CorruptionKind.Mask, 0.25f)]
    [InlineData("salt-pepper:0.1", CorruptionKind.SaltPepper, 0.1f)]
    public void ParsesAndPrintsBack(string text, CorruptionKind kind, float level)
    {
        var c = Corruption.Parse(text);
        Assert.Equal(new Corruption(kind, level), c);
        Assert.Equal(c, Corruption.Parse(c.ToString()));
    }

    [Theory]
    [InlineData("mask")]
    [InlineData("mask:1.5")]
    [InlineData("gaussian:-1")]
    [InlineData("blur:0.1")]
    [InlineData("mask:NaN")]
    public void RejectsBadSpecificationsNamingTheOption(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => Corruption.Parse(text));
        Assert.Contains("--noise", e.Message);
    }
}
