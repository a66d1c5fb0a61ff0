using VaeSharp.Data;
using VaeSharp.Distributions;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Tests.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Evaluation;

public class DatasetEvaluationTests
{
    private static (Vae Vae, Dataset Data) Small(int latent = 2, int rows = 37)
    {
        var vae = new Vae(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5], Latent = latent, Activation = Activation.Tanh });
        vae.Initialize(Initialization.Normal, new Rng(3), scale: 0.7f);
        var rng = new Rng(4);
        var features = new float[rows * 6];
        for (int i = 0; i < features.Length; i++) features[i] = rng.NextFloat();
        return (vae, new Dataset("grey", 3, 2, features));
    }

    [Theory]
    [InlineData("dynamic", "B")]
    [InlineData("static", "A")]
    [InlineData("none", "B")]
    public void DrawZeroRepeatsTrainingsEvaluation(string binarization, string estimator)
    {
        var (vae, data) = Small();
        var state = new TrainingState { Binarization = binarization, Estimator = estimator, Samples = 2, BatchSize = 10, Seed = 5 };
        var expected = TrainingSession.Evaluate(new LoadedModel(vae, state, new Dictionary<string, float[]>()), data, 1, 300, out double expectedLogLik);
        var report = DatasetEvaluation.Run(vae, data, new EvaluationSettings
        {
            Binarization = Enum.Parse<Binarization>(binarization, true), Estimator = Enum.Parse<Estimator>(estimator),
            Samples = 2, BatchSize = 10, Seed = 5, ImportanceSamples = 300,
        });
        Assert.Equal(37, report.Rows);
        Assert.Equal(expected.Objective / expected.Rows, report.ElboEstimate.Mean, 9);
        Assert.Equal(expected.Reconstruction / expected.Rows, report.ReconstructionEstimate.Mean, 9);
        Assert.Equal(expected.Kl / expected.Rows, report.KlEstimate.Mean, 9);
        Assert.Equal(expectedLogLik, report.LogLikelihoodEstimate.Mean, 9);
        for (int i = 0; i < report.Rows; i++) Assert.Equal(report.Reconstruction[i] - report.Kl[i], report.Elbo[i], 9);
        Assert.Equal([1, 5, 50, 300], report.BoundSizes);
        // The K-sample bound is the estimate itself; the bounds rise with K' on average over images.
        Assert.Equal(report.LogLikelihood, report.Bounds[^1]);
        Assert.True(report.BoundEstimate(0).Mean < report.BoundEstimate(2).Mean);
        Assert.Equal(report.BoundEstimate(2).Mean - report.BoundEstimate(0).Mean, report.BoundGain(2).Mean, 9);
        // L_1 is one noisy sample per image, so the paired gain is only a few s.e. on 37 images (here about 3).
        Assert.True(report.BoundGain(2).Mean > 2 * report.BoundGain(2).StandardError, $"gain {report.BoundGain(2)}");
        Assert.True(report.ElboEstimate.StandardError > 0);
    }

    [Fact]
    public void DrawsAverageFreshBinarizationsAndReportTheirSpread()
    {
        var (vae, data) = Small();
        var settings = new EvaluationSettings { Binarization = Binarization.Dynamic, BatchSize = 10, Seed = 5, ImportanceSamples = 20 };
        var one = DatasetEvaluation.Run(vae, data, settings);
        var three = DatasetEvaluation.Run(vae, data, settings with { Draws = 3 });
        Assert.Equal(3, three.ElboPerDraw.Length);
        Assert.Equal(one.ElboPerDraw[0], three.ElboPerDraw[0]);          // draw 0 is the same evaluation
        Assert.Equal(one.LogLikelihoodPerDraw[0], three.LogLikelihoodPerDraw[0]);
        Assert.Equal(3, three.ElboPerDraw.Distinct().Count());            // the other draws differ
        Assert.Equal(three.ElboPerDraw.Average(), three.ElboEstimate.Mean, 9);
        Assert.Equal(three.LogLikelihoodPerDraw.Average(), three.LogLikelihoodEstimate.Mean, 9);
        Assert.True(three.ElboBetweenDraws.StandardDeviation > 0);
        Assert.True(double.IsNaN(one.ElboBetweenDraws.StandardError));
        // With no binarization, draws differ only through ε; still averaged.
        var plain = DatasetEvaluation.Run(vae, data, settings with { Binarization = Binarization.None, Draws = 2 });
        Assert.NotEqual(plain.ElboPerDraw[0], plain.ElboPerDraw[1]);
    }

    [Fact]
    public void MeanEstimateIsTheSampleMeanAndItsStandardError()
    {
        var e = MeanEstimate.Of([1.0, 2.0, 4.0, 9.0]);
        Assert.Equal(4.0, e.Mean, 12);
        // s² = (9 + 4 + 0 + 25)/3 = 38/3; s.e. = √(38/3/4)
        Assert.Equal(Math.Sqrt(38.0 / 12), e.StandardError, 12);
        Assert.Equal(Math.Sqrt(38.0 / 3), e.StandardDeviation, 12);
        Assert.True(double.IsNaN(MeanEstimate.Of([3.0]).StandardError));
        var diff = MeanEstimate.OfDifference([5.0, 7.0, 9.5], [1.0, 2.0, 4.0]);   // differences 4, 5, 5.5
        Assert.Equal(14.5 / 3, diff.Mean, 12);
        Assert.Equal(MeanEstimate.Of([4.0, 5.0, 5.5]).StandardError, diff.StandardError, 12);
        Assert.Throws<ArgumentException>(() => MeanEstimate.OfDifference([1.0], [1.0, 2.0]));
    }

    [Fact]
    public void UnitsTheEncoderIgnoresAreInactive()
    {
        var (vae, data) = Small(latent: 5, rows: 200);
        // μ_1 and μ_3 do not depend on x: zero weights into those outputs of the μ head (biases left as they are).
        var w = vae.Arena.Value(vae.EncoderMu.Weight);       // [H × J]
        for (int h = 0; h < vae.EncoderMu.Inputs; h++) { w[h * 5 + 1] = 0; w[h * 5 + 3] = 0; }
        // and make the others clearly depend on x
        for (int h = 0; h < vae.EncoderMu.Inputs; h++) foreach (int u in new[] { 0, 2, 4 }) w[h * 5 + u] *= 4;
        var a = LatentActivity.Compute(vae, data.Features, data.Count, batch: 64);
        Assert.Equal([0, 2, 4], a.ActiveIndices);
        Assert.Equal(3, a.ActiveUnits);
        Assert.Equal(0, a.Activity[1]);
        Assert.Equal(0, a.Activity[3]);

        // Against a direct computation: the variance of μ_u over the data, and the per-dimension KLs summing to the KL term.
        vae.Encode(data.Features, data.Count, WorkerPool.Single, out Span<float> mu, out Span<float> logVar);
        var mu0 = new double[data.Count];
        for (int i = 0; i < data.Count; i++) mu0[i] = mu[i * 5];
        Assert.Equal(MeanEstimate.Of(mu0).StandardDeviation * MeanEstimate.Of(mu0).StandardDeviation, a.Activity[0], 9);
        Assert.True(a.Activity[0] > 0.01);
        double kl = DiagonalGaussian.KlToStandardNormal(mu, logVar) / data.Count;
        Assert.Equal(kl, a.Kl.Sum(), 6);
    }

    [Fact]
    public void EstimatePartsAgreeWithTheirDefinitions()
    {
        var model = LinearGaussian.Create(d: 6, j: 2, fixedVariance: true, seed: 51);
        float[] x = model.Sample(5, new Rng(52));
        var sampler = new ImportanceSampling(model.Vae, chunk: 500);
        var r = sampler.Estimate(x, 5, 5000, new Rng(53));
        Assert.Equal([1, 5, 50, 500, 5000], r.BoundSizes);
        var plain = new double[5];
        sampler.LogLikelihood(x, 5, 5000, new Rng(53), plain);
        Assert.Equal(plain, r.LogLikelihood);
        Assert.Equal(r.LogLikelihood, r.Bounds[^1]);
        for (int i = 0; i < 5; i++)
        {
            // K = 5000 against the exact log N(x; b, WᵀW + σ²I): within 3 delta-method standard errors.
            double exact = model.ExactLogLikelihood(x.AsSpan(i * 6, 6));
            Assert.True(r.StandardError[i] > 0 && r.StandardError[i] < 0.02, $"row {i}: s.e. {r.StandardError[i]}");
            Assert.True(Math.Abs(r.LogLikelihood[i] - exact) < 3 * r.StandardError[i], $"row {i}: {r.LogLikelihood[i]:F5} vs exact {exact:F5}, s.e. {r.StandardError[i]:F5}");
        }
        // The bound over the first K' samples is the K'-sample estimate from the same generator (one row, so the same draws).
        var first = sampler.Estimate(x.AsSpan(0, 6), 1, 5000, new Rng(54));
        var fifty = sampler.Estimate(x.AsSpan(0, 6), 1, 50, new Rng(54));
        Assert.Equal(fifty.LogLikelihood[0], first.Bounds[2][0]);
        Assert.Equal(fifty.Bounds[0][0], first.Bounds[0][0]);
    }
}
