using VaeSharp.Distributions;
using VaeSharp.Evaluation;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Evaluation;

public class ImportanceSamplingTests
{
    /// <summary>A 1-D latent space, so log p(x) = log ∫ p(x|z) φ(z) dz can be computed by quadrature.</summary>
    private static Vae OneDimensional(DecoderKind decoder)
    {
        var vae = new Vae(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5], Latent = 1, Activation = Activation.Tanh, Decoder = decoder });
        vae.Initialize(Initialization.Normal, new Rng(21), scale: 0.8f);
        return vae;
    }

    /// <summary>Trapezoid rule over z ∈ [−12, 12] with 48,001 points, decoding in float32 like the estimator does.</summary>
    private static double ExactLogLikelihood(Vae vae, float[] x) => Exact(vae, x).LogLikelihood;

    private static (double LogLikelihood, double PosteriorMean, double PosteriorVariance) Exact(Vae vae, float[] x)
    {
        const int n = 48_001;
        const double lo = -12, hi = 12, h = (hi - lo) / (n - 1);
        var z = new float[n];
        for (int i = 0; i < n; i++) z[i] = (float)(lo + i * h);
        vae.Decode(z, n, WorkerPool.Single, out Span<float> output, out Span<float> logVar);
        var rows = new double[n];
        DecoderLikelihood.RowLogLikelihoods(vae.Config, x, 1, output, logVar, n, false, 0f, rows, WorkerPool.Single);
        double max = double.NegativeInfinity;
        var terms = new double[n];
        for (int i = 0; i < n; i++)
        {
            double zi = z[i];
            terms[i] = rows[i] - 0.5 * (DiagonalGaussian.Log2Pi + zi * zi) + Math.Log(i == 0 || i == n - 1 ? h / 2 : h);
            max = Math.Max(max, terms[i]);
        }
        double total = terms.Sum(t => Math.Exp(t - max));
        double mean = 0, second = 0;
        for (int i = 0; i < n; i++)
        {
            double w = Math.Exp(terms[i] - max) / total;
            mean += w * z[i];
            second += w * z[i] * (double)z[i];
        }
        return (max + Math.Log(total), mean, second - mean * mean);
    }

    /// <summary>Points the encoder at the exact posterior's mean and variance (weights 0, biases set), a good proposal.</summary>
    private static void AimEncoder(Vae vae, double mean, double variance)
    {
        var arena = vae.Arena;
        arena.Value(vae.EncoderMu.Weight).Clear();
        arena.Value(vae.EncoderLogVar.Weight).Clear();
        arena.Value(vae.EncoderMu.Bias!.Value)[0] = (float)mean;
        arena.Value(vae.EncoderLogVar.Bias!.Value)[0] = (float)Math.Log(variance);
    }

    [Theory]
    [InlineData(DecoderKind.Bernoulli)]
    [InlineData(DecoderKind.Gaussian)]
    public void ConvergesToTheExactMarginalLikelihood(DecoderKind decoder)
    {
        var vae = OneDimensional(decoder);
        float[] x = decoder == DecoderKind.Bernoulli ? [1, 0, 1, 1, 0, 0] : [0.9f, 0.1f, 0.7f, 0.8f, 0.2f, 0.4f];
        var (exact, mean, variance) = Exact(vae, x);
        // A proposal at the posterior's moments (away from the prior: mean and variance differ from 0 and 1) keeps the
        // weights' variance small, so 20,000 samples pin log p(x) to well under 0.01 nats; a wrong sign or a missing
        // log q or log p(z) term moves it by far more.
        AimEncoder(vae, mean, variance);
        Assert.True(Math.Abs(mean) > 0.05 || Math.Abs(variance - 1) > 0.05, $"posterior N({mean}, {variance}) is the prior: the test would be weak");
        var ll = new double[1];
        new ImportanceSampling(vae, chunk: 700).LogLikelihood(x, 1, 20_000, new Rng(5), ll);
        Assert.True(Math.Abs(ll[0] - exact) < 0.005, $"IS {ll[0]:F5} vs exact {exact:F5}");
        // Aimed far off, the estimate is still a stochastic lower bound.
        AimEncoder(vae, mean + 2, variance * 0.25);
        new ImportanceSampling(vae).LogLikelihood(x, 1, 2_000, new Rng(6), ll);
        Assert.True(ll[0] < exact + 0.005, $"IS with a poor proposal {ll[0]:F5} above exact {exact:F5}");
    }

    [Fact]
    public void OneSampleAveragesToTheElboWhichIsBelowLogLikelihood()
    {
        var vae = OneDimensional(DecoderKind.Bernoulli);
        float[] x = [1, 0, 1, 1, 0, 0];
        double exact = ExactLogLikelihood(vae, x);
        var elbo = new ElboObjective(vae, Estimator.A, 1);
        double elboMean = 0;
        var rng = new Rng(8);
        const int n = 20_000;
        for (int i = 0; i < n; i++) elboMean += elbo.Evaluate(x, 1, rng, false).Objective;
        elboMean /= n;
        var ll = new double[1];
        double isMean = 0;
        var sampler = new ImportanceSampling(vae);
        var rng2 = new Rng(9);
        for (int i = 0; i < 2000; i++) { sampler.LogLikelihood(x, 1, 1, rng2, ll); isMean += ll[0]; }
        isMean /= 2000;
        Assert.True(elboMean < exact, $"ELBO {elboMean:F4} ≥ log p(x) {exact:F4}");
        // K = 1 importance sampling is the ELBO estimator A: the two means agree within Monte Carlo error.
        Assert.True(Math.Abs(isMean - elboMean) < 0.1, $"K=1 IS mean {isMean:F4} vs ELBO {elboMean:F4}");
    }
}
