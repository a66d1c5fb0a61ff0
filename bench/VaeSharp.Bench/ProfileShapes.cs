using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Experiments;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Bench;

/// <summary>A training shape: a name and the settings <c>vae train</c> (or the experiment named) would use on the data.</summary>
/// <param name="Name">The <c>--shape</c> name.</param>
/// <param name="Source">The command whose settings these are.</param>
/// <param name="Settings">Builds the settings for the training set (its sizes fill the input layer).</param>
internal sealed record TrainingShape(string Name, string Source, Func<Dataset, SessionSettings> Settings);

/// <summary>An importance-sampling shape: <c>vae eval --importance-samples K</c> on the NLL benchmark's model.</summary>
/// <param name="Name">The <c>--shape</c> name (isK).</param>
/// <param name="Samples">K.</param>
internal sealed record ImportanceShape(string Name, int Samples);

/// <summary>
/// The shapes the mission trains, by name, each built from the settings the real command uses:
/// <code>
///   paper      vae train (defaults): 784-500-20 tanh VAE, Bernoulli, Adam 1e-3, M = 100, dynamic binarization
///   nll-b20    vae experiment nll's VAE run (NllBenchmark.Settings): 784-200-200-50, Adam (ε 1e-4), M = 20
///   nll-b100   the same with M = 100
///   iwae5      vae experiment nll's iwae5 run: the same model trained on L_5 (5 decoded rows per datapoint), M = 20
///   iwae50     … on L_50 (50 decoded rows per datapoint), M = 20
///   z2         the paper's model with a 2-D latent space (784-500-2)
///   deep-ae    vae train --model ae --hidden 1000,500,250 --latent 30 (squared error, Adam, M = 100, no binarization)
///   vae-H[xH…]-J-bM   vae train --hidden H[,H…] --latent J --batch M (otherwise the defaults), e.g. vae-500-20-b500
///   isK        vae eval --importance-samples K on the NLL benchmark's model (e.g. is5000)
///   all        paper, nll-b20, nll-b100, iwae5, iwae50, z2, deep-ae, is5000
///   scaling    the paper's model with one of batch (20, 100, 500), hidden width (200, 1000, 2000), latent (2, 200) changed
/// </code>
/// </summary>
internal static class ProfileShapes
{
    public static IReadOnlyList<string> All { get; } = ["paper", "nll-b20", "nll-b100", "iwae5", "iwae50", "z2", "deep-ae", "is5000"];

    public static IReadOnlyList<string> Scaling { get; } =
    [
        "vae-500-20-b20", "vae-500-20-b100", "vae-500-20-b500",
        "vae-200-20-b100", "vae-1000-20-b100", "vae-2000-20-b100",
        "vae-500-2-b100", "vae-500-200-b100",
    ];

    /// <summary>The names of a comma-separated list, groups expanded, each once in order of first mention.</summary>
    public static IReadOnlyList<string> Expand(string list)
    {
        var names = new List<string>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string p = part.ToLowerInvariant();
            IEnumerable<string> group = p switch { "all" => All, "scaling" => Scaling, _ => [p] };
            foreach (var name in group)
                if (!names.Contains(name)) names.Add(name);
        }
        if (names.Count == 0) throw new ArgumentException("--shape: name at least one shape (e.g. paper, all or scaling).");
        foreach (var name in names) Parse(name); // every name checked before anything runs
        return names;
    }

    /// <summary>A <see cref="TrainingShape"/> or an <see cref="ImportanceShape"/>; an unknown name is an <see cref="ArgumentException"/>.</summary>
    public static object Parse(string name) => name switch
    {
        "paper" => new TrainingShape(name, "vae train", t => VaeTrain(t, [500], 20, 100)),
        "z2" => new TrainingShape(name, "vae train --latent 2", t => VaeTrain(t, [500], 2, 100)),
        "nll-b20" => new TrainingShape(name, "vae experiment nll (vae)", t => Nll(t, "vae")),
        "nll-b100" => new TrainingShape(name, "vae experiment nll (vae), --batch 100", t => Nll(t, "vae") with { BatchSize = 100 }),
        "iwae5" => new TrainingShape(name, "vae experiment nll (iwae5)", t => Nll(t, "iwae5")),
        "iwae50" => new TrainingShape(name, "vae experiment nll (iwae50)", t => Nll(t, "iwae50")),
        "deep-ae" => new TrainingShape(name, "vae train --model ae --hidden 1000,500,250 --latent 30", DeepAe),
        _ when name.StartsWith("is", StringComparison.Ordinal) && int.TryParse(name[2..], NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1
            => new ImportanceShape(name, k),
        _ when ParseVae(name) is { } v => new TrainingShape(name,
            $"vae train --hidden {string.Join(',', v.Hidden)} --latent {v.Latent} --batch {v.Batch}", t => VaeTrain(t, v.Hidden, v.Latent, v.Batch)),
        _ => throw new ArgumentException($"--shape: unknown shape '{name}'; expected {string.Join(", ", All.Take(All.Count - 1))}, isK (e.g. is5000), " +
            "vae-H[xH…]-J-bM (e.g. vae-500-20-b500), all or scaling."),
    };

    /// <summary><c>vae train</c>'s defaults (Adam 1e-3, estimator B, L = 1, dynamic binarization, tanh, Bernoulli, seed 1) with these sizes.</summary>
    public static SessionSettings VaeTrain(Dataset train, int[] hidden, int latent, int batch) => new()
    {
        Config = new ModelConfig { InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height, Hidden = hidden, Latent = latent },
        Dataset = "mnist", Binarization = Binarization.Dynamic, BatchSize = batch, Seed = 1,
    };

    private static SessionSettings Nll(Dataset train, string objective) =>
        NllBenchmark.Settings("mnist", train, NllObjective.ParseList(objective)[0], seed: 1);

    // vae train --model ae --hidden 1000,500,250 --latent 30: --loss squared (a Gaussian decoder kind without a variance head),
    // --binarize auto = none for an autoencoder, Adam 1e-3, M = 100, tanh.
    private static SessionSettings DeepAe(Dataset train) => new()
    {
        Config = new ModelConfig
        {
            Kind = ModelKind.Ae, InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
            Hidden = [1000, 500, 250], Latent = 30, Decoder = DecoderKind.Gaussian,
        },
        Dataset = "mnist", Binarization = Binarization.None, BatchSize = 100, Seed = 1,
    };

    private static (int[] Hidden, int Latent, int Batch)? ParseVae(string name)
    {
        var parts = name.Split('-');
        if (parts.Length != 4 || parts[0] != "vae" || !parts[3].StartsWith('b')) return null;
        var widths = parts[1].Split('x');
        var hidden = new int[widths.Length];
        for (int i = 0; i < widths.Length; i++)
            if (!TryPositive(widths[i], out hidden[i])) return null;
        if (!TryPositive(parts[2], out int latent) || !TryPositive(parts[3][1..], out int batch)) return null;
        return (hidden, latent, batch);
    }

    private static bool TryPositive(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;

    /// <summary>784-200-200-50, the model's sizes as a dash-joined list.</summary>
    public static string Sizes(ModelConfig c) => $"{c.InputSize}-{string.Join("", c.Hidden.Select(h => $"{h}-"))}{c.Latent}";

    /// <summary>What is trained: the kind and the objective.</summary>
    public static string Objective(SessionSettings s) => s.Config.Kind != ModelKind.Vae
        ? $"{ModelKinds.Name(s.Config.Kind)}, {(s.Config.Decoder == DecoderKind.Bernoulli ? "cross-entropy" : "squared error")}"
        : s.Objective == TrainingObjective.Iwae ? $"IWAE L_{s.Samples}" : $"ELBO ({s.Estimator}, L = {s.Samples})";
}
