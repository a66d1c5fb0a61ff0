using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VaeSharp.Data;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary><c>vae train</c>.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var preset = new Option<string?>("--preset") { Description = "kingma-welling: the paper's setup (tanh, 1 hidden layer of 500, M=100, L=1, Adagrad lr 0.02, init N(0, 0.01²), weight decay 1/N). Explicit options override it." };
        preset.AcceptOnlyFromAmong("kingma-welling");
        var latent = new Option<int>("--latent") { Description = "Latent dimension J.", DefaultValueFactory = _ => 20 };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths, comma-separated (e.g. 500 or 200,200; 'none' for linear maps).", DefaultValueFactory = _ => "500" };
        var activation = new Option<string>("--activation") { Description = "Hidden activation.", DefaultValueFactory = _ => "tanh" };
        activation.AcceptOnlyFromAmong("tanh", "relu", "softplus");
        var decoder = new Option<string>("--decoder") { Description = "Decoder likelihood p(x|z).", DefaultValueFactory = _ => "bernoulli" };
        decoder.AcceptOnlyFromAmong("bernoulli", "gaussian");
        var estimator = new Option<string>("--estimator") { Description = "SGVB estimator: B (closed-form KL) or A (Monte Carlo).", DefaultValueFactory = _ => "B" };
        estimator.AcceptOnlyFromAmong("A", "B", "a", "b");
        var samples = new Option<int>("--samples") { Description = "L, samples of z per datapoint.", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train (the total, when resuming).", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "M, minibatch size.", DefaultValueFactory = _ => 100 };
        var optimizer = new Option<string>("--optimizer") { Description = "Optimizer.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("adagrad", "adam", "sgd");
        var lr = new Option<float?>("--lr") { Description = "Learning rate (default: adam 0.001, adagrad 0.01, sgd 0.01)." };
        var weightDecay = new Option<float>("--weight-decay") { Description = "λ of ½λ‖θ‖² per datapoint; 1/N is the paper's N(0, I) prior on the parameters.", DefaultValueFactory = _ => 0f };
        var binarize = new Option<string>("--binarize") { Description = "Binarization: auto (dynamic for bernoulli, none for gaussian), none, static, dynamic.", DefaultValueFactory = _ => "auto" };
        binarize.AcceptOnlyFromAmong("auto", "none", "static", "dynamic");
        var validation = new Option<int>("--validation") { Description = "Training images held out as a validation split.", DefaultValueFactory = _ => 0 };
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var output = new Option<string>("--out") { Description = "Run folder: model, metrics and pictures.", DefaultValueFactory = _ => "runs/vae" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last finished epoch." };
        var data = new DataOptions();
        var download = new DownloadCliOptions();

        var cmd = new Command("train", "Train a VAE with AEVB and write the model, metrics.csv, elbo.svg and pictures into --out.")
        {
            dataset, dataDir, preset, latent, hidden, activation, decoder, estimator, samples, epochs, batch, optimizer, lr,
            weightDecay, binarize, validation, seed, threads, output, resume,
        };
        foreach (var o in data.All.Concat(download.All)) cmd.Options.Add(o);
        cmd.SetAction((pr, cancel) => Task.FromResult(Program.Guard(() =>
        {
            T Get<T>(Option<T> o) => pr.GetValue(o)!;
            bool Given<T>(Option<T> o) => pr.GetResult(o) is { Implicit: false };
            bool kw = pr.GetValue(preset) == "kingma-welling";

            int threadCount = Get(threads);
            Positive(threadCount, "--threads");
            int epochCount = Get(epochs);
            Positive(epochCount, "--epochs");
            string outDir = Get(output);

            if (Get(resume))
            {
                Option[] fixedBySavedRun = [.. data.All, dataset, preset, latent, hidden, activation, decoder, estimator, samples, batch, optimizer, lr, weightDecay, binarize, validation, seed];
                var clash = fixedBySavedRun.Where(o => pr.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (clash.Count > 0)
                    throw new ArgumentException($"--resume continues with the settings saved in {outDir}/model.json; drop {string.Join(", ", clash)} (only --epochs, --threads and --data-dir apply).");
                var saved = VaeSharp.IO.ModelFile.Load(outDir).State;
                var (trainSet, testSet) = UserDataSource.TryLoad(outDir) is { } recorded
                    ? UserDataset.Load(recorded)
                    : LoadData(saved.Dataset, Given(dataDir) ? Get(dataDir) : null, download.Build(pr));
                using var resumed = TrainingSession.Resume(outDir, trainSet, testSet, threadCount);
                Console.WriteLine($"resuming {outDir} after epoch {resumed.State.Epoch} ({saved.Dataset}, {trainSet.Count} training images)");
                return Run(resumed, epochCount, outDir, cancel);
            }

            string name = Get(dataset);
            UserData? user = null;
            if (!DataOptions.IsCatalogName(name))
            {
                user = UserDataset.Load(name, data.Build(pr, Get(seed)));
                name = user.Source.Path;
                Console.WriteLine(user.Report);
            }
            else if (data.Given(pr).Select(o => o.Name).ToList() is { Count: > 0 } useless)
                throw new ArgumentException($"{string.Join(", ", useless)} apply only to --dataset PATH (your own data), not to the named data set {name}.");
            var (train, test) = user is null ? LoadData(name, Get(dataDir), download.Build(pr)) : (user.Train, user.Test);
            int[] hiddenWidths = kw && !Given(hidden) ? [500] : ParseHidden(Get(hidden));
            var act = kw && !Given(activation) ? Activation.Tanh : Activations.Parse(Get(activation));
            var dec = Get(decoder) == "gaussian" ? DecoderKind.Gaussian : DecoderKind.Bernoulli;
            var kind = kw && !Given(optimizer) ? OptimizerKind.Adagrad : Enum.Parse<OptimizerKind>(Get(optimizer), ignoreCase: true);
            var opt = OptimizerSettings.Default(kind);
            float? rate = pr.GetValue(lr);
            if (rate is { } r) opt = opt with { LearningRate = Finite(r, "--lr", positive: true) };
            else if (kw && kind == OptimizerKind.Adagrad) opt = opt with { LearningRate = 0.02f };
            float wd = Given(weightDecay) ? Finite(Get(weightDecay), "--weight-decay", positive: false) : kw ? 1f / train.Count : 0f;
            opt = opt with { WeightDecay = wd };
            var bin = Get(binarize) switch
            {
                "none" => Binarization.None,
                "static" => Binarization.Static,
                "dynamic" => Binarization.Dynamic,
                _ => dec == DecoderKind.Bernoulli ? Binarization.Dynamic : Binarization.None,
            };
            int m = kw && !Given(batch) ? 100 : Get(batch);
            int l = kw && !Given(samples) ? 1 : Get(samples);
            Positive(m, "--batch");
            Positive(l, "--samples");
            Positive(Get(latent), "--latent");
            int valid = Get(validation);
            if (valid < 0 || valid >= train.Count) throw new ArgumentException($"--validation must be between 0 and {train.Count - 1} (got {valid}).");

            var settings = new SessionSettings
            {
                Config = new VaeConfig
                {
                    InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
                    Hidden = hiddenWidths, Latent = Get(latent), Activation = act, Decoder = dec,
                },
                Dataset = name, Binarization = bin, Estimator = Get(estimator).ToUpperInvariant() == "A" ? Estimator.A : Estimator.B,
                Samples = l, BatchSize = m, Seed = Get(seed), Optimizer = opt, Validation = valid,
                Initialization = kw ? Initialization.Normal : Initialization.PyTorchDefault, InitScale = 0.01f,
            };
            if (File.Exists(Path.Combine(outDir, VaeSharp.IO.ModelFile.ManifestFile)))
                throw new ArgumentException($"{outDir} already holds a model; pass --resume to continue it or choose another --out.");
            using var session = TrainingSession.Create(settings, train, test, threadCount);
            user?.Source.Save(outDir); // so that eval and --resume read, split and scale the same rows
            var c = settings.Config;
            Console.WriteLine($"training {c.InputSize}-{string.Join("-", c.Hidden)}{(c.Hidden.Length > 0 ? "-" : "")}{c.Latent} VAE " +
                $"({c.Activation.ToString().ToLowerInvariant()}, {c.Decoder.ToString().ToLowerInvariant()} decoder, estimator {settings.Estimator}, L={l}) " +
                $"on {name}: {session.TrainCount} training / {test.Count} test images, binarization {bin.ToString().ToLowerInvariant()}, " +
                $"{kind.ToString().ToLowerInvariant()} lr {opt.LearningRate.ToString(CultureInfo.InvariantCulture)}, M={m}, {threadCount} thread(s)");
            return Run(session, epochCount, outDir, cancel);
        })));
        return cmd;
    }

    private static (Dataset Train, Dataset Test) LoadData(string name, string? dataDir, VaeSharp.Data.DatasetDownloader? downloader = null)
        => (CommonOptions.Load(name, "train", dataDir, downloader), CommonOptions.Load(name, "test", dataDir, downloader));

    private static void Positive(int value, string option)
    {
        if (value < 1) throw new ArgumentException($"{option} must be a positive whole number (got {value}).");
    }

    private static float Finite(float value, string option, bool positive)
    {
        if (!float.IsFinite(value) || (positive ? value <= 0 : value < 0))
            throw new ArgumentException($"{option} must be {(positive ? "a positive" : "a non-negative")} number (got {value.ToString(CultureInfo.InvariantCulture)}).");
        return value;
    }

    internal static int[] ParseHidden(string text)
    {
        if (text.Trim() is "" or "none" or "0") return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new ArgumentException($"--hidden takes positive widths separated by commas, like 500 or 200,200 (got '{text}').");
        return widths;
    }

    private static int Run(TrainingSession session, int epochs, string outDir, CancellationToken cancel)
    {
        if (session.State.Epoch >= epochs)
        {
            Console.WriteLine($"{outDir} has already trained {session.State.Epoch} epoch(s); raise --epochs to continue.");
            return 0;
        }
        bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        while (session.State.Epoch < epochs)
        {
            int epoch = session.State.Epoch + 1;
            EpochSummary summary;
            if (interactive)
            {
                summary = default;
                AnsiConsole.Progress()
                    .AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"epoch {epoch}/{epochs}");
                        summary = session.RunEpoch(p =>
                        {
                            task.MaxValue = p.Batches;
                            task.Value = p.Batch;
                            if (p.Batch % 10 == 0 || p.Batch == p.Batches)
                                task.Description = $"epoch {epoch}/{epochs}  ELBO {p.RunningObjective:F2}";
                        }, cancel);
                    });
            }
            else summary = session.RunEpoch(null, cancel);
            session.SaveCheckpoint(outDir);
            session.SavePictures(outDir);
            Console.WriteLine(FormatEpoch(summary, epochs));
        }
        Console.WriteLine($"wrote {outDir}: model.safetensors, model.json, metrics.csv, elbo.svg, samples.png, reconstructions.png" +
            (session.Model.Latent == 2 ? ", manifold.png, latent-map.png" : ""));
        return 0;
    }

    internal static string FormatEpoch(EpochSummary e, int epochs)
    {
        var ci = CultureInfo.InvariantCulture;
        double tr = e.Train.Rows, te = e.Test.Rows;
        string valid = e.Validation is { } v ? string.Format(ci, "  valid {0:F2}", v.Objective / v.Rows) : "";
        return string.Format(ci,
            "epoch {0,3}/{1}  train ELBO {2,8:F2} (rec {3:F2}, KL {4:F2})  test ELBO {5,8:F2} (KL {6:F2}){7}  {8:F1} s  {9:N0} samples/s",
            e.Epoch, epochs, e.Train.Objective / tr, e.Train.Reconstruction / tr, e.Train.Kl / tr,
            e.Test.Objective / te, e.Test.Kl / te, valid, e.Seconds, e.SamplesPerSecond);
    }
}
