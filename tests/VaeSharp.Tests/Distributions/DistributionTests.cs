using VaeSharp.Distributions;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Distributions;

public class DistributionTests
{
    [Fact]
    public void ClosedFormKlMatchesMonteCarlo()
    {
        float[] mu = [0.5f, -1.2f, 0f, 2f];
        float[] logVar = [0f, -1f, 0.7f, -2.5f];
        double closed = DiagonalGaussian.KlToStandardNormal(mu, logVar);
        var rng = new Rng(42);
        var eps = new float[4];
        var z = new float[4];
        const int n = 200_000;
        double sum = 0, sum2 = 0;
        for (int k = 0; k < n; k++)
        {
            rng.FillNormal(eps);
            DiagonalGaussian.Reparameterize(mu, logVar, eps, z);
            double v = DiagonalGaussian.LogDensity(z, mu, logVar) - DiagonalGaussian.LogStandardNormal(z);
            sum += v; sum2 += v * v;
        }
        double mean = sum / n, se = Math.Sqrt((sum2 / n - mean * mean) / n);
        Assert.True(Math.Abs(mean - closed) < 4 * se, $"MC {mean:F5} ± {se:F5} vs closed form {closed:F5}");
        // Known value by hand for one coordinate: KL(N(0.5, 1) ‖ N(0, 1)) = 0.125.
        Assert.Equal(0.125, DiagonalGaussian.KlToStandardNormal([0.5f], [0f]), 6);
        Assert.Equal(0.0, DiagonalGaussian.KlToStandardNormal([0f], [0f]), 12);
    }

    [Theory]
    [InlineData(100f, 1f, 0.0)]
    [InlineData(100f, 0f, -100.0)]
    [InlineData(-100f, 0f, 0.0)]
    [InlineData(-100f, 1f, -100.0)]
    [InlineData(0f, 1f, -0.69314718)]
    public void BernoulliLogLikelihoodIsFiniteAndExactAtExtremeLogits(float logit, float x, double expected)
    {
        var grad = new float[1];
        double ll = Bernoulli.LogLikelihood([x], [logit], grad, 1f);
        Assert.True(double.IsFinite(ll));
        Assert.Equal(expected, ll, 5);
        // d(−log p)/dℓ = σ(ℓ) − x
        double sigma = 1 / (1 + Math.Exp(-logit));
        Assert.Equal(sigma - x, grad[0], 6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(784)]
    public void VectorizedBernoulliMatchesADoublePrecisionReferenceAtEveryLength(int n)
    {
        var rng = new Rng((ulong)n);
        var x = new float[n];
        var l = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextFloat() < 0.5f ? 1f : rng.NextFloat();
            l[i] = (i % 7) switch { 0 => 100f, 1 => -100f, 2 => 0f, _ => 20f * (rng.NextFloat() - 0.5f) };
        }
        var grad = new float[n];
        double ll = Bernoulli.LogLikelihood(x, l, grad, 0.5f);
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            double li = l[i], sp = Math.Max(li, 0) + Math.Log(1 + Math.Exp(-Math.Abs(li)));
            expected += x[i] * li - sp;
            double sigma = 1 / (1 + Math.Exp(-li));
            Assert.True(Math.Abs(0.5 * (sigma - x[i]) - grad[i]) < 1e-6, $"gradient {i}: {grad[i]} vs {0.5 * (sigma - x[i])}");
        }
        Assert.True(Math.Abs(ll - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{ll} vs {expected}");
    }

    [Fact]
    public void GaussianPixelLogLikelihoodMatchesTheDensity()
    {
        // m = σ(0) = 0.5, variance e^0 = 1: log N(0.8; 0.5, 1) = −½(log 2π + 0.09)
        double ll = GaussianPixels.LogLikelihood([0.8f], [0f], [0f], default, default, 1f);
        Assert.Equal(-0.5 * (Math.Log(2 * Math.PI) + 0.09), ll, 6);
    }
}
