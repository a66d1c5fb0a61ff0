using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>Everything that defines a training run, for any model kind (<see cref="ModelConfig.Kind"/>).</summary>
public sealed record SessionSettings
{
    /// <summary>Architecture.</summary>
    public required ModelConfig Config { get; init; }
    /// <summary>Dataset name, recorded in the model file.</summary>
    public string Dataset { get; init; } = DatasetCatalog.DefaultName;
    /// <summary>Binarization of the data.</summary>
    public Binarization Binarization { get; init; } = Binarization.Dynamic;
    /// <summary>SGVB estimator.</summary>
    public Estimator Estimator { get; init; } = Estimator.B;
    /// <summary>L, samples of z per datapoint.</summary>
    public int Samples { get; init; } = 1;
    /// <summary>M, minibatch size.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Seed of every random stream.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Optimizer.</summary>
    public OptimizerSettings Optimizer { get; init; } = OptimizerSettings.Default(OptimizerKind.Adam);
    /// <summary>Initialization scheme.</summary>
    public Initialization Initialization { get; init; } = Initialization.PyTorchDefault;
    /// <summary>σ of <see cref="Initialization.Normal"/>.</summary>
    public float InitScale { get; init; } = 0.01f;
    /// <summary>Training datapoints held out for validation (0: none).</summary>
    public int Validation { get; init; }
    /// <summary>λ of the sparse autoencoder's L1 penalty on the code.</summary>
    public float L1 { get; init; }
    /// <summary>The denoising autoencoder's input corruption.</summary>
    public Corruption Noise { get; init; } = Corruption.None;
    /// <summary>How a VAE's parameters are learned: AEVB, or the wake-sleep baseline.</summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Aevb;
    /// <summary>The bound a VAE is trained on: the ELBO, or IWAE's L_K with K = <see cref="Samples"/>.</summary>
    public TrainingObjective Objective { get; init; } = TrainingObjective.Elbo;
    /// <summary>IWAE only: the DReG encoder gradient (Tucker et al. 2019).</summary>
    public bool Dreg { get; init; }
    /// <summary>Learning-rate schedule (<see cref="ScheduleSpec"/>): constant, iwae, cosine:E or plateau:P:F.</summary>
    public string LrSchedule { get; init; } = "constant";
    /// <summary>KL warm-up: β rises from 0 to 1 over this many epochs (0: none).</summary>
    public int KlWarmup { get; init; }
    /// <summary>Early stopping: stop after this many epochs without a better validation figure (0: never).</summary>
    public int EarlyStopping { get; init; }

    /// <summary>
    /// Where <paramref name="other"/> would train a different run than this: the model's kind and shape, the data, its
    /// binarization, seed, minibatch, the bound and method, L1 and noise, and the optimizer's kind — each as
    /// "name: this vs other". Step sizes and schedules are left out (experiments choose them as they go). Empty when the two
    /// define the same run; experiments that resume a run folder use it to refuse a folder made with other settings.
    /// </summary>
    public IReadOnlyList<string> DefiningDifferences(SessionSettings other)
    {
        var d = new List<string>();
        void Check<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) d.Add($"{name}: {a} vs {b}");
        }
        Check("model", Config.Kind, other.Config.Kind);
        if (!Config.Hidden.AsSpan().SequenceEqual(other.Config.Hidden))
            d.Add($"hidden: {string.Join(",", Config.Hidden)} vs {string.Join(",", other.Config.Hidden)}");
        Check("latent", Config.Latent, other.Config.Latent);
        Check("input size", Config.InputSize, other.Config.InputSize);
        Check("activation", Config.Activation, other.Config.Activation);
        Check("decoder", Config.Decoder, other.Config.Decoder);
        Check("bias", Config.Bias, other.Config.Bias);
        Check("dataset", Dataset, other.Dataset);
        Check("binarization", Binarization, other.Binarization);
        Check("seed", Seed, other.Seed);
        Check("batch", BatchSize, other.BatchSize);
        Check("samples", Samples, other.Samples);
        Check("method", Method, other.Method);
        Check("objective", Objective, other.Objective);
        Check("l1", L1, other.L1);
        Check("noise", Noise.ToString(), other.Noise.ToString());
        Check("optimizer", Optimizer.Kind, other.Optimizer.Kind);
        return d;
    }
}

/// <summary>One epoch's figures, per datapoint in <see cref="Train"/> etc. as sums (divide by Rows).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="SamplesSeen">Training datapoints processed after this epoch.</param>
/// <param name="Train">Training terms as they were during the epoch.</param>
/// <param name="Test">Terms on the test split.</param>
/// <param name="Validation">Terms on the validation split, when one is held out.</param>
/// <param name="Seconds">Training seconds.</param>
public readonly record struct EpochSummary(int Epoch, long SamplesSeen, BatchTerms Train, BatchTerms Test, BatchTerms? Validation, double Seconds)
{
    /// <summary>Training datapoints per second.</summary>
    public double SamplesPerSecond => Train.Rows / Seconds;
}

/// <summary>
/// A training run of any model kind over a training and a test set: builds or resumes the model, builds its objective
/// (<see cref="ObjectiveFactory"/>), runs epochs and writes the run folder (checkpoint, metrics.csv, elbo.svg and
/// pictures). The CLI drives it; it writes nothing to the console.
/// </summary>
public sealed partial class TrainingSession : IDisposable
{
    /// <summary>Columns of metrics.csv for a VAE; other kinds name the three terms after their objective (<see cref="ObjectiveTerms"/>).</summary>
    public static string MetricsHeaderFor(ObjectiveTerms t) =>
        $"epoch,samples_seen,train_{t.Objective},train_{t.Reconstruction},train_{t.Regularizer},test_{t.Objective},test_{t.Reconstruction},test_{t.Regularizer},epoch_seconds,samples_per_second,valid_{t.Objective}";

    /// <summary>Columns of metrics.csv for a VAE.</summary>
    public static string MetricsHeader => MetricsHeaderFor(ObjectiveTerms.Elbo);

    // Random streams of a session, all derived from its seed (the trainer derives its own per epoch).
    internal const ulong InitStream = 100, StaticTrainStream = 101, StaticTestStream = 102, StaticValidationStream = 103,
        ImportanceStream = 7;

    private readonly WorkerPool _pool;
    private readonly Trainer _trainer;
    private readonly Optimizer _optimizer;
    private readonly DataMatrix _train, _test;
    private readonly DataMatrix? _valid;
    private readonly Dataset _testSet;
    private readonly List<EpochSummary> _history = [];
    private readonly IStatefulObjective? _stateful;

    private TrainingSession(IModel model, SessionSettings settings, TrainingState state, Dataset train, Dataset test, int threads,
        IReadOnlyDictionary<string, float[]>? optimizerState)
    {
        Model = model;
        Settings = settings;
        State = state;
        _pool = new WorkerPool(threads);
        _optimizer = new Optimizer(model.Arena, settings.Optimizer);
        if (optimizerState is not null && optimizerState.Count > 0) _optimizer.Restore(state.OptimizerSteps, optimizerState);
        ObjectiveFactory.Validate(settings);
        var objective = ObjectiveFactory.Create(model, settings, _pool);
        if (objective is IStatefulObjective stateful)
        {
            _stateful = stateful;
            stateful.Restore(optimizerState ?? new Dictionary<string, float[]>(), required: state.OptimizerSteps > 0);
        }
        Terms = objective.Terms;
        InitControls(objective, train.Count - settings.Validation);
        _trainer = new Trainer(objective, _optimizer, new TrainerOptions
        {
            BatchSize = settings.BatchSize, Seed = settings.Seed, DynamicBinarization = settings.Binarization == Binarization.Dynamic,
        }, _pool);

        CheckShapes(model, train, test);
        Dataset validation = null!;
        if (settings.Validation > 0) (train, validation) = train.SplitValidation(settings.Validation, settings.Seed);
        _testSet = test;
        if (settings.Binarization == Binarization.Static)
        {
            train = Binarizer.Static(train, Rng.ForStream(settings.Seed, StaticTrainStream).NextUInt64());
            test = Binarizer.Static(test, Rng.ForStream(settings.Seed, StaticTestStream).NextUInt64());
            if (validation is not null) validation = Binarizer.Static(validation, Rng.ForStream(settings.Seed, StaticValidationStream).NextUInt64());
        }
        _train = new DataMatrix(train.Features, train.Count, train.Dimension);
        _test = new DataMatrix(test.Features, test.Count, test.Dimension);
        if (validation is not null) _valid = new DataMatrix(validation.Features, validation.Count, validation.Dimension);
    }

    /// <summary>The model.</summary>
    public IModel Model { get; }

    /// <summary>Names of the objective's terms (metrics.csv columns).</summary>
    public ObjectiveTerms Terms { get; }

    /// <summary>The settings.</summary>
    public SessionSettings Settings { get; }

    /// <summary>Progress so far (epoch, samples seen, optimizer steps).</summary>
    public TrainingState State { get; private set; }

    /// <summary>Epochs run so far, including those read back from metrics.csv on resume.</summary>
    public IReadOnlyList<EpochSummary> History => _history;

    /// <summary>Splits the training steps and evaluations into phases (see <see cref="Trainer.Profiler"/>); null (the default): off.</summary>
    public PhaseProfiler? Profiler { get => _trainer.Profiler; set => _trainer.Profiler = value; }

    /// <summary>Training datapoints per epoch.</summary>
    public int TrainCount => _train.Count;

    /// <summary>Starts a new run with freshly initialized parameters.</summary>
    public static TrainingSession Create(SessionSettings settings, Dataset train, Dataset test, int threads)
    {
        var model = ModelFactory.Create(settings.Config);
        model.Initialize(settings.Initialization, Rng.ForStream(settings.Seed, InitStream), settings.InitScale);
        var state = ToState(settings, epoch: 0, samplesSeen: 0, steps: 0);
        return new TrainingSession(model, settings, state, train, test, threads, null);
    }

    /// <summary>Continues the run saved in <paramref name="directory"/> after its last finished epoch.</summary>
    public static TrainingSession Resume(string directory, Dataset train, Dataset test, int threads)
    {
        var (folder, position) = ResumeSource(directory);
        var loaded = ModelFile.Load(folder);
        var s = loaded.State;
        var settings = SettingsOf(loaded);
        if (loaded.OptimizerState.Count == 0 && s.OptimizerSteps > 0)
            throw new InvalidDataException($"{Path.Combine(folder, ModelFile.OptimizerFile)}: missing, so training cannot resume exactly.");
        var session = new TrainingSession(loaded.Model, settings, s, train, test, threads, loaded.OptimizerState);
        session.ReadHistory(Path.Combine(folder, "metrics.csv"));
        session._resumeAt = position;
        return session;
    }

    /// <summary>The settings a saved model was trained with (the inverse of <see cref="ToState"/>, initialization aside).</summary>
    private static SessionSettings SettingsOf(LoadedModel loaded) => new()
    {
        Config = loaded.Model.Config,
        Dataset = loaded.State.Dataset,
        Binarization = Enum.Parse<Binarization>(loaded.State.Binarization, ignoreCase: true),
        Estimator = Enum.Parse<Estimator>(loaded.State.Estimator, ignoreCase: true),
        Samples = loaded.State.Samples, BatchSize = loaded.State.BatchSize, Seed = loaded.State.Seed,
        Optimizer = loaded.State.Optimizer, Validation = loaded.State.Validation,
        L1 = loaded.State.L1, Noise = Corruption.Parse(loaded.State.Noise ?? "none", "model.json training.noise"),
        Method = ObjectiveFactory.ParseMethod(loaded.State.Method ?? "aevb", "model.json training.method"),
        Objective = ObjectiveFactory.ParseObjective(loaded.State.Objective ?? "elbo", "model.json training.objective"), Dreg = loaded.State.Dreg,
        LrSchedule = loaded.State.LrSchedule ?? "constant", KlWarmup = loaded.State.KlWarmup, EarlyStopping = loaded.State.EarlyStopping,
    };

    private static TrainingState ToState(SessionSettings s, int epoch, long samplesSeen, long steps) => new()
    {
        Dataset = s.Dataset,
        Binarization = s.Binarization.ToString().ToLowerInvariant(),
        Estimator = s.Estimator.ToString(),
        Samples = s.Samples, BatchSize = s.BatchSize, Seed = s.Seed, Validation = s.Validation,
        Initialization = s.Initialization == Initialization.Normal ? $"normal:{s.InitScale.ToString(CultureInfo.InvariantCulture)}" : "pytorch-default",
        Optimizer = s.Optimizer, OptimizerSteps = steps, Epoch = epoch, SamplesSeen = samplesSeen,
        L1 = s.L1, Noise = s.Noise.ToString(), Method = ObjectiveFactory.MethodName(s.Method),
        Objective = ObjectiveFactory.ObjectiveName(s.Objective), Dreg = s.Dreg,
        LrSchedule = s.LrSchedule, KlWarmup = s.KlWarmup, EarlyStopping = s.EarlyStopping,
    };

    /// <summary>
    /// Runs the next epoch and, when <paramref name="evaluate"/> is true, evaluates the test (and validation) split; otherwise
    /// the summary's test terms are empty (<see cref="BatchTerms.Rows"/> = 0) and metrics.csv leaves them blank.
    /// </summary>
    public EpochSummary RunEpoch(Action<StepProgress>? progress = null, CancellationToken cancel = default, bool evaluate = true)
    {
        int epoch = State.Epoch + 1;
        BeforeEpoch(epoch);
        var result = _trainer.RunEpoch(_train, epoch, NextEpochRun(progress, cancel));
        var test = evaluate ? _trainer.Evaluate(_test) : default;
        BatchTerms? valid = evaluate && _valid is { } v ? _trainer.Evaluate(v) : null;
        State = State with { Epoch = epoch, SamplesSeen = State.SamplesSeen + result.Train.Rows, OptimizerSteps = _optimizer.Steps };
        var summary = new EpochSummary(epoch, State.SamplesSeen, result.Train, test, valid, result.Seconds);
        _history.Add(summary);
        AfterEpoch(summary);
        return summary;
    }

    /// <summary>Adagrad's global step sizes the paper chose from (Kingma &amp; Welling 2014, §5).</summary>
    public static IReadOnlyList<float> PaperStepSizes { get; } = [0.01f, 0.02f, 0.1f];

    /// <summary>Minibatches each step size is tried for by <see cref="SelectStepSize"/> (the paper: "the first few iterations").</summary>
    public const int StepSizeTrialIterations = 200;

    /// <summary>
    /// The paper's choice of step size "based on performance on the training set in the first few iterations": for each
    /// candidate, a fresh model (the same initialization) trains <paramref name="iterations"/> minibatches on the first
    /// min(N, iterations·M) training rows, cycling over them if fewer, and is then scored by its objective on those rows
    /// (evaluation streams). Returns the best candidate and every trial's score.
    /// </summary>
    public static (float Chosen, IReadOnlyList<(float StepSize, double Objective)> Trials) SelectStepSize(SessionSettings settings,
        Dataset train, Dataset test, int threads, IReadOnlyList<float>? candidates = null, int iterations = StepSizeTrialIterations,
        CancellationToken cancel = default)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "At least one iteration per candidate.");
        var trials = new List<(float, double)>();
        foreach (float lr in candidates ?? PaperStepSizes)
        {
            using var session = Create(settings with { Optimizer = settings.Optimizer with { LearningRate = lr } }, train, test, threads);
            int m = settings.BatchSize;
            int rows = (int)Math.Min(session._train.Count, (long)iterations * m);
            var subset = new DataMatrix(session._train.Features[..(rows * session._train.Dimension)], rows, session._train.Dimension);
            int batchesPerEpoch = (rows + m - 1) / m;
            for (int epoch = 1, done = 0; done < iterations; epoch++, done += batchesPerEpoch)
                session._trainer.RunEpoch(subset, epoch, null, cancel);
            var score = session._trainer.Evaluate(subset);
            double objective = score.Objective / score.Rows;
            trials.Add((lr, double.IsFinite(objective) ? objective : double.NegativeInfinity));
        }
        return (trials.MaxBy(t => t.Item2).Item1, trials);
    }

    /// <summary>
    /// The objective on the whole training split with the evaluation streams (fixed ε and binarization draw), as the test
    /// split is evaluated: the paper's "train" curve of Figure 2.
    /// </summary>
    public BatchTerms EvaluateTrainingSet() => _trainer.Evaluate(_train);

    /// <summary>The objective on the test split, as <see cref="RunEpoch"/> evaluates it.</summary>
    public BatchTerms EvaluateTestSet() => _trainer.Evaluate(_test);

    /// <summary>
    /// Evaluates a saved model on <paramref name="data"/> the way training evaluates its test split: the same estimator and L,
    /// the same binarization (a static draw from the test stream, or one dynamic draw from the fixed evaluation stream), and a fixed ε stream.
    /// </summary>
    public static BatchTerms Evaluate(LoadedModel loaded, Dataset data, int threads)
        => Evaluate(loaded, data, threads, importanceSamples: 0, out _);

    /// <summary>
    /// As <see cref="Evaluate(LoadedModel, Dataset, int)"/>; with <paramref name="importanceSamples"/> K &gt; 0 also estimates
    /// log p(x) per datapoint by importance sampling with K samples on the same inputs (<paramref name="logLikelihood"/>, mean nats),
    /// reporting (images done, images) to <paramref name="importanceProgress"/> as it goes.
    /// </summary>
    public static BatchTerms Evaluate(LoadedModel loaded, Dataset data, int threads, int importanceSamples, out double logLikelihood,
        Action<int, int>? importanceProgress = null)
    {
        var s = SettingsOf(loaded);
        if (data.Dimension != loaded.Model.InputSize)
            throw new ArgumentException($"{data.Name} has {data.Dimension} values per image; the model expects {loaded.Model.InputSize}.");
        if (s.Binarization == Binarization.Static) data = Binarizer.Static(data, Rng.ForStream(s.Seed, StaticTestStream).NextUInt64());
        using var pool = new WorkerPool(threads);
        var objective = ObjectiveFactory.Create(loaded.Model, s, pool);
        var trainer = new Trainer(objective, new Optimizer(loaded.Model.Arena, s.Optimizer), new TrainerOptions
        {
            BatchSize = s.BatchSize, Seed = s.Seed, DynamicBinarization = s.Binarization == Binarization.Dynamic,
        }, pool);
        var matrix = new DataMatrix(data.Features, data.Count, data.Dimension);
        logLikelihood = double.NaN;
        if (importanceSamples > 0)
        {
            if (loaded.Model is not Vae vae)
                throw new ArgumentException($"Importance sampling estimates log p(x) of a latent-variable model; a {ModelKinds.Name(loaded.Model.Config.Kind)} has no likelihood.");
            float[] inputs = trainer.EvaluationInputs(matrix);
            var ll = new double[data.Count];
            new ImportanceSampling(vae, pool) { Progress = importanceProgress }.LogLikelihood(inputs, data.Count, importanceSamples,
                Rng.ForStream(s.Seed, ImportanceStream), ll);
            logLikelihood = ll.Sum() / data.Count;
        }
        return trainer.Evaluate(matrix);
    }

    /// <summary>
    /// The inputs <see cref="Evaluate(LoadedModel, Dataset, int)"/> scores for <paramref name="data"/> (the same static or
    /// dynamic binarization draw), for other estimators of log p(x) to see the same data.
    /// </summary>
    public static float[] EvaluationInputs(LoadedModel loaded, Dataset data)
    {
        var s = SettingsOf(loaded);
        if (data.Dimension != loaded.Model.InputSize)
            throw new ArgumentException($"{data.Name} has {data.Dimension} values per image; the model expects {loaded.Model.InputSize}.");
        if (s.Binarization == Binarization.Static) return Binarizer.Static(data, Rng.ForStream(s.Seed, StaticTestStream).NextUInt64()).Features;
        var trainer = new Trainer(ObjectiveFactory.Create(loaded.Model, s, WorkerPool.Single), new Optimizer(loaded.Model.Arena, s.Optimizer), new TrainerOptions
        {
            BatchSize = s.BatchSize, Seed = s.Seed, DynamicBinarization = s.Binarization == Binarization.Dynamic,
        });
        return trainer.EvaluationInputs(new DataMatrix(data.Features, data.Count, data.Dimension));
    }

    /// <summary>The model, its state and the optimizer's (with a stateful objective's, e.g. Monte Carlo EM's chains) into <paramref name="directory"/>.</summary>
    private void SaveModel(string directory, TrainingState state) => ModelFile.Save(directory, Model, state, _optimizer, _stateful?.State);

    /// <summary>The training objective's per-datapoint state (Monte Carlo EM's chains), or null for a stateless objective.</summary>
    public IStatefulObjective? StatefulObjective => _stateful;

    /// <summary>Writes the checkpoint, metrics.csv and elbo.svg into <paramref name="directory"/>.</summary>
    public void SaveCheckpoint(string directory)
    {
        SaveBest(directory);   // first: a crash between the two reruns the epoch, which writes the same best/ again
        SaveEpochCheckpoint(directory);
        ElboChart().Save(Path.Combine(directory, "elbo.svg"));
    }

    /// <summary>Writes samples.png and reconstructions.png, and for a 2-D latent space manifold.png and latent-map.png.</summary>
    public IReadOnlyList<string> SavePictures(string directory)
    {
        var written = new List<string>();
        void Save(string name, Image image) { string p = Path.Combine(directory, name); image.SavePng(p); written.Add(p); }
        Save("samples.png", Pictures.Samples(Model, seed: Settings.Seed, pool: _pool));
        Save("reconstructions.png", Pictures.Reconstructions(Model, _testSet.Features, Math.Min(30, _testSet.Count), pool: _pool));
        if (Model.Latent == 2)
        {
            Save("manifold.png", Pictures.Manifold(Model, pool: _pool));
            if (_testSet.Labels is not null) Save("latent-map.png", Pictures.LatentMap(Model, _testSet, _pool));
        }
        return written;
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>metrics.csv: one row per epoch, figures in nats per datapoint.</summary>
    public string MetricsCsv()
    {
        var sb = new StringBuilder(MetricsHeaderFor(Terms)).Append('\n');
        foreach (var e in _history)
        {
            double tr = e.Train.Rows, te = e.Test.Rows;
            string T(double v) => te > 0 ? F(v / te) : "";
            sb.Append(e.Epoch).Append(',').Append(e.SamplesSeen).Append(',')
              .Append(F(e.Train.Objective / tr)).Append(',').Append(F(e.Train.Reconstruction / tr)).Append(',').Append(F(e.Train.Kl / tr)).Append(',')
              .Append(T(e.Test.Objective)).Append(',').Append(T(e.Test.Reconstruction)).Append(',').Append(T(e.Test.Kl)).Append(',')
              .Append(F(e.Seconds)).Append(',').Append(F(e.SamplesPerSecond)).Append(',')
              .Append(e.Validation is { } v ? F(v.Objective / v.Rows) : "").Append('\n');
        }
        return sb.ToString();
    }

    private void ReadHistory(string path)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length < 10) continue;
            if (!MetricsRowIsValid(f, out int epoch))
                throw new InvalidDataException($"{path}: line {i + 1} is not a row of numbers under {MetricsHeaderFor(Terms)}.");
            if (epoch > State.Epoch) break;
            double D(int k) => double.Parse(f[k], CultureInfo.InvariantCulture);
            // Sums are rebuilt from the stored per-datapoint figures: train rows from throughput × time, test rows = 1.
            double seconds = D(8);
            int rows = Math.Max(1, (int)Math.Round(D(9) * seconds));
            var train = new BatchTerms(D(2) * rows, D(3) * rows, D(4) * rows, rows);
            var test = f[5].Length == 0 ? default : new BatchTerms(D(5), D(6), D(7), 1);
            BatchTerms? valid = f.Length > 10 && f[10].Length > 0 ? new BatchTerms(D(10), double.NaN, double.NaN, 1) : null;
            _history.Add(new EpochSummary(epoch, long.Parse(f[1], CultureInfo.InvariantCulture), train, test, valid, seconds));
        }
    }

    /// <summary>The lower bound against training samples seen (log x axis), as in the paper's Figure 2.</summary>
    public SvgChart ElboChart()
    {
        var chart = new SvgChart
        {
            Title = Terms == ObjectiveTerms.Elbo ? $"ELBO, {Settings.Dataset}, J = {Model.Latent}"
                : $"{ModelKinds.Name(Model.Config.Kind)} objective, {Settings.Dataset}, J = {Model.Latent}",
            XLabel = "training samples evaluated",
            YLabel = Terms == ObjectiveTerms.Elbo ? "ELBO (nats per datapoint)" : "−(reconstruction error + penalty) per datapoint", LogX = true,
        };
        chart.AddSeries("train", _history.Select(e => ((double)e.SamplesSeen, e.Train.Objective / e.Train.Rows)));
        chart.AddSeries("test", _history.Where(e => e.Test.Rows > 0).Select(e => ((double)e.SamplesSeen, e.Test.Objective / e.Test.Rows)));
        if (_history.Any(e => e.Validation is not null))
            chart.AddSeries("validation", _history.Where(e => e.Validation is not null)
                .Select(e => ((double)e.SamplesSeen, e.Validation!.Value.Objective / e.Validation.Value.Rows)));
        return chart;
    }

    /// <inheritdoc />
    public void Dispose() => _pool.Dispose();
}
