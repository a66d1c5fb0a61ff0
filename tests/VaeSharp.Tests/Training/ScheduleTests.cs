using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void IwaePaperScheduleRuns3ToTheIPassesAtTenToTheMinusIOver7()
    {
        var s = new IwaePaperSchedule();
        Assert.Equal(3280, s.TotalEpochs);
        // Stage boundaries: 1 | 2–4 | 5–13 | 14–40 | 41–121 | 122–364 | 365–1093 | 1094–3280.
        (int Epoch, int Stage)[] cases = [(1, 0), (2, 1), (4, 1), (5, 2), (13, 2), (14, 3), (40, 3), (41, 4), (121, 4), (122, 5), (364, 5), (365, 6), (1093, 6), (1094, 7), (3280, 7), (5000, 7)];
        foreach (var (epoch, stage) in cases)
        {
            Assert.Equal(stage, s.StageOf(epoch));
            Assert.Equal(1e-3 * Math.Pow(10, -stage / 7.0), s.At(epoch), 1e-9);
        }
        Assert.Equal(1e-3f, s.At(1));
        Assert.Equal(1e-3 * Math.Pow(10, -1.0), s.At(3280), 1e-9); // the last stage: 0.001·10^(−7/7)
        Assert.Throws<ArgumentOutOfRangeException>(() => s.At(0));
    }

    [Fact]
    public void ConstantAndCosineSchedules()
    {
        Assert.Equal(0.02f, new ConstantSchedule(0.02f).At(77));
        var c = new CosineSchedule(1e-2f, 1e-4f, 11);
        Assert.Equal(1e-2f, c.At(1));
        Assert.Equal(1e-4f, c.At(11));
        Assert.Equal(1e-4f, c.At(50));
        Assert.Equal(1e-4 + 0.5 * (1e-2 - 1e-4), c.At(6), 1e-8);                                   // halfway: the mean
        Assert.Equal(1e-4 + 0.5 * (1e-2 - 1e-4) * (1 + Math.Cos(Math.PI * 0.3)), c.At(4), 1e-8);    // e = 4: t = 3/10
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(1e-3f, 1e-2f, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(0f));
    }

    [Fact]
    public void ReduceOnPlateauHalvesAfterPatienceEpochsWithoutImprovement()
    {
        var s = new ReduceOnPlateauSchedule(0.01f, factor: 0.5f, patience: 2, min: 0.002f);
        double[] valid = [-100, -99, -99.5, -99.2, -98, -98, -98, -98, -98, -98, -98];
        float[] expected = [0.01f, 0.01f, 0.01f, 0.005f, 0.005f, 0.005f, 0.0025f, 0.0025f, 0.002f, 0.002f, 0.002f];
        for (int e = 1; e <= valid.Length; e++)
        {
            s.Observe(e, valid[e - 1]);
            Assert.Equal(expected[e - 1], s.At(e + 1));
        }
        Assert.Equal(-98, s.Best);
    }

    [Fact]
    public void OptimizerUsesTheRateItIsGiven()
    {
        var arena = new ParameterArena();
        var p = arena.Reserve("w", 1, 3);
        arena.Seal();
        var opt = new Optimizer(arena, OptimizerSettings.Default(OptimizerKind.Sgd) with { Beta1 = 0f, LearningRate = 0.1f });
        arena.Gradient(p).Fill(2f);
        opt.Step(WorkerPool.Single);
        Assert.Equal(-0.2f, arena.Value(p)[0], 6);
        opt.LearningRate = 0.01f;
        arena.Gradient(p).Fill(2f);
        opt.Step(WorkerPool.Single);
        Assert.Equal(-0.22f, arena.Value(p)[0], 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.LearningRate = -1f);
    }

    [Fact]
    public void KlWarmupRisesLinearlyFromZeroToOne()
    {
        var w = new KlWarmup(epochs: 4);
        Assert.Equal(0f, w.Beta(0, 100));
        Assert.Equal(0.25f, w.Beta(100, 100));
        Assert.Equal(0.625f, w.Beta(250, 100));
        Assert.Equal(1f, w.Beta(400, 100));
        Assert.Equal(1f, w.Beta(10_000, 100));
        Assert.Equal(0f, w.BetaForEpoch(1));
        Assert.Equal(0.5f, w.BetaForEpoch(3));
        Assert.Equal(1f, w.BetaForEpoch(5));
        Assert.Equal(1f, new KlWarmup(0).Beta(0, 10));
    }

    [Theory]
    [InlineData(Estimator.B)]
    [InlineData(Estimator.A)]
    public void KlWeightScalesOnlyTheKlGradientAndLeavesTheReportedElbo(Estimator estimator)
    {
        var vae = new Vae(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5], Latent = 3, Activation = Activation.Tanh });
        vae.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(11);
        var x = new float[4 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat() < 0.4f ? 1f : 0f;
        var objective = new ElboObjective(vae, estimator, 2);
        var plain = objective.Evaluate(x, 4, new Rng(99), false);
        objective.KlWeight = 0.3f;
        var weighted = objective.Evaluate(x, 4, new Rng(99), false);
        Assert.Equal(plain, weighted);                      // the reported ELBO is the true one
        double Loss()
        {
            var t = objective.Evaluate(x, 4, new Rng(99), false);
            return -(t.Reconstruction - 0.3 * t.Kl) / 4;
        }
        GradientCheck.AssertMatches(vae.Arena, Loss, () => objective.Evaluate(x, 4, new Rng(99), true));
        Assert.Throws<ArgumentOutOfRangeException>(() => objective.KlWeight = -0.1f);
    }
}
