using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Imaging;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>One evaluation of a learning curve: the bound on the whole training and test splits after <see cref="Samples"/> training samples.</summary>
/// <param name="Samples">Training samples evaluated so far (the paper's x axis).</param>
/// <param name="Train">Objective per datapoint on the whole training split (evaluation streams).</param>
/// <param name="Test">Objective per datapoint on the test split.</param>
/// <param name="Seconds">Training wall-clock seconds so far (evaluations excluded).</param>
public readonly record struct CurvePoint(long Samples, double Train, double Test, double Seconds);

/// <summary>Progress of a curve run, for the command line.</summary>
/// <param name="Run">The run's name.</param>
/// <param name="Samples">Training samples so far.</param>
/// <param name="Budget">Training samples to reach.</param>
/// <param name="Point">The evaluation just made, if any.</param>
public readonly record struct CurveProgress(string Run, long Samples, long Budget, CurvePoint? Point);

/// <summary>
/// A training run that records a learning curve like the paper's Figure 2: it trains (or resumes) the run folder
/// <c>DIR</c> until a budget of training samples, evaluating the bound on the whole training and test splits at
/// log-spaced numbers of samples (<see cref="PointsPerDecade"/> per decade, and at the end). The curve is kept in
/// <c>DIR/curve.csv</c>; a checkpoint is written at every evaluation and at least every <see cref="CheckpointSeconds"/>,
/// so an interrupted run continues from its last checkpoint, and a larger budget later extends the same run.
/// </summary>
public static class CurveRun
{
    /// <summary>Evaluations per decade of training samples.</summary>
    public const int PointsPerDecade = 5;

    /// <summary>Longest stretch of training between checkpoints.</summary>
    public const double CheckpointSeconds = 120;

    /// <summary>The curve file's name inside a run folder.</summary>
    public const string CurveFile = "curve.csv";

    private const string Header = "samples,train,test,train_seconds";

    /// <summary>The next evaluation point strictly above <paramref name="samples"/>: 10^(k/PointsPerDecade), rounded.</summary>
    public static long NextPoint(long samples)
    {
        for (int k = 0; ; k++)
        {
            long p = (long)Math.Round(Math.Pow(10, k / (double)PointsPerDecade));
            if (p > samples) return p;
        }
    }

    /// <summary>
    /// Trains the run in <paramref name="directory"/> to <paramref name="budget"/> samples and returns its whole curve.
    /// <paramref name="create"/> builds the session of a new run (it is not called when the folder holds one already).
    /// <paramref name="atPoint"/>, when given, is called after each evaluation (the point just recorded, and whether it is the
    /// last of the budget) and before the checkpoint that records it, so an experiment can add its own figures at the same
    /// numbers of samples (Figure 3's marginal likelihood); it must keep its own file consistent with the checkpoint's samples.
    /// With <paramref name="expected"/>, a folder holding a run made with other settings
    /// (<see cref="SessionSettings.DefiningDifferences"/>) is refused rather than extended.
    /// </summary>
    public static IReadOnlyList<CurvePoint> Run(string directory, Func<TrainingSession> create, Func<string, TrainingSession> resume,
        long budget, Action<CurveProgress>? progress = null, CancellationToken cancel = default,
        Action<TrainingSession, CurvePoint, bool>? atPoint = null, SessionSettings? expected = null)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        bool exists = File.Exists(Path.Combine(directory, IO.ModelFile.ManifestFile));
        using var session = exists ? resume(directory) : create();
        if (exists && expected is not null && session.Settings.DefiningDifferences(expected) is { Count: > 0 } differences)
            throw new ArgumentException($"{directory} holds a run made with other settings (there vs now: {string.Join("; ", differences)}); " +
                "choose another --out, or delete that folder to start it again.");
        var curve = Read(Path.Combine(directory, CurveFile), session.State.SamplesSeen);
        long next = NextPoint(curve.Count > 0 ? curve[^1].Samples : 0);
        double seconds = session.History.Sum(e => e.Seconds);
        long lastCheckpoint = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!exists) Directory.CreateDirectory(directory);
        while (session.State.SamplesSeen < budget)
        {
            var epoch = session.RunEpoch(null, cancel, evaluate: false);
            seconds += epoch.Seconds;
            bool evaluate = session.State.SamplesSeen >= next || session.State.SamplesSeen >= budget;
            CurvePoint? point = null;
            if (evaluate)
            {
                var train = session.EvaluateTrainingSet();
                var test = session.EvaluateTestSet();
                point = new CurvePoint(session.State.SamplesSeen, train.Objective / train.Rows, test.Objective / test.Rows, seconds);
                curve.Add(point.Value);
                next = NextPoint(session.State.SamplesSeen);
                atPoint?.Invoke(session, point.Value, session.State.SamplesSeen >= budget);
            }
            if (evaluate || System.Diagnostics.Stopwatch.GetElapsedTime(lastCheckpoint).TotalSeconds >= CheckpointSeconds)
            {
                session.SaveCheckpoint(directory);
                AtomicFile.WriteText(Path.Combine(directory, CurveFile), Format(curve));
                lastCheckpoint = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            progress?.Invoke(new CurveProgress(name, session.State.SamplesSeen, budget, point));
        }
        if (curve.Count == 0 || curve[^1].Samples != session.State.SamplesSeen)
        {
            // Reached on resume with the budget already met but its final point lost: evaluate it now.
            var train = session.EvaluateTrainingSet();
            var test = session.EvaluateTestSet();
            curve.Add(new CurvePoint(session.State.SamplesSeen, train.Objective / train.Rows, test.Objective / test.Rows, seconds));
            atPoint?.Invoke(session, curve[^1], true);
            AtomicFile.WriteText(Path.Combine(directory, CurveFile), Format(curve));
        }
        session.SavePictures(directory);
        return curve;
    }

    /// <summary>Reads a curve file, keeping the points at or below <paramref name="upTo"/> samples (those of the checkpoint).</summary>
    public static List<CurvePoint> Read(string path, long upTo = long.MaxValue)
    {
        var curve = new List<CurvePoint>();
        if (!File.Exists(path)) return curve;
        var lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length != 4 || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long samples)
                || !double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double train)
                || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double test)
                || !double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double s))
                throw new InvalidDataException($"{path}, line {i + 1}: expected '{Header}' values, got '{lines[i]}'.");
            if (samples <= upTo) curve.Add(new CurvePoint(samples, train, test, s));
        }
        return curve;
    }

    private static string Format(IEnumerable<CurvePoint> curve)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var p in curve)
            sb.Append(p.Samples.ToString(CultureInfo.InvariantCulture)).Append(',').Append(p.Train.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Test.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(p.Seconds.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
