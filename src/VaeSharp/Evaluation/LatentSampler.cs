using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>Which distribution a <see cref="LatentSampler"/> draws codes from.</summary>
public enum LatentSamplerKind
{
    /// <summary>N(0, I), the VAE's prior; needs no fit.</summary>
    Prior,
    /// <summary>One full-covariance Gaussian fitted to training codes (what a plain autoencoder's codes are sampled from).</summary>
    Gaussian,
    /// <summary>A k-component Gaussian mixture fitted to training codes by EM (<see cref="GaussianMixture"/>).</summary>
    Mixture,
}

/// <summary>A parsed sampler name: <c>prior</c>, <c>gaussian</c> or <c>gmm:K</c>.</summary>
/// <param name="Kind">The distribution.</param>
/// <param name="Components">k for <see cref="LatentSamplerKind.Mixture"/>; 1 otherwise.</param>
public readonly record struct LatentSamplerSpec(LatentSamplerKind Kind, int Components)
{
    /// <summary>The largest k accepted by <see cref="Parse"/>.</summary>
    public const int MaxComponents = 1000;

    /// <summary>Parses <c>prior</c>, <c>gaussian</c> or <c>gmm:K</c> (1 ≤ K ≤ 1000), case-insensitive.</summary>
    /// <exception cref="ArgumentException">Anything else, with a message naming the accepted forms.</exception>
    public static LatentSamplerSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t == "prior") return new(LatentSamplerKind.Prior, 1);
        if (t == "gaussian") return new(LatentSamplerKind.Gaussian, 1);
        if (t.StartsWith("gmm:", StringComparison.Ordinal))
        {
            string k = t[4..];
            if (k.Length > 0 && k.All(char.IsAsciiDigit) && int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                && n >= 1 && n <= MaxComponents)
                return new(LatentSamplerKind.Mixture, n);
            throw new ArgumentException($"Sampler '{text}': the number of components after 'gmm:' must be an integer from 1 to {MaxComponents}.", nameof(text));
        }
        throw new ArgumentException($"Unknown sampler '{text}'; expected prior, gaussian or gmm:K (e.g. gmm:10).", nameof(text));
    }

    /// <summary>The canonical name: <c>prior</c>, <c>gaussian</c> or <c>gmm:K</c>.</summary>
    public override string ToString() => Kind switch
    {
        LatentSamplerKind.Prior => "prior",
        LatentSamplerKind.Gaussian => "gaussian",
        _ => $"gmm:{Components}",
    };

    /// <summary>
    /// The file a fitted sampler of this kind is saved to inside a model folder: <c>sampler-gaussian.json</c>,
    /// <c>sampler-gmm-10.json</c> (and <c>sampler-prior.json</c>, which holds nothing but the latent size).
    /// </summary>
    public string FileName => $"sampler-{ToString().Replace(':', '-')}.json";
}

/// <summary>
/// Draws latent codes for any model: from the prior N(0, I), or from a Gaussian or a Gaussian mixture fitted to the codes of
/// the training data (the usual way to sample from a deterministic autoencoder; Ghosh et al. 2020 use a 10-component GMM).
/// Fits are seeded and deterministic; a fitted sampler is saved as a small JSON file beside a model
/// (<see cref="LatentSamplerSpec.FileName"/>), so <c>vae sample --sampler gmm:10</c> can reuse it.
/// </summary>
/// <remarks>
/// The JSON file (<c>format</c> <c>vaesharp-latent-sampler</c>, <c>version</c> 1) holds <c>kind</c> (prior, gaussian, gmm),
/// <c>latent</c> (J), <c>components</c> (k), <c>ridge</c>, <c>seed</c>, <c>training_rows</c>, <c>mean_log_likelihood</c> (nats
/// per code of the training codes under the fit), <c>iterations</c>, <c>converged</c>, and the parameters: <c>weights</c> [k],
/// <c>means</c> [k][J], <c>covariances</c> [k][J][J]. Numbers are written in round-trip form, so a loaded sampler draws
/// bit-identically to the one saved. Files over 256 MiB are refused before they are read.
/// </remarks>
public sealed class LatentSampler
{
    /// <summary>The value of the file's <c>format</c> field.</summary>
    public const string Format = "vaesharp-latent-sampler";

    /// <summary>The file version written.</summary>
    public const int Version = 1;

    /// <summary>The random stream label of a fit's initialisation: <c>Rng.ForStream(seed, FitStream)</c>.</summary>
    public const ulong FitStream = 0x6A11;

    private const long MaxFileBytes = 256L << 20;

    private LatentSampler(LatentSamplerSpec spec, int latent, GaussianMixture? mixture, FitInfo info)
    {
        Spec = spec;
        Latent = latent;
        Mixture = mixture;
        Info = info;
    }

    /// <summary>Kind and number of components.</summary>
    public LatentSamplerSpec Spec { get; }

    /// <summary>J, the code size.</summary>
    public int Latent { get; }

    /// <summary>The fitted distribution (one component for <see cref="LatentSamplerKind.Gaussian"/>); null for the prior.</summary>
    public GaussianMixture? Mixture { get; }

    /// <summary>How the sampler was fitted (all zero for the prior).</summary>
    public FitInfo Info { get; }

    /// <summary>Facts about a fit, saved with it.</summary>
    /// <param name="Seed">Seed of the fit's initialisation.</param>
    /// <param name="Ridge">Ridge added to the covariances' diagonals.</param>
    /// <param name="TrainingRows">Codes it was fitted to.</param>
    /// <param name="MeanLogLikelihood">Mean log-density of those codes under the fit (nats per code).</param>
    /// <param name="Iterations">EM iterations.</param>
    /// <param name="Converged">Whether EM met its tolerance.</param>
    public readonly record struct FitInfo(ulong Seed, double Ridge, int TrainingRows, double MeanLogLikelihood, int Iterations, bool Converged);

    /// <summary>The N(0, I) sampler in <paramref name="latent"/> dimensions.</summary>
    public static LatentSampler Prior(int latent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        return new LatentSampler(new LatentSamplerSpec(LatentSamplerKind.Prior, 1), latent, null, default);
    }

    /// <summary>
    /// Builds the sampler <paramref name="spec"/> names: the prior as is, or a Gaussian / k-component mixture fitted to
    /// <paramref name="codes"/> [rows × latent] (EM from <c>Rng.ForStream(seed, FitStream)</c>, covariance ridge
    /// <paramref name="ridge"/>, see <see cref="GaussianMixtureOptions"/>).
    /// </summary>
    public static LatentSampler Fit(LatentSamplerSpec spec, ReadOnlySpan<float> codes, int rows, int latent, ulong seed = 1, double ridge = 1e-6,
        WorkerPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        if (spec.Kind == LatentSamplerKind.Prior) return Prior(latent);
        GaussianMixture g = spec.Kind == LatentSamplerKind.Gaussian
            ? GaussianMixture.FitGaussian(codes, rows, latent, ridge)
            : GaussianMixture.Fit(codes, rows, latent, new GaussianMixtureOptions { Components = spec.Components, Ridge = ridge, Seed = seed, Stream = FitStream }, pool);
        var info = new FitInfo(seed, ridge, rows, g.LogLikelihoodHistory[^1], g.Iterations, g.Converged);
        return new LatentSampler(spec, latent, g, info);
    }

    /// <summary>
    /// Encodes the rows of <paramref name="x"/> [rows × D] with <paramref name="model"/>'s deterministic encoder
    /// (<see cref="Models.IModel.EncodeMean"/>: μ(x) for a VAE, f(x) for an autoencoder), in chunks of 1000 rows, and fits
    /// the sampler <paramref name="spec"/> names to those codes (see <see cref="Fit(LatentSamplerSpec, ReadOnlySpan{float}, int, int, ulong, double, WorkerPool)"/>).
    /// </summary>
    public static LatentSampler Fit(LatentSamplerSpec spec, Models.IModel model, ReadOnlySpan<float> x, int rows, ulong seed = 1,
        double ridge = 1e-6, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.InputSize, j = model.Latent;
        if (spec.Kind == LatentSamplerKind.Prior) return Prior(j);
        if (x.Length < (long)rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {(long)rows * d}.", nameof(x));
        if ((long)rows * j > Array.MaxLength) throw new ArgumentException($"{rows} codes of {j} values do not fit in one array.", nameof(rows));
        pool ??= WorkerPool.Single;
        var codes = new float[(long)rows * j];
        const int chunk = 1000;
        for (int start = 0; start < rows; start += chunk)
        {
            int n = Math.Min(chunk, rows - start);
            model.EncodeMean(x.Slice(start * d, n * d), n, codes.AsSpan(start * j, n * j), pool);
        }
        return Fit(spec, codes, rows, j, seed, ridge, pool);
    }

    /// <summary>Draws <paramref name="rows"/> codes into <paramref name="destination"/> [rows × J], all randomness from <paramref name="rng"/>.</summary>
    public void Sample(Rng rng, int rows, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (destination.Length < (long)rows * Latent)
            throw new ArgumentException($"The destination holds {destination.Length} values; {rows} codes of {Latent} need {(long)rows * Latent}.", nameof(destination));
        if (Mixture is null) rng.FillNormal(destination[..(rows * Latent)]);
        else Mixture.Sample(rng, rows, destination);
    }

    private sealed record FileJson
    {
        public string Format { get; init; } = "";
        public int Version { get; init; }
        public string Kind { get; init; } = "";
        public int Latent { get; init; }
        public int Components { get; init; }
        public double Ridge { get; init; }
        public ulong Seed { get; init; }
        public int TrainingRows { get; init; }
        public double MeanLogLikelihood { get; init; }
        public int Iterations { get; init; }
        public bool Converged { get; init; }
        public double[]? Weights { get; init; }
        public double[][]? Means { get; init; }
        public double[][][]? Covariances { get; init; }
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = 8,
    };

    /// <summary>Writes the sampler to <paramref name="path"/> (atomically: a reader never sees half a file).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int k = Mixture?.Components ?? 0, j = Latent;
        var file = new FileJson
        {
            Format = Format,
            Version = Version,
            Kind = Spec.Kind switch { LatentSamplerKind.Prior => "prior", LatentSamplerKind.Gaussian => "gaussian", _ => "gmm" },
            Latent = j,
            Components = Spec.Components,
            Ridge = Info.Ridge,
            Seed = Info.Seed,
            TrainingRows = Info.TrainingRows,
            MeanLogLikelihood = Info.MeanLogLikelihood,
            Iterations = Info.Iterations,
            Converged = Info.Converged,
            Weights = Mixture?.Weights.ToArray(),
            Means = Mixture is null ? null : [.. Enumerable.Range(0, k).Select(c => Mixture.Mean(c).ToArray())],
            Covariances = Mixture is null ? null : [.. Enumerable.Range(0, k).Select(c =>
                Enumerable.Range(0, j).Select(a => Mixture.Covariance(c).Slice(a * j, j).ToArray()).ToArray())],
        };
        Imaging.AtomicFile.WriteText(path, JsonSerializer.Serialize(file, Json) + "\n");
    }

    /// <summary>
    /// Reads a sampler saved by <see cref="Save"/>. When <paramref name="expectedLatent"/> is positive the file must be for that
    /// code size (the model's).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid sampler (the message names the file and the problem).</exception>
    public static LatentSampler Load(string path, int expectedLatent = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fi = new FileInfo(path);
        if (!fi.Exists) throw new FileNotFoundException($"{path}: no such sampler file.", path);
        if (fi.Length > MaxFileBytes) throw new InvalidDataException($"{path}: {fi.Length} bytes, more than a sampler file can hold ({MaxFileBytes}).");
        FileJson file;
        try
        {
            file = JsonSerializer.Deserialize<FileJson>(File.ReadAllBytes(path), Json)
                ?? throw new InvalidDataException($"{path}: empty sampler file.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid sampler file ({e.Message}).", e);
        }
        if (file.Format != Format) throw new InvalidDataException($"{path}: format is '{file.Format}', expected '{Format}'.");
        if (file.Version < 1 || file.Version > Version) throw new InvalidDataException($"{path}: version {file.Version} is not one this VaeSharp reads (1 to {Version}).");
        int j = file.Latent;
        if (j < 1 || j > 1 << 16) throw new InvalidDataException($"{path}: latent size {j} is out of range.");
        if (expectedLatent > 0 && j != expectedLatent)
            throw new InvalidDataException($"{path}: the sampler is for codes of size {j}, but the model's are of size {expectedLatent}.");
        var info = new FitInfo(file.Seed, file.Ridge, file.TrainingRows, file.MeanLogLikelihood, file.Iterations, file.Converged);
        LatentSamplerSpec spec;
        switch (file.Kind)
        {
            case "prior":
                return new LatentSampler(new LatentSamplerSpec(LatentSamplerKind.Prior, 1), j, null, default);
            case "gaussian":
                spec = new LatentSamplerSpec(LatentSamplerKind.Gaussian, 1);
                break;
            case "gmm":
                spec = new LatentSamplerSpec(LatentSamplerKind.Mixture, file.Components);
                break;
            default:
                throw new InvalidDataException($"{path}: unknown sampler kind '{file.Kind}' (expected prior, gaussian or gmm).");
        }
        int k = spec.Components;
        if (k < 1 || k > LatentSamplerSpec.MaxComponents) throw new InvalidDataException($"{path}: {k} components is out of range (1 to {LatentSamplerSpec.MaxComponents}).");
        if (file.Weights is null || file.Weights.Length != k) throw new InvalidDataException($"{path}: 'weights' must hold {k} values.");
        if (file.Means is null || file.Means.Length != k || file.Means.Any(m => m is null || m.Length != j))
            throw new InvalidDataException($"{path}: 'means' must be {k} arrays of {j} values.");
        if (file.Covariances is null || file.Covariances.Length != k
            || file.Covariances.Any(c => c is null || c.Length != j || c.Any(r => r is null || r.Length != j)))
            throw new InvalidDataException($"{path}: 'covariances' must be {k} matrices of {j}×{j} values.");
        try
        {
            var g = GaussianMixture.Create(file.Weights, [.. file.Means.SelectMany(m => m)], [.. file.Covariances.SelectMany(c => c.SelectMany(r => r))]);
            return new LatentSampler(spec, j, g, info);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
