using VaeSharp.Distributions;
using VaeSharp.Evaluation;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>Settings of <see cref="MonteCarloEm"/> (defaults: the paper's appendix E).</summary>
public sealed record MonteCarloEmOptions
{
    /// <summary>M, datapoints per minibatch.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Seed of every random stream (chain starts, shuffling, HMC).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Leapfrog steps per HMC transition (the paper: 10).</summary>
    public int LeapfrogSteps { get; init; } = 10;

    /// <summary>Acceptance rate the shared step size is tuned to (the paper: 90 %).</summary>
    public double TargetAcceptance { get; init; } = 0.9;

    /// <summary>HMC transitions of each minibatch's chains before its weight updates.</summary>
    public int HmcTransitions { get; init; } = 1;

    /// <summary>Optimizer steps on the decoder per minibatch, all at the same z (the paper: 5).</summary>
    public int WeightUpdates { get; init; } = 5;

    /// <summary>Step size before any tuning.</summary>
    public double InitialStepSize { get; init; } = 0.05;

    /// <summary>
    /// Gain of the step-size tuning: after each minibatch, log ε += gain · (its mean acceptance probability − target).
    /// A constant gain keeps tracking the posterior as the decoder changes.
    /// </summary>
    public double TuningGain { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(LeapfrogSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(HmcTransitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(WeightUpdates, 1);
        if (!(TargetAcceptance > 0 && TargetAcceptance < 1))
            throw new ArgumentOutOfRangeException(nameof(TargetAcceptance), TargetAcceptance, "The target acceptance must lie in (0, 1).");
        if (!(InitialStepSize > 0) || !double.IsFinite(InitialStepSize))
            throw new ArgumentOutOfRangeException(nameof(InitialStepSize), InitialStepSize, "The step size must be a positive number.");
        if (!(TuningGain >= 0) || !double.IsFinite(TuningGain))
            throw new ArgumentOutOfRangeException(nameof(TuningGain), TuningGain, "The tuning gain must be ≥ 0.");
    }
}

/// <summary>What one epoch of Monte Carlo EM did.</summary>
/// <param name="Result">
/// Sums over the epoch, at each minibatch's HMC samples before its weight updates: Objective = Σ log p(x, z),
/// Reconstruction = Σ log p(x|z), and the Kl slot holds Σ −log p(z) (so Objective = Reconstruction − Kl as for the ELBO).
/// </param>
/// <param name="AcceptanceRate">HMC proposals accepted over all transitions of the epoch.</param>
/// <param name="StepSize">The shared leapfrog step size at the end of the epoch.</param>
public readonly record struct MonteCarloEmEpoch(EpochResult Result, double AcceptanceRate, double StepSize);

/// <summary>
/// Monte Carlo EM for a <see cref="Vae"/>'s decoder (Kingma &amp; Welling 2014, appendix E, the baseline of Figure 3): for each
/// minibatch, move every datapoint's z by HMC on p(z|x) (10 leapfrog steps, a step size tuned to 90 % acceptance), then take
/// several optimizer steps on the decoder's parameters to maximize (1/M) Σ log p(x|z) + log p(z) at those z (log p(z) has no
/// parameters, so the loss is −(1/M) Σ log p(x|z)). The paper uses it on small training sets only: every datapoint needs its own
/// sampler, and the E-step costs LeapfrogSteps decoder passes per transition.
/// </summary>
/// <remarks>
/// Choices not fixed by the paper: each datapoint's chain persists across epochs (its z is where the previous epoch left it;
/// the first epoch starts from z ~ N(0, I)), which is what lets one HMC transition per visit suffice; one step size is shared by
/// all chains and tuned by a constant-gain Robbins–Monro rule after each minibatch (<see cref="MonteCarloEmOptions.TuningGain"/>);
/// the encoder is untouched (its gradients stay zero, so only weight decay would move it); the data are used as given (no
/// dynamic binarization). The chain state (<see cref="Positions"/>, <see cref="StepSize"/>) is not written to model files yet, so
/// a resumed run restarts its chains. Same seed, data and thread count ⇒ bit-identical results.
/// </remarks>
public sealed class MonteCarloEm
{
    private const ulong ShuffleStream = 1, InitStream = 2;
    private readonly Vae _vae;
    private readonly Optimizer _optimizer;
    private readonly WorkerPool _pool;
    private readonly VaeLatentModel _latentModel;
    private readonly Hmc _hmc;
    private readonly float[] _batch;      // [M × D]
    private float[] _zf = [], _dz = [];   // [M × J]
    private double[] _rowLogLik = [];     // [M]
    private int[] _order = [];

    /// <summary>Creates the algorithm for <paramref name="vae"/>; <paramref name="optimizer"/> must be over <c>vae.Arena</c>.</summary>
    public MonteCarloEm(Vae vae, Optimizer optimizer, MonteCarloEmOptions? options = null, WorkerPool? pool = null)
    {
        options ??= new MonteCarloEmOptions();
        options.Validate();
        _vae = vae;
        _optimizer = optimizer;
        Options = options;
        _pool = pool ?? WorkerPool.Single;
        _latentModel = new VaeLatentModel(vae, _pool);
        _hmc = new Hmc(_latentModel, new HmcSettings
        {
            LeapfrogSteps = options.LeapfrogSteps, TargetAcceptance = options.TargetAcceptance, InitialStepSize = options.InitialStepSize,
        });
        _batch = new float[options.BatchSize * vae.InputSize];
        StepSize = options.InitialStepSize;
    }

    /// <summary>Options.</summary>
    public MonteCarloEmOptions Options { get; }

    /// <summary>Each datapoint's current z, [N × J] (empty before the first epoch).</summary>
    public double[] Positions { get; private set; } = [];

    /// <summary>The shared leapfrog step size.</summary>
    public double StepSize { get; set; }

    /// <summary>Runs epoch <paramref name="epoch"/> (1-based) over <paramref name="data"/>, whose row count must not change between epochs.</summary>
    public MonteCarloEmEpoch RunEpoch(DataMatrix data, int epoch, Action<StepProgress>? progress = null, CancellationToken cancel = default)
    {
        int d = _vae.InputSize, j = _vae.Latent, m = Options.BatchSize;
        if (data.Dimension != d) throw new ArgumentException($"Data rows have {data.Dimension} values; the model expects {d}.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("The training data is empty.", nameof(data));
        if (Positions.Length == 0)
        {
            Positions = new double[(long)data.Count * j];
            var init = Rng.ForStream(Options.Seed, InitStream);
            for (int t = 0; t < Positions.Length; t++) Positions[t] = init.NextNormal();
        }
        else if (Positions.Length != (long)data.Count * j)
            throw new ArgumentException($"The chains were started for {Positions.Length / j} datapoints; the data has {data.Count}.", nameof(data));

        ulong e = (ulong)epoch;
        if (_order.Length != data.Count) _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        Rng.ForStream(Options.Seed, e * 16 + ShuffleStream).Shuffle(_order);

        int batches = (data.Count + m - 1) / m;
        var total = default(BatchTerms);
        long accepted = 0, transitions = 0;
        ReadOnlySpan<float> all = data.Features.Span;
        _vae.Arena.ZeroGradients();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int b = 0; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            int rows = Math.Min(m, data.Count - b * m);
            ReadOnlySpan<int> idx = _order.AsSpan(b * m, rows);
            for (int r = 0; r < rows; r++) all.Slice(idx[r] * d, d).CopyTo(_batch.AsSpan(r * d, d));
            ReadOnlySpan<float> x = _batch.AsSpan(0, rows * d);

            // E-step: the minibatch's chains, each with a stream of its own for (epoch, datapoint).
            var chains = new HmcChains(rows, j, StepSize, Options.Seed, 0);
            for (int r = 0; r < rows; r++)
            {
                chains.Streams[r] = Rng.ForStream(Options.Seed, (1UL << 62) + (e << 32) + (ulong)idx[r]);
                Positions.AsSpan(idx[r] * j, j).CopyTo(chains.Positions.AsSpan(r * j, j));
            }
            _hmc.Refresh(x, chains);
            double meanAlpha = 0;
            for (int t = 0; t < Options.HmcTransitions; t++)
            {
                _hmc.Step(x, chains);
                meanAlpha += chains.Acceptance.Sum() / rows;
            }
            meanAlpha /= Options.HmcTransitions;
            accepted += chains.Accepted.Sum();
            transitions += chains.Transitions * rows;
            for (int r = 0; r < rows; r++) chains.Positions.AsSpan(r * j, j).CopyTo(Positions.AsSpan(idx[r] * j, j));
            StepSize *= Math.Exp(Options.TuningGain * (meanAlpha - Options.TargetAcceptance));

            // M-step: several optimizer steps at these z.
            double logPrior = 0;
            for (int t = 0; t < rows * j; t++) logPrior -= 0.5 * (chains.Positions[t] * chains.Positions[t] + DiagonalGaussian.Log2Pi);
            for (int u = 0; u < Options.WeightUpdates; u++)
            {
                double loss = DecoderLoss(x, chains.Positions, rows, accumulateGradients: true);
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException($"log p(x|z) became {-loss} at epoch {epoch}, minibatch {b + 1}; lower the learning rate.");
                if (u == 0)
                {
                    double recon = -loss * rows;
                    total += new BatchTerms(recon + logPrior, recon, -logPrior, rows);
                }
                _optimizer.Step(_pool);
            }
            progress?.Invoke(new StepProgress(epoch, b + 1, batches, total.Objective / total.Rows));
        }
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new MonteCarloEmEpoch(new EpochResult(epoch, total, seconds), accepted / (double)transitions, StepSize);
    }

    /// <summary>
    /// The M-step's loss −(1/rows) Σᵣ log p(x_r|z_r) at fixed z ([rows × J]); with <paramref name="accumulateGradients"/>, adds
    /// its gradient with respect to the decoder's parameters to the arena's gradients.
    /// </summary>
    public double DecoderLoss(ReadOnlySpan<float> x, ReadOnlySpan<double> z, int rows, bool accumulateGradients)
    {
        int j = _vae.Latent;
        if (_rowLogLik.Length < rows)
        {
            _zf = new float[rows * j];
            _dz = new float[rows * j];
            _rowLogLik = new double[rows];
        }
        Span<float> zf = _zf.AsSpan(0, rows * j);
        for (int t = 0; t < zf.Length; t++) zf[t] = (float)z[t];
        _vae.Decode(zf, rows, _pool, out Span<float> output, out Span<float> outLogVar);
        double sum = DecoderLikelihood.RowLogLikelihoods(_vae.Config.Decoder, x, rows, output, outLogVar, rows,
            accumulateGradients, 1f / rows, _rowLogLik, _pool);
        if (accumulateGradients) _vae.DecodeBackward(zf, output, outLogVar, _dz.AsSpan(0, rows * j), rows, _pool);
        return -sum / rows;
    }
}
