using VaeSharp.Distributions;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Objectives;

public class ElboGradientTests
{
    private static (Vae vae, float[] x) Small(DecoderKind decoder, Activation act, int[] hidden, bool binary)
    {
        var vae = new Vae(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = hidden, Latent = 3, Activation = act, Decoder = decoder });
        vae.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(11);
        var x = new float[4 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = binary ? (rng.NextFloat() < 0.4f ? 1f : 0f) : 0.1f + 0.8f * rng.NextFloat();
        return (vae, x);
    }

    [Theory]
    [InlineData(DecoderKind.Bernoulli, Estimator.B, Activation.Tanh, 1)]
    [InlineData(DecoderKind.Bernoulli, Estimator.A, Activation.Tanh, 1)]
    [InlineData(DecoderKind.Gaussian, Estimator.B, Activation.Tanh, 1)]
    [InlineData(DecoderKind.Gaussian, Estimator.A, Activation.Tanh, 1)]
    [InlineData(DecoderKind.Bernoulli, Estimator.B, Activation.Softplus, 3)]
    [InlineData(DecoderKind.Bernoulli, Estimator.A, Activation.Softplus, 2)] // ReLU is checked in the MLP test; here h would straddle its kink
    [InlineData(DecoderKind.Gaussian, Estimator.B, Activation.Sigmoid, 2)]
    public void NegativeElboGradientMatchesFiniteDifferences(DecoderKind decoder, Estimator estimator, Activation act, int samples)
    {
        var (vae, x) = Small(decoder, act, [5, 4], binary: decoder == DecoderKind.Bernoulli);
        var objective = new ElboObjective(vae, estimator, samples);
        // A fixed ε: every evaluation re-creates the generator with the same seed.
        double Loss() => -objective.Evaluate(x, 4, new Rng(99), false).Objective / 4;
        GradientCheck.AssertMatches(vae.Arena, Loss, () => objective.Evaluate(x, 4, new Rng(99), true));
    }

    /// <summary>Every Gaussian decoder variant: mean link × learned (with and without the soft floor) or fixed variance.</summary>
    [Theory]
    [InlineData(GaussianMean.Sigmoid, DecoderVariance.Fixed, 0.7f, null, Estimator.B)]
    [InlineData(GaussianMean.Identity, DecoderVariance.Fixed, 1f, null, Estimator.B)]
    [InlineData(GaussianMean.Identity, DecoderVariance.Fixed, 0.5f, null, Estimator.A)]
    [InlineData(GaussianMean.Identity, DecoderVariance.Learned, 1f, null, Estimator.B)]
    [InlineData(GaussianMean.Sigmoid, DecoderVariance.Learned, 1f, -0.3f, Estimator.B)]
    [InlineData(GaussianMean.Identity, DecoderVariance.Learned, 1f, 0.2f, Estimator.A)]
    public void GaussianDecoderVariantsHaveCorrectGradients(GaussianMean mean, DecoderVariance variance, float sigma, float? floor, Estimator estimator)
    {
        var config = new ModelConfig
        {
            InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5], Latent = 3, Activation = Activation.Tanh,
            Decoder = DecoderKind.Gaussian, GaussianMean = mean, DecoderVariance = variance, DecoderSigma = sigma, LogVarMin = floor,
        };
        var vae = new Vae(config);
        Assert.Equal(variance == DecoderVariance.Learned, vae.DecoderLogVar is not null);
        vae.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(11);
        var x = new float[4 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = mean == GaussianMean.Identity ? 2f * rng.NextFloat() - 1f : 0.1f + 0.8f * rng.NextFloat();
        if (floor is { } f)
        {
            // The log-variance head's outputs must straddle the floor, so both sides of the soft clamp are exercised.
            vae.Decode(new float[3 * 4].Select((_, i) => 0.3f * (i % 5 - 2)).ToArray(), 4, WorkerPool.Single, out _, out Span<float> r);
            Assert.Contains(r.ToArray(), v => v < f);
            Assert.Contains(r.ToArray(), v => v > f);
        }
        var objective = new ElboObjective(vae, estimator, 2);
        double Loss() => -objective.Evaluate(x, 4, new Rng(99), false).Objective / 4;
        GradientCheck.AssertMatches(vae.Arena, Loss, () => objective.Evaluate(x, 4, new Rng(99), true));
    }

    [Fact]
    public void FixedVarianceLikelihoodIsScaledSquaredErrorPlusConstant()
    {
        var spec = GaussianDecoder.From(new ModelConfig
        {
            InputSize = 3, ImageWidth = 3, ImageHeight = 1, Hidden = [], Latent = 1,
            Decoder = DecoderKind.Gaussian, GaussianMean = GaussianMean.Identity, DecoderVariance = DecoderVariance.Fixed, DecoderSigma = 0.5f,
        });
        float[] x = [0.3f, -1.2f, 2f], m = [0.1f, -1f, 1.5f];
        double sq = 0;
        for (int i = 0; i < 3; i++) sq += (x[i] - m[i]) * (double)(x[i] - m[i]);
        double expected = -0.5 * 3 * (Math.Log(2 * Math.PI) + Math.Log(0.25)) - sq / (2 * 0.25);
        Assert.Equal(expected, spec.LogLikelihood(x, m, default, default, default, 1f), 5);
    }

    [Fact]
    public void SoftLogVarianceFloorIsSmoothAndAboveTheFloor()
    {
        var spec = GaussianDecoder.Paper with { LogVarMin = -2f };
        foreach (float r in new[] { -50f, -5f, -2f, 0f, 3f, 30f })
        {
            float s = spec.LogVariance(r);
            Assert.True(s > -2f || (r < -10f && s == -2f), $"s({r}) = {s} below the floor");
            double exact = -2 + Math.Log(1 + Math.Exp(r + 2));
            Assert.True(Math.Abs(s - exact) < 1e-5 * (1 + Math.Abs(exact)), $"s({r}) = {s}, expected {exact}");
        }
        Assert.Equal(30f, spec.LogVariance(30f), 4);    // far above the floor it is the identity
        Assert.Equal(3f, GaussianDecoder.Paper.LogVariance(3f)); // no floor: s = r
    }

    [Fact]
    public void LinearVaeWithoutHiddenLayersHasCorrectGradient()
    {
        var (vae, x) = Small(DecoderKind.Gaussian, Activation.Tanh, [], binary: false);
        var objective = new ElboObjective(vae, Estimator.B, 2);
        double Loss() => -objective.Evaluate(x, 4, new Rng(3), false).Objective / 4;
        GradientCheck.AssertMatches(vae.Arena, Loss, () => objective.Evaluate(x, 4, new Rng(3), true));
    }

    [Fact]
    public void ElboIsReconstructionMinusKl()
    {
        var (vae, x) = Small(DecoderKind.Bernoulli, Activation.Tanh, [5], binary: true);
        var t = new ElboObjective(vae, Estimator.B, 1).Evaluate(x, 4, new Rng(1), false);
        Assert.Equal(t.Reconstruction - t.Kl, t.Objective, 10);
        Assert.True(t.Kl > 0);
        Assert.True(t.Reconstruction < 0);
    }

    [Fact]
    public void EstimatorsAAndBAgreeInExpectation()
    {
        // Same model, same data; the Monte Carlo KL of estimator A averages to the closed form of B.
        var (vae, x) = Small(DecoderKind.Bernoulli, Activation.Tanh, [5], binary: true);
        var a = new ElboObjective(vae, Estimator.A, 1);
        var b = new ElboObjective(vae, Estimator.B, 1);
        var rng = new Rng(5);
        const int n = 20000;
        double sumA = 0, sumA2 = 0, sumB = 0, sumB2 = 0;
        for (int k = 0; k < n; k++)
        {
            double va = a.Evaluate(x, 4, rng, false).Objective / 4;
            double vb = b.Evaluate(x, 4, rng, false).Objective / 4;
            sumA += va; sumA2 += va * va; sumB += vb; sumB2 += vb * vb;
        }
        double meanA = sumA / n, meanB = sumB / n;
        double se = Math.Sqrt((sumA2 / n - meanA * meanA) / n + (sumB2 / n - meanB * meanB) / n);
        Assert.True(se > 0);
        // Four standard errors: fails with probability < 1e-4 if they agree, and surely if A's KL term were off.
        Assert.True(Math.Abs(meanA - meanB) < 4 * se, $"A {meanA:F4} vs B {meanB:F4}, se {se:F4}");
    }
}
