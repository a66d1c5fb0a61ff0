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
        var preset = new Option<string?>("--preset") { Description = "kingma-welling: the paper's setup (tanh, 1 hidden layer of 500, M=100, L=1, Adagrad with the step size chosen from {0.01, 0.02, 0.1} by training-set ELBO after 200 minibatches, init N(0, 0.01²), weight decay 1/N). Explicit options override it." };
        preset.AcceptOnlyFromAmong("kingma-welling");
        var modelKind = new Option<string>("--model") { Description = "Model kind: vae (AEVB), ae (deep autoencoder), linear-ae (W_g W_f x, ≡ PCA), sparse-ae (λ‖f(x)‖₁ with --l1), denoising-ae (with --noise).", DefaultValueFactory = _ => "vae" };
        modelKind.AcceptOnlyFromAmong([.. ModelKinds.Names]);
        var loss = new Option<string>("--loss") { Description = "Autoencoders' reconstruction loss: squared (½‖g(f(x)) − x‖², seed 002) or bce (Bernoulli cross-entropy on logits).", DefaultValueFactory = _ => "squared" };
        loss.AcceptOnlyFromAmong("squared", "bce");
        var l1 = new Option<float>("--l1") { Description = "λ of the sparse autoencoder's λ‖f(x)‖₁ per datapoint.", DefaultValueFactory = _ => 0f };
        var noise = new Option<string>("--noise") { Description = "Denoising autoencoder's corruption, drawn anew per minibatch: gaussian:σ, mask:p or salt-pepper:p.", DefaultValueFactory = _ => "none" };
        var method = new Option<string>("--method") { Description = "How a VAE is trained: aevb (the paper's Algorithm 1), wake-sleep (its baseline, same encoder, decoder and optimizer) or mcem (Monte Carlo EM of appendix E: HMC chains per datapoint, 5 decoder updates per minibatch; the encoder is not trained, so judge it by `vae eval --marginal-likelihood hmc`).", DefaultValueFactory = _ => "aevb" };
        method.AcceptOnlyFromAmong("aevb", "wake-sleep", "mcem");
        var noBias = new Option<bool>("--no-bias") { Description = "Linear autoencoder without biases (for centred data): output W_g W_f x exactly as in seed 002." };
        var latent = new Option<int>("--latent") { Description = "Latent dimension J (the code width of an autoencoder).", DefaultValueFactory = _ => 20 };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths, comma-separated (e.g. 500 or 200,200; 'none' for linear maps).", DefaultValueFactory = _ => "500" };
        var activation = new Option<string>("--activation") { Description = "Hidden activation.", DefaultValueFactory = _ => "tanh" };
        activation.AcceptOnlyFromAmong("tanh", "relu", "softplus");
        var decoder = new Option<string>("--decoder") { Description = "Decoder likelihood p(x|z).", DefaultValueFactory = _ => "bernoulli" };
        decoder.AcceptOnlyFromAmong("bernoulli", "gaussian");
        var decoderVariance = new Option<string>("--decoder-variance") { Description = "Gaussian decoder: learned per-pixel variance, or fixed σ² (then −log p(x|z) is squared error / 2σ² + const).", DefaultValueFactory = _ => "learned" };
        decoderVariance.AcceptOnlyFromAmong("learned", "fixed");
        var decoderSigma = new Option<float>("--decoder-sigma") { Description = "Gaussian decoder with --decoder-variance fixed: σ.", DefaultValueFactory = _ => 1f };
        var logVarMin = new Option<float?>("--logvar-min") { Description = "Gaussian decoder with learned variance: soft floor on log σ² (s = min + softplus(r − min)); default none, as in the paper." };
        var gaussianMean = new Option<string>("--gaussian-mean") { Description = "Gaussian decoder mean link: sigmoid (pixels in [0, 1]) or identity (real-valued data).", DefaultValueFactory = _ => "sigmoid" };
        gaussianMean.AcceptOnlyFromAmong("sigmoid", "identity");
        var estimator = new Option<string>("--estimator") { Description = "SGVB estimator: B (closed-form KL) or A (Monte Carlo).", DefaultValueFactory = _ => "B" };
        estimator.AcceptOnlyFromAmong("A", "B", "a", "b");
        var samples = new Option<int>("--samples") { Description = "L, samples of z per datapoint (K, the importance samples, with --objective iwae).", DefaultValueFactory = _ => 1 };
        var objectiveKind = new Option<string>("--objective") { Description = "A VAE's training bound: elbo, or iwae (Burda et al.'s L_K with K = --samples).", DefaultValueFactory = _ => "elbo" };
        objectiveKind.AcceptOnlyFromAmong("elbo", "iwae");
        var dreg = new Option<bool>("--dreg") { Description = "With --objective iwae: the doubly reparameterized encoder gradient (Tucker et al. 2019)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train (the total, when resuming).", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "M, minibatch size.", DefaultValueFactory = _ => 100 };
        var optimizer = new Option<string>("--optimizer") { Description = "Optimizer.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("adagrad", "adam", "sgd");
        var lr = new Option<float?>("--lr") { Description = "Learning rate (default: adam 0.001, adagrad 0.01, sgd 0.01)." };
        var eps = new Option<float?>("--eps") { Description = "ε added to the optimizer's denominator (default: adam 1e-8, adagrad 1e-10; the IWAE paper's Adam uses 1e-4)." };
        var weightDecay = new Option<float>("--weight-decay") { Description = "λ of ½λ‖θ‖² per datapoint; 1/N is the paper's N(0, I) prior on the parameters.", DefaultValueFactory = _ => 0f };
        var binarize = new Option<string>("--binarize") { Description = "Binarization: auto (dynamic for bernoulli, none for gaussian or already-binary data), none, static, dynamic.", DefaultValueFactory = _ => "auto" };
        binarize.AcceptOnlyFromAmong("auto", "none", "static", "dynamic");
        var validation = new Option<int>("--validation") { Description = "Training images held out as a validation split.", DefaultValueFactory = _ => 0 };
        var lrSchedule = new Option<string>("--lr-schedule") { Description = "Learning-rate schedule from --lr: constant; iwae (3^i passes at lr·10^(−i/7), Burda et al.); cosine[:E] (to lr/100 over E epochs, default --epochs); plateau[:P[:F]] (×F, default 0.5, after P, default 10, epochs without a better validation ELBO; needs --validation).", DefaultValueFactory = _ => "constant" };
        var klWarmup = new Option<int>("--kl-warmup") { Description = "KL warm-up: the KL term's weight in the gradient rises from 0 to 1 over N epochs (the reported ELBO is the true one).", DefaultValueFactory = _ => 0 };
        var earlyStopping = new Option<int>("--early-stopping") { Description = "Stop after P epochs without a better validation figure, keeping the best model in --out/best (needs --validation).", DefaultValueFactory = _ => 0 };
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var output = new Option<string>("--out") { Description = "Run folder: model, metrics and pictures.", DefaultValueFactory = _ => "runs/vae" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes")
        {
            Description = "Also checkpoint inside an epoch every M minutes (0: only after each epoch), so a crash loses at most that much.",
            DefaultValueFactory = _ => 10,
        };
        var evalEvery = new Option<int>("--eval-every")
        {
            Description = "Evaluate the test (and validation) split and draw the pictures every N epochs, and after the last (1: every epoch). " +
                "Skipped epochs leave metrics.csv's test columns blank. Not with --early-stopping or --lr-schedule plateau, which read the validation figure every epoch.",
            DefaultValueFactory = _ => 1,
        };
        var data = new DataOptions();
        var download = new DownloadCliOptions();

        var cmd = new Command("train", "Train a model (a VAE with AEVB, or an autoencoder) and write the model, metrics.csv, elbo.svg and pictures into --out.")
        {
            dataset, dataDir, preset, modelKind, method, loss, l1, noise, noBias, latent, hidden, activation, decoder,
            decoderVariance, decoderSigma, logVarMin, gaussianMean, estimator, samples, objectiveKind, dreg, epochs, batch, optimizer, lr,
            eps, weightDecay, binarize, validation, lrSchedule, klWarmup, earlyStopping, seed, threads, output, resume, checkpointMinutes, evalEvery,
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
            double minutes = Get(checkpointMinutes);
            if (!(minutes >= 0) || !double.IsFinite(minutes)) throw new UsageException($"--checkpoint-minutes must be 0 or more (got {minutes}).");
            int every = Get(evalEvery);
            Positive(every, "--eval-every");
            RunFolders.CheckWritableFolder(outDir);
            void Configure(TrainingSession s)
            {
                s.CheckpointDirectory = outDir;
                s.CheckpointInterval = TimeSpan.FromMinutes(minutes);
            }

            if (Get(resume))
            {
                Option[] fixedBySavedRun = [.. data.All, dataset, preset, modelKind, method, loss, l1, noise, noBias, latent, hidden, activation, decoder,
                    decoderVariance, decoderSigma, logVarMin, gaussianMean, estimator, samples, objectiveKind, dreg, batch, optimizer, lr, eps, weightDecay,
                    binarize, validation, lrSchedule, klWarmup, earlyStopping, seed];
                var clash = fixedBySavedRun.Where(o => pr.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (clash.Count > 0)
                    throw new UsageException($"--resume continues with the settings saved in {outDir}/model.json; drop {string.Join(", ", clash)} (only --epochs, --threads, --data-dir, --checkpoint-minutes and --eval-every apply).");
                var saved = TrainingSession.ResumeState(outDir);
                var (trainSet, testSet) = UserDataSource.TryLoad(outDir) is { } recorded
                    ? UserDataset.Load(recorded)
                    : LoadData(saved.Dataset, Given(dataDir) ? Get(dataDir) : null, download.Build(pr));
                using var resumed = TrainingSession.Resume(outDir, trainSet, testSet, threadCount);
                TrainingChecks.Check(resumed.Settings, trainSet, testSet);
                Configure(resumed);
                Console.WriteLine($"resuming {outDir} from {resumed.Position} ({saved.Dataset}, {trainSet.Count} training images)");
                return Run(resumed, epochCount, every, outDir, Program.Stop);
            }

            RunFolders.RequireNoRun(outDir);
            var kindOfModel = ModelKinds.Parse(Get(modelKind));
            bool isAe = ModelKinds.IsAutoencoder(kindOfModel);
            if (isAe && Given(decoder)) throw new UsageException("--decoder is the VAE's likelihood; autoencoders take --loss squared|bce.");
            if (!isAe && Given(loss)) throw new UsageException("--loss applies to the autoencoders; the VAE's likelihood is --decoder bernoulli|gaussian.");
            if (kw && isAe) throw new UsageException("--preset kingma-welling is the paper's VAE setup; drop it for --model " + ModelKinds.Name(kindOfModel) + ".");
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
            int[] hiddenWidths = kw && !Given(hidden) ? [500] : kindOfModel == ModelKind.LinearAe && !Given(hidden) ? [] : ParseHidden(Get(hidden));
            var act = kw && !Given(activation) ? Activation.Tanh : Activations.Parse(Get(activation));
            var dec = isAe ? (Get(loss) == "bce" ? DecoderKind.Bernoulli : DecoderKind.Gaussian)
                : Get(decoder) == "gaussian" ? DecoderKind.Gaussian : DecoderKind.Bernoulli;
            Option[] gaussianOnly = [decoderVariance, decoderSigma, logVarMin, gaussianMean];
            if ((isAe || dec != DecoderKind.Gaussian) && gaussianOnly.FirstOrDefault(o => pr.GetResult(o) is { Implicit: false }) is { } stray)
                throw new UsageException($"{stray.Name} applies only to a VAE with --decoder gaussian.");
            var variance = Get(decoderVariance) == "fixed" ? DecoderVariance.Fixed : DecoderVariance.Learned;
            float sigma = Finite(Get(decoderSigma), "--decoder-sigma", positive: true);
            if (Given(decoderSigma) && variance != DecoderVariance.Fixed) throw new UsageException("--decoder-sigma needs --decoder-variance fixed.");
            float? floor = pr.GetValue(logVarMin);
            if (floor is { } f)
            {
                if (!float.IsFinite(f)) throw new UsageException($"--logvar-min must be a finite number (got {f.ToString(CultureInfo.InvariantCulture)}).");
                if (variance == DecoderVariance.Fixed) throw new UsageException("--logvar-min applies only to --decoder-variance learned.");
            }
            var kind = kw && !Given(optimizer) ? OptimizerKind.Adagrad : Enum.Parse<OptimizerKind>(Get(optimizer), ignoreCase: true);
            var opt = OptimizerSettings.Default(kind);
            float? rate = pr.GetValue(lr);
            if (rate is { } r) opt = opt with { LearningRate = Finite(r, "--lr", positive: true) };
            float wd = Given(weightDecay) ? Finite(Get(weightDecay), "--weight-decay", positive: false) : kw ? 1f / train.Count : 0f;
            opt = opt with { WeightDecay = wd };
            if (pr.GetValue(eps) is { } e) opt = opt with { Epsilon = Finite(e, "--eps", positive: true) };
            var bin = Get(binarize) switch
            {
                "none" => Binarization.None,
                "static" => Binarization.Static,
                "dynamic" => Binarization.Dynamic,
                _ => dec == DecoderKind.Bernoulli && !isAe && !(user is null ? DatasetCatalog.IsBinary(name) : Array.TrueForAll(train.Features, v => v is 0f or 1f)) ? Binarization.Dynamic : Binarization.None,
            };
            int m = kw && !Given(batch) ? 100 : Get(batch);
            int l = kw && !Given(samples) ? 1 : Get(samples);
            Positive(m, "--batch");
            Positive(l, "--samples");
            Positive(Get(latent), "--latent");
            int valid = Get(validation);
            if (valid < 0 || valid >= train.Count) throw new UsageException($"--validation must be between 0 and {train.Count - 1} (got {valid}).");

            var settings = new SessionSettings
            {
                Config = new ModelConfig
                {
                    Kind = kindOfModel, Bias = !Get(noBias), InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
                    Hidden = hiddenWidths, Latent = Get(latent), Activation = act, Decoder = dec,
                    DecoderVariance = variance, DecoderSigma = sigma, LogVarMin = floor,
                    GaussianMean = Get(gaussianMean) == "identity" ? GaussianMean.Identity : GaussianMean.Sigmoid,
                },
                Dataset = name, Binarization = bin, Estimator = Get(estimator).ToUpperInvariant() == "A" ? Estimator.A : Estimator.B,
                Samples = l, BatchSize = m, Seed = Get(seed), Optimizer = opt, Validation = valid,
                Initialization = kw ? Initialization.Normal : Initialization.PyTorchDefault, InitScale = 0.01f,
                L1 = Finite(Get(l1), "--l1", positive: false), Noise = AsUsage(() => Corruption.Parse(Get(noise))),
                Method = ObjectiveFactory.ParseMethod(Get(method)),
                Objective = ObjectiveFactory.ParseObjective(Get(objectiveKind)), Dreg = Get(dreg),
                LrSchedule = AsUsage(() => ScheduleSpec.Parse(Get(lrSchedule), epochs: epochCount)), KlWarmup = Get(klWarmup), EarlyStopping = Get(earlyStopping),
            };
            AsUsage(() => { settings.Config.Validate(); ObjectiveFactory.Validate(settings); return 0; });
            TrainingChecks.Check(settings, train, test);
            if (kw && kind == OptimizerKind.Adagrad && rate is null)
            {
                var (chosen, trials) = TrainingSession.SelectStepSize(settings, train, test, threadCount, cancel: Program.Stop);
                Console.WriteLine($"step size (the paper's choice by training-set ELBO after {TrainingSession.StepSizeTrialIterations} minibatches): " +
                    string.Join(", ", trials.Select(t => $"{t.StepSize.ToString(CultureInfo.InvariantCulture)} → {t.Objective.ToString("F2", CultureInfo.InvariantCulture)}")) +
                    $"; chose {chosen.ToString(CultureInfo.InvariantCulture)}");
                settings = settings with { Optimizer = settings.Optimizer with { LearningRate = chosen } };
                opt = settings.Optimizer;
            }
            using var session = TrainingSession.Create(settings, train, test, threadCount);
            Configure(session);
            user?.Source.Save(outDir); // so that eval and --resume read, split and scale the same rows
            var c = settings.Config;
            string what = isAe
                ? $"{ModelKinds.Name(c.Kind)} ({c.Activation.ToString().ToLowerInvariant()}, {(dec == DecoderKind.Bernoulli ? "cross-entropy" : "squared error")}" +
                  (settings.L1 > 0 ? $", λ = {settings.L1.ToString(CultureInfo.InvariantCulture)}" : "") +
                  (settings.Noise.Kind != CorruptionKind.None ? $", noise {settings.Noise}" : "") + (c.Bias ? "" : ", no biases") + ")"
                : $"VAE ({c.Activation.ToString().ToLowerInvariant()}, {c.Decoder.ToString().ToLowerInvariant()} decoder, " +
                  (settings.Method == TrainingMethod.WakeSleep ? "wake-sleep, bound by " : "") +
                  (settings.Method == TrainingMethod.Mcem ? "Monte Carlo EM on the decoder, encoder untrained; bound by " : "") +
                  (settings.Objective == TrainingObjective.Iwae ? $"IWAE bound, K={l}{(settings.Dreg ? ", DReG" : "")})" : $"estimator {settings.Estimator}, L={l})");
            Console.WriteLine($"training {c.InputSize}-{string.Join("-", c.Hidden)}{(c.Hidden.Length > 0 ? "-" : "")}{c.Latent} {what} " +
                $"on {name}: {session.TrainCount} training / {test.Count} test images, binarization {bin.ToString().ToLowerInvariant()}, " +
                $"{kind.ToString().ToLowerInvariant()} lr {opt.LearningRate.ToString(CultureInfo.InvariantCulture)}, M={m}, {threadCount} thread(s)");
            return Run(session, epochCount, every, outDir, Program.Stop);
        })));
        return cmd;
    }

    private static (Dataset Train, Dataset Test) LoadData(string name, string? dataDir, VaeSharp.Data.DatasetDownloader? downloader = null)
        => (CommonOptions.Load(name, "train", dataDir, downloader), CommonOptions.Load(name, "test", dataDir, downloader));

    private static void Positive(int value, string option)
    {
        if (value < 1) throw new UsageException($"{option} must be a positive whole number (got {value}).");
    }

    /// <summary>Runs a library check of option values, reporting its ArgumentException as a usage error (exit code 2).</summary>
    private static T AsUsage<T>(Func<T> check)
    {
        try { return check(); }
        catch (ArgumentException e) when (e is not UsageException) { throw new UsageException(e.Message); }
    }

    private static float Finite(float value, string option, bool positive)
    {
        if (!float.IsFinite(value) || (positive ? value <= 0 : value < 0))
            throw new UsageException($"{option} must be {(positive ? "a positive" : "a non-negative")} number (got {value.ToString(CultureInfo.InvariantCulture)}).");
        return value;
    }

    internal static int[] ParseHidden(string text)
    {
        if (text.Trim() is "" or "none" or "0") return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new UsageException($"--hidden takes positive widths separated by commas, like 500 or 200,200 (got '{text}').");
        return widths;
    }

    private static int Run(TrainingSession session, int epochs, int evalEvery, string outDir, CancellationToken cancel)
    {
        if (evalEvery > 1 && (session.Settings.EarlyStopping > 0 || session.Settings.LrSchedule.StartsWith("plateau", StringComparison.Ordinal)))
            throw new UsageException($"--eval-every {evalEvery}: {(session.Settings.EarlyStopping > 0 ? "--early-stopping" : "--lr-schedule plateau")} " +
                "reads the validation figure after every epoch; use --eval-every 1 with it.");
        if (session.State.Epoch >= epochs)
        {
            Console.WriteLine($"{outDir} has already trained {session.State.Epoch} epoch(s); raise --epochs to continue.");
            return 0;
        }
        if (session.StoppedEarly)
        {
            Console.WriteLine(StoppedLine(session, outDir));
            return 0;
        }
        bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        while (session.State.Epoch < epochs && !session.StoppedEarly)
        {
            int epoch = session.State.Epoch + 1;
            bool evaluate = epoch % evalEvery == 0 || epoch == epochs;
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
                                task.Description = $"epoch {epoch}/{epochs}  {session.Terms.Objective} {p.RunningObjective:F2}";
                        }, cancel, evaluate);
                    });
            }
            else summary = session.RunEpoch(null, cancel, evaluate);
            session.SaveCheckpoint(outDir);
            if (evaluate) session.SavePictures(outDir);
            Console.WriteLine(FormatEpoch(summary, epochs, session.Terms, ObjectiveLabel(session.Settings)) + ControlsSuffix(session));
        }
        if (session.StoppedEarly) Console.WriteLine(StoppedLine(session, outDir));
        else if (session.Settings.EarlyStopping > 0 && session.BestEpoch > 0)
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "best validation figure {0:F2} at epoch {1}; that model is in {2}",
                session.BestValidation, session.BestEpoch, Path.Combine(outDir, TrainingSession.BestFolder)));
        Console.WriteLine($"wrote {outDir}: model.safetensors, model.json, metrics.csv, elbo.svg, samples.png, reconstructions.png" +
            (session.Model.Latent == 2 ? ", manifold.png, latent-map.png" : ""));
        return 0;
    }

    internal static string FormatEpoch(EpochSummary e, int epochs) => FormatEpoch(e, epochs, ObjectiveTerms.Elbo);

    private static string ControlsSuffix(TrainingSession s)
    {
        var ci = CultureInfo.InvariantCulture;
        string lr = s.Settings.LrSchedule != "constant" ? string.Format(ci, "  lr {0:G3}", s.LearningRate) : "";
        string beta = s.Settings.KlWarmup > 0 ? string.Format(ci, "  β {0:F3}", s.KlWeight) : "";
        return lr + beta;
    }

    private static string StoppedLine(TrainingSession s, string outDir) => string.Format(CultureInfo.InvariantCulture,
        "early stopping after epoch {0}: no better validation figure for {1} epochs; the best, {2:F2} at epoch {3}, is kept in {4}",
        s.State.Epoch, s.Settings.EarlyStopping, s.BestValidation, s.BestEpoch, Path.Combine(outDir, TrainingSession.BestFolder));

    /// <summary>How the epoch line names the objective: ELBO, or the IWAE bound with its K (train and test figures are both that bound).</summary>
    internal static string? ObjectiveLabel(SessionSettings s) => s.Objective == TrainingObjective.Iwae ? $"IWAE L_{s.Samples}" : null;

    internal static string FormatEpoch(EpochSummary e, int epochs, ObjectiveTerms terms, string? label = null)
    {
        string o = label ?? (terms.Objective == "elbo" ? "ELBO" : terms.Objective), reg = terms.Regularizer == "kl" ? "KL" : terms.Regularizer;
        var ci = CultureInfo.InvariantCulture;
        double tr = e.Train.Rows, te = e.Test.Rows;
        string valid = e.Validation is { } v ? string.Format(ci, "  valid {0:F2}", v.Objective / v.Rows) : "";
        string test = te > 0 ? string.Format(ci, "test {0} {1,8:F2} ({2} {3:F2})", o, e.Test.Objective / te, reg, e.Test.Kl / te)
            : "test (not evaluated this epoch)";
        return string.Format(ci,
            "epoch {0,3}/{1}  train {7} {2,8:F2} (rec {3:F2}, {8} {4:F2})  {9}{5}  {6:F1} s  {10:N0} samples/s",
            e.Epoch, epochs, e.Train.Objective / tr, e.Train.Reconstruction / tr, e.Train.Kl / tr,
            valid, e.Seconds, o, reg, test, e.SamplesPerSecond);
    }
}
