using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>Settings of <see cref="MarginalLikelihood"/>.</summary>
public sealed record MarginalLikelihoodSettings
{
    /// <summary>L, posterior samples per datapoint for the density fit, and again L fresh ones for the estimate (the paper: 50).</summary>
    public int Samples { get; init; } = 50;

    /// <summary>HMC transitions per datapoint before the first sample, during which the step size is adapted.</summary>
    public int BurnIn { get; init; } = 100;

    /// <summary>
    /// Where each chain starts: the best, by log p(x, z), of the model's own start (<see cref="ILatentVariableModel.InitialLatents"/>,
    /// a VAE's encoder mean) and this many draws z ~ N(0, I) from the prior (0: the model's start only). A chain that starts in
    /// a region of little posterior mass may never leave it within the burn-in — measured on a Monte Carlo EM decoder, whose
    /// untrained encoder puts every start at μ ≈ 0: the estimate was 58 nats below importance sampling's, which in expectation
    /// lies below log p(x) — and the estimator trusts its samples to come from the whole posterior. In at most
    /// <see cref="MarginalLikelihood.MaxLatent"/> dimensions a thousand prior draws cover the prior's bulk, where the posterior
    /// of a model with that prior has its mass.
    /// </summary>
    public int StartCandidates { get; init; } = 1000;

    /// <summary>HMC transitions between kept samples (1: every transition).</summary>
    public int Thinning { get; init; } = 1;

    /// <summary>The sampler (the paper: 4 leapfrog steps; the target acceptance 0.9 as for its MCEM).</summary>
    public HmcSettings Hmc { get; init; } = new() { LeapfrogSteps = 4, TargetAcceptance = 0.9 };

    /// <summary>
    /// The fitted q is N(sample mean, scale · sample covariance). A scale below 1 gives q lighter tails than the posterior,
    /// which bounds the variance of the ratios q(z)/p(x, z) when the covariance is estimated from few, correlated samples.
    /// </summary>
    public double CovarianceScale { get; init; } = 1.0;

    /// <summary>Datapoints whose chains run together, one batched model call per leapfrog step.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Seed of the chains' streams; datapoint i's chain draws from <c>Rng.ForStream(Seed, i)</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        if (Samples < 2 || Samples > 100_000)
            throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "Between 2 and 100,000 posterior samples per datapoint.");
        if (BatchSize > 100_000) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "At most 100,000 chains per batch.");
        ArgumentOutOfRangeException.ThrowIfNegative(BurnIn);
        if (StartCandidates is < 0 or > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(StartCandidates), StartCandidates, "Between 0 and 1,000,000 start candidates per datapoint.");
        ArgumentOutOfRangeException.ThrowIfLessThan(Thinning, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        if (!(CovarianceScale > 0) || !double.IsFinite(CovarianceScale))
            throw new ArgumentOutOfRangeException(nameof(CovarianceScale), CovarianceScale, "The covariance scale must be a positive number.");
        Hmc.Validate();
    }
}

/// <summary>An estimate of the mean log p(x) over datapoints.</summary>
/// <param name="Mean">Mean of the per-datapoint estimates of log p(x) (nats).</param>
/// <param name="StandardError">Standard error of <paramref name="Mean"/> over datapoints: sd / √n (NaN for one datapoint).</param>
/// <param name="Count">Datapoints.</param>
/// <param name="AcceptanceRate">HMC acceptance rate over the sampling phase (after burn-in).</param>
public readonly record struct MarginalLikelihoodEstimate(double Mean, double StandardError, int Count, double AcceptanceRate);

/// <summary>
/// The marginal likelihood estimator of Kingma &amp; Welling (2014), appendix D, for a model with a low-dimensional latent
/// space. For each datapoint x: (1) draw L samples z ~ p(z|x) by HMC on ∇_z log p(x, z) (L leapfrog steps as set, step
/// size adapted during burn-in); (2) fit a density q(z) to them; (3) draw L fresh posterior samples and estimate
/// p(x) ≈ ( (1/L) Σₗ q(zₗ) / (p(zₗ) p(x|zₗ)) )⁻¹, which holds because E_{p(z|x)}[q(z)/p(x, z)] = ∫ q(z) dz / p(x) = 1/p(x)
/// for any normalized q. The fitted q is a full-covariance Gaussian N(mean, covariance) of the L samples (unbiased
/// covariance, a 1e-8 relative ridge on its diagonal); the estimate has finite variance when q's tails are lighter than
/// the posterior's, which a Gaussian fit to a unimodal, near-Gaussian posterior provides. Per datapoint it is computed in
/// log space (log-sum-exp). Chains run in batches and datapoint i always uses stream i, so results do not depend on the
/// thread count.
/// </summary>
public sealed class MarginalLikelihood
{
    /// <summary>The largest latent dimension the estimator accepts.</summary>
    public const int MaxLatent = 5;

    private readonly ILatentVariableModel _model;
    private readonly Hmc _hmc;

    /// <summary>Creates the estimator; throws <see cref="ArgumentException"/> for a model with more than <see cref="MaxLatent"/> latent dimensions.</summary>
    public MarginalLikelihood(ILatentVariableModel model, MarginalLikelihoodSettings? settings = null)
    {
        settings ??= new MarginalLikelihoodSettings();
        settings.Validate();
        if (model.Latent > MaxLatent)
            throw new ArgumentException(
                $"The HMC marginal likelihood estimator handles at most {MaxLatent} latent dimensions; this model has {model.Latent}. " +
                "It rests on a density fitted to a few dozen posterior samples, and in more dimensions that fit no longer matches the " +
                "posterior while the samples needed for a reliable estimate grow exponentially (Kingma & Welling 2014, appendix D). " +
                "Use importance sampling instead.");
        _model = model;
        Settings = settings;
        _hmc = new Hmc(model, settings.Hmc);
    }

    /// <summary>Settings.</summary>
    public MarginalLikelihoodSettings Settings { get; }

    /// <summary>
    /// Estimates log p(xᵢ) for each of the <paramref name="rows"/> rows of <paramref name="x"/> ([rows × D]) into
    /// <paramref name="destination"/> and returns their mean and standard error. <paramref name="progress"/> receives the
    /// number of datapoints finished after each batch.
    /// </summary>
    public MarginalLikelihoodEstimate Estimate(ReadOnlySpan<float> x, int rows, Span<double> destination,
        Action<int>? progress = null, CancellationToken cancel = default)
    {
        int d = _model.InputSize, j = _model.Latent, l = Settings.Samples;
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (x.Length < (long)rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {(long)rows * d}.", nameof(x));
        if (destination.Length < rows) throw new ArgumentException("Destination too short.", nameof(destination));
        int batch = Math.Min(Settings.BatchSize, Math.Max(rows, 1));
        if ((long)l * batch * j > 1 << 28)
            throw new ArgumentException($"{l} samples × {batch} chains × {j} dimensions is too many to hold at once; lower the samples or the batch size.");
        var fit = new double[l * batch * j];   // [sample][chain][J]
        var logRatio = new double[l];
        long accepted = 0, transitions = 0;
        for (int start = 0; start < rows; start += batch)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(batch, rows - start);
            ReadOnlySpan<float> xb = x.Slice(start * d, n * d);
            var chains = new HmcChains(n, j, Settings.Hmc.InitialStepSize, Settings.Seed, (ulong)start);
            _hmc.Initialize(xb, chains);
            ChooseStarts(xb, n, start, chains);
            var adapt = new DualAveraging(chains, Settings.Hmc.TargetAcceptance);
            for (int t = 0; t < Settings.BurnIn; t++)
            {
                _hmc.Step(xb, chains);
                adapt.Update(chains);
            }
            adapt.Finish(chains);
            chains.ResetCounts();

            // Stage 1: L posterior samples per chain for the fit.
            for (int s = 0; s < l; s++)
            {
                for (int t = 0; t < Settings.Thinning; t++) _hmc.Step(xb, chains);
                chains.Positions.AsSpan(0, n * j).CopyTo(fit.AsSpan(s * n * j, n * j));
            }
            // Stage 2: a Gaussian q per chain.
            var fitted = new FittedGaussian[n];
            for (int i = 0; i < n; i++) fitted[i] = FittedGaussian.Fit(fit, l, n, j, i, Settings.CovarianceScale);

            // Stage 3: L fresh samples; log of each term q(z)/p(x, z), with log p(x, z) cached by the sampler.
            var sums = new LogSumAccumulator[n];
            for (int s = 0; s < l; s++)
            {
                for (int t = 0; t < Settings.Thinning; t++) _hmc.Step(xb, chains);
                for (int i = 0; i < n; i++)
                    sums[i].Add(fitted[i].LogDensity(chains.Positions.AsSpan(i * j, j)) - chains.LogJoint[i]);
            }
            for (int i = 0; i < n; i++) destination[start + i] = -(sums[i].Value - Math.Log(l));
            accepted += chains.Accepted.Sum();
            transitions += chains.Transitions * n;
            progress?.Invoke(start + n);
        }
        return Summarize(destination[..rows], transitions == 0 ? double.NaN : accepted / (double)transitions);
    }

    /// <summary>Stream label of datapoint i's start candidates (kept apart from the chains' own streams, labelled i).</summary>
    private const ulong CandidateStreams = 1UL << 62;

    /// <summary>
    /// Moves each chain to the best of <see cref="MarginalLikelihoodSettings.StartCandidates"/> prior draws when one has a
    /// higher log p(x, z) than the model's start (<paramref name="chains"/> as initialized). Candidates of datapoint
    /// <paramref name="firstRow"/> + i come from their own stream, so the starts do not depend on the batch size.
    /// </summary>
    private void ChooseStarts(ReadOnlySpan<float> xb, int n, int firstRow, HmcChains chains)
    {
        int s = Settings.StartCandidates, d = _model.InputSize, j = _model.Latent;
        if (s == 0 || n == 0) return;
        var search = new PriorStartSearch(_model, s);
        bool moved = false;
        for (int i = 0; i < n; i++)
        {
            search.Load(xb.Slice(i * d, d));
            var rng = Rng.ForStream(Settings.Seed, CandidateStreams + (ulong)(firstRow + i));
            double best = double.IsNaN(chains.LogJoint[i]) ? double.NegativeInfinity : chains.LogJoint[i];
            moved |= search.Improve(s, rng, best, chains.Positions.AsSpan(i * j, j));
        }
        if (moved) _hmc.Refresh(xb, chains);
    }

    /// <summary>Mean and standard error (sd/√n) of per-datapoint estimates.</summary>
    public static MarginalLikelihoodEstimate Summarize(ReadOnlySpan<double> perDatapoint, double acceptanceRate = double.NaN)
    {
        int n = perDatapoint.Length;
        if (n == 0) return new MarginalLikelihoodEstimate(double.NaN, double.NaN, 0, acceptanceRate);
        double mean = 0;
        foreach (double v in perDatapoint) mean += v;
        mean /= n;
        double ss = 0;
        foreach (double v in perDatapoint) ss += (v - mean) * (v - mean);
        double se = n > 1 ? Math.Sqrt(ss / (n - 1) / n) : double.NaN;
        return new MarginalLikelihoodEstimate(mean, se, n, acceptanceRate);
    }
}
