using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VaeSharp.Data;
using VaeSharp.Imaging;
using VaeSharp.Models;
using VaeSharp.IO;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>A training session's crash-safe checkpoints (see <see cref="CheckpointStore"/>).</summary>
public sealed partial class TrainingSession
{
    /// <summary>File of a mid-epoch checkpoint that holds its <see cref="EpochPosition"/>.</summary>
    public const string PositionFile = "position.json";

    /// <summary>Environment variable (test-only) that makes a mid-epoch checkpoint every N minibatches, whatever the interval.</summary>
    public const string TestCheckpointBatchesVariable = "VAESHARP_TEST_CHECKPOINT_BATCHES";

    private static readonly JsonSerializerOptions PositionJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private EpochPosition? _resumeAt;
    private long _lastCheckpoint = Stopwatch.GetTimestamp();
    private int _batchesSinceCheckpoint;

    /// <summary>Run folder that mid-epoch checkpoints are written to (null: no mid-epoch checkpoints).</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Time between mid-epoch checkpoints (zero: none). Epoch checkpoints are written regardless.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Where training stands: epochs finished, and minibatches of the next one when resumed mid-epoch.</summary>
    public CheckpointId Position => new(State.Epoch, _resumeAt?.Batch ?? 0);

    private static readonly int TestCheckpointBatches =
        int.TryParse(Environment.GetEnvironmentVariable(TestCheckpointBatchesVariable), out int n) && n > 0 ? n : 0;

    /// <summary>The options of the next epoch: where to start it and how to checkpoint inside it.</summary>
    private EpochRun NextEpochRun(Action<StepProgress>? progress, CancellationToken cancel)
    {
        var from = _resumeAt;
        _resumeAt = null;
        bool enabled = CheckpointDirectory is not null && (CheckpointInterval > TimeSpan.Zero || TestCheckpointBatches > 0);
        return new EpochRun
        {
            Progress = progress, Cancel = cancel, ResumeFrom = from, BeforeStep = BeforeStep,
            CheckpointDue = enabled ? CheckpointDue : null,
            Checkpoint = CheckpointDirectory is null ? null : SaveMidEpoch,
        };
    }

    private bool CheckpointDue()
    {
        if (TestCheckpointBatches > 0) return ++_batchesSinceCheckpoint >= TestCheckpointBatches;
        return Stopwatch.GetElapsedTime(_lastCheckpoint) >= CheckpointInterval;
    }

    private void SaveMidEpoch(EpochPosition position)
    {
        var store = new CheckpointStore(CheckpointDirectory!);
        var state = State with { OptimizerSteps = _optimizer.Steps };
        string metrics = MetricsCsv();
        store.Commit(new CheckpointId(State.Epoch, position.Batch), dir =>
        {
            SaveModel(dir, state);
            AtomicFile.WriteText(Path.Combine(dir, CheckpointStore.MetricsFile), metrics);
            AtomicFile.WriteText(Path.Combine(dir, PositionFile), JsonSerializer.Serialize(PositionRecord.From(position), PositionJson) + "\n");
        });
        store.Prune();
        _lastCheckpoint = Stopwatch.GetTimestamp();
        _batchesSinceCheckpoint = 0;
    }

    /// <summary>Commits the epoch's checkpoint, publishes it as the run folder's top-level files and prunes older ones.</summary>
    private void SaveEpochCheckpoint(string directory)
    {
        var store = new CheckpointStore(directory);
        string metrics = MetricsCsv();
        string path = store.Commit(new CheckpointId(State.Epoch, 0), dir =>
        {
            SaveModel(dir, State);
            AtomicFile.WriteText(Path.Combine(dir, CheckpointStore.MetricsFile), metrics);
        });
        store.Publish(path);
        store.Prune();
        _lastCheckpoint = Stopwatch.GetTimestamp();
        _batchesSinceCheckpoint = 0;
    }

    /// <summary>
    /// Prepares <paramref name="directory"/> for a resume and says what to load: removes what an interrupted save left,
    /// repairs a torn or stale top-level set from the newest epoch checkpoint, and returns the newest checkpoint's folder
    /// (with its mid-epoch place, if it is one). A folder without checkpoints (written before they existed) is its own source.
    /// </summary>
    private static (string Folder, EpochPosition? Position) ResumeSource(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such run folder.");
        var store = new CheckpointStore(directory);
        store.RemoveLeftovers();
        var newest = store.Newest();
        if (newest is null) return (directory, null);
        if (store.Newest(epochBoundaryOnly: true) is { } boundary && store.TopLevelEpoch() != boundary.Id.Epoch) store.Publish(boundary.Path);
        return (newest.Path, newest.Id.IsEpochBoundary ? null : ReadPosition(Path.Combine(newest.Path, PositionFile), newest.Id));
    }

    /// <summary>The saved settings and progress that <see cref="Resume"/> would continue from (the newest checkpoint's).</summary>
    public static TrainingState ResumeState(string directory) => ModelFile.Load(ResumeSource(directory).Folder).State;

    private static EpochPosition ReadPosition(string path, CheckpointId id)
    {
        PositionRecord? r;
        try { r = JsonSerializer.Deserialize<PositionRecord>(File.ReadAllText(path), PositionJson); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid checkpoint position ({e.Message}).", e); }
        catch (FileNotFoundException e) { throw new InvalidDataException($"{path}: missing from a mid-epoch checkpoint.", e); }
        if (r is null || r.BinarizeState is not { Length: 4 } || r.NoiseState is not { Length: 4 } || r.Epoch != id.Epoch + 1 || r.Batch != id.Batch
            || r.BinarizeState.All(w => w == 0) || r.NoiseState.All(w => w == 0) || r.TrainRows < 1 || !double.IsFinite(r.TrainObjective) || !double.IsFinite(r.Seconds))
            throw new InvalidDataException($"{path}: does not describe {id} (the folder's name).");
        return r.ToPosition();
    }

    /// <summary>Both splits must have the model's image size; the message names the split that differs and both shapes.</summary>
    private static void CheckShapes(IModel model, Dataset train, Dataset test)
    {
        static string Shape(Dataset d) => $"{d.Dimension} values per image ({d.Width}×{d.Height})";
        if (train.Dimension != test.Dimension || train.Width != test.Width)
            throw new ArgumentException($"{train.Name} has {Shape(train)} but {test.Name} has {Shape(test)}; both splits must have the same image size.");
        if (train.Dimension != model.InputSize)
            throw new ArgumentException($"{train.Name} has {Shape(train)}; the model expects {model.InputSize} ({model.Config.ImageWidth}×{model.Config.ImageHeight}).");
    }

    /// <summary>A metrics.csv row that <see cref="ReadHistory"/> can read: whole epoch and samples, numbers elsewhere (test and validation figures may be blank).</summary>
    private static bool MetricsRowIsValid(string[] f, out int epoch)
    {
        static bool Number(string s, bool blankOk) => (blankOk && s.Length == 0) || double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        return int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out epoch)
            && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && Enumerable.Range(2, f.Length - 2).All(k => Number(f[k], blankOk: k is >= 5 and <= 7 or >= 10));
    }

    /// <summary>position.json: an <see cref="EpochPosition"/> with its sums spelt out.</summary>
    private sealed record PositionRecord
    {
        public int Epoch { get; init; }
        public int Batch { get; init; }
        public ulong[]? BinarizeState { get; init; }
        public ulong[]? NoiseState { get; init; }
        public double TrainObjective { get; init; }
        public double TrainReconstruction { get; init; }
        public double TrainKl { get; init; }
        public int TrainRows { get; init; }
        public double Seconds { get; init; }

        public static PositionRecord From(EpochPosition p) => new()
        {
            Epoch = p.Epoch, Batch = p.Batch, BinarizeState = p.BinarizeState, NoiseState = p.NoiseState,
            TrainObjective = p.Partial.Objective, TrainReconstruction = p.Partial.Reconstruction, TrainKl = p.Partial.Kl,
            TrainRows = p.Partial.Rows, Seconds = p.Seconds,
        };

        public EpochPosition ToPosition() => new()
        {
            Epoch = Epoch, Batch = Batch, BinarizeState = BinarizeState!, NoiseState = NoiseState!,
            Partial = new BatchTerms(TrainObjective, TrainReconstruction, TrainKl, TrainRows), Seconds = Seconds,
        };
    }
}
