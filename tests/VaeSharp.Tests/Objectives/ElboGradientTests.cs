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
