using VaeSharp.Data;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Evaluation;

/// <summary>How <see cref="DatasetEvaluation.Run"/> evaluates a model (the training settings it repeats, and what to add).</summary>
public sealed record EvaluationSettings
{
    /// <summary>Binarization of the data, as in training.</summary>
    public Binarization Binarization { get; init; } = Binarization.Dynamic;
    /// <summary>SGVB estimator of the ELBO, as in training.</summary>
    public Estimator Estimator { get; init; } = Estimator.B;
    /// <summary>L, samples of z per datapoint for the ELBO.</summary>
    public int Samples { get; init; } = 1;
    /// <summary>Datapoints per batch (as in training, so draw 0 uses the noise exactly as training's evaluation did).</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>The run's seed; every stream below derives from it.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Evaluations to average: each draw is a fresh binarization (dynamic binarization only) and fresh noise. Per-datapoint
    /// figures are averaged over the draws before the standard error over datapoints is taken.
    /// </summary>
    public int Draws { get; init; } = 1;
    /// <summary>K of the importance-sampled log p(x) (0: not estimated).</summary>
    public int ImportanceSamples { get; init; }
    /// <summary>Active-unit threshold on Cov_x(E_q[z_u]).</summary>
    public double ActiveThreshold { get; init; } = LatentActivity.DefaultThreshold;
    /// <summary>Called during importance sampling with (images done, images in all), counted over all draws.</summary>
    public Action<int, int>? ImportanceProgress { get; init; }
}

/// <summary>
/// Per-datapoint results of <see cref="DatasetEvaluation.Run"/> (every array indexed by datapoint is averaged over the draws),
/// with the per-draw means for the between-draw spread.
/// </summary>
public sealed class EvaluationReport
{
    /// <summary>Datapoints evaluated.</summary>
    public required int Rows { get; init; }
    /// <summary>Draws averaged.</summary>
    public required int Draws { get; init; }
    /// <summary>ELBO estimate per datapoint (nats).</summary>
    public required double[] Elbo { get; init; }
    /// <summary>Reconstruction term per datapoint.</summary>
    public required double[] Reconstruction { get; init; }
    /// <summary>KL term per datapoint.</summary>
    public required double[] Kl { get; init; }
    /// <summary>Mean ELBO over datapoints of each draw.</summary>
    public required double[] ElboPerDraw { get; init; }
    /// <summary>K of the importance sampling (0: none).</summary>
    public int ImportanceSamples { get; init; }
    /// <summary>Importance-sampled log p(x) per datapoint (empty without importance sampling).</summary>
    public double[] LogLikelihood { get; init; } = [];
    /// <summary>The delta-method standard error of each datapoint's estimate, averaged over draws.</summary>
    public double[] LogLikelihoodStandardError { get; init; } = [];
    /// <summary>Mean log p(x) over datapoints of each draw.</summary>
    public double[] LogLikelihoodPerDraw { get; init; } = [];
    /// <summary>The K' of <see cref="Bounds"/>.</summary>
    public int[] BoundSizes { get; init; } = [];
    /// <summary>Bounds[b][i]: L_K' (K' = BoundSizes[b]) for datapoint i from the first K' importance samples.</summary>
    public double[][] Bounds { get; init; } = [];
    /// <summary>Seconds spent in importance sampling (all draws).</summary>
    public double ImportanceSeconds { get; init; }
    /// <summary>Active units and per-dimension KL, on draw 0's inputs.</summary>
    public required LatentActivity Activity { get; init; }

    /// <summary>Mean ELBO ± standard error over datapoints.</summary>
    public MeanEstimate ElboEstimate => MeanEstimate.Of(Elbo);
    /// <summary>Mean reconstruction term ± s.e.</summary>
    public MeanEstimate ReconstructionEstimate => MeanEstimate.Of(Reconstruction);
    /// <summary>Mean KL ± s.e.</summary>
    public MeanEstimate KlEstimate => MeanEstimate.Of(Kl);
    /// <summary>Mean log p(x) ± s.e. over datapoints.</summary>
    public MeanEstimate LogLikelihoodEstimate => MeanEstimate.Of(LogLikelihood);
    /// <summary>Mean L_K' ± s.e. over datapoints for bound <paramref name="b"/>.</summary>
    public MeanEstimate BoundEstimate(int b) => MeanEstimate.Of(Bounds[b]);
    /// <summary>L_K' − L_1 for bound <paramref name="b"/>, paired over datapoints: what K' samples gain over one.</summary>
    public MeanEstimate BoundGain(int b) => MeanEstimate.OfDifference(Bounds[b], Bounds[0]);
    /// <summary>Spread of the per-draw mean ELBO (its standard deviation is the between-draw spread; NaN for one draw).</summary>
    public MeanEstimate ElboBetweenDraws => MeanEstimate.Of(ElboPerDraw);
    /// <summary>Spread of the per-draw mean log p(x).</summary>
    public MeanEstimate LogLikelihoodBetweenDraws => MeanEstimate.Of(LogLikelihoodPerDraw);
}

/// <summary>
/// Evaluates a VAE on a data set with error bars: per-datapoint ELBO terms (and importance-sampled log p(x) with the
/// importance-weighted bounds for K' ≤ K), averaged over several draws of binarization and noise, and the latent units' activity.
/// Draw 0 repeats training's test evaluation exactly (the binarization and ε streams of <see cref="Trainer.Evaluate"/>, the
/// static-binarization stream of <see cref="TrainingSession"/>, and its importance-sampling stream), so its ELBO is the figure
/// in metrics.csv. Draw n ≥ 1 uses streams (seed, 2⁴⁰ + 3n + {0: binarization, 1: ε, 2: importance sampling}), far from the
/// per-epoch training streams.
/// </summary>
public static class DatasetEvaluation
{
    private const ulong DrawStreamBase = 1UL << 40;

    /// <summary>Evaluates <paramref name="vae"/> on every row of <paramref name="data"/>.</summary>
    public static EvaluationReport Run(Vae vae, Dataset data, EvaluationSettings settings, WorkerPool? pool = null)
    {
        if (settings.Draws < 1) throw new ArgumentOutOfRangeException(nameof(settings), settings.Draws, "At least one draw.");
        if (settings.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(settings), settings.BatchSize, "Batch size must be at least 1.");
        if (settings.ImportanceSamples < 0) throw new ArgumentOutOfRangeException(nameof(settings), settings.ImportanceSamples, "K must be ≥ 0.");
        if (data.Dimension != vae.InputSize)
            throw new ArgumentException($"{data.Name} has {data.Dimension} values per image; the model expects {vae.InputSize}.");
        var p = pool ?? WorkerPool.Single;
        ulong seed = settings.Seed;
        if (settings.Binarization == Binarization.Static)
            data = Binarizer.Static(data, Rng.ForStream(seed, TrainingSession.StaticTestStream).NextUInt64());

        int n = data.Count, d = data.Dimension, m = settings.BatchSize, draws = settings.Draws, k = settings.ImportanceSamples;
        var objective = new ElboObjective(vae, settings.Estimator, settings.Samples, p);
        var elbo = new double[n];
        var recon = new double[n];
        var kl = new double[n];
        var elboPerDraw = new double[draws];
        var rowElbo = new double[m];
        var rowRecon = new double[m];
        var rowKl = new double[m];
        int[] sizes = k > 0 ? ImportanceSampling.BoundSizes(k) : [];
        var logLik = new double[k > 0 ? n : 0];
        var logLikSe = new double[k > 0 ? n : 0];
        var logLikPerDraw = new double[k > 0 ? draws : 0];
        var bounds = sizes.Select(_ => new double[n]).ToArray();
        var sampler = k > 0 ? new ImportanceSampling(vae, p) : null;
        double seconds = 0;
        float[] inputs = new float[n * d];
        LatentActivity? activity = null;

        for (int draw = 0; draw < draws; draw++)
        {
            ulong b = DrawStreamBase + 3 * (ulong)draw;
            var binarize = Rng.ForStream(seed, draw == 0 ? Trainer.EvalStream + 1 : b);
            var noise = Rng.ForStream(seed, draw == 0 ? Trainer.EvalStream : b + 1);
            var importance = Rng.ForStream(seed, draw == 0 ? TrainingSession.ImportanceStream : b + 2);

            // The draw's inputs: binarized row by row in order, as training's evaluation gathers them.
            if (settings.Binarization == Binarization.Dynamic)
                for (int r = 0; r < n; r++) Binarizer.Sample(data.Row(r), inputs.AsSpan(r * d, d), binarize);
            else data.Features.AsSpan(0, n * d).CopyTo(inputs);

            double drawSum = 0;
            for (int start = 0; start < n; start += m)
            {
                int rows = Math.Min(m, n - start);
                objective.EvaluateRows(inputs.AsSpan(start * d, rows * d), rows, noise, rowElbo, rowRecon, rowKl);
                for (int i = 0; i < rows; i++)
                {
                    elbo[start + i] += rowElbo[i];
                    recon[start + i] += rowRecon[i];
                    kl[start + i] += rowKl[i];
                    drawSum += rowElbo[i];
                }
            }
            elboPerDraw[draw] = drawSum / n;

            if (sampler is not null)
            {
                if (settings.ImportanceProgress is { } report) { int done = draw * n; sampler.Progress = (i, _) => report(done + i, draws * n); }
                var result = sampler.Estimate(inputs, n, k, importance);
                seconds += result.Seconds;
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    logLik[i] += result.LogLikelihood[i];
                    logLikSe[i] += result.StandardError[i];
                    sum += result.LogLikelihood[i];
                    for (int s = 0; s < sizes.Length; s++) bounds[s][i] += result.Bounds[s][i];
                }
                logLikPerDraw[draw] = sum / n;
            }

            if (draw == 0) activity = LatentActivity.Compute(vae, inputs, n, p, settings.ActiveThreshold);
        }

        void Average(double[] a) { for (int i = 0; i < a.Length; i++) a[i] /= draws; }
        Average(elbo); Average(recon); Average(kl); Average(logLik); Average(logLikSe);
        foreach (var a in bounds) Average(a);
        return new EvaluationReport
        {
            Rows = n, Draws = draws, Elbo = elbo, Reconstruction = recon, Kl = kl, ElboPerDraw = elboPerDraw,
            ImportanceSamples = k, LogLikelihood = logLik, LogLikelihoodStandardError = logLikSe, LogLikelihoodPerDraw = logLikPerDraw,
            BoundSizes = sizes, Bounds = bounds, ImportanceSeconds = seconds, Activity = activity!,
        };
    }
}
