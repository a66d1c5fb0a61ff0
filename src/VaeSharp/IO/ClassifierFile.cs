using System.Text.Json;
using System.Text.Json.Serialization;
using VaeSharp.Layers;
using VaeSharp.Models;

namespace VaeSharp.IO;

/// <summary>What is known about a saved classifier besides its weights.</summary>
/// <param name="Dataset">The data set it was trained on (e.g. <c>mnist</c>).</param>
/// <param name="TrainRows">Training images.</param>
/// <param name="Epochs">Passes over them.</param>
/// <param name="BatchSize">Minibatch size.</param>
/// <param name="LearningRate">Adam's step size.</param>
/// <param name="Seed">Seed of the initialisation and the shuffles.</param>
/// <param name="TestRows">Test images the accuracy was measured on.</param>
/// <param name="TestAccuracy">Fraction of them classified correctly.</param>
public sealed record ClassifierInfo(string Dataset, int TrainRows, int Epochs, int BatchSize, float LearningRate, ulong Seed, int TestRows, double TestAccuracy);

/// <summary>
/// A classifier folder: <c>classifier.safetensors</c> (PyTorch <c>nn.Linear</c> layout, weight [out × in] and bias [out], named
/// <c>hidden.{i}.weight</c>, …, <c>logits.weight</c>, so <c>safetensors.torch.load_file</c> gives a state dict for an
/// <c>nn.Sequential</c>-like MLP) and <c>classifier.json</c> (format <c>vaesharp-classifier</c>, version 1: input_size, hidden,
/// classes, activation, and the <see cref="ClassifierInfo"/>).
/// </summary>
public static class ClassifierFile
{
    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = "classifier.safetensors";
    /// <summary>The manifest's name.</summary>
    public const string ManifestFile = "classifier.json";
    /// <summary>The manifest's <c>format</c>.</summary>
    public const string Format = "vaesharp-classifier";
    private const int Version = 1;
    private const long MaxManifestBytes = 1 << 20;

    private sealed record Manifest
    {
        public string Format { get; init; } = "";
        public int Version { get; init; }
        public int InputSize { get; init; }
        public int[]? Hidden { get; init; }
        public int Classes { get; init; }
        public string Activation { get; init; } = "";
        public string Dataset { get; init; } = "";
        public int TrainRows { get; init; }
        public int Epochs { get; init; }
        public int BatchSize { get; init; }
        public float LearningRate { get; init; }
        public ulong Seed { get; init; }
        public int TestRows { get; init; }
        public double TestAccuracy { get; init; }
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict, MaxDepth = 8,
    };

    /// <summary>True when <paramref name="directory"/> holds both files.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, WeightsFile)) && File.Exists(Path.Combine(directory, ManifestFile));

    /// <summary>Writes the classifier (weights first, then the manifest, each atomically).</summary>
    public static void Save(string directory, Classifier model, ClassifierInfo info)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(info);
        Directory.CreateDirectory(directory);
        var tensors = new List<NamedTensor>();
        foreach (var p in model.Arena.Parameters)
        {
            ReadOnlySpan<float> v = model.Arena.Value(p);
            if (p.Name.EndsWith(".weight", StringComparison.Ordinal))
            {
                var t = new float[p.Length];
                for (int i = 0; i < p.Rows; i++)
                    for (int o = 0; o < p.Cols; o++) t[o * p.Rows + i] = v[i * p.Cols + o];
                tensors.Add(new NamedTensor(p.Name, [p.Cols, p.Rows], t));
            }
            else tensors.Add(new NamedTensor(p.Name, [p.Cols], v.ToArray()));
        }
        SafeTensors.Write(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var c = model.Config;
        var m = new Manifest
        {
            Format = Format, Version = Version, InputSize = c.InputSize, Hidden = c.Hidden, Classes = c.Classes,
            Activation = c.Activation.ToString().ToLowerInvariant(), Dataset = info.Dataset, TrainRows = info.TrainRows, Epochs = info.Epochs,
            BatchSize = info.BatchSize, LearningRate = info.LearningRate, Seed = info.Seed, TestRows = info.TestRows, TestAccuracy = info.TestAccuracy,
        };
        Imaging.AtomicFile.WriteText(Path.Combine(directory, ManifestFile), JsonSerializer.Serialize(m, Json) + "\n");
    }

    /// <summary>Reads a classifier folder written by <see cref="Save"/>, checking every tensor's name and shape.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed (the message names it and the problem).</exception>
    public static (Classifier Model, ClassifierInfo Info) Load(string directory)
    {
        string manifestPath = Path.Combine(directory, ManifestFile), weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"{manifestPath}: missing; is {directory} a classifier folder?", manifestPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{weightsPath}: missing.", weightsPath);
        if (new FileInfo(manifestPath).Length > MaxManifestBytes) throw new InvalidDataException($"{manifestPath}: larger than a classifier manifest can be.");
        Manifest m;
        try { m = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifestPath), Json) ?? throw new InvalidDataException($"{manifestPath}: empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{manifestPath}: not a valid classifier manifest ({e.Message}).", e); }
        if (m.Format != Format) throw new InvalidDataException($"{manifestPath}: format is '{m.Format}', expected '{Format}'.");
        if (m.Version is < 1 or > Version) throw new InvalidDataException($"{manifestPath}: version {m.Version} is not one this VaeSharp reads (1 to {Version}).");
        if (!Enum.TryParse<Activation>(m.Activation, ignoreCase: true, out var act))
            throw new InvalidDataException($"{manifestPath}: unknown activation '{m.Activation}'.");
        var config = new ClassifierConfig { InputSize = m.InputSize, Hidden = m.Hidden ?? [], Classes = m.Classes, Activation = act };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{manifestPath}: {e.Message}", e); }
        // Sizes from the manifest decide what is allocated: bound them by the weights file first.
        long needed = (long)config.InputSize * config.Hidden[0];
        for (int i = 1; i < config.Hidden.Length; i++) needed += (long)config.Hidden[i - 1] * config.Hidden[i];
        needed += (long)config.Hidden[^1] * config.Classes;
        long bytes = new FileInfo(weightsPath).Length;
        if (needed > Array.MaxLength || needed * 2 > bytes)
            throw new InvalidDataException($"{manifestPath}: the architecture needs at least {needed} parameters, more than {weightsPath} ({bytes} bytes) can hold.");
        var model = new Classifier(config);
        var byName = SafeTensors.Read(weightsPath).Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var p in model.Arena.Parameters)
        {
            bool weight = p.Name.EndsWith(".weight", StringComparison.Ordinal);
            int[] expected = weight ? [p.Cols, p.Rows] : [p.Cols];
            if (!byName.Remove(p.Name, out var t))
                throw new InvalidDataException($"{weightsPath}: tensor '{p.Name}' is missing (shape [{string.Join(", ", expected)}] expected).");
            if (!t.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{weightsPath}: tensor '{p.Name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", expected)}].");
            Span<float> v = model.Arena.Value(p);
            if (weight)
                for (int i = 0; i < p.Rows; i++)
                    for (int o = 0; o < p.Cols; o++) v[i * p.Cols + o] = t.Data[o * p.Rows + i];
            else t.Data.CopyTo(v);
        }
        if (byName.Count > 0) throw new InvalidDataException($"{weightsPath}: unexpected tensor '{byName.Keys.First()}'.");
        foreach (float x in model.Arena.Values)
            if (!float.IsFinite(x)) throw new InvalidDataException($"{weightsPath}: holds a value that is not finite.");
        return (model, new ClassifierInfo(m.Dataset, m.TrainRows, m.Epochs, m.BatchSize, m.LearningRate, m.Seed, m.TestRows, m.TestAccuracy));
    }
}
