using System.Globalization;
using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

/// <summary>Learning-rate schedules, KL warm-up and early stopping as the session drives them, and their exact resume.</summary>
public sealed class SessionControlsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-controls-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Dataset Bars(ulong seed, int count)
    {
        var m = TrainerTests.Bars(seed, count);
        return new Dataset($"bars-{seed}", 4, 4, m.Features.ToArray());
    }

    /// <summary>200 bars, M = 50: 4 steps an epoch (with a 40-image validation split, 160 rows: still 4 steps, the last of 10).</summary>
    private static SessionSettings Settings(string schedule = "constant", int warmup = 0, int validation = 0, int earlyStopping = 0) => new()
    {
        Config = new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [16], Latent = 2, Activation = Activation.Tanh },
        Dataset = "bars", Binarization = Binarization.None, BatchSize = 50, Seed = 5,
        Optimizer = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = 0.01f },
        LrSchedule = schedule, KlWarmup = warmup, Validation = validation, EarlyStopping = earlyStopping,
    };

    [Fact]
    public void TheIwaeScheduleSetsEachEpochsRateInsideTheSession()
    {
        using var s = TrainingSession.Create(Settings("iwae"), Bars(1, 200), Bars(2, 50), 1);
        // Stages: epoch 1 | 2–4 | 5–13: 0.01, 0.01·10^(−1/7), 0.01·10^(−2/7).
        float[] expected = [0.01f, (float)(0.01f * Math.Pow(10, -1 / 7.0)), (float)(0.01f * Math.Pow(10, -1 / 7.0)), (float)(0.01f * Math.Pow(10, -1 / 7.0)), (float)(0.01f * Math.Pow(10, -2 / 7.0))];
        for (int e = 0; e < expected.Length; e++)
        {
            s.RunEpoch(evaluate: false);
            Assert.Equal(expected[e], s.LearningRate);
        }
    }

    [Fact]
    public void CosineRunsFromTheRateToAHundredthOverItsEpochs()
    {
        using var s = TrainingSession.Create(Settings(ScheduleSpec.Parse("cosine", epochs: 3)), Bars(1, 200), Bars(2, 50), 1);
        var seen = new List<float>();
        for (int e = 0; e < 4; e++) { s.RunEpoch(evaluate: false); seen.Add(s.LearningRate); }
        float min = 0.01f / ScheduleSpec.CosineFloorDivisor;
        Assert.Equal([0.01f, (float)(min + 0.5 * ((double)0.01f - min) * (1 + Math.Cos(Math.PI / 2))), min, min], seen);
    }

    [Fact]
    public void KlWarmupRaisesBetaPerStepAndTheReportedElboStaysTrue()
    {
        using var s = TrainingSession.Create(Settings(warmup: 2), Bars(1, 200), Bars(2, 50), 1);
        // β before step t (0-based) is t / (2 epochs · 4 steps); after epoch 1 the last step's β was 3/8, after epoch 2 7/8, then 1.
        float[] expected = [3f / 8, 7f / 8, 1f];
        foreach (float beta in expected)
        {
            var e = s.RunEpoch();
            Assert.Equal(beta, s.KlWeight);
            // The test figure is the ELBO itself (recon − KL), whatever β the gradient used.
            Assert.Equal(e.Test.Reconstruction - e.Test.Kl, e.Test.Objective, 1e-9 * Math.Abs(e.Test.Objective));
        }
        var noWarmup = TrainingSession.Create(Settings(), Bars(1, 200), Bars(2, 50), 1);
        noWarmup.RunEpoch(evaluate: false);
        Assert.Equal(1f, noWarmup.KlWeight);
        noWarmup.Dispose();
    }

    [Fact]
    public void PlateauAndWarmupResumeBitIdenticallyToAStraightRun()
    {
        // Patience 2 and a large rate: the validation figure stalls, so the rate falls and the counters are non-zero at times.
        const int epochs = 40;
        var settings = Settings("plateau:2:0.5", warmup: 3, validation: 40, earlyStopping: 1000) with
        {
            Optimizer = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = 0.03f },
        };
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        var rates = new List<float>();
        var controls = new List<ControlState>();
        using (var s = TrainingSession.Create(settings, Bars(1, 200), Bars(2, 50), 2))
        {
            for (int e = 0; e < epochs; e++) { s.RunEpoch(); rates.Add(s.LearningRate); controls.Add(s.State.Controls!); }
            s.SaveCheckpoint(straight);
            // The rate of epoch e + 1 is the plateau schedule replayed on the validation figures of epochs 1 … e.
            var replay = new ReduceOnPlateauSchedule(0.03f, 0.5f, 2);
            Assert.Equal(replay.At(1), rates[0]);
            for (int e = 1; e < epochs; e++)
            {
                replay.Observe(e, s.History[e - 1].Validation!.Value.Objective / s.History[e - 1].Validation!.Value.Rows);
                Assert.Equal(replay.At(e + 1), rates[e]);
            }
        }
        // Resume after the first epoch whose saved state differs from the initial one (a bad epoch counted, or the rate lowered).
        int split = controls.FindIndex(c => c.PlateauBad > 0 || c.PlateauRate < 0.03f) + 1;
        Assert.True(split is > 0 and < epochs, "the validation figure improved every epoch; the test would not exercise the saved state");
        Assert.True(rates[^1] < 0.03f, "no reduction happened");
        using (var s = TrainingSession.Create(settings, Bars(1, 200), Bars(2, 50), 2))
        {
            for (int e = 0; e < split; e++) s.RunEpoch();
            s.SaveCheckpoint(resumed);
        }
        using (var s = TrainingSession.Resume(resumed, Bars(1, 200), Bars(2, 50), 2))
        {
            while (s.State.Epoch < epochs) s.RunEpoch();
            Assert.Equal(rates[^1], s.LearningRate);
            s.SaveCheckpoint(resumed);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, ModelFile.WeightsFile)), File.ReadAllBytes(Path.Combine(resumed, ModelFile.WeightsFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, ModelFile.OptimizerFile)), File.ReadAllBytes(Path.Combine(resumed, ModelFile.OptimizerFile)));
        Assert.Equal(ModelFile.Load(straight).State.Controls, ModelFile.Load(resumed).State.Controls);
    }

    [Fact]
    public void EarlyStoppingKeepsTheBestEpochAndStopsWhenValidationWorsens()
    {
        // 20 training digits against 200 held out, a wide decoder and a large rate: the validation ELBO peaks, then overfitting lowers it.
        var train = DatasetCatalog.Load(new DatasetRequest { Name = DatasetCatalog.DefaultName, Split = "train" });
        var test = DatasetCatalog.Load(new DatasetRequest { Name = DatasetCatalog.DefaultName, Split = "test" });
        train = train.Subset([.. Enumerable.Range(0, 220)]);
        test = test.Subset([.. Enumerable.Range(0, 20)]);
        var settings = new SessionSettings
        {
            Config = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [200], Latent = 10, Activation = Activation.Tanh },
            Dataset = "mnist-sample", Binarization = Binarization.None, BatchSize = 20, Seed = 3, Validation = 200, EarlyStopping = 3,
            Optimizer = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = 0.003f },
        };
        string run = Path.Combine(_dir, "run");
        using (var s = TrainingSession.Create(settings, train, test, 2))
        {
            while (!s.StoppedEarly && s.State.Epoch < 400)
            {
                s.RunEpoch();
                s.SaveCheckpoint(run);
            }
            Assert.True(s.StoppedEarly, "validation never worsened 3 epochs in a row within 400 epochs");
            var valid = s.History.Select(e => e.Validation!.Value.Objective / e.Validation!.Value.Rows).ToList();
            int best = valid.IndexOf(valid.Max()) + 1;
            Assert.Equal(best, s.BestEpoch);
            Assert.Equal(best + 3, s.State.Epoch);
            Assert.Equal(valid.Max(), s.BestValidation);
        }
        var kept = ModelFile.Load(Path.Combine(run, TrainingSession.BestFolder));
        int bestEpoch = kept.State.Epoch;
        Assert.Equal(ModelFile.Load(run).State.Controls!.BestEpoch, bestEpoch);
        // best/ holds exactly the model a straight run of that many epochs ends with.
        string again = Path.Combine(_dir, "again");
        using (var s = TrainingSession.Create(settings, train, test, 2))
        {
            for (int e = 0; e < bestEpoch; e++) s.RunEpoch();
            s.SaveCheckpoint(again);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(again, ModelFile.WeightsFile)),
            File.ReadAllBytes(Path.Combine(run, TrainingSession.BestFolder, ModelFile.WeightsFile)));

        // A resumed stopped run knows it stopped.
        using var resumed = TrainingSession.Resume(run, train, test, 2);
        Assert.True(resumed.StoppedEarly);
    }

    [Fact]
    public void BadSpecsAndMissingValidationAreRefused()
    {
        Assert.Equal("plateau:10:0.5", ScheduleSpec.Parse("plateau"));
        Assert.Equal("plateau:3:0.25", ScheduleSpec.Parse("Plateau:3:0.25"));
        Assert.Equal("cosine:7", ScheduleSpec.Parse("cosine", epochs: 7));
        foreach (var bad in new[] { "linear", "cosine", "cosine:0", "plateau:0", "plateau:2:1.5", "iwae:3", "" })
            Assert.Contains("--lr-schedule", Assert.Throws<ArgumentException>(() => ScheduleSpec.Parse(bad)).Message);
        Assert.Contains("--validation", Assert.Throws<ArgumentException>(() => TrainingSession.Create(Settings("plateau"), Bars(1, 200), Bars(2, 50), 1)).Message);
        Assert.Contains("--validation", Assert.Throws<ArgumentException>(() => TrainingSession.Create(Settings(earlyStopping: 2), Bars(1, 200), Bars(2, 50), 1)).Message);
        Assert.Contains("--kl-warmup", Assert.Throws<ArgumentException>(() =>
            TrainingSession.Create(Settings(warmup: 2) with { Objective = TrainingObjective.Iwae, Samples = 3 }, Bars(1, 200), Bars(2, 50), 1)).Message);
    }
}
