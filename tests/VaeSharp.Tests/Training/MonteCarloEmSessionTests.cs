using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

/// <summary><c>--method mcem</c> through the session: run folder, checkpoints with the chains, exact resume.</summary>
public sealed class MonteCarloEmSessionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-mcem-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Dataset Bars(ulong seed, int count)
    {
        var m = TrainerTests.Bars(seed, count);
        return new Dataset($"bars-{seed}", 4, 4, m.Features.ToArray());
    }

    /// <summary>200 bars, M = 50: 4 minibatches an epoch, 5 weight updates each.</summary>
    private static SessionSettings Settings() => new()
    {
        Config = new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [16], Latent = 2, Activation = Activation.Tanh },
        Dataset = "bars", Binarization = Binarization.Dynamic, BatchSize = 50, Seed = 5, Method = TrainingMethod.Mcem,
        Optimizer = OptimizerSettings.Default(OptimizerKind.Adagrad) with { LearningRate = 0.05f, WeightDecay = 1f / 200 },
    };

    [Fact]
    public void ResumedMidEpochAndAtEpochBoundariesIsBitIdenticalToAStraightRun()
    {
        const int epochs = 4;
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        using (var s = TrainingSession.Create(Settings(), Bars(1, 200), Bars(2, 50), 2))
        {
            for (int e = 0; e < epochs; e++) s.RunEpoch();
            Assert.Equal(epochs * 4 * 5, s.State.OptimizerSteps);
            s.SaveCheckpoint(straight);
        }

        // Epoch 1, checkpoint; epoch 2 interrupted after its second minibatch (a mid-epoch checkpoint); resume; epoch 3,
        // checkpoint; resume again; epoch 4.
        using (var s = TrainingSession.Create(Settings(), Bars(1, 200), Bars(2, 50), 2))
        {
            s.RunEpoch();
            s.SaveCheckpoint(resumed);
            using var stop = new CancellationTokenSource();
            s.CheckpointDirectory = resumed;
            s.CheckpointInterval = TimeSpan.FromDays(1);
            Assert.Throws<OperationCanceledException>(() => s.RunEpoch(p => { if (p.Batch == 2) stop.Cancel(); }, stop.Token));
        }
        using (var s = TrainingSession.Resume(resumed, Bars(1, 200), Bars(2, 50), 1))
        {
            Assert.Equal(new CheckpointId(1, 2), s.Position);
            s.RunEpoch();
            s.RunEpoch();
            s.SaveCheckpoint(resumed);
        }
        using (var s = TrainingSession.Resume(resumed, Bars(1, 200), Bars(2, 50), 2))
        {
            var em = Assert.IsType<MonteCarloEm>(s.StatefulObjective);
            Assert.Equal(200 * 2, em.Positions.Length);
            s.RunEpoch();
            s.SaveCheckpoint(resumed);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, ModelFile.WeightsFile)), File.ReadAllBytes(Path.Combine(resumed, ModelFile.WeightsFile)));
        // The optimizer file holds Adagrad's sums and the chains (positions and step size).
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, ModelFile.OptimizerFile)), File.ReadAllBytes(Path.Combine(resumed, ModelFile.OptimizerFile)));
        var saved = ModelFile.Load(resumed);
        Assert.Equal(200 * 2, saved.OptimizerState[MonteCarloEm.PositionsName].Length);
        Assert.Equal("mcem", saved.State.Method);
    }

    [Fact]
    public void AResumeWithoutTheChainsIsRefused()
    {
        string run = Path.Combine(_dir, "run");
        using (var s = TrainingSession.Create(Settings(), Bars(1, 200), Bars(2, 50), 1))
        {
            s.RunEpoch(evaluate: false);
            s.SaveCheckpoint(run);
        }
        // Rewrite every copy of the optimizer file without the chains (as a run saved by a build that did not keep them).
        foreach (var path in Directory.EnumerateFiles(run, ModelFile.OptimizerFile, SearchOption.AllDirectories))
        {
            var content = SafeTensors.Read(path);
            SafeTensors.Write(path, [.. content.Tensors.Where(t => !t.Name.StartsWith("mcem.", StringComparison.Ordinal))], content.Metadata);
        }
        var e = Assert.Throws<InvalidDataException>(() => TrainingSession.Resume(run, Bars(1, 200), Bars(2, 50), 1));
        Assert.Contains("mcem.z", e.Message);
    }

    [Fact]
    public void OnlyAVaeCanBeTrainedByMcem()
    {
        var settings = Settings() with { Config = Settings().Config with { Kind = ModelKind.Ae } };
        var e = Assert.Throws<ArgumentException>(() => TrainingSession.Create(settings, Bars(1, 200), Bars(2, 50), 1));
        Assert.Contains("--method mcem", e.Message);
        Assert.Equal(TrainingMethod.Mcem, ObjectiveFactory.ParseMethod("mcem"));
        Assert.Equal("mcem", ObjectiveFactory.MethodName(TrainingMethod.Mcem));
    }
}
