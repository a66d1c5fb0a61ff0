using VaeSharp.Data;
using VaeSharp.Experiments;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Tests.Experiments;

public sealed class CurveRunTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-curve-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Binary 4×4 bars (see TrainerTests.Bars) as a Dataset.</summary>
    private static Dataset Bars(ulong seed, int count)
    {
        var m = VaeSharp.Tests.Training.TrainerTests.Bars(seed, count);
        return new Dataset($"bars-{seed}", 4, 4, m.Features.ToArray());
    }

    private static SessionSettings Settings(float lr = 0.01f) => new()
    {
        Config = new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [16], Latent = 2, Activation = Activation.Tanh },
        Dataset = "bars", Binarization = Binarization.None, BatchSize = 20, Seed = 3,
        Optimizer = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = lr },
    };

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]     // 10^(2/5) = 2.51 rounds to 3
    [InlineData(99, 100)]
    [InlineData(100, 158)] // 10^(11/5)
    [InlineData(1_000_000, 1_584_893)]
    public void EvaluationPointsAreFivePerDecade(long samples, long next) => Assert.Equal(next, CurveRun.NextPoint(samples));

    [Fact]
    public void AnInterruptedOrExtendedRunGivesTheSameCurveAndWeightsAsOneStraightRun()
    {
        var train = Bars(1, 200);
        var test = Bars(2, 100);
        string straight = Path.Combine(_dir, "straight"), pieces = Path.Combine(_dir, "pieces");
        TrainingSession Create() => TrainingSession.Create(Settings(), train, test, 1);
        TrainingSession Resume(string d) => TrainingSession.Resume(d, train, test, 1);

        var full = CurveRun.Run(straight, Create, Resume, budget: 4000);
        CurveRun.Run(pieces, Create, Resume, budget: 1000);
        var extended = CurveRun.Run(pieces, Create, Resume, budget: 4000);

        Assert.Equal(full.Select(p => (p.Samples, p.Train, p.Test)), extended.Select(p => (p.Samples, p.Train, p.Test)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(pieces, "model.safetensors")));
        // Points at 200 (epoch 1), then the first epoch end past each of 251, 398, 631, 1000, 1585, 2512, 3981 samples, and 4000.
        Assert.Equal([200, 400, 800, 1000, 1600, 2600, 4000], full.Select(p => p.Samples).ToArray());
        Assert.True(full[^1].Train > full[0].Train, "the training bound did not improve");
        Assert.Equal(full, CurveRun.Read(Path.Combine(straight, CurveRun.CurveFile)));
    }

    [Fact]
    public void CurveFileWithABadRowFailsNamingFileAndLine()
    {
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, CurveRun.CurveFile);
        File.WriteAllText(path, "samples,train,test,train_seconds\n100,-1,-2,0.5\n200,x,-2,1\n");
        var e = Assert.Throws<InvalidDataException>(() => CurveRun.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void StepSizeSelectionPrefersTheCandidateThatLearns()
    {
        // 1e-6 barely moves from the initialization; 0.01 learns the bars within 200 minibatches.
        var (chosen, trials) = TrainingSession.SelectStepSize(Settings(), Bars(1, 200), Bars(2, 100), 1, [1e-6f, 0.01f], iterations: 200);
        Assert.Equal(0.01f, chosen);
        Assert.Equal(2, trials.Count);
        Assert.True(trials[1].Objective > trials[0].Objective + 1, $"{trials[0].Objective} vs {trials[1].Objective}");
        // Deterministic: the same trials give the same scores.
        var again = TrainingSession.SelectStepSize(Settings(), Bars(1, 200), Bars(2, 100), 1, [1e-6f, 0.01f], iterations: 200);
        Assert.Equal(trials, again.Trials);
    }
}
