using VaeSharp.Evaluation;
using VaeSharp.Experiments;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Experiments;

public sealed class Figure3Tests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-fig3lib-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// A small Bernoulli VAE with Figure 3's N_z = 3 (D = 16, 24 tanh units), trained by AEVB on data drawn from a random
    /// 3-D latent Bernoulli model, and 60 fresh test points from that model.
    /// </summary>
    private static (Vae Vae, float[] Test) TrainedSmallVae()
    {
        const int d = 16, j = 3, train = 1500, test = 60;
        var rng = new Rng(31);
        var a = new double[d, j];
        var c = new double[d];
        for (int p = 0; p < d; p++) { for (int k = 0; k < j; k++) a[p, k] = 2 * rng.NextNormal(); c[p] = rng.NextNormal(); }
        float[] Draw(int n)
        {
            var x = new float[n * d];
            var z = new double[j];
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < j; k++) z[k] = rng.NextNormal();
                for (int p = 0; p < d; p++)
                {
                    double logit = c[p];
                    for (int k = 0; k < j; k++) logit += a[p, k] * z[k];
                    x[i * d + p] = rng.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
                }
            }
            return x;
        }
        float[] trainX = Draw(train), testX = Draw(test);
        var vae = new Vae(new ModelConfig { InputSize = d, ImageWidth = 4, ImageHeight = 4, Hidden = [24], Latent = j, Activation = Activation.Tanh, Decoder = DecoderKind.Bernoulli });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(8));
        var trainer = new Trainer(new ElboObjective(vae), new Optimizer(vae.Arena, new OptimizerSettings { LearningRate = 0.01f }),
            new TrainerOptions { BatchSize = 50, Seed = 6 });
        var data = new DataMatrix(trainX, train, d);
        for (int e = 1; e <= 30; e++) trainer.RunEpoch(data, e);
        return (vae, testX);
    }

    [Fact]
    public void TheChecksTwoEstimatesAgreeWithinAToleranceFromTheirOwnSpread()
    {
        var (vae, x) = TrainedSmallVae();
        int n = x.Length / vae.InputSize;
        var check = Figure3.CompareEstimators(vae, x, n, 5000, new MarginalLikelihoodSettings(), seed: 2, WorkerPool.Single);
        output.WriteLine($"appendix D {check.Hmc.Mean:F4} ± {check.Hmc.StandardError:F4}, IS {check.Importance.Mean:F4} ± {check.Importance.StandardError:F4}, " +
            $"difference {check.Difference.Mean:F4} ± {check.Difference.StandardError:F4} (sd {check.Difference.StandardDeviation:F4}), tolerance {check.Tolerance:F4}");
        Assert.Equal(n, check.Points);
        Assert.True(Math.Abs(check.Difference.Mean) < check.Tolerance,
            $"difference {check.Difference.Mean:F4} ± {check.Difference.StandardError:F4}, tolerance {check.Tolerance:F4}");
        // The tolerance must be tight enough to mean something next to the 1 nat.
        Assert.True(check.Tolerance < 0.3, $"tolerance {check.Tolerance:F4}: too loose");
        // The two estimates are of the same quantity per point, not just on average.
        Assert.True(check.MeanAbsoluteDifference < 0.3, $"mean |difference| {check.MeanAbsoluteDifference:F4}");
        Assert.True(check.Importance.Mean > -16 * Math.Log(2) + 2, $"log p(x) {check.Importance.Mean:F3}: the VAE did not train");
    }

    [Fact]
    public void TheReferenceSitsAtOrAboveImportanceSamplingFromTheEncoderAndNearTheAppendixDEstimate()
    {
        var (vae, x) = TrainedSmallVae();
        int n = x.Length / vae.InputSize;
        var check = Figure3.CompareEstimators(vae, x, n, 500, new MarginalLikelihoodSettings(), seed: 2, WorkerPool.Single, referenceSamples: 5000);
        output.WriteLine($"reference {check.Reference.Mean:F4} (median ESS {check.MedianEffectiveSamples:F0}, {check.LowEffectiveSamples} low): " +
            $"appendix D − reference {check.HmcError.Mean:F4} ± {check.HmcError.StandardError:F4}, IS(500) − reference {check.ImportanceError.Mean:F4} ± {check.ImportanceError.StandardError:F4}");
        Assert.Equal(5000, check.ReferenceSamples);
        Assert.Equal(0, check.LowEffectiveSamples);
        // Importance sampling is low on average, the more so the worse its proposal: the encoder's q with K = 500 cannot beat
        // a proposal fitted to the posterior with K = 5,000 by more than noise.
        Assert.True(check.ImportanceError.Mean < 4 * check.ImportanceError.StandardError + 0.01, $"{check.ImportanceError}");
        Assert.True(Math.Abs(check.HmcError.Mean) < 0.1, $"{check.HmcError}");
        Assert.Equal(check.HmcError.Mean, check.HmcErrorWellSampled.Mean, 12);
    }

    [Fact]
    public void TheToleranceDoesNotGrowWithASystematicDisagreement()
    {
        var d = MeanEstimate.Of([5.0, 5.1, 4.9, 5.05]);
        var check = new EstimatorCheck(0, 4, 10, d, d, d, 5);
        Assert.True(check.Tolerance < 0.5, $"{check.Tolerance}");
    }

    [Fact]
    public void EstimatePointsAreLogSpaced()
    {
        Assert.Equal(1, Figure3.NextEstimate(0, 1));
        Assert.Equal(10, Figure3.NextEstimate(1, 1));
        Assert.Equal(1_000_000, Figure3.NextEstimate(100_000, 1));
        Assert.Equal(316_228, Figure3.NextEstimate(100_000, 2));
    }

    [Fact]
    public void AMalformedMarginalFileIsNamedInTheError()
    {
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, Figure3.MarginalFile);
        File.WriteAllText(path, "samples,train_ml,train_se,test_ml,test_se,acceptance,train_seconds,estimate_seconds\n100,-1,0.1,-2,0.2,0.9,1,1\n200,oops\n");
        var e = Assert.Throws<InvalidDataException>(() => Figure3.Read(path, 1000));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        // Estimates beyond the checkpoint's samples are dropped (they are redone on resume).
        File.WriteAllText(path, "samples,train_ml,train_se,test_ml,test_se,acceptance,train_seconds,estimate_seconds\n100,-1,0.1,-2,0.2,0.9,1,1\n200,-1,0.1,-2,0.2,0.9,2,1\n");
        Assert.Single(Figure3.Read(path, 150));
        Assert.Empty(Figure3.Read(path, -1));
    }
}
