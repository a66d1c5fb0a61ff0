using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>
/// What the session drives around the trainer: the learning-rate schedule (set before each epoch), KL warm-up (β set before
/// each step from the optimizer's step count) and early stopping on the validation split (the best epoch kept in
/// <c>best/</c>). Their state after each epoch goes into <see cref="TrainingState.Controls"/>, so a resumed run continues exactly.
/// </summary>
public sealed partial class TrainingSession
{
    /// <summary>Folder inside a run folder that holds the best checkpoint by validation figure (early stopping).</summary>
    public const string BestFolder = "best";

    private LearningRateSchedule _schedule = null!;
    private KlWarmup _warmup = new(0);
    private ElboObjective? _elbo;
    private int _batchesPerEpoch;
    private bool _bestIsNew;

    /// <summary>The learning-rate schedule (its rate for the next epoch is set before that epoch starts).</summary>
    public LearningRateSchedule Schedule => _schedule;

    /// <summary>The learning rate of the last (or current) epoch's steps.</summary>
    public float LearningRate => _optimizer.LearningRate;

    /// <summary>β of the last (or next) training step (1 without KL warm-up).</summary>
    public float KlWeight => _elbo?.KlWeight ?? 1f;

    /// <summary>True once the validation figure has not improved for <see cref="SessionSettings.EarlyStopping"/> epochs.</summary>
    public bool StoppedEarly => Settings.EarlyStopping > 0 && (State.Controls?.EpochsWithoutImprovement ?? 0) >= Settings.EarlyStopping;

    /// <summary>The epoch with the best validation figure so far (0: none), kept in <see cref="BestFolder"/> under early stopping.</summary>
    public int BestEpoch => State.Controls?.BestEpoch ?? 0;

    /// <summary>The best validation figure so far, per datapoint (NaN: none).</summary>
    public double BestValidation => State.Controls?.BestValidation ?? double.NaN;

    private void InitControls(IObjective objective, long trainRows)
    {
        var s = Settings;
        string spec = ScheduleSpec.Parse(s.LrSchedule, "--lr-schedule");
        if (ScheduleSpec.NeedsValidation(spec) && s.Validation == 0)
            throw new ArgumentException("--lr-schedule plateau watches the validation figure; hold out a validation split with --validation N.");
        if (s.EarlyStopping < 0) throw new ArgumentException($"--early-stopping must be 0 or more (got {s.EarlyStopping}).");
        if (s.EarlyStopping > 0 && s.Validation == 0)
            throw new ArgumentException("--early-stopping watches the validation figure; hold out a validation split with --validation N.");
        if (s.KlWarmup < 0) throw new ArgumentException($"--kl-warmup must be 0 or more (got {s.KlWarmup}).");
        if (s.KlWarmup > 0 && objective is not ElboObjective)
            throw new ArgumentException("--kl-warmup weights the ELBO's KL term; it applies to a VAE trained on --objective elbo with --method aevb.");
        _schedule = ScheduleSpec.Create(spec, s.Optimizer.LearningRate);
        if (_schedule is ReduceOnPlateauSchedule plateau && State.Controls is { PlateauRate: { } rate } c)
            plateau.Restore(rate, c.PlateauBest ?? double.NegativeInfinity, c.PlateauBad);
        _warmup = new KlWarmup(s.KlWarmup);
        _elbo = objective as ElboObjective;
        _batchesPerEpoch = (int)Math.Max(1, (trainRows + s.BatchSize - 1) / s.BatchSize);
    }

    private void BeforeEpoch(int epoch) => _optimizer.LearningRate = _schedule.At(epoch);

    private void BeforeStep()
    {
        if (_elbo is not null && _warmup.Epochs > 0) _elbo.KlWeight = _warmup.Beta(_optimizer.Steps, _batchesPerEpoch);
    }

    private void AfterEpoch(EpochSummary summary)
    {
        var c = State.Controls ?? new ControlState();
        _bestIsNew = false;
        if (summary.Validation is { Rows: > 0 } v)
        {
            double figure = v.Objective / v.Rows;
            if (_schedule is ReduceOnPlateauSchedule plateau)
            {
                plateau.Observe(summary.Epoch, figure);
                c = c with { PlateauRate = plateau.At(summary.Epoch), PlateauBest = plateau.Best, PlateauBad = plateau.BadEpochs };
            }
            if (Settings.EarlyStopping > 0)
            {
                if (c.BestValidation is not { } best || figure > best)
                {
                    c = c with { BestEpoch = summary.Epoch, BestValidation = figure, EpochsWithoutImprovement = 0 };
                    _bestIsNew = true;
                }
                else c = c with { EpochsWithoutImprovement = c.EpochsWithoutImprovement + 1 };
            }
        }
        State = State with { Controls = c };
    }

    /// <summary>Writes the epoch just run into <c>directory/best</c> when it is the best so far (crash-safe, as the run's own checkpoints).</summary>
    private void SaveBest(string directory)
    {
        if (!_bestIsNew) return;
        var store = new CheckpointStore(Path.Combine(directory, BestFolder));
        store.RemoveLeftovers();
        string metrics = MetricsCsv();
        string path = store.Commit(new CheckpointId(State.Epoch, 0), dir =>
        {
            SaveModel(dir, State);
            Imaging.AtomicFile.WriteText(Path.Combine(dir, CheckpointStore.MetricsFile), metrics);
        });
        store.Publish(path);
        store.Prune();
        _bestIsNew = false;
    }
}
