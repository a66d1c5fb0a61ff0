using VaeSharp.Distributions;
using VaeSharp.Evaluation;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>Settings of <see cref="MonteCarloEm"/> (defaults: the paper's appendix E).</summary>
public sealed record MonteCarloEmOptions
{
    /// <summary>Seed of the chains' starting points z ~ N(0, I).</summary>
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

/// <summary>
/// Monte Carlo EM for a <see cref="Vae"/>'s decoder (Kingma &amp; Welling 2014, appendix E, the baseline of Figure 3), as a
/// training objective (<c>vae train --method mcem</c>): for each minibatch, move every datapoint's z by HMC on p(z|x)
/// (10 leapfrog steps, a step size tuned to 90 % acceptance), then take several optimizer steps on the decoder's parameters
/// to maximize (1/M) Σ log p(x|z) + log p(z) at those z (log p(z) has no parameters, so the loss is −(1/M) Σ log p(x|z)).
/// The <see cref="Trainer"/> drives it through <see cref="IStatefulObjective"/>: it names each minibatch's rows and steps the
/// optimizer <see cref="StepsPerBatch"/> times per minibatch. The paper uses it on small training sets only: every datapoint
/// needs its own sampler, and the E-step costs LeapfrogSteps decoder passes (forward and backward) per transition.
/// </summary>
/// <remarks>
/// <para><b>The encoder.</b> The paper's MCEM has no recognition model; here the VAE's encoder is left as initialized (its
/// gradients stay zero; the optimizer's weight decay, if any, still shrinks it). The marginal-likelihood estimator of
/// appendix D (<see cref="MarginalLikelihood"/>) needs only the decoder, so Figure 3 measures MCEM exactly. The bound this
/// objective reports (training minibatches and evaluation) is the ELBO with q(z|x) = that untouched encoder, which at
/// initialization is close to the prior: a valid but loose lower bound, reported so that metrics.csv has the same columns
/// as for AEVB — do not compare it with AEVB's.</para>
/// <para><b>Choices not fixed by the paper.</b> Each datapoint's chain persists across epochs (its z is where its previous
/// visit left it; the first visit starts from z ~ N(0, I)), which is what lets one HMC transition per visit suffice; one
/// step size is shared by all chains and tuned by a constant-gain Robbins–Monro rule after each minibatch
/// (<see cref="MonteCarloEmOptions.TuningGain"/>); the chains' positions and the step size are kept as float32 (rounded after
/// every minibatch) so that <see cref="State"/> saves them exactly into the float32 optimizer file; each minibatch's chains
/// draw from streams seeded by one draw of the trainer's noise stream and their datapoint's index, so a run resumed from a
/// checkpoint (mid-epoch or not) is bit-identical to an uninterrupted one.</para>
/// </remarks>
public sealed class MonteCarloEm : IStatefulObjective
{
    /// <summary>Name of the chains' positions in <see cref="State"/>: [N × J] float32.</summary>
    public const string PositionsName = "mcem.z";

    /// <summary>Name of the shared leapfrog step size in <see cref="State"/>: [1] float32.</summary>
    public const string StepSizeName = "mcem.step_size";

    private const ulong InitStream = 2;
    private readonly Vae _vae;
    private readonly WorkerPool _pool;
    private readonly Hmc _hmc;
    private readonly ElboObjective _bound;
    private float[] _zf = [], _dz = [];   // [M × J]
    private double[] _rowLogLik = [];     // [M]
    private int[] _rows = [];
    private int _batchRows, _update;
    private HmcChains? _chains;

    /// <summary>Creates the objective for <paramref name="vae"/>; <paramref name="estimator"/> and <paramref name="samples"/> are those of the bound it reports.</summary>
    public MonteCarloEm(Vae vae, MonteCarloEmOptions? options = null, WorkerPool? pool = null, Estimator estimator = Estimator.B, int samples = 1)
    {
        options ??= new MonteCarloEmOptions();
        options.Validate();
        _vae = vae;
        Options = options;
        _pool = pool ?? WorkerPool.Single;
        _hmc = new Hmc(new VaeLatentModel(vae, _pool), new HmcSettings
        {
            LeapfrogSteps = options.LeapfrogSteps, TargetAcceptance = options.TargetAcceptance, InitialStepSize = options.InitialStepSize,
        });
        _bound = new ElboObjective(vae, estimator, samples, _pool);
        StepSize = (float)options.InitialStepSize;
    }

    /// <summary>Options.</summary>
    public MonteCarloEmOptions Options { get; }

    /// <inheritdoc />
    public ParameterArena Arena => _vae.Arena;

    /// <inheritdoc />
    public int InputSize => _vae.InputSize;

    /// <inheritdoc />
    public int StepsPerBatch => Options.WeightUpdates;

    /// <summary>Each training datapoint's current z, [N × J] (empty before the first minibatch).</summary>
    public float[] Positions { get; private set; } = [];

    /// <summary>The shared leapfrog step size (a float32 value).</summary>
    public float StepSize { get; set; }

    /// <summary>HMC proposals accepted since the counts were last reset.</summary>
    public long Accepted { get; private set; }

    /// <summary>HMC transitions (summed over chains) since the counts were last reset.</summary>
    public long Transitions { get; private set; }

    /// <summary>Fraction of HMC proposals accepted since <see cref="ResetCounts"/> (NaN before any).</summary>
    public double AcceptanceRate => Transitions == 0 ? double.NaN : Accepted / (double)Transitions;

    /// <summary>Zeroes <see cref="Accepted"/> and <see cref="Transitions"/>.</summary>
    public void ResetCounts() { Accepted = 0; Transitions = 0; }

    /// <inheritdoc />
    public IReadOnlyList<(string Name, float[] Values)> State =>
        Positions.Length == 0 ? [] : [(PositionsName, Positions), (StepSizeName, [StepSize])];

    /// <inheritdoc />
    public void Restore(IReadOnlyDictionary<string, float[]> state, bool required)
    {
        bool hasZ = state.TryGetValue(PositionsName, out var z), hasEps = state.TryGetValue(StepSizeName, out var eps);
        if (!hasZ && !hasEps)
        {
            if (required) throw new InvalidDataException($"The Monte Carlo EM chains ('{PositionsName}') are missing from the optimizer state, so training cannot resume exactly.");
            return;
        }
        if (!hasZ || !hasEps || z!.Length == 0 || z.Length % _vae.Latent != 0 || eps!.Length != 1 || !(eps[0] > 0) || !float.IsFinite(eps[0])
            || z.Any(v => !float.IsFinite(v)))
            throw new InvalidDataException($"The Monte Carlo EM chain state ('{PositionsName}', '{StepSizeName}') is malformed for a {_vae.Latent}-D latent space.");
        Positions = (float[])z.Clone();
        StepSize = eps[0];
    }

    /// <inheritdoc />
    public void BeginBatch(ReadOnlySpan<int> rows, int trainCount)
    {
        int j = _vae.Latent;
        if (Positions.Length == 0)
        {
            MemoryBudget.RequireArray((double)trainCount * j, $"Monte Carlo EM chains for {trainCount} datapoints");
            Positions = new float[(long)trainCount * j];
            var init = Rng.ForStream(Options.Seed, InitStream);
            for (int t = 0; t < Positions.Length; t++) Positions[t] = (float)init.NextNormal();
        }
        else if (Positions.Length != (long)trainCount * j)
            throw new ArgumentException($"The chains were started for {Positions.Length / j} datapoints; the training set has {trainCount}.");
        if (_rows.Length < rows.Length) _rows = new int[rows.Length];
        foreach (int r in rows)
            if ((uint)r >= (uint)trainCount) throw new ArgumentOutOfRangeException(nameof(rows), r, $"A row index outside the training set of {trainCount}.");
        rows.CopyTo(_rows);
        _batchRows = rows.Length;
        _update = 0;
    }

    /// <summary>
    /// With gradients (training): on the minibatch's first call, the E-step (HMC transitions of its chains, the step size
    /// tuned, the positions stored), then on every call the gradient of −(1/rows) Σ log p(x|z) at the chains' z, decoder
    /// only. Returns the reported bound's terms on the first call (see the remarks) and the log-likelihood terms afterwards.
    /// Without gradients: the reported bound (evaluation).
    /// </summary>
    public BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
    {
        if (!accumulateGradients) return _bound.Evaluate(x, rows, rng, false);
        if (rows != _batchRows)
            throw new InvalidOperationException($"Monte Carlo EM evaluated {rows} rows after BeginBatch named {_batchRows}; the trainer must call BeginBatch before each minibatch.");
        int j = _vae.Latent;
        BatchTerms terms;
        if (_update == 0)
        {
            terms = _bound.Evaluate(x, rows, rng, false);
            EStep(x, rows, rng);
        }
        else terms = default;
        double loss = DecoderLoss(x, _chains!.Positions, rows, accumulateGradients: true);
        if (_update > 0) terms = new BatchTerms(-loss * rows, -loss * rows, 0, rows);
        _update++;
        return terms;
    }

    private void EStep(ReadOnlySpan<float> x, int rows, Rng rng)
    {
        int j = _vae.Latent;
        ulong batchSeed = rng.NextUInt64();
        if (_chains is null || _chains.Count != rows) _chains = new HmcChains(rows, j, StepSize, batchSeed, 0);
        var chains = _chains;
        chains.ResetCounts();
        for (int r = 0; r < rows; r++)
        {
            chains.Streams[r] = Rng.ForStream(batchSeed, (ulong)_rows[r]);
            chains.StepSizes[r] = StepSize;
            for (int t = 0; t < j; t++) chains.Positions[r * j + t] = Positions[_rows[r] * j + t];
        }
        _hmc.Refresh(x, chains);
        double meanAlpha = 0;
        for (int t = 0; t < Options.HmcTransitions; t++)
        {
            _hmc.Step(x, chains);
            meanAlpha += chains.Acceptance.Sum() / rows;
        }
        meanAlpha /= Options.HmcTransitions;
        Accepted += chains.Accepted.Sum();
        Transitions += chains.Transitions * rows;
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < j; t++)
            {
                float v = (float)chains.Positions[r * j + t];
                Positions[_rows[r] * j + t] = v;
                chains.Positions[r * j + t] = v;   // the M-step sees exactly what a checkpoint keeps
            }
        StepSize = (float)(StepSize * Math.Exp(Options.TuningGain * (meanAlpha - Options.TargetAcceptance)));
    }

    /// <summary>
    /// The M-step's loss −(1/rows) Σᵣ log p(x_r|z_r) at fixed z ([rows × J]); with <paramref name="accumulateGradients"/>, adds
    /// its gradient with respect to the decoder's parameters to the arena's gradients (the encoder's stay untouched).
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
        double sum = DecoderLikelihood.RowLogLikelihoods(_vae.Config, x, rows, output, outLogVar, rows,
            accumulateGradients, 1f / rows, _rowLogLik, _pool);
        if (accumulateGradients) _vae.DecodeBackward(zf, output, outLogVar, _dz.AsSpan(0, rows * j), rows, _pool);
        return -sum / rows;
    }
}
