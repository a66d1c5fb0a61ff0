using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>Settings of <see cref="PosteriorImportanceSampling"/>.</summary>
public sealed record PosteriorImportanceSettings
{
    /// <summary>HMC chains per datapoint, each from its own start, so that a posterior with several modes gets a component at each one a chain finds.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>HMC transitions per chain before its samples are kept (the step size adapts meanwhile).</summary>
    public int BurnIn { get; init; } = 100;

    /// <summary>Posterior samples per chain to which its Gaussian is fitted.</summary>
    public int Samples { get; init; } = 200;

    /// <summary>K, importance samples per datapoint drawn from the fitted mixture.</summary>
    public int ImportanceSamples { get; init; } = 20_000;

    /// <summary>
    /// The covariance scales of each chain's components: N(mean, s · covariance) for every s here. Wider than 1 so that the
    /// proposal's tails are heavier than the posterior's, which keeps the importance weights bounded where the fit is rough.
    /// </summary>
    public IReadOnlyList<double> Inflations { get; init; } = [1.5, 5.0];

    /// <summary>Weight of the prior N(0, I) in the mixture (a defensive component: every weight is at most p(x|z)/this).</summary>
    public double PriorWeight { get; init; } = 0.1;

    /// <summary>Prior draws per chain from which its start is the best by log p(x, z) (chain 0 starts at the model's own start instead).</summary>
    public int StartCandidates { get; init; } = 250;

    /// <summary>The sampler.</summary>
    public HmcSettings Hmc { get; init; } = new() { LeapfrogSteps = 4, TargetAcceptance = 0.9 };

    /// <summary>Datapoints whose chains run together.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Seed; datapoint i's chains, starts and draws use streams of their own, so results do not depend on the batch size or the threads.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        if (Chains is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(Chains), Chains, "Between 1 and 64 chains per datapoint.");
        if (Samples is < 2 or > 100_000) throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "Between 2 and 100,000 samples per chain.");
        if (ImportanceSamples is < 1 or > 100_000_000)
            throw new ArgumentOutOfRangeException(nameof(ImportanceSamples), ImportanceSamples, "Between 1 and 100,000,000 importance samples per datapoint.");
        ArgumentOutOfRangeException.ThrowIfNegative(BurnIn);
        ArgumentOutOfRangeException.ThrowIfNegative(StartCandidates);
        if (BatchSize is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Between 1 and 10,000 datapoints per batch.");
        if (Inflations.Count == 0 || Inflations.Any(s => !(s > 0) || !double.IsFinite(s)))
            throw new ArgumentOutOfRangeException(nameof(Inflations), "At least one positive, finite covariance scale.");
        if (!(PriorWeight > 0 && PriorWeight < 1)) throw new ArgumentOutOfRangeException(nameof(PriorWeight), PriorWeight, "Strictly between 0 and 1.");
        Hmc.Validate();
    }
}

/// <summary>The estimate of the mean log p(x) over datapoints, with the importance sampling's health.</summary>
/// <param name="Estimate">Mean of the per-datapoint log p̂(x) ± its standard error over datapoints.</param>
/// <param name="MedianEffectiveSamples">Median over datapoints of the effective sample size (Σw)²/Σw² of the K weights.</param>
/// <param name="LowEffectiveSamples">Datapoints whose effective sample size is below 100: their log p̂(x) rests on a few weights.</param>
/// <param name="AcceptanceRate">HMC acceptance rate over the kept transitions.</param>
public readonly record struct PosteriorImportanceEstimate(MeanEstimate Estimate, double MedianEffectiveSamples, int LowEffectiveSamples, double AcceptanceRate);

/// <summary>
/// A reference log p(x) for a model with a low-dimensional latent space: importance sampling whose proposal is fitted to
/// the posterior itself. Per datapoint, <see cref="PosteriorImportanceSettings.Chains"/> HMC chains on log p(x, z) (the
/// first started at the model's own start, a VAE's encoder mean; each other one at the best of its own prior draws) give samples to which a Gaussian is fitted per chain; the proposal is the
/// mixture of those Gaussians at widened covariances plus the prior, and p(x) ≈ (1/K) Σ p(x, zₖ)/r(zₖ) with zₖ ~ r. Like
/// any importance sampling it is unbiased for p(x) and, by Jensen, low in log p(x) on average; unlike sampling from the
/// encoder q(z|x) (<see cref="ImportanceSampling"/>), its proposal covers the posterior closely, so the gap is small and the
/// effective sample size reports where it is not. It is the yardstick against which Figure 3 measures both the appendix-D
/// estimator (<see cref="MarginalLikelihood"/>, biased high in expectation) and importance sampling from the encoder.
/// Written by hand: no present library fits a proposal to HMC samples of a caller's model. Datapoint i uses streams of its
/// own, so the results do not depend on the batch size.
/// </summary>
public sealed class PosteriorImportanceSampling
{
    private const ulong ChainStreams = 1UL << 60, CandidateStreams = 1UL << 61, DrawStreams = 3UL << 61;
    private const int Block = 1000;

    private readonly ILatentVariableModel _model;
    private readonly Hmc _hmc;

    /// <summary>Creates the estimator; refuses a model with more than <see cref="MarginalLikelihood.MaxLatent"/> latent dimensions.</summary>
    public PosteriorImportanceSampling(ILatentVariableModel model, PosteriorImportanceSettings? settings = null)
    {
        settings ??= new PosteriorImportanceSettings();
        settings.Validate();
        if (model.Latent > MarginalLikelihood.MaxLatent)
            throw new ArgumentException($"Importance sampling from a fitted posterior handles at most {MarginalLikelihood.MaxLatent} latent dimensions; " +
                $"this model has {model.Latent}: the Gaussians fitted to a few hundred posterior samples no longer cover the posterior. Use importance sampling from the encoder.");
        _model = model;
        Settings = settings;
        _hmc = new Hmc(model, settings.Hmc);
    }

    /// <summary>Settings.</summary>
    public PosteriorImportanceSettings Settings { get; }

    /// <summary>
    /// Estimates log p(xᵢ) of each of the <paramref name="rows"/> rows of <paramref name="x"/> ([rows × D]) into
    /// <paramref name="destination"/>, and each one's effective sample size into <paramref name="effectiveSamples"/> (if not empty).
    /// </summary>
    public PosteriorImportanceEstimate Estimate(ReadOnlySpan<float> x, int rows, Span<double> destination, Span<double> effectiveSamples = default,
        Action<int>? progress = null, CancellationToken cancel = default)
    {
        int d = _model.InputSize, j = _model.Latent, c = Settings.Chains, l = Settings.Samples;
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (x.Length < (long)rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {(long)rows * d}.", nameof(x));
        if (destination.Length < rows) throw new ArgumentException("Destination too short.", nameof(destination));
        if (!effectiveSamples.IsEmpty && effectiveSamples.Length < rows) throw new ArgumentException("Too short.", nameof(effectiveSamples));
        var ess = new double[rows];
        long accepted = 0, transitions = 0;
        int batch = Math.Min(Settings.BatchSize, Math.Max(rows, 1));
        var samples = new double[l * batch * c * j];
        var xs = new float[Block * d];
        var zs = new double[Block * j];
        var lj = new double[Block];
        for (int start = 0; start < rows; start += batch)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(batch, rows - start), chainsInBatch = n * c;
            var xr = new float[chainsInBatch * d];   // chain (i, k) is row i·C + k, on datapoint i
            for (int i = 0; i < n; i++)
                for (int k = 0; k < c; k++) x.Slice((start + i) * d, d).CopyTo(xr.AsSpan((i * c + k) * d, d));
            var chains = new HmcChains(chainsInBatch, j, Settings.Hmc.InitialStepSize, Settings.Seed, ChainStreams + (ulong)start * (ulong)c);
            _hmc.Initialize(xr, chains);
            ChooseStarts(xr, n, c, start, chains);
            var adapt = new DualAveraging(chains, Settings.Hmc.TargetAcceptance);
            for (int t = 0; t < Settings.BurnIn; t++)
            {
                _hmc.Step(xr, chains);
                adapt.Update(chains);
            }
            adapt.Finish(chains);
            chains.ResetCounts();
            for (int s = 0; s < l; s++)
            {
                _hmc.Step(xr, chains);
                chains.Positions.AsSpan(0, chainsInBatch * j).CopyTo(samples.AsSpan(s * chainsInBatch * j, chainsInBatch * j));
            }
            accepted += chains.Accepted.Sum();
            transitions += chains.Transitions * chainsInBatch;
            for (int i = 0; i < n; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var fits = new FittedGaussian[c];
                for (int k = 0; k < c; k++) fits[k] = FittedGaussian.Fit(samples, l, chainsInBatch, j, i * c + k, 1.0);
                (destination[start + i], ess[start + i]) = Sample(x.Slice((start + i) * d, d), fits, start + i, xs, zs, lj);
            }
            progress?.Invoke(start + n);
        }
        if (!effectiveSamples.IsEmpty) ess.CopyTo(effectiveSamples);
        var sorted = ess.Order().ToArray();
        return new PosteriorImportanceEstimate(MeanEstimate.Of(destination[..rows]), rows == 0 ? double.NaN : sorted[rows / 2],
            ess.Count(e => e < 100), transitions == 0 ? double.NaN : accepted / (double)transitions);
    }

    /// <summary>K draws from the mixture for one datapoint: log of the mean weight and the effective sample size.</summary>
    private (double LogLikelihood, double Ess) Sample(ReadOnlySpan<float> xi, FittedGaussian[] fits, int row, float[] xs, double[] zs, double[] lj)
    {
        int d = _model.InputSize, j = _model.Latent, k = Settings.ImportanceSamples;
        var inflations = Settings.Inflations;
        int components = fits.Length * inflations.Count;
        double logPrior = Math.Log(Settings.PriorWeight), logEach = Math.Log((1 - Settings.PriorWeight) / components);
        double priorNormalizer = -0.5 * j * Math.Log(2 * Math.PI);
        var rng = Rng.ForStream(Settings.Seed, DrawStreams + (ulong)row);
        Span<double> e = stackalloc double[j];
        var terms = new double[components + 1];
        for (int r = 0; r < Math.Min(Block, k); r++) xi.CopyTo(xs.AsSpan(r * d, d));
        LogSumAccumulator sum = default, sumSquares = default;
        for (int done = 0; done < k; done += Block)
        {
            int m = Math.Min(Block, k - done);
            for (int r = 0; r < m; r++)
            {
                double u = rng.NextDouble();
                for (int a = 0; a < j; a++) e[a] = rng.NextNormal();
                Span<double> z = zs.AsSpan(r * j, j);
                if (u < Settings.PriorWeight) e.CopyTo(z);
                else
                {
                    int pick = Math.Min(components - 1, (int)((u - Settings.PriorWeight) / (1 - Settings.PriorWeight) * components));
                    fits[pick / inflations.Count].Transform(e, inflations[pick % inflations.Count], z);
                }
            }
            _model.LogJoint(xs, zs, m, lj, default);
            for (int r = 0; r < m; r++)
            {
                ReadOnlySpan<double> z = zs.AsSpan(r * j, j);
                double sq = 0;
                for (int a = 0; a < j; a++) sq += z[a] * z[a];
                terms[0] = logPrior + priorNormalizer - 0.5 * sq;
                for (int q = 0; q < components; q++) terms[q + 1] = logEach + fits[q / inflations.Count].LogDensityScaled(z, inflations[q % inflations.Count]);
                double logW = lj[r] - LogSumAccumulator.LogSumExp(terms);
                if (double.IsNaN(logW)) continue;   // a NaN log joint counts as weight 0
                sum.Add(logW);
                sumSquares.Add(2 * logW);
            }
        }
        double logMean = sum.Value - Math.Log(k);
        double ess = double.IsNegativeInfinity(sum.Value) ? 0 : Math.Exp(2 * sum.Value - sumSquares.Value);
        return (logMean, ess);
    }

    private void ChooseStarts(float[] xr, int n, int c, int firstRow, HmcChains chains)
    {
        int s = Settings.StartCandidates, d = _model.InputSize, j = _model.Latent;
        if (s == 0) return;
        var search = new PriorStartSearch(_model, s);
        bool moved = false;
        for (int i = 0; i < n; i++)
        {
            search.Load(xr.AsSpan(i * c * d, d));
            for (int k = 0; k < c; k++)
            {
                int chain = i * c + k;
                // Chain 0 keeps the model's own start (a VAE's encoder mean) when it is finite; the others start at the best of
                // their own prior draws, so that a mode the model's start misses still gets a chain.
                if (k == 0 && double.IsFinite(chains.LogJoint[chain])) continue;
                var rng = Rng.ForStream(Settings.Seed, CandidateStreams + (ulong)(firstRow + i) * (ulong)c + (ulong)k);
                moved |= search.Improve(s, rng, double.NegativeInfinity, chains.Positions.AsSpan(chain * j, j));
            }
        }
        if (moved) _hmc.Refresh(xr, chains);
    }
}
