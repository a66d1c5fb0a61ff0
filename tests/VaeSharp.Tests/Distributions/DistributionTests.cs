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

    [Fact]
    public void GaussianPixelLogLikelihoodMatchesTheDensity()
    {
        // m = σ(0) = 0.5, variance e^0 = 1: log N(0.8; 0.5, 1) = −½(log 2π + 0.09)
        double ll = GaussianPixels.LogLikelihood([0.8f], [0f], [0f], default, default, 1f);
        Assert.Equal(-0.5 * (Math.Log(2 * Math.PI) + 0.09), ll, 6);
    }
}
