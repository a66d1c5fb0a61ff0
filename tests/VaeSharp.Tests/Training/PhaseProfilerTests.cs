using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

public class PhaseProfilerTests
{
    private static (Trainer Trainer, Vae Vae, WorkerPool Pool) Build(int threads)
    {
        var pool = new WorkerPool(threads);
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [32], Latent = 2, Activation = Activation.Tanh });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var objective = new ElboObjective(vae, Estimator.B, 1, pool);
        var settings = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = 0.01f };
        var trainer = new Trainer(objective, new Optimizer(vae.Arena, settings), new TrainerOptions { BatchSize = 20, Seed = 5, DynamicBinarization = true }, pool);
        return (trainer, vae, pool);
    }

    [Fact]
    public void EveryPhaseOfAStepIsRecordedOncePerStep()
    {
        var (trainer, _, pool) = Build(1);
        using var _ = pool;
        var profiler = new PhaseProfiler();
        trainer.Profiler = profiler;
        var data = TrainerTests.Bars(3, count: 200); // 10 steps of 20
        var result = trainer.RunEpoch(data, 1);

        string[] perStep =
        [
            "gather minibatch (+ dynamic binarization)", "step controls (schedule, β)",
            "encoder.hidden.0 forward x·W + b", "encoder.hidden.0 forward tanh", "encoder.mu forward x·W + b", "encoder.logvar forward x·W + b",
            "reparameterize: ε ~ N(0, I), z = μ + σ ⊙ ε",
            "decoder.hidden.0 forward x·W + b", "decoder.hidden.0 forward tanh", "decoder.logits forward x·W + b",
            "likelihood log p(x|z) and its gradient", "KL term",
            "decoder.logits backward dW = xᵀ·dy", "decoder.logits backward db", "decoder.logits backward dx = dy·Wᵀ",
            "decoder.hidden.0 backward tanh′", "decoder.hidden.0 backward dW = xᵀ·dy", "decoder.hidden.0 backward db", "decoder.hidden.0 backward dx = dy·Wᵀ",
            "reparameterize backward: dμ, dlog σ² (+ KL gradient)",
            "encoder.mu backward dW = xᵀ·dy", "encoder.mu backward dx = dy·Wᵀ", "encoder.logvar backward dW = xᵀ·dy", "encoder.logvar backward dx = dy·Wᵀ",
            "encoder.hidden.0 backward tanh′", "encoder.hidden.0 backward dW = xᵀ·dy", "encoder.hidden.0 backward db",
            "objective, rest", "optimizer update", "progress and mid-epoch checkpoints",
        ];
        foreach (string phase in perStep) Assert.True(profiler.Calls(phase) == 10, $"{phase}: {profiler.Calls(phase)} calls");
        // The encoder's first layer needs no input gradient; evaluation did not run.
        Assert.Equal(0, profiler.Calls("encoder.hidden.0 backward dx = dy·Wᵀ"));
        Assert.Equal(0, profiler.Calls("evaluation (objective on a held-out split)"));
        // The marks partition the epoch's steps: every phase is time inside the epoch the trainer measured.
        Assert.All(profiler.Phases, p => Assert.True(p.Seconds >= 0, p.Name));
        Assert.True(profiler.TotalSeconds > 0);
        Assert.True(profiler.TotalSeconds <= result.Seconds, $"phases {profiler.TotalSeconds} s > epoch {result.Seconds} s");
    }

    [Fact]
    public void EvaluationIsOnePhaseAndLeavesTheStepPhasesAlone()
    {
        var (trainer, _, pool) = Build(1);
        using var _ = pool;
        var profiler = new PhaseProfiler();
        trainer.Profiler = profiler;
        var data = TrainerTests.Bars(3, count: 200);
        trainer.RunEpoch(data, 1);
        trainer.Evaluate(data);
        trainer.Evaluate(data);
        Assert.Equal(2, profiler.Calls("evaluation (objective on a held-out split)"));
        Assert.Equal(10, profiler.Calls("encoder.hidden.0 forward x·W + b"));
        trainer.RunEpoch(data, 2); // the objective's phases are attached again after an evaluation
        Assert.Equal(20, profiler.Calls("encoder.hidden.0 forward x·W + b"));
        Assert.Equal(20, profiler.Calls("optimizer update"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ProfilingDoesNotChangeTheResult(int threads)
    {
        float[] Run(bool profile)
        {
            var (trainer, vae, pool) = Build(threads);
            using var _ = pool;
            if (profile) trainer.Profiler = new PhaseProfiler();
            var data = TrainerTests.Bars(3, count: 200);
            trainer.RunEpoch(data, 1);
            trainer.Evaluate(data);
            trainer.RunEpoch(data, 2);
            return (float[])vae.Arena.Values.Clone();
        }
        Assert.Equal(Run(false), Run(true));
    }

    [Fact]
    public void PhasesAreRegisteredOnceAndResetClearsTheirTimes()
    {
        var p = new PhaseProfiler();
        int a = p.Phase("a"), b = p.Phase("b");
        Assert.Equal(a, p.Phase("a"));
        Assert.NotEqual(a, b);
        for (int i = 0; i < 40; i++) p.Phase($"extra {i}"); // grows past its first capacity
        p.Restart();
        p.Mark(a);
        p.Mark(b);
        p.Mark(b);
        Assert.Equal(1, p.Calls("a"));
        Assert.Equal(2, p.Calls("b"));
        Assert.Equal(0, p.Calls("unknown"));
        p.Reset();
        Assert.Equal(0, p.Calls("b"));
        Assert.Equal(0, p.TotalSeconds);
        Assert.Equal(42, p.Phases.Count);
    }
}
