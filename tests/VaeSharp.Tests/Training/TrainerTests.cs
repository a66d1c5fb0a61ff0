using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

public class TrainerTests
{
    /// <summary>600 binary 4×4 images: one of four bar prototypes with 5 % of pixels flipped.</summary>
    internal static DataMatrix Bars(ulong seed, int count = 600)
    {
        var rng = new Rng(seed);
        var x = new float[count * 16];
        for (int n = 0; n < count; n++)
        {
            int k = rng.NextInt(4);
            for (int p = 0; p < 16; p++)
            {
                int r = p / 4, c = p % 4;
                bool on = k switch { 0 => r == 1, 1 => c == 2, 2 => r == c, _ => r + c == 3 };
                if (rng.NextFloat() < 0.05f) on = !on;
                x[n * 16 + p] = on ? 1f : 0f;
            }
        }
        return new DataMatrix(x, count, 16);
    }

    private static (double first, double last, float[] weights) Train(int threads, OptimizerKind kind, Estimator estimator, int epochs = 15)
    {
        using var pool = new WorkerPool(threads);
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [32], Latent = 2, Activation = Activation.Tanh });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var objective = new ElboObjective(vae, estimator, 1, pool);
        var settings = OptimizerSettings.Default(kind) with { LearningRate = kind == OptimizerKind.Adam ? 0.01f : 0.1f };
        var trainer = new Trainer(objective, new Optimizer(vae.Arena, settings), new TrainerOptions { BatchSize = 20, Seed = 5 }, pool);
        var data = Bars(3);
        double first = trainer.Evaluate(data).Objective / data.Count;
        for (int e = 1; e <= epochs; e++) trainer.RunEpoch(data, e);
        double last = trainer.Evaluate(data).Objective / data.Count;
        return (first, last, (float[])vae.Arena.Values.Clone());
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, Estimator.B)]
    [InlineData(OptimizerKind.Adagrad, Estimator.B)]
    [InlineData(OptimizerKind.Adam, Estimator.A)]
    public void ElboImprovesOnBars(OptimizerKind kind, Estimator estimator)
    {
        var (first, last, _) = Train(1, kind, estimator);
        // Untrained: ≈ 16·log 2 ≈ 11 nats. Four prototypes with 5 % noise carry ≈ log 4 + 16·H(0.05) ≈ 4.6 nats,
        // so a model that learns the bars gets well above −8; an untrained or broken one stays near −11.
        Assert.True(first < -10, $"initial ELBO {first:F3}");
        Assert.True(last > -8, $"ELBO after training {last:F3} (from {first:F3})");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeights()
    {
        var a = Train(1, OptimizerKind.Adam, Estimator.B, epochs: 3).weights;
        var b = Train(1, OptimizerKind.Adam, Estimator.B, epochs: 3).weights;
        Assert.Equal(a, b);
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheResult()
    {
        var a = Train(1, OptimizerKind.Adam, Estimator.B, epochs: 2).weights;
        var b = Train(2, OptimizerKind.Adam, Estimator.B, epochs: 2).weights;
        Assert.Equal(a, b);
    }

    /// <summary>
    /// Widths where the parallel paths run (activations split over 16,384 values, rows gathered and binarized per task,
    /// every product parallel): 1, 2 and 3 threads give the same weights after an epoch with dynamic binarization.
    /// </summary>
    [Fact]
    public void ThreadCountDoesNotChangeTheResultAtWidthsWhereEveryPhaseIsSplit()
    {
        float[] Run(int threads)
        {
            Gemm.ParallelThreshold = -1;
            try
            {
                using var pool = new WorkerPool(threads);
                var vae = new Vae(new ModelConfig { InputSize = 64, ImageWidth = 8, ImageHeight = 8, Hidden = [256], Latent = 4 });
                vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
                var trainer = new Trainer(new ElboObjective(vae, Estimator.B, 1, pool), new Optimizer(vae.Arena, OptimizerSettings.Default(OptimizerKind.Adam)),
                    new TrainerOptions { BatchSize = 64, Seed = 5, DynamicBinarization = true }, pool);
                var x = new float[320 * 64];
                new Rng(2).FillUniform(x);
                var data = new DataMatrix(x, 320, 64);
                trainer.RunEpoch(data, 1);
                trainer.Evaluate(data);
                trainer.RunEpoch(data, 2);
                return (float[])vae.Arena.Values.Clone();
            }
            finally { Gemm.ParallelThreshold = 0; }
        }
        var one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(3));
    }

    [Fact]
    public void ANonFiniteObjectiveStopsTrainingWithAClearError()
    {
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [8], Latent = 2 });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var trainer = new Trainer(new ElboObjective(vae), new Optimizer(vae.Arena, OptimizerSettings.Default(OptimizerKind.Adam)),
            new TrainerOptions { BatchSize = 20 });
        var data = Bars(3);
        var x = data.Features.ToArray();
        x[45 * 16 + 3] = float.NaN; // datapoint 45
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.RunEpoch(new DataMatrix(x, data.Count, 16), 4));
        Assert.Contains("epoch 4", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void DifferentSeedsDiffer()
    {
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [8], Latent = 2 });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var w1 = (float[])vae.Arena.Values.Clone();
        vae.Initialize(Initialization.PyTorchDefault, new Rng(2));
        Assert.NotEqual(w1, vae.Arena.Values);
    }
}
