using VaeSharp.Baselines;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Tests.Training;
using VaeSharp.Training;

namespace VaeSharp.Tests.Baselines;

public class WakeSleepTests
{
    private static (Vae vae, float[] x) Small(DecoderKind decoder)
    {
        var vae = new Vae(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5], Latent = 3, Activation = Activation.Tanh, Decoder = decoder });
        vae.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(11);
        var x = new float[4 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = decoder == DecoderKind.Bernoulli ? (rng.NextFloat() < 0.4f ? 1f : 0f) : 0.1f + 0.8f * rng.NextFloat();
        return (vae, x);
    }

    private static bool IsDecoder(Parameter p) => p.Name.StartsWith("decoder.", StringComparison.Ordinal);

    [Theory]
    [InlineData(DecoderKind.Bernoulli)]
    [InlineData(DecoderKind.Gaussian)]
    public void WakePhaseGradientIsTheDecodersReconstructionGradientAndLeavesTheEncoderAlone(DecoderKind decoder)
    {
        var (vae, x) = Small(decoder);
        var ws = new WakeSleepObjective(vae);
        // z ~ q(z|x) with a fixed ε; the wake loss −(1/M) Σ log p(x|z) depends on θ with z held fixed.
        double Loss() => -ws.WakePhase(x, 4, new Rng(5), false).Reconstruction / 4;
        GradientCheck.AssertMatches(vae.Arena, Loss, () => ws.WakePhase(x, 4, new Rng(5), true), only: IsDecoder);
        vae.Arena.ZeroGradients();
        ws.WakePhase(x, 4, new Rng(5), true);
        foreach (var p in vae.Arena.Parameters.Where(p => !IsDecoder(p)))
            Assert.All(vae.Arena.Gradient(p).ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(DecoderKind.Bernoulli)]
    [InlineData(DecoderKind.Gaussian)]
    public void SleepPhaseGradientIsTheEncodersFantasyLikelihoodGradientAndLeavesTheDecoderAlone(DecoderKind decoder)
    {
        var (vae, _) = Small(decoder);
        var ws = new WakeSleepObjective(vae);
        // The fantasies (z, x) depend only on θ and the seed, so perturbing φ leaves them fixed.
        double Loss() => ws.SleepPhase(4, new Rng(6), false);
        GradientCheck.AssertMatches(vae.Arena, Loss, () => ws.SleepPhase(4, new Rng(6), true), only: p => !IsDecoder(p));
        vae.Arena.ZeroGradients();
        ws.SleepPhase(4, new Rng(6), true);
        foreach (var p in vae.Arena.Parameters.Where(IsDecoder))
            Assert.All(vae.Arena.Gradient(p).ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void EvaluationIsExactlyAevbsEstimator()
    {
        var (vae, x) = Small(DecoderKind.Bernoulli);
        var ws = new WakeSleepObjective(vae, Estimator.B, 2).Evaluate(x, 4, new Rng(9), false);
        var elbo = new ElboObjective(vae, Estimator.B, 2).Evaluate(x, 4, new Rng(9), false);
        Assert.Equal(elbo, ws);
    }

    [Fact]
    public void BoundImprovesOnBars()
    {
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [32], Latent = 2, Activation = Activation.Tanh });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var objective = new WakeSleepObjective(vae);
        var trainer = new Trainer(objective, new Optimizer(vae.Arena, OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = 0.01f }),
            new TrainerOptions { BatchSize = 20, Seed = 5 });
        var data = TrainerTests.Bars(3);
        double first = trainer.Evaluate(data).Objective / data.Count;
        for (int e = 1; e <= 15; e++) trainer.RunEpoch(data, e);
        double last = trainer.Evaluate(data).Objective / data.Count;
        // Untrained ≈ −11 nats (16·log 2); the bars carry ≈ 4.6 nats, so learning them lifts the bound well above −9.
        Assert.True(first < -10, $"initial bound {first:F3}");
        Assert.True(last > -9, $"bound after wake-sleep training {last:F3} (from {first:F3})");
    }
}
