using VaeSharp.Numerics;

namespace VaeSharp.Tests.Numerics;

public class RngTests
{
    [Fact]
    public void SameSeedSameStreamAndStateRoundTrips()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        var c = Rng.FromState(a.GetState());
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), c.NextUInt64());
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
        Assert.NotEqual(Rng.ForStream(1, 0).NextUInt64(), Rng.ForStream(1, 1).NextUInt64());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(513)]
    [InlineData(100_000)]
    public void FillUniformIsUniformInTheUnitInterval(int n)
    {
        var u = new float[n];
        new Rng(7).FillUniform(u);
        Assert.All(u, v => Assert.InRange(v, 0f, 0.99999994f));
        if (n < 10_000) return;
        // 16 bins, chi-square with 15 degrees of freedom: P(χ² > 37.7) ≈ 0.001.
        var bins = new int[16];
        double mean = 0;
        foreach (float v in u) { bins[(int)(v * 16)]++; mean += v; }
        mean /= n;
        double expected = n / 16.0, chi2 = bins.Sum(b => (b - expected) * (b - expected) / expected);
        Assert.True(chi2 < 37.7, $"χ² = {chi2:F1}");
        Assert.True(Math.Abs(mean - 0.5) < 4 * Math.Sqrt(1.0 / 12 / n), $"mean {mean}");
        // Neighbouring values (different lanes and halves) are uncorrelated.
        double cov = 0;
        for (int i = 0; i + 1 < n; i++) cov += (u[i] - 0.5) * (u[i + 1] - 0.5);
        cov /= n - 1;
        Assert.True(Math.Abs(cov) < 4 * (1.0 / 12) / Math.Sqrt(n), $"lag-1 covariance {cov}");
    }

    [Fact]
    public void FillUniformIsDeterministicAndAdvancesTheGenerator()
    {
        var a = new float[1000];
        var b = new float[1000];
        new Rng(3).FillUniform(a);
        new Rng(3).FillUniform(b);
        Assert.Equal(a, b);
        var r = new Rng(3);
        r.FillUniform(a);
        r.FillUniform(b);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void NormalsHaveUnitVariance()
    {
        var z = new float[200_000];
        new Rng(11).FillNormal(z);
        double mean = z.Average(v => (double)v);
        double var = z.Average(v => (v - mean) * (v - mean));
        Assert.True(Math.Abs(mean) < 4 / Math.Sqrt(z.Length), $"mean {mean}");
        Assert.True(Math.Abs(var - 1) < 4 * Math.Sqrt(2.0 / z.Length), $"variance {var}");
    }
}
