using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Objectives;

public class AutoencoderObjectiveTests
{
    private static (Autoencoder ae, float[] x) Small(ModelKind kind, DecoderKind loss, int[] hidden, bool bias = true, Activation act = Activation.Tanh)
    {
        var ae = new Autoencoder(new ModelConfig
        {
            Kind = kind, Bias = bias, InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = hidden, Latent = 3, Activation = act, Decoder = loss,
        });
        ae.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(11);
        var x = new float[4 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = loss == DecoderKind.Bernoulli ? (rng.NextFloat() < 0.4f ? 1f : 0f) : 0.1f + 0.8f * rng.NextFloat();
        return (ae, x);
    }

    private static void Check(Autoencoder ae, float[] x, AutoencoderObjective objective)
    {
        // The corruption (if any) is held fixed: every evaluation re-creates the generator with the same seed.
        double Loss() => -objective.Evaluate(x, 4, new Rng(99), false).Objective / 4;
        GradientCheck.AssertMatches(ae.Arena, Loss, () => objective.Evaluate(x, 4, new Rng(99), true));
    }

    [Theory]
    [InlineData(DecoderKind.Gaussian, Activation.Tanh)]     // squared error through a sigmoid mean
    [InlineData(DecoderKind.Bernoulli, Activation.Tanh)]    // cross-entropy on logits
    [InlineData(DecoderKind.Gaussian, Activation.Softplus)]
    public void DeepAutoencoderGradientMatchesFiniteDifferences(DecoderKind loss, Activation act)
    {
        var (ae, x) = Small(ModelKind.Ae, loss, [5, 4], act: act);
        Check(ae, x, new AutoencoderObjective(ae));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearAutoencoderGradientMatchesFiniteDifferences(bool bias)
    {
        var (ae, x) = Small(ModelKind.LinearAe, DecoderKind.Gaussian, [], bias);
        Check(ae, x, new AutoencoderObjective(ae));
        Assert.Equal(bias ? 4 : 2, ae.Arena.Parameters.Count);
    }

    [Fact]
    public void SparsePenaltyGradientMatchesFiniteDifferences()
    {
        // Codes away from 0 (the L1 kink, where the subgradient 0 is used) so that central differences are valid.
        var (ae, x) = Small(ModelKind.SparseAe, DecoderKind.Gaussian, [5]);
        var objective = new AutoencoderObjective(ae, l1: 0.3f);
        ae.Arena.Value(ae.Code.Bias!.Value).Fill(1.5f);   // move every code off 0, where |·| has its kink
        var code = ae.Encode(x, 4, WorkerPool.Single);
        float nearest = float.MaxValue;
        foreach (float c in code) nearest = Math.Min(nearest, Math.Abs(c));
        Assert.True(nearest > 0.05f, $"a code is {nearest} from the kink, within reach of the finite-difference step");
        Check(ae, x, objective);
        var t = objective.Evaluate(x, 4, new Rng(1), false);
        Assert.True(t.Kl > 0);
        Assert.Equal(t.Reconstruction - t.Kl, t.Objective, 10);
    }

    [Theory]
    [InlineData("gaussian:0.3")]
    [InlineData("mask:0.25")]
    [InlineData("salt-pepper:0.2")]
    public void DenoisingGradientMatchesFiniteDifferencesWithCorruptionHeldFixed(string noise)
    {
        var (ae, x) = Small(ModelKind.DenoisingAe, DecoderKind.Gaussian, [5]);
        Check(ae, x, new AutoencoderObjective(ae, corruption: Corruption.Parse(noise)));
    }

    [Fact]
    public void SquaredErrorIsHalfTheSumOfSquares()
    {
        var (ae, x) = Small(ModelKind.LinearAe, DecoderKind.Gaussian, []);
        var t = new AutoencoderObjective(ae).Evaluate(x, 4, new Rng(1), false);
        var recon = new float[x.Length];
        ae.Decode(ae.Encode(x, 4, WorkerPool.Single).ToArray(), 4, WorkerPool.Single).CopyTo(recon);
        double expected = 0;
        for (int i = 0; i < x.Length; i++) expected += 0.5 * (recon[i] - x[i]) * (recon[i] - x[i]);
        Assert.Equal(-expected, t.Reconstruction, 5);
        Assert.Equal(0, t.Kl);
    }
}
