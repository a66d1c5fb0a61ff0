using System.Text.Json;
using System.Text.Json.Serialization;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.IO;

/// <summary>Training settings and progress saved beside a model so that <c>vae train --resume</c> continues exactly.</summary>
public sealed record TrainingState
{
    /// <summary>Dataset name (e.g. mnist-sample, mnist).</summary>
    public string Dataset { get; init; } = "";
    /// <summary>none, static or dynamic.</summary>
    public string Binarization { get; init; } = "dynamic";
    /// <summary>SGVB estimator, A or B.</summary>
    public string Estimator { get; init; } = "B";
    /// <summary>L, samples of z per datapoint.</summary>
    public int Samples { get; init; } = 1;
    /// <summary>M, minibatch size.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Seed of all random streams.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Datapoints held out of the training split for validation.</summary>
    public int Validation { get; init; }
    /// <summary>How parameters were initialized (pytorch-default or normal:σ).</summary>
    public string Initialization { get; init; } = "pytorch-default";
    /// <summary>Optimizer settings.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();
    /// <summary>Optimizer updates taken.</summary>
    public long OptimizerSteps { get; init; }
    /// <summary>Epochs finished.</summary>
    public int Epoch { get; init; }
    /// <summary>Training datapoints processed so far.</summary>
    public long SamplesSeen { get; init; }
    /// <summary>λ of the sparse autoencoder's L1 penalty on the code (0: none).</summary>
    public float L1 { get; init; }
    /// <summary>The denoising autoencoder's input corruption (none, gaussian:σ, mask:p, salt-pepper:p).</summary>
    public string Noise { get; init; } = "none";
    /// <summary>How the model was trained: aevb or wake-sleep (VAE), or pca (a linear autoencoder set from PCA).</summary>
    public string Method { get; init; } = "aevb";
    /// <summary>The bound a VAE was trained on: elbo, or iwae (K = <see cref="Samples"/>). Absent in older files: elbo.</summary>
    public string Objective { get; init; } = "elbo";
    /// <summary>IWAE with the DReG encoder gradient.</summary>
    public bool Dreg { get; init; }
    /// <summary>Learning-rate schedule: constant, iwae, cosine:E or plateau:P:F (see <see cref="ScheduleSpec"/>).</summary>
    public string LrSchedule { get; init; } = "constant";
    /// <summary>Epochs of KL warm-up (0: none).</summary>
    public int KlWarmup { get; init; }
    /// <summary>Early-stopping patience in epochs (0: none).</summary>
    public int EarlyStopping { get; init; }
    /// <summary>State of the schedule and early stopping after <see cref="Epoch"/> (absent: their initial state).</summary>
    public ControlState? Controls { get; init; }
}

/// <summary>What a session's learning-rate schedule and early stopping have seen, saved so that a resumed run continues exactly.</summary>
public sealed record ControlState
{
    /// <summary>Reduce-on-plateau: the current rate.</summary>
    public float? PlateauRate { get; init; }
    /// <summary>Reduce-on-plateau: the best validation figure (null: none yet).</summary>
    public double? PlateauBest { get; init; }
    /// <summary>Reduce-on-plateau: epochs without improvement since the last reduction.</summary>
    public int PlateauBad { get; init; }
    /// <summary>Early stopping: the epoch with the best validation figure (0: none yet).</summary>
    public int BestEpoch { get; init; }
    /// <summary>Early stopping: that figure.</summary>
    public double? BestValidation { get; init; }
    /// <summary>Early stopping: epochs since the best.</summary>
    public int EpochsWithoutImprovement { get; init; }
}

/// <summary>What <see cref="ModelFile.Load"/> returns.</summary>
/// <param name="Model">The model with its parameters.</param>
/// <param name="State">Training settings and progress.</param>
/// <param name="OptimizerState">Optimizer arrays by name (empty if the folder has no optimizer file).</param>
public sealed record LoadedModel(IModel Model, TrainingState State, IReadOnlyDictionary<string, float[]> OptimizerState);

/// <summary>
/// A model folder: <c>model.safetensors</c> (weights, PyTorch nn.Linear layout: weight [out × in], bias [out]),
/// <c>model.json</c> (architecture, data, training settings, epoch) and <c>optimizer.safetensors</c> (optimizer moments, flat).
/// See docs/MODEL-FILES.md.
/// </summary>
public static class ModelFile
{
    /// <summary>Weights file name.</summary>
    public const string WeightsFile = "model.safetensors";
    /// <summary>Manifest file name.</summary>
    public const string ManifestFile = "model.json";
    /// <summary>Optimizer state file name.</summary>
    public const string OptimizerFile = "optimizer.safetensors";
    /// <summary>Format tag written in the manifest.</summary>
    public const string Format = "vaesharp.vae";
    /// <summary>Manifest version.</summary>
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private sealed record Manifest
    {
        public string Format { get; init; } = ModelFile.Format;
        public int Version { get; init; } = ModelFile.Version;
        public ArchitectureJson Architecture { get; init; } = new();
        public TrainingState Training { get; init; } = new();
        public string Weights { get; init; } = WeightsFile;
        public string OptimizerState { get; init; } = OptimizerFile;
    }

    private sealed record ArchitectureJson
    {
        public string Model { get; init; } = "vae";
        public bool Bias { get; init; } = true;
        public int InputSize { get; init; }
        public int ImageWidth { get; init; }
        public int ImageHeight { get; init; }
        public int[] Hidden { get; init; } = [];
        public int Latent { get; init; }
        public Activation Activation { get; init; }
        public DecoderKind Decoder { get; init; }
        // Gaussian decoder options; their defaults are the decoder that manifests without them described.
        public DecoderVariance DecoderVariance { get; init; } = DecoderVariance.Learned;
        public float DecoderSigma { get; init; } = 1f;
        public float? LogVarMin { get; init; }
        public GaussianMean GaussianMean { get; init; } = GaussianMean.Sigmoid;
    }

    /// <summary>
    /// Writes the three files into <paramref name="directory"/>. Each is written to a temporary name and renamed, the manifest last,
    /// and all three carry the epoch so a torn set is detected on load.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="model">The model.</param>
    /// <param name="state">Its training state (model.json's <c>training</c>).</param>
    /// <param name="optimizer">The optimizer whose state goes into optimizer.safetensors (null: no such file).</param>
    /// <param name="methodState">
    /// A training method's own state (<see cref="Objectives.IStatefulObjective.State"/>, e.g. Monte Carlo EM's chains), written
    /// into optimizer.safetensors beside the optimizer's and read back in <see cref="LoadedModel.OptimizerState"/>.
    /// </param>
    public static void Save(string directory, IModel model, TrainingState state, Optimizer? optimizer,
        IReadOnlyList<(string Name, float[] Values)>? methodState = null)
    {
        Directory.CreateDirectory(directory);
        var meta = new Dictionary<string, string> { ["format"] = Format, ["epoch"] = state.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        SafeTensors.Write(Path.Combine(directory, WeightsFile), ToTensors(model), meta);
        if (optimizer is not null)
        {
            var tensors = optimizer.State.Concat(methodState ?? []).Select(s => new NamedTensor(s.Name, [s.Values.Length], s.Values)).ToList();
            SafeTensors.Write(Path.Combine(directory, OptimizerFile), tensors, meta);
        }
        var c = model.Config;
        var manifest = new Manifest
        {
            Architecture = new ArchitectureJson
            {
                Model = ModelKinds.Name(c.Kind), Bias = c.Bias, InputSize = c.InputSize, ImageWidth = c.ImageWidth, ImageHeight = c.ImageHeight,
                Hidden = c.Hidden, Latent = c.Latent, Activation = c.Activation, Decoder = c.Decoder,
                DecoderVariance = c.DecoderVariance, DecoderSigma = c.DecoderSigma, LogVarMin = c.LogVarMin, GaussianMean = c.GaussianMean,
            },
            Training = state,
        };
        Imaging.AtomicFile.WriteText(Path.Combine(directory, ManifestFile), JsonSerializer.Serialize(manifest, Json) + "\n");
    }

    /// <summary>The model's tensors in PyTorch layout: weights transposed from [in × out] to [out × in].</summary>
    public static List<NamedTensor> ToTensors(IModel model)
    {
        var list = new List<NamedTensor>();
        foreach (var p in model.Arena.Parameters)
        {
            ReadOnlySpan<float> v = model.Arena.Value(p);
            if (IsWeight(p))
            {
                var t = new float[p.Length];
                for (int i = 0; i < p.Rows; i++)
                    for (int o = 0; o < p.Cols; o++) t[o * p.Rows + i] = v[i * p.Cols + o];
                list.Add(new NamedTensor(p.Name, [p.Cols, p.Rows], t));
            }
            else list.Add(new NamedTensor(p.Name, [p.Cols], v.ToArray()));
        }
        return list;
    }

    private static bool IsWeight(Parameter p) => p.Name.EndsWith(".weight", StringComparison.Ordinal);

    /// <summary>Reads a model folder, checking that the weights agree with the manifest's architecture.</summary>
    public static LoadedModel Load(string directory)
    {
        string manifestPath = Path.Combine(directory, ManifestFile);
        if (!Directory.Exists(directory)) throw new FileNotFoundException($"{directory}: no such model folder.");
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"{manifestPath}: missing; is {directory} a folder written by `vae train`?");
        Manifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath), Json)
                ?? throw new InvalidDataException($"{manifestPath}: empty manifest.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{manifestPath}: not a valid model manifest ({JsonProblem(e)}).", e);
        }
        if (manifest.Format != Format) throw new InvalidDataException($"{manifestPath}: format is '{manifest.Format}', expected '{Format}'.");
        if (manifest.Version > Version) throw new InvalidDataException($"{manifestPath}: version {manifest.Version} is newer than this VaeSharp reads ({Version}).");
        ManifestChecks.RequireSection(manifestPath, manifest.Architecture, "architecture");
        ManifestChecks.RequireSection(manifestPath, manifest.Training, "training");
        ManifestChecks.CheckTraining(manifestPath, manifest.Training);
        var a = manifest.Architecture;
        ModelKind kind;
        try { kind = ModelKinds.Parse(a.Model ?? ""); }
        catch (ArgumentException e) { throw new InvalidDataException($"{manifestPath}: architecture.model: {e.Message}", e); }
        var config = new ModelConfig
        {
            Kind = kind, Bias = a.Bias, InputSize = a.InputSize, ImageWidth = a.ImageWidth, ImageHeight = a.ImageHeight,
            Hidden = a.Hidden ?? [], Latent = a.Latent, Activation = a.Activation, Decoder = a.Decoder,
            DecoderVariance = a.DecoderVariance, DecoderSigma = a.DecoderSigma, LogVarMin = a.LogVarMin, GaussianMean = a.GaussianMean,
        };
        ManifestChecks.CheckArchitecture(manifestPath, config);

        string weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{weightsPath}: missing.");
        // The manifest's sizes decide what is allocated: check them against the weights file first, so that a manifest
        // that lies (hidden widths of billions) fails here instead of asking for terabytes.
        long needed = MinimumParameterCount(config), weightBytes = new FileInfo(weightsPath).Length;
        if (needed > Array.MaxLength || needed * 2 > weightBytes)
            throw new InvalidDataException($"{manifestPath}: the architecture needs at least {(needed == long.MaxValue ? "2^63" : needed.ToString(System.Globalization.CultureInfo.InvariantCulture))} parameters, more than {weightsPath} ({weightBytes} bytes) can hold.");
        ManifestChecks.CheckMemory(manifestPath, config);
        var model = ModelFactory.Create(config);
        var weights = SafeTensors.Read(weightsPath);
        CheckEpoch(weights.Metadata, weightsPath, manifest.Training.Epoch);
        var byName = weights.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var p in model.Arena.Parameters)
        {
            int[] expected = IsWeight(p) ? [p.Cols, p.Rows] : [p.Cols];
            if (!byName.Remove(p.Name, out var t))
                throw new InvalidDataException($"{weightsPath}: tensor '{p.Name}' is missing (the architecture in {ManifestFile} needs it with shape [{string.Join(", ", expected)}]).");
            if (!t.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{weightsPath}: tensor '{p.Name}' has shape [{string.Join(", ", t.Shape)}] but {ManifestFile} describes [{string.Join(", ", expected)}].");
            Span<float> v = model.Arena.Value(p);
            if (IsWeight(p))
                for (int o = 0; o < p.Cols; o++)
                    for (int i = 0; i < p.Rows; i++) v[i * p.Cols + o] = t.Data[o * p.Rows + i];
            else t.Data.CopyTo(v);
        }
        if (byName.Count > 0)
            throw new InvalidDataException($"{weightsPath}: unexpected tensor(s) {string.Join(", ", byName.Keys)} for the architecture in {ManifestFile}.");

        var optimizerState = new Dictionary<string, float[]>();
        string optimizerPath = Path.Combine(directory, OptimizerFile);
        if (File.Exists(optimizerPath))
        {
            var opt = SafeTensors.Read(optimizerPath);
            CheckEpoch(opt.Metadata, optimizerPath, manifest.Training.Epoch);
            foreach (var t in opt.Tensors) optimizerState[t.Name] = t.Data;
        }
        return new LoadedModel(model, manifest.Training, optimizerState);
    }

    /// <summary>
    /// Where and what a JSON error is, on one line: System.Text.Json's own message may quote the offending text, newlines
    /// and binary garbage included.
    /// </summary>
    internal static string JsonProblem(JsonException e)
    {
        string where = e.LineNumber is long line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : "somewhere";
        string path = string.IsNullOrEmpty(e.Path) ? "" : $", at {e.Path}";
        string what = e.Message.Contains('\n') || e.Message.Any(char.IsControl) ? "malformed JSON" : e.Message.Split(" Path: ")[0].TrimEnd('.');
        return $"{what} at {where}{path}";
    }

    /// <summary>
    /// A lower bound on the parameters of any model kind with <paramref name="config"/>: the weights of the encoder chain
    /// D → hidden… → J and of the decoder chain J → …hidden → D, in 64-bit (long.MaxValue if even that overflows).
    /// Biases and second heads (μ and log σ², a learned decoder variance) only add to it.
    /// </summary>
    internal static long MinimumParameterCount(ModelConfig config)
    {
        try
        {
            checked
            {
                long d = config.InputSize, j = config.Latent, total = 0, prev = d;
                foreach (int h in config.Hidden) { total += prev * h; prev = h; }
                total += prev * j;
                prev = j;
                foreach (int h in config.Hidden.Reverse()) { total += prev * h; prev = h; }
                total += prev * d;
                return total;
            }
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    private static void CheckEpoch(IReadOnlyDictionary<string, string> metadata, string path, int epoch)
    {
        if (metadata.TryGetValue("epoch", out var e) && e != epoch.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: written at epoch {e} but {ManifestFile} says epoch {epoch}; the save was interrupted. Re-run training or restore the folder.");
    }
}
