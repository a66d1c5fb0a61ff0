using System.CommandLine;
using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary><c>vae score</c> (sample quality of a model with a latent sampler) and the sampler options <c>vae sample</c> shares.</summary>
internal static class ScoreCommand
{
    /// <summary>--sampler, --dataset, --data-dir and --threads, as <c>vae sample</c> and <c>vae score</c> take them.</summary>
    public static (Option<string> Sampler, Option<string?> Dataset, Option<string?> DataDir, Option<int> Threads) SamplerOptions()
    {
        var sampler = new Option<string>("--sampler")
        {
            Description = "Where codes come from: prior (N(0, I)), gaussian or gmm:K (fitted to the model's codes of its training data, " +
                "cached as sampler-*.json beside the model and refitted when the model changes).",
            DefaultValueFactory = _ => "prior",
        };
        sampler.Validators.Add(r =>
        {
            try { LatentSamplerSpec.Parse(r.Tokens.Count > 0 ? r.Tokens[^1].Value : "prior"); }
            catch (ArgumentException e) { r.AddError("--sampler: " + e.Message); }
        });
        return (sampler, CommonOptions.ModelDataset(), CommonOptions.DataDir(), CommonOptions.Threads());
    }

    /// <summary>The sampler a model folder's <c>--sampler</c> names, fitted (and saved) to its training codes when needed.</summary>
    public static LatentSampler SamplerFor(string modelDir, LoadedModel loaded, string samplerText, string? dataset, string? dataDir, ulong seed, WorkerPool pool)
    {
        var spec = LatentSamplerSpec.Parse(samplerText);
        var sampler = SamplerCache.LoadOrFit(modelDir, loaded.Model, spec, () => ModelData.Load(modelDir, loaded.State, dataset, "train", dataDir), seed, pool, out bool fitted);
        if (fitted)
        {
            var i = sampler.Info;
            Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "vae: fitted {0} to {1} training codes (mean log-density {2:F3} nats per code, {3} EM iteration(s){4}); saved {5}",
                spec, i.TrainingRows, i.MeanLogLikelihood, i.Iterations, i.Converged ? "" : ", not converged", Path.Combine(modelDir, spec.FileName)));
        }
        return sampler;
    }

    /// <summary>A grid of <paramref name="count"/> images generated with <paramref name="sampler"/> (10 per row).</summary>
    public static Image SampleGrid(IModel model, LatentSampler sampler, int count, ulong seed, WorkerPool pool)
    {
        var x = new float[(long)count * model.InputSize];
        SamplerCache.Generate(model, sampler, count, seed, x, pool);
        int scale = model.Config.ImageWidth * 10 < 400 ? 2 : 1;
        return ImageGrid.Tile(x, count, model.Config.ImageHeight, model.Config.ImageWidth, Math.Min(count, 10), scale: scale);
    }

    /// <summary>
    /// The feature classifier of <paramref name="dataset"/>: loaded from <paramref name="directory"/> (default: the cache's
    /// classifier folder of the data set), or trained there first, with its test accuracy printed either way.
    /// </summary>
    public static Classifier Classifier(string dataset, string? directory, Func<(Dataset Train, Dataset Test)> data, WorkerPool pool)
    {
        var settings = new FeatureClassifierSettings();
        string safe = string.Concat(Path.GetFileName(Path.TrimEndingDirectorySeparator(dataset)).Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_'));
        string dir = directory ?? FeatureClassifier.DefaultDirectory(safe, settings);
        if (!ClassifierFile.Exists(dir))
            Console.Error.WriteLine($"vae: training the feature classifier {dataset} ({string.Join("-", settings.Hidden)}, ReLU, Adam {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, " +
                $"batches of {settings.BatchSize}, {settings.Epochs} epochs) into {dir}");
        var (model, info, trained) = FeatureClassifier.LoadOrTrain(dir, dataset, data, settings, pool, line => Console.Error.WriteLine("vae: " + line), Program.Stop);
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "feature classifier {0}: {1}-{2}-{3}, trained on {4} {5} images for {6} epochs; test accuracy {7:P2} on {8} images{9}",
            dir, model.InputSize, string.Join("-", model.Config.Hidden), model.Classes, info.TrainRows, info.Dataset, info.Epochs,
            info.TestAccuracy, info.TestRows, trained ? " (trained now)" : ""));
        return model;
    }

    /// <summary>The header and one row of the score table.</summary>
    public static string Header => string.Format(CultureInfo.InvariantCulture, "{0,-22} {1,7} {2,10} {3,9} {4,7} {5,12} {6,12} {7,8}",
        "images", "count", "Fréchet", "precision", "recall", "NN-train gen", "NN-train test", "ratio");

    /// <summary>One row of the score table (nearest-training distances are means, in pixels).</summary>
    public static string Row(GenerationScoreResult r) => string.Format(CultureInfo.InvariantCulture,
        "{0,-22} {1,7} {2,10:F2} {3,9:F3} {4,7:F3} {5,12:F3} {6,12:F3} {7,8:F3}",
        r.Label, r.Count, r.Frechet, r.PrecisionRecall.Precision, r.PrecisionRecall.Recall, r.Memorisation.GeneratedMean, r.Memorisation.TestMean, r.Memorisation.MeanRatio);

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var (sampler, dataset, dataDir, threads) = SamplerOptions();
        var count = new Option<int>("--count") { Description = "Images to generate and score.", DefaultValueFactory = _ => 10_000 };
        var seed = CommonOptions.Seed();
        var classifier = new Option<string?>("--classifier")
        {
            Description = "Folder of the feature classifier (default: classifier-DATASET-… in the data cache); trained there on first use.",
        };
        var cmd = new Command("score", "Sample quality: generate --count images, then the Fréchet distance to the test set in a classifier's penultimate " +
            "features, k-NN precision and recall (k = 3), and the nearest-training-image distances; with training images as the reference line.")
        {
            model, sampler, count, seed, dataset, dataDir, threads, classifier,
        };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            string dir = pr.GetValue(model)!;
            var loaded = RunFolders.LoadModel(dir);
            int n = pr.GetValue(count);
            if (n < 4) throw new UsageException($"--count must be at least 4 (got {n}).");
            MemoryBudget.RequireArray((double)n * loaded.Model.InputSize, $"--count: {n:N0} generated images");
            ulong s = pr.GetValue(seed);
            using var pool = new WorkerPool(Math.Max(1, pr.GetValue(threads)));
            string name = pr.GetValue(dataset) ?? loaded.State.Dataset;
            var train = ModelData.Load(dir, loaded.State, pr.GetValue(dataset), "train", pr.GetValue(dataDir));
            var test = ModelData.Load(dir, loaded.State, pr.GetValue(dataset), "test", pr.GetValue(dataDir));
            if (test.Dimension != loaded.Model.InputSize)
                throw new ArgumentException($"{test.Name} has {test.Dimension} values per image; the model expects {loaded.Model.InputSize}.");
            var cls = Classifier(name, pr.GetValue(classifier), () => (train, test), pool);
            var latent = SamplerFor(dir, loaded, pr.GetValue(sampler)!, pr.GetValue(dataset), pr.GetValue(dataDir), s, pool);
            var score = new GenerationScore(cls, train, test, pool);
            string label = $"{ModelKinds.Name(loaded.Model.Config.Kind)} + {latent.Spec}";
            Console.WriteLine($"{n} images from {dir} ({label}), seed {s}; against {test.Count} {name} test images; nearest training image among {train.Count}:");
            Console.WriteLine(Header);
            Console.WriteLine(Row(score.ScoreModel(label, loaded.Model, latent, n, s)));
            Console.WriteLine(Row(score.ScoreTrainingImages(n, s)) + "   (reference: real training images; NN-train 0 = copies)");
            return 0;
        }));
        return cmd;
    }
}
