using System.Globalization;
using System.Text;
using System.Text.Json;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>One trained objective of the benchmark: <c>vae</c> (the ELBO, estimator B, L = 1) or <c>iwaeK</c> (L_K).</summary>
/// <param name="Name">vae, iwae5, iwae50, …</param>
/// <param name="Objective">The bound trained on.</param>
/// <param name="Samples">L = 1 for the VAE, K for IWAE.</param>
public readonly record struct NllObjective(string Name, TrainingObjective Objective, int Samples)
{
    /// <summary>Parses a comma-separated list such as <c>vae,iwae5,iwae50</c>; the error names <paramref name="source"/>.</summary>
    public static IReadOnlyList<NllObjective> ParseList(string text, string source = "--objectives")
    {
        var list = new List<NllObjective>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string p = part.ToLowerInvariant();
            if (p == "vae") list.Add(new("vae", TrainingObjective.Elbo, 1));
            else if (p.StartsWith("iwae", StringComparison.Ordinal) && int.TryParse(p[4..], NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= 10_000)
                list.Add(new($"iwae{k}", TrainingObjective.Iwae, k));
            else throw new ArgumentException($"{source}: '{part}' is not an objective; expected vae or iwaeK with K from 1 to 10000 (e.g. vae,iwae5,iwae50).");
        }
        if (list.Count == 0) throw new ArgumentException($"{source}: name at least one objective (e.g. vae,iwae5,iwae50).");
        if (list.Select(o => o.Name).Distinct().Count() != list.Count) throw new ArgumentException($"{source}: '{text}' names an objective twice.");
        return list;
    }
}

/// <summary>The benchmark's options.</summary>
public sealed record NllOptions
{
    /// <summary>Experiment folder: runs in <c>OUT/runs/{dataset}-{objective}</c>, tables and curves in <c>OUT</c>.</summary>
    public required string Out { get; init; }
    /// <summary>mnist (dynamic binarization) or binarized-mnist (none); mnist-sample for a quick try.</summary>
    public string Dataset { get; init; } = "mnist";
    /// <summary>Objectives trained.</summary>
    public IReadOnlyList<NllObjective> Objectives { get; init; } = NllObjective.ParseList("vae,iwae5,iwae50");
    /// <summary>Wall-clock budget of training per run, in minutes (null: use <see cref="Passes"/>).</summary>
    public double? Minutes { get; init; }
    /// <summary>Passes over the training set per run (null: use <see cref="Minutes"/>).</summary>
    public int? Passes { get; init; }
    /// <summary>Per-objective pass budgets (by name, e.g. vae → 720, iwae5 → 320), overriding <see cref="Passes"/> for the objectives named.</summary>
    public IReadOnlyDictionary<string, int> PassesPer { get; init; } = new Dictionary<string, int>();
    /// <summary>
    /// Learning-rate schedule: <c>iwae</c> (the paper's 3^i passes at 0.001·10^(−i/7)) or <c>cosine</c> (from 0.001 to 0.00001
    /// over the run's pass budget, so that a run of a fixed budget ends annealed; needs a pass budget).
    /// </summary>
    public string Schedule { get; init; } = "iwae";

    /// <summary>The pass budget of one objective (null under a time budget).</summary>
    public int? PassesOf(NllObjective objective) => PassesPer.TryGetValue(objective.Name, out int p) ? p : Passes;

    /// <summary>
    /// Parses <c>--passes</c>: one number for every run, or <c>NAME=N</c> pairs (<c>vae=720,iwae5=320</c>); the error names the option.
    /// </summary>
    public static (int? All, Dictionary<string, int> Per) ParsePasses(string text)
    {
        var per = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!text.Contains('='))
        {
            if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int all) || all < 1)
                throw new ArgumentException($"--passes: '{text}' is not a positive whole number or a list like vae=720,iwae5=320.");
            return (all, per);
        }
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0 || !int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw new ArgumentException($"--passes: '{part}' is not NAME=N with N a positive whole number (e.g. vae=720,iwae5=320).");
            if (!per.TryAdd(kv[0].ToLowerInvariant(), n)) throw new ArgumentException($"--passes: '{kv[0]}' is given twice.");
        }
        return (null, per);
    }
    /// <summary>M, the minibatch size (the IWAE paper's 20).</summary>
    public int BatchSize { get; init; } = NllBenchmark.BatchSize;
    /// <summary>Adam's (starting) learning rate (the IWAE paper's 0.001); the schedules scale from it.</summary>
    public float LearningRate { get; init; } = NllBenchmark.LearningRate;
    /// <summary>Training images held out (seeded) as a validation split (0: none).</summary>
    public int Validation { get; init; }
    /// <summary>
    /// Early stopping: stop a run after this many passes without a better validation bound, and evaluate its best pass's
    /// model (kept in <c>best/</c>) instead of the last (0: never; needs <see cref="Validation"/>).
    /// </summary>
    public int EarlyStopping { get; init; }
    /// <summary>K of the importance-sampled log p(x) on the test set.</summary>
    public int ImportanceSamples { get; init; } = 5000;
    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Seed of every run (the same test binarization for all of them).</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>One row of the benchmark's table.</summary>
public sealed record NllResult
{
    /// <summary>The objective's name (vae, iwae5, …).</summary>
    public required string Name { get; init; }
    /// <summary>Epochs (whole passes over the training set) trained.</summary>
    public required int Passes { get; init; }
    /// <summary>Training wall-clock seconds (evaluations excluded), summed over every session of the run.</summary>
    public required double TrainSeconds { get; init; }
    /// <summary>Test images evaluated.</summary>
    public required int TestImages { get; init; }
    /// <summary>K of the importance sampling.</summary>
    public required int ImportanceSamples { get; init; }
    /// <summary>−log p(x) mean over test images (nats).</summary>
    public required double Nll { get; init; }
    /// <summary>Its standard error over images.</summary>
    public required double NllStandardError { get; init; }
    /// <summary>ELBO mean over test images (estimator B, L = 1).</summary>
    public required double Elbo { get; init; }
    /// <summary>Its standard error.</summary>
    public required double ElboStandardError { get; init; }
    /// <summary>Active units (Cov_x E_q[z_u] &gt; 0.01).</summary>
    public required int ActiveUnits { get; init; }
    /// <summary>Latent units in all.</summary>
    public required int Latent { get; init; }
    /// <summary>Training datapoints seen (for the cache's key).</summary>
    public long SamplesSeen { get; init; }
    /// <summary>Seconds the importance sampling took.</summary>
    public double EvaluationSeconds { get; init; }
}

/// <summary>
/// The IWAE paper's density-estimation benchmark (Burda, Grosse &amp; Salakhutdinov 2016, §5, two stochastic-layer-free
/// variant): a 784-200-200-50 tanh VAE with a Bernoulli decoder trained with the VAE objective and with the IWAE bound
/// (k = 5, 50), Adam (β₁ 0.9, β₂ 0.999, ε 1e-4), minibatches of 20 and the paper's schedule (3^i passes at
/// 0.001·10^(−i/7), <see cref="IwaePaperSchedule"/>), each under a wall-clock or pass budget; then every model is scored on
/// all test images with log p(x) by importance sampling (k = 5,000) and the ELBO, each ± its standard error over images
/// (<see cref="DatasetEvaluation"/>, the same binarization draw for every model), and its active units.
/// Runs are ordinary resumable run folders: an interrupted run continues from its checkpoint, and a larger budget extends it.
/// </summary>
public static class NllBenchmark
{
    /// <summary>Hidden widths of the benchmark's encoder and decoder.</summary>
    public static IReadOnlyList<int> Hidden { get; } = [200, 200];

    /// <summary>Latent units.</summary>
    public const int Latent = 50;

    /// <summary>Minibatch size (the IWAE paper's).</summary>
    public const int BatchSize = 20;
    /// <summary>The paper's starting learning rate.</summary>
    public const float LearningRate = 1e-3f;

    /// <summary>The evaluation cache inside a run folder.</summary>
    public const string EvaluationFile = "nll-eval.json";

    /// <summary>
    /// Per test image, beside the cache: <c>image,log_px,log_px_se,elbo</c> (nats, full precision; log_px_se the
    /// delta-method error of that image's K-sample estimate). Lets two models be compared image by image.
    /// </summary>
    public const string PerImageFile = "nll-per-image.csv";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Binarization for a dataset: none for binarized-mnist (already binary), dynamic otherwise.</summary>
    public static Binarization BinarizationOf(string dataset) => DatasetCatalog.IsBinary(dataset) ? Binarization.None : Binarization.Dynamic;

    /// <summary>The settings of one run.</summary>
    public static SessionSettings Settings(string dataset, Dataset train, NllObjective objective, ulong seed, string schedule = "iwae",
        int batchSize = BatchSize, float learningRate = LearningRate, int validation = 0, int earlyStopping = 0) => new()
    {
        Config = new ModelConfig
        {
            InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
            Hidden = [.. Hidden], Latent = Latent, Activation = Activation.Tanh, Decoder = DecoderKind.Bernoulli,
        },
        Dataset = dataset, Binarization = BinarizationOf(dataset), Estimator = Estimator.B,
        Objective = objective.Objective, Samples = objective.Samples, BatchSize = batchSize, Seed = seed,
        Optimizer = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = learningRate, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-4f },
        LrSchedule = schedule, Validation = validation, EarlyStopping = earlyStopping,
    };

    /// <summary>The schedule spec a run is trained with: <c>iwae</c>, or <c>cosine:P</c> over its pass budget P.</summary>
    public static string ScheduleOf(NllOptions o, NllObjective objective) => o.Schedule switch
    {
        "iwae" => "iwae",
        "cosine" => o.PassesOf(objective) is { } p ? $"cosine:{p.ToString(CultureInfo.InvariantCulture)}"
            : throw new ArgumentException($"--lr-schedule cosine anneals over the run's passes: give {objective.Name} a pass budget (--passes), not --minutes."),
        _ => throw new ArgumentException($"--lr-schedule: '{o.Schedule}' is not iwae or cosine."),
    };

    /// <summary>The folder of one run.</summary>
    public static string RunDirectory(NllOptions o, NllObjective objective) => Path.Combine(o.Out, "runs", $"{o.Dataset}-{objective.Name}");

    /// <summary>
    /// Trains (or resumes) every run to its budget, evaluates each, and writes <c>nll-{dataset}.csv</c>, <c>nll-{dataset}.md</c>
    /// and <c>nll-{dataset}-curves.svg</c> into <see cref="NllOptions.Out"/>. Returns the table's rows.
    /// </summary>
    public static IReadOnlyList<NllResult> Run(NllOptions o, Dataset train, Dataset test, Action<string>? log = null,
        Func<Action<int, int>>? importanceProgress = null, CancellationToken cancel = default)
    {
        bool anyPasses = o.Passes is not null || o.PassesPer.Count > 0;
        if ((o.Minutes is null) == !anyPasses) throw new ArgumentException("Give exactly one budget: --minutes or --passes.");
        foreach (var name in o.PassesPer.Keys)
            if (!o.Objectives.Any(x => x.Name == name)) throw new ArgumentException($"--passes: '{name}' is not one of the objectives ({string.Join(", ", o.Objectives.Select(x => x.Name))}).");
        if (o.Passes is null && o.PassesPer.Count > 0)
            foreach (var x in o.Objectives)
                if (!o.PassesPer.ContainsKey(x.Name)) throw new ArgumentException($"--passes: no budget for {x.Name}; name every objective (e.g. vae=720,iwae5=320).");
        if (o.Minutes is { } m && !(m > 0 && double.IsFinite(m))) throw new ArgumentException($"--minutes must be a positive number (got {m}).");
        if (o.Passes is < 1) throw new ArgumentException($"--passes must be a positive whole number (got {o.Passes}).");
        if (o.ImportanceSamples < 1) throw new ArgumentException($"--importance-samples must be positive (got {o.ImportanceSamples}).");
        Directory.CreateDirectory(o.Out);
        var results = new List<NllResult>();
        var curves = new List<(string Name, IReadOnlyList<EpochSummary> History, string Label)>();
        foreach (var objective in o.Objectives)
        {
            var (result, history) = RunOne(o, objective, train, test, log, importanceProgress, cancel);
            results.Add(result);
            curves.Add((objective.Name, history, objective.Objective == TrainingObjective.Iwae ? $"L_{objective.Samples}" : "ELBO"));
        }
        var gains = o.Objectives.Select(x => PairedGain(RunDirectory(o, o.Objectives[0]), RunDirectory(o, x))).ToList();
        AtomicFile.WriteText(Path.Combine(o.Out, $"nll-{o.Dataset}.csv"), Csv(results));
        AtomicFile.WriteText(Path.Combine(o.Out, $"nll-{o.Dataset}.md"), Markdown(o, results, gains));
        var chart = new SvgChart
        {
            Title = $"Test bound trained on, {o.Dataset} (784-200-200-50)", XLabel = "passes over the training set",
            YLabel = "test bound (nats per image): ELBO for vae, L_K for iwaeK", LogX = false,
        };
        foreach (var (name, history, label) in curves)
            chart.AddSeries($"{name}: {label}", history.Where(e => e.Test.Rows > 0).Select(e => ((double)e.Epoch, e.Test.Objective / e.Test.Rows)));
        chart.Save(Path.Combine(o.Out, $"nll-{o.Dataset}-curves.svg"));
        return results;
    }

    private static (NllResult, IReadOnlyList<EpochSummary>) RunOne(NllOptions o, NllObjective objective, Dataset train, Dataset test,
        Action<string>? log, Func<Action<int, int>>? importanceProgress, CancellationToken cancel)
    {
        string dir = RunDirectory(o, objective);
        string schedule = ScheduleOf(o, objective);
        var settings = Settings(o.Dataset, train, objective, o.Seed, schedule, o.BatchSize, o.LearningRate, o.Validation, o.EarlyStopping);
        bool exists = new CheckpointStore(dir).Newest() is not null || File.Exists(Path.Combine(dir, ModelFile.ManifestFile));
        TrainingSession session;
        if (exists)
        {
            var saved = TrainingSession.ResumeState(dir);
            if (saved.Objective != ObjectiveFactory.ObjectiveName(objective.Objective) || saved.Samples != objective.Samples || saved.Dataset != o.Dataset
                || saved.Seed != o.Seed || saved.BatchSize != o.BatchSize || saved.Optimizer.LearningRate != o.LearningRate)
                throw new ArgumentException($"{dir} holds a run of objective {saved.Objective} (K = {saved.Samples}) on {saved.Dataset}, seed {saved.Seed}, " +
                    string.Format(CultureInfo.InvariantCulture, "M = {0}, learning rate {1:G}; not {2} on {3}, seed {4}, M = {5}, learning rate {6:G}. Choose another --out.",
                        saved.BatchSize, saved.Optimizer.LearningRate, objective.Name, o.Dataset, o.Seed, o.BatchSize, o.LearningRate));
            if (saved.Validation != o.Validation || saved.EarlyStopping != o.EarlyStopping)
                throw new ArgumentException($"{dir} holds a run with a validation split of {saved.Validation} and early stopping {saved.EarlyStopping}, " +
                    $"not {o.Validation} and {o.EarlyStopping}. Choose another --out.");
            if (saved.LrSchedule != schedule)
                throw new ArgumentException($"{dir} was trained with the learning-rate schedule {saved.LrSchedule}, not {schedule}: a cosine run anneals " +
                    "over the budget it was started with and cannot be extended; choose another --out for a new budget.");
            session = TrainingSession.Resume(dir, train, test, o.Threads);
        }
        else session = TrainingSession.Create(settings, train, test, o.Threads);
        using (session)
        {
            session.CheckpointDirectory = dir;
            session.CheckpointInterval = TimeSpan.FromMinutes(5);
            double spent = session.History.Sum(e => e.Seconds);
            var ci = CultureInfo.InvariantCulture;
            if (exists) log?.Invoke(string.Format(ci, "{0}: resuming at {1} ({2:F0} s of training spent)", objective.Name, session.Position, spent));
            int? budget = o.PassesOf(objective);
            bool More() => budget is { } p ? session.State.Epoch < p : spent < o.Minutes!.Value * 60;
            while (More() && !session.StoppedEarly)
            {
                var e = session.RunEpoch(null, cancel);
                spent += e.Seconds;
                session.SaveCheckpoint(dir);
                log?.Invoke(string.Format(ci, "{0,-7} pass {1,4}  lr {2:G3}  train {3} {4,8:F2}  test {3} {5,8:F2}  {6,7:F0} s training in all",
                    objective.Name, e.Epoch, session.LearningRate, objective.Objective == TrainingObjective.Iwae ? $"L_{objective.Samples}" : "ELBO",
                    e.Train.Objective / e.Train.Rows, e.Test.Objective / e.Test.Rows, spent));
            }
            if (session.State.Epoch == 0) throw new InvalidOperationException($"{dir}: no pass finished within the budget.");
            if (session.StoppedEarly)
                log?.Invoke(string.Format(ci, "{0}: stopped early after pass {1}; evaluating pass {2}, the best by validation bound ({3:F2})",
                    objective.Name, session.State.Epoch, session.BestEpoch, session.BestValidation));
            session.SavePictures(dir);
            var result = Evaluate(o, objective, session, dir, test, spent, log, importanceProgress);
            return (result, session.History.ToList());
        }
    }

    private static NllResult Evaluate(NllOptions o, NllObjective objective, TrainingSession session, string dir, Dataset test, double spent,
        Action<string>? log, Func<Action<int, int>>? importanceProgress)
    {
        var vae = (Vae)session.Model;
        var state = session.State;
        if (session.Settings.EarlyStopping > 0 && session.BestEpoch > 0)
        {
            var best = CheckpointStore.LoadModel(Path.Combine(dir, TrainingSession.BestFolder), out _);
            (vae, state) = ((Vae)best.Model, best.State);
        }
        string cache = Path.Combine(dir, EvaluationFile);
        if (File.Exists(cache))
        {
            try
            {
                var r = JsonSerializer.Deserialize<NllResult>(File.ReadAllText(cache), Json);
                if (r is not null && r.SamplesSeen == state.SamplesSeen && r.ImportanceSamples == o.ImportanceSamples && r.TestImages == test.Count)
                {
                    log?.Invoke($"{objective.Name}: evaluation of pass {r.Passes} read from {cache}");
                    return r;
                }
            }
            catch (JsonException) { } // a stale or damaged cache is recomputed
        }
        using var pool = new WorkerPool(o.Threads);
        log?.Invoke($"{objective.Name}: evaluating log p(x) on {test.Count} test images with K = {o.ImportanceSamples}");
        var report = DatasetEvaluation.Run(vae, test, new EvaluationSettings
        {
            Binarization = session.Settings.Binarization, Estimator = Estimator.B, Samples = 1, BatchSize = 100, Seed = o.Seed,
            Draws = 1, ImportanceSamples = o.ImportanceSamples, ImportanceProgress = importanceProgress?.Invoke(),
        }, pool);
        var ll = report.LogLikelihoodEstimate;
        var elbo = report.ElboEstimate;
        var result = new NllResult
        {
            Name = objective.Name, Passes = state.Epoch, TrainSeconds = spent, TestImages = test.Count,
            ImportanceSamples = o.ImportanceSamples, Nll = -ll.Mean, NllStandardError = ll.StandardError, Elbo = elbo.Mean,
            ElboStandardError = elbo.StandardError, ActiveUnits = report.Activity.ActiveUnits, Latent = vae.Latent,
            SamplesSeen = state.SamplesSeen, EvaluationSeconds = report.ImportanceSeconds,
        };
        var perImage = new StringBuilder("image,log_px,log_px_se,elbo\n");
        for (int i = 0; i < report.Rows; i++)
            perImage.Append(CultureInfo.InvariantCulture, $"{i},{report.LogLikelihood[i]:R},{report.LogLikelihoodStandardError[i]:R},{report.Elbo[i]:R}\n");
        AtomicFile.WriteText(Path.Combine(dir, PerImageFile), perImage.ToString());
        AtomicFile.WriteText(cache, JsonSerializer.Serialize(result, Json) + "\n");
        return result;
    }

    /// <summary>
    /// How much higher run <paramref name="other"/>'s log p(x) is than run <paramref name="baseline"/>'s, image by image on the
    /// same test images (both evaluations use the same binarization draw): the mean of the paired differences with its
    /// standard error, far tighter than the difference of the two NLLs' own errors. Null when either run folder has no
    /// <see cref="PerImageFile"/> (an evaluation older than the file) or they cover different images.
    /// </summary>
    public static MeanEstimate? PairedGain(string baseline, string other)
    {
        var a = ReadPerImage(baseline);
        var b = ReadPerImage(other);
        if (a is null || b is null || a.Length != b.Length) return null;
        return MeanEstimate.OfDifference(b, a);
    }

    private static double[]? ReadPerImage(string dir)
    {
        string path = Path.Combine(dir, PerImageFile);
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || !lines[0].StartsWith("image,log_px", StringComparison.Ordinal))
            throw new DataFormatException(path, $"not a per-image file (header '{(lines.Length > 0 ? lines[0] : "")}').");
        var values = new double[lines.Length - 1];
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length < 2 || !double.TryParse(cells[1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]))
                throw new DataFormatException(path, $"line {i + 1} has no number in its log_px column.");
        }
        return values;
    }

    /// <summary>The table as CSV (figures in nats per image, full precision).</summary>
    public static string Csv(IEnumerable<NllResult> rows)
    {
        var sb = new StringBuilder("objective,passes,train_seconds,test_images,importance_samples,nll,nll_se,elbo,elbo_se,active_units,latent\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture,
                $"{r.Name},{r.Passes},{r.TrainSeconds:R},{r.TestImages},{r.ImportanceSamples},{r.Nll:R},{r.NllStandardError:R},{r.Elbo:R},{r.ElboStandardError:R},{r.ActiveUnits},{r.Latent}\n");
        return sb.ToString();
    }

    /// <summary>The table as markdown, with the setup it was produced under.</summary>
    /// <param name="o">The benchmark's options.</param>
    /// <param name="rows">The table's rows, in the order of the objectives.</param>
    /// <param name="gains">Per row, its <see cref="PairedGain"/> over the first row (null where not available).</param>
    public static string Markdown(NllOptions o, IReadOnlyList<NllResult> rows, IReadOnlyList<MeanEstimate?>? gains = null)
    {
        var ci = CultureInfo.InvariantCulture;
        string budget = o.Minutes is { } min ? string.Format(ci, "{0:G} minutes of training", min)
            : string.Join(", ", o.Objectives.Select(x => $"{o.PassesOf(x)} passes ({x.Name})"));
        string lr = o.LearningRate.ToString("G", ci), lrEnd = (double.Parse(lr, ci) / 100).ToString("0.############", ci);
        string schedule = o.Schedule == "cosine" ? $"learning rate from {lr} to {lrEnd} by a cosine over each run's passes"
            : $"learning rate {lr}·10^(−i/7) for 3^i passes (the IWAE paper's)";
        var sb = new StringBuilder($"# Test log-likelihood, {o.Dataset}\n\n");
        sb.Append(ci, $"784-200-200-50 tanh VAE, Bernoulli decoder, binarization {BinarizationOf(o.Dataset).ToString().ToLowerInvariant()}; ");
        sb.Append(ci, $"Adam (β₁ 0.9, β₂ 0.999, ε 1e-4), M = {o.BatchSize}, {schedule}; ");
        sb.Append(ci, $"budget {budget}; seed {o.Seed}. NLL = −log p(x) by importance sampling with K = {o.ImportanceSamples:N0} from q(z|x); ");
        sb.Append("ELBO by estimator B with one sample; ± is the standard error over test images. Active units: Cov_x E_q[z_u] > 0.01.");
        if (o.EarlyStopping > 0)
            sb.Append(ci, $" Early stopping: {o.Validation:N0} training images held out as a validation split, each run stopped after {o.EarlyStopping} passes without a better validation bound, and the model scored is its best pass's (the passes column).");
        else if (o.Validation > 0)
            sb.Append(ci, $" {o.Validation:N0} training images held out as a validation split.");
        sb.Append("\n\n");
        string first = rows.Count > 0 ? rows[0].Name : "";
        sb.Append(ci, $"| objective | passes | training time (s) | test images | NLL (nats) | ELBO (nats) | active units | NLL below {first}'s (paired) |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            string gain = i == 0 ? "" : gains is not null && i < gains.Count && gains[i] is { } g ? string.Format(ci, "{0:F2} ± {1:F2}", g.Mean, g.StandardError) : "—";
            sb.Append(ci, $"| {r.Name} | {r.Passes} | {r.TrainSeconds:F0} | {r.TestImages:N0} | {r.Nll:F2} ± {r.NllStandardError:F2} | {r.Elbo:F2} ± {r.ElboStandardError:F2} | {r.ActiveUnits} / {r.Latent} | {gain} |\n");
        }
        sb.Append(ci, $"\nThe last column: the mean over the same test images (same binarization draw) of log p(x) under the row's model minus under {first}'s, ");
        sb.Append("± the standard error of those paired differences; positive means the row's model is better. It accounts for the test images and ");
        sb.Append("the importance sampling, not for the training seed (one run per objective).\n");
        return sb.ToString();
    }
}
