using System.Globalization;
using System.Text;
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

/// <summary>The settings of <see cref="AeVsVae"/> beyond <see cref="ExperimentOptions"/>.</summary>
public sealed record AeVsVaeSettings
{
    /// <summary>Hidden widths of encoder and decoder (default one layer of 500, as the paper's MNIST models).</summary>
    public int[] Hidden { get; init; } = [500];
    /// <summary>J, the code size shared by both models.</summary>
    public int Latent { get; init; } = 2;
    /// <summary>Images generated per model and sampler for the scores.</summary>
    public int Count { get; init; } = 10_000;
    /// <summary>Components of the mixture fitted to each model's training codes.</summary>
    public int Components { get; init; } = 10;
    /// <summary>Samples per picture panel.</summary>
    public int PictureSamples { get; init; } = 100;
    /// <summary>Points of each interpolation strip (the two ends included).</summary>
    public int InterpolationSteps { get; init; } = 10;
}

/// <summary>The table row of one model and sampler.</summary>
/// <param name="Model">ae, vae, or <c>training images</c> for the reference line.</param>
/// <param name="Sampler">prior, gmm:K, or empty for the reference line.</param>
/// <param name="Score">The scores.</param>
public sealed record AeVsVaeRow(string Model, string Sampler, GenerationScoreResult Score);

/// <summary>
/// Why the VAE generates where a plain autoencoder cannot, measured (issue #8): the same architecture and code size
/// (D-H-J, tanh, Bernoulli decoder on dynamically binarized data, Adam 10⁻³, M = 100, PyTorch's initialisation) trained as an
/// <c>ae</c> (cross-entropy reconstruction error: the VAE's reconstruction term without its KL term and noise) and as a <c>vae</c>
/// (the ELBO, estimator B, L = 1), each a resumable run under <c>OUT/runs</c>; then codes drawn from N(0, I) and from a
/// k-component mixture fitted to each model's training codes are decoded and scored (<see cref="GenerationScore"/>), and
/// pictures show samples, interpolations and (J = 2) latent maps side by side.
/// </summary>
public static class AeVsVae
{
    /// <summary>The settings of one of the two runs.</summary>
    public static SessionSettings Settings(ModelKind kind, string dataset, Dataset train, AeVsVaeSettings s, ulong seed) => new()
    {
        Config = new ModelConfig
        {
            Kind = kind, InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
            Hidden = s.Hidden, Latent = s.Latent, Activation = Activation.Tanh, Decoder = DecoderKind.Bernoulli,
        },
        Dataset = dataset,
        Binarization = DatasetCatalog.IsBinary(dataset) ? Binarization.None : Binarization.Dynamic,
        Estimator = Estimator.B, Samples = 1, BatchSize = 100, Seed = seed,
        Optimizer = OptimizerSettings.Default(OptimizerKind.Adam),
        Initialization = Initialization.PyTorchDefault,
    };

    /// <summary>The run folder: <c>OUT/runs/{dataset}-{kind}-h{hidden}-nz{J}</c>.</summary>
    public static string RunDirectory(ExperimentOptions o, string dataset, ModelKind kind, AeVsVaeSettings s) =>
        Path.Combine(o.Out, "runs", $"{dataset}-{ModelKinds.Name(kind)}-h{string.Join("-", s.Hidden)}-nz{s.Latent}");

    /// <summary>The stem of the output files: <c>OUT/ae-vs-vae-{dataset}-nz{J}</c>.</summary>
    public static string Stem(ExperimentOptions o, string dataset, AeVsVaeSettings s) => Path.Combine(o.Out, $"ae-vs-vae-{dataset}-nz{s.Latent}");

    /// <summary>
    /// Trains (or resumes) both runs to the budget, writes the pictures (<c>STEM-samples.png</c>, <c>STEM-interpolation.png</c>,
    /// <c>STEM-latent-map.png</c> when J = 2) and the table (<c>STEM.csv</c>, <c>STEM.md</c>), and returns the table's rows and
    /// the paths written. <paramref name="classifier"/> supplies the features of the scores.
    /// </summary>
    public static (IReadOnlyList<AeVsVaeRow> Rows, IReadOnlyList<string> Written) Run(ExperimentOptions o, string dataset, Dataset train, Dataset test,
        AeVsVaeSettings s, Classifier classifier, Action<CurveProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(classifier);
        if (s.Count < 4) throw new ArgumentException($"The scores need at least 4 generated images (got {s.Count}).");
        if (s.InterpolationSteps < 2) throw new ArgumentException($"An interpolation needs at least 2 points (got {s.InterpolationSteps}).");
        Directory.CreateDirectory(o.Out);
        ModelKind[] kinds = [ModelKind.Ae, ModelKind.Vae];
        var models = new Dictionary<ModelKind, (IModel Model, string Dir)>();
        foreach (var kind in kinds)
        {
            string dir = RunDirectory(o, dataset, kind, s);
            var settings = Settings(kind, dataset, train, s, o.Seed);
            CurveRun.Run(dir, () => TrainingSession.Create(settings, train, test, o.Threads),
                d => TrainingSession.Resume(d, train, test, o.Threads), o.BudgetSamples, progress, cancel, expected: settings);
            models[kind] = (ModelFile.Load(dir).Model, dir);
        }

        using var pool = new WorkerPool(o.Threads);
        var specs = new[] { new LatentSamplerSpec(LatentSamplerKind.Prior, 1), new LatentSamplerSpec(LatentSamplerKind.Mixture, s.Components) };
        var samplers = new Dictionary<(ModelKind, LatentSamplerSpec), LatentSampler>();
        foreach (var kind in kinds)
            foreach (var spec in specs)
            {
                samplers[(kind, spec)] = SamplerCache.LoadOrFit(models[kind].Dir, models[kind].Model, spec, () => train, o.Seed, pool, out bool fitted);
                if (fitted) log?.Invoke($"{Path.GetFileName(models[kind].Dir)}: fitted {spec} to {train.Count} training codes");
            }

        string stem = Stem(o, dataset, s);
        var written = new List<string>();
        string Caption(ModelKind k, LatentSamplerSpec spec) =>
            $"{(k == ModelKind.Vae ? "VAE" : "AE")} + {(spec.Kind == LatentSamplerKind.Prior ? "N(0,I)" : $"GMM-{spec.Components}")}";

        // Samples, side by side.
        var panels = new List<(string, Image)>();
        foreach (var kind in kinds)
            foreach (var spec in specs)
            {
                var x = new float[(long)s.PictureSamples * train.Dimension];
                SamplerCache.Generate(models[kind].Model, samplers[(kind, spec)], s.PictureSamples, o.Seed, x, pool);
                panels.Add((Caption(kind, spec), ImageGrid.Tile(x, s.PictureSamples, train.Height, train.Width, Math.Min(10, s.PictureSamples), scale: 2)));
            }
        written.Add(Save(Panels.SideBySide(panels), stem + "-samples.png"));

        // Interpolations between two test images of different labels, a strip per model.
        var (a, b) = InterpolationPair(test);
        var strips = new List<(string, Image)>();
        foreach (var kind in kinds)
            strips.Add(((kind == ModelKind.Vae ? "VAE" : "AE") + $": test {a} to {b}",
                Interpolation(models[kind].Model, test, a, b, s.InterpolationSteps, pool)));
        written.Add(Save(ImageGrid.StackVertical([.. strips.Select(p => Panels.SideBySide([p]))]), stem + "-interpolation.png"));

        if (s.Latent == 2 && test.Labels is not null)
            written.Add(Save(Panels.SideBySide([.. kinds.Select(k => ((k == ModelKind.Vae ? "VAE" : "AE") + " latent map", Pictures.LatentMap(models[k].Model, test, pool)))]),
                stem + "-latent-map.png"));

        // The table.
        var score = new GenerationScore(classifier, train, test, pool);
        var rows = new List<AeVsVaeRow>();
        foreach (var kind in kinds)
            foreach (var spec in specs)
            {
                string label = Caption(kind, spec);
                rows.Add(new AeVsVaeRow(ModelKinds.Name(kind), spec.ToString(), score.ScoreModel(label, models[kind].Model, samplers[(kind, spec)], s.Count, o.Seed)));
                log?.Invoke($"scored {label}");
            }
        rows.Add(new AeVsVaeRow("training images", "", score.ScoreTrainingImages(s.Count, o.Seed)));
        AtomicFile.WriteText(stem + ".csv", Csv(rows));
        written.Add(stem + ".csv");
        AtomicFile.WriteText(stem + ".md", Markdown(dataset, s, test.Count, train.Count, rows));
        written.Add(stem + ".md");
        return (rows, written);
    }

    private static string Save(Image image, string path)
    {
        image.SavePng(path);
        return path;
    }

    /// <summary>Test image 0 and the first test image with another label (or image 1 when there are no labels).</summary>
    public static (int A, int B) InterpolationPair(Dataset test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count < 2) throw new ArgumentException($"{test.Name} has fewer than 2 images to interpolate between.");
        if (test.Labels is null) return (0, 1);
        for (int i = 1; i < test.Count; i++)
            if (test.Labels[i] != test.Labels[0]) return (0, i);
        return (0, 1);
    }

    /// <summary>
    /// The codes of test images <paramref name="a"/> and <paramref name="b"/>, z_t = (1 − t) z_a + t z_b at
    /// <paramref name="steps"/> evenly spaced t from 0 to 1, decoded into one strip.
    /// </summary>
    public static Image Interpolation(IModel model, Dataset test, int a, int b, int steps, WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        int j = model.Latent, d = model.InputSize;
        var ends = new float[2 * d];
        test.Row(a).CopyTo(ends);
        test.Row(b).CopyTo(ends.AsSpan(d));
        var codes = new float[2 * j];
        model.EncodeMean(ends, 2, codes, pool);
        var z = new float[steps * j];
        for (int s = 0; s < steps; s++)
        {
            float t = (float)s / (steps - 1);
            for (int u = 0; u < j; u++) z[s * j + u] = (1 - t) * codes[u] + t * codes[j + u];
        }
        var x = new float[steps * d];
        model.DecodeMean(z, steps, x, pool);
        return ImageGrid.Tile(x, steps, test.Height, test.Width, steps, scale: 2);
    }

    /// <summary>The table as CSV: one row per model and sampler, then the training-image reference.</summary>
    public static string Csv(IReadOnlyList<AeVsVaeRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder("model,sampler,count,seed,frechet,precision,recall,k,nn_train_generated_mean,nn_train_generated_median,nn_train_test_mean,nn_train_test_median,nn_ratio\n");
        foreach (var r in rows)
        {
            var g = r.Score;
            sb.Append(CultureInfo.InvariantCulture,
                $"{r.Model},{r.Sampler},{g.Count},{g.Seed},{g.Frechet:R},{g.PrecisionRecall.Precision:R},{g.PrecisionRecall.Recall:R},{g.PrecisionRecall.K},{g.Memorisation.GeneratedMean:R},{g.Memorisation.GeneratedMedian:R},{g.Memorisation.TestMean:R},{g.Memorisation.TestMedian:R},{g.Memorisation.MeanRatio:R}\n");
        }
        return sb.ToString();
    }

    /// <summary>The table in markdown, with what it measured.</summary>
    public static string Markdown(string dataset, AeVsVaeSettings s, int testCount, int trainCount, IReadOnlyList<AeVsVaeRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"# AE vs VAE, {dataset}, {string.Join("-", s.Hidden)}-{s.Latent}\n\n");
        sb.Append(ci, $"{rows[0].Score.Count} generated images per row (seed {rows[0].Score.Seed}) against {testCount} test images; features: the feature classifier's penultimate layer; ");
        sb.Append(ci, $"k-NN precision/recall with k = {rows[0].Score.PrecisionRecall.K}; NN-train: mean Euclidean pixel distance to the nearest of {trainCount} training images.\n\n");
        sb.Append("| model + sampler | Fréchet distance | precision | recall | NN-train (generated) | NN-train (test) | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            var g = r.Score;
            sb.Append(ci, $"| {g.Label} | {g.Frechet:F2} | {g.PrecisionRecall.Precision:F3} | {g.PrecisionRecall.Recall:F3} | {g.Memorisation.GeneratedMean:F3} | {g.Memorisation.TestMean:F3} | {g.Memorisation.MeanRatio:F3} |\n");
        }
        sb.Append("\nThe training-image row is the floor of the Fréchet distance and the ceiling of precision and recall at this sample size; its NN-train distance is 0 by construction (each training image is its own nearest neighbour: what a model that copies would score).\n");
        return sb.ToString();
    }
}
