using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>Rows of float data for training or evaluation: [Count × Dimension], row-major.</summary>
/// <param name="Features">The values.</param>
/// <param name="Count">Rows.</param>
/// <param name="Dimension">Values per row.</param>
public readonly record struct DataMatrix(ReadOnlyMemory<float> Features, int Count, int Dimension)
{
    /// <summary>Row <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Row(int i) => Features.Span.Slice(i * Dimension, Dimension);
}

/// <summary>How minibatches are formed.</summary>
public sealed record TrainerOptions
{
    /// <summary>M, datapoints per minibatch (the paper: 100).</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Seed of every random stream (shuffling, binarization, ε), derived per epoch so a run resumes bit-identically.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>When true, each minibatch is a fresh Bernoulli draw of the grey levels ("dynamic binarization").</summary>
    public bool DynamicBinarization { get; init; }
}

/// <summary>Progress of one training step, reported to <see cref="Trainer.RunEpoch(DataMatrix, int, EpochRun)"/>'s callback.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">1-based minibatch within the epoch.</param>
/// <param name="Batches">Minibatches in the epoch.</param>
/// <param name="RunningObjective">Mean objective per datapoint so far in this epoch.</param>
public readonly record struct StepProgress(int Epoch, int Batch, int Batches, double RunningObjective);

/// <summary>What one epoch of training produced.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Train">Sums of the training objective's terms over the epoch's minibatches (as they were during training).</param>
/// <param name="Seconds">Wall-clock seconds of training (evaluation excluded).</param>
public readonly record struct EpochResult(int Epoch, BatchTerms Train, double Seconds)
{
    /// <summary>Training datapoints per second.</summary>
    public double SamplesPerSecond => Train.Rows / Seconds;
}

/// <summary>Raised when the objective becomes NaN or infinite; the parameters of the last finished epoch are the last good ones.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// The AEVB algorithm (paper, Algorithm 1): repeat { random minibatch X^M; ε ~ p(ε); g ← ∇ L̃(θ, φ; X^M, ε); update θ, φ with g }.
/// Takes any <see cref="IObjective"/>; every random stream is derived from (seed, epoch), so the same seed, data and thread
/// count give bit-identical results, and resuming at an epoch boundary continues exactly.
/// </summary>
public sealed class Trainer
{
    private const ulong ShuffleStream = 1, BinarizeStream = 2, NoiseStream = 3;
    /// <summary>Stream of evaluation's ε; the next one (EvalStream + 1) binarizes evaluation data (Evaluation/DatasetEvaluation repeats both).</summary>
    internal const ulong EvalStream = 4;
    private readonly IObjective _objective;
    private readonly Optimizer _optimizer;
    private readonly WorkerPool _pool;
    private readonly float[] _batch;   // [M × D]
    private int[] _order = [];
    private int[] _evalIndex = [];
    private readonly Data.BatchGatherer _gatherer = new();
    private PhaseProfiler? _profiler;
    private int _gatherPhase, _controlsPhase, _objectivePhase, _optimizerPhase, _progressPhase, _evaluationPhase;

    /// <summary>Creates a trainer.</summary>
    public Trainer(IObjective objective, Optimizer optimizer, TrainerOptions options, WorkerPool? pool = null)
    {
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "Batch size must be at least 1.");
        MemoryBudget.RequireArray((double)options.BatchSize * objective.InputSize, $"A minibatch of {options.BatchSize} rows");
        _objective = objective;
        _optimizer = optimizer;
        Options = options;
        _pool = pool ?? WorkerPool.Single;
        _batch = new float[options.BatchSize * objective.InputSize];
    }

    /// <summary>Options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// When set, every training step is split into phases (data gathering, the objective's own phases when it is
    /// <see cref="IProfiled"/>, the optimizer, progress reporting) and <see cref="Evaluate"/> is timed as one phase.
    /// Null (the default) costs one null check per phase boundary.
    /// </summary>
    public PhaseProfiler? Profiler
    {
        get => _profiler;
        set
        {
            _profiler = value;
            (_objective as IProfiled)?.AttachProfiler(value);
            if (value is null) return;
            _gatherPhase = value.Phase("gather minibatch (+ dynamic binarization)");
            _controlsPhase = value.Phase("step controls (schedule, β)");
            _objectivePhase = value.Phase(_objective is IProfiled ? "objective, rest" : "objective (forward + backward)");
            _optimizerPhase = value.Phase("optimizer update");
            _progressPhase = value.Phase("progress and mid-epoch checkpoints");
            _evaluationPhase = value.Phase("evaluation (objective on a held-out split)");
        }
    }

    /// <summary>Runs epoch <paramref name="epoch"/> (1-based) over <paramref name="data"/>.</summary>
    public EpochResult RunEpoch(DataMatrix data, int epoch, Action<StepProgress>? progress = null, CancellationToken cancel = default)
        => RunEpoch(data, epoch, new EpochRun { Progress = progress, Cancel = cancel });

    /// <summary>
    /// Runs epoch <paramref name="epoch"/> (1-based) over <paramref name="data"/>, from its start or from
    /// <see cref="EpochRun.ResumeFrom"/>, offering mid-epoch checkpoints through <paramref name="run"/>.
    /// </summary>
    public EpochResult RunEpoch(DataMatrix data, int epoch, EpochRun run)
    {
        var progress = run.Progress;
        var cancel = run.Cancel;
        if (data.Dimension != _objective.InputSize)
            throw new ArgumentException($"Data rows have {data.Dimension} values; the model expects {_objective.InputSize}.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("The training data is empty.", nameof(data));
        ulong e = (ulong)epoch;
        var shuffle = Rng.ForStream(Options.Seed, e * 16 + ShuffleStream);
        var binarize = Rng.ForStream(Options.Seed, e * 16 + BinarizeStream);
        var noise = Rng.ForStream(Options.Seed, e * 16 + NoiseStream);
        if (_order.Length != data.Count) _order = new int[data.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        shuffle.Shuffle(_order);

        int m = Options.BatchSize, batches = (int)(((long)data.Count + m - 1) / m);
        var total = default(BatchTerms);
        int first = 0;
        double earlier = 0;
        if (run.ResumeFrom is { } from)
        {
            if (from.Epoch != epoch || from.Batch < 1 || from.Batch >= batches)
                throw new ArgumentException($"A saved place at epoch {from.Epoch}, minibatch {from.Batch} does not fit epoch {epoch} of {batches} minibatches.", nameof(run));
            binarize = Rng.FromState(from.BinarizeState);
            noise = Rng.FromState(from.NoiseState);
            total = from.Partial;
            first = from.Batch;
            earlier = from.Seconds;
        }
        // An objective with per-datapoint state (Monte Carlo EM) learns which rows each minibatch holds and may step several times on it.
        var stateful = _objective as IStatefulObjective;
        int steps = stateful?.StepsPerBatch ?? 1;
        _objective.Arena.ZeroGradients(); // afterwards the optimizer clears them as it consumes them
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var profiler = _profiler;
        profiler?.Restart();
        for (int b = first; b < batches; b++)
        {
            cancel.ThrowIfCancellationRequested();
            int rows = Math.Min(m, data.Count - b * m);
            Gather(data, _order.AsSpan(b * m, rows), binarize);
            profiler?.Mark(_gatherPhase);
            stateful?.BeginBatch(_order.AsSpan(b * m, rows), data.Count);
            for (int u = 0; u < steps; u++)
            {
                run.BeforeStep?.Invoke();
                profiler?.Mark(_controlsPhase);
                var terms = _objective.Evaluate(_batch.AsSpan(0, rows * data.Dimension), rows, noise, accumulateGradients: true);
                profiler?.Mark(_objectivePhase);
                if (!double.IsFinite(terms.Objective))
                    throw new TrainingDivergedException($"The objective became {terms.Objective} at epoch {epoch}, minibatch {b + 1}; lower the learning rate.");
                _optimizer.Step(_pool);
                profiler?.Mark(_optimizerPhase);
                if (u == 0) total += terms;
            }
            progress?.Invoke(new StepProgress(epoch, b + 1, batches, total.Objective / total.Rows));
            if (run.Checkpoint is { } save && b + 1 < batches && (cancel.IsCancellationRequested || run.CheckpointDue?.Invoke() == true))
                save(new EpochPosition
                {
                    Epoch = epoch, Batch = b + 1, BinarizeState = binarize.GetState(), NoiseState = noise.GetState(), Partial = total,
                    Seconds = earlier + System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds,
                });
            profiler?.Mark(_progressPhase);
        }
        double seconds = earlier + System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new EpochResult(epoch, total, seconds);
    }

    private void Gather(DataMatrix data, ReadOnlySpan<int> rows, Rng binarize)
        => _gatherer.Gather(data.Features, rows, data.Dimension, _batch, Options.DynamicBinarization ? binarize : null, _pool);

    /// <summary>
    /// The inputs <see cref="Evaluate"/> sees for <paramref name="data"/>: the rows themselves, or with dynamic binarization
    /// the one fixed draw that evaluation uses. For other estimators (importance sampling) to see the same data.
    /// </summary>
    public float[] EvaluationInputs(DataMatrix data)
    {
        var result = data.Features.ToArray();
        if (!Options.DynamicBinarization) return result;
        var binarize = Rng.ForStream(Options.Seed, EvalStream + 1);
        int d = data.Dimension;
        for (int r = 0; r < data.Count; r++)
            Data.Binarizer.Sample(data.Row(r), result.AsSpan(r * d, d), binarize);
        return result;
    }

    /// <summary>
    /// Evaluates the objective over all of <paramref name="data"/> with a fixed noise stream (the same for every call with the
    /// same seed, so curves across epochs compare like with like). With dynamic binarization, the data are binarized once with
    /// a fixed stream too.
    /// </summary>
    public BatchTerms Evaluate(DataMatrix data)
    {
        var profiler = _profiler;
        if (profiler is null) return EvaluateAll(data);
        // Timed as one phase: the objective's own phases would otherwise mix evaluation into the training steps' figures.
        (_objective as IProfiled)?.AttachProfiler(null);
        try
        {
            profiler.Restart();
            var result = EvaluateAll(data);
            profiler.Mark(_evaluationPhase);
            return result;
        }
        finally
        {
            (_objective as IProfiled)?.AttachProfiler(profiler);
        }
    }

    private BatchTerms EvaluateAll(DataMatrix data)
    {
        var noise = Rng.ForStream(Options.Seed, EvalStream);
        var binarize = Rng.ForStream(Options.Seed, EvalStream + 1);
        int m = Options.BatchSize;
        var total = default(BatchTerms);
        if (_evalIndex.Length < m) _evalIndex = new int[m];
        Span<int> idx = _evalIndex;
        for (int start = 0; start < data.Count; start += m)
        {
            int rows = Math.Min(m, data.Count - start);
            for (int r = 0; r < rows; r++) idx[r] = start + r;
            Gather(data, idx[..rows], binarize);
            total += _objective.Evaluate(_batch.AsSpan(0, rows * data.Dimension), rows, noise, accumulateGradients: false);
        }
        return total;
    }
}
