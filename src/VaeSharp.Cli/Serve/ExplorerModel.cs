using System.Text.Json;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Numerics;

namespace VaeSharp.Cli.Serve;

/// <summary>
/// What the explorer serves for one model folder, read and validated once at start: the weights and manifest exactly as on
/// disk (after <see cref="ModelFile.Load"/> accepted them), and a subset of the test split with its labels and encoder means μ
/// computed by the library.
/// </summary>
internal sealed class ExplorerModel
{
    private ExplorerModel(string name, LoadedModel loaded, byte[] weights, byte[] manifest, byte[] testJson, byte[] testImages, int[] indices)
    {
        Name = name;
        Loaded = loaded;
        Weights = weights;
        Manifest = manifest;
        TestJson = testJson;
        TestImages = testImages;
        Indices = indices;
    }

    /// <summary>The folder's name, shown in the page.</summary>
    public string Name { get; }

    /// <summary>The model as the library loaded it.</summary>
    public LoadedModel Loaded { get; }

    /// <summary>model.safetensors, byte for byte.</summary>
    public byte[] Weights { get; }

    /// <summary>model.json, byte for byte.</summary>
    public byte[] Manifest { get; }

    /// <summary>The test subset's description, labels and means (JSON).</summary>
    public byte[] TestJson { get; }

    /// <summary>The test subset's pixels, one byte per pixel (0..255), image after image.</summary>
    public byte[] TestImages { get; }

    /// <summary>Which rows of the test split were served, in order.</summary>
    public int[] Indices { get; }

    /// <summary>
    /// Loads <paramref name="directory"/> (refusing it, with <see cref="ModelFile.Load"/>'s error, when it does not validate), loads
    /// the test split of <paramref name="datasetName"/> (default: the model's) and encodes <paramref name="count"/> evenly spaced
    /// test images.
    /// </summary>
    public static ExplorerModel Load(string directory, string? datasetName, string? dataDir, int count, WorkerPool pool,
        Func<string, string, string?, Dataset> loadSplit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        string weightsPath = Path.Combine(directory, ModelFile.WeightsFile);
        string manifestPath = Path.Combine(directory, ModelFile.ManifestFile);
        // Read the bytes before and after the library validates the folder: if they agree, what is served is what was validated
        // (a training run saving a new epoch meanwhile is caught here, not served half-read).
        byte[]? weightsBefore = TryRead(weightsPath), manifestBefore = TryRead(manifestPath);
        LoadedModel loaded = CheckpointStore.LoadModel(directory, out _); // recovers a folder torn by a crash (docs/MODEL-FILES.md)
        byte[] weights = File.ReadAllBytes(weightsPath), manifest = File.ReadAllBytes(manifestPath);
        if (weightsBefore is null || manifestBefore is null || !weights.AsSpan().SequenceEqual(weightsBefore) || !manifest.AsSpan().SequenceEqual(manifestBefore))
            throw new IOException($"{directory}: the model files changed while they were being read (is a training run saving into it?); try again.");

        var vae = loaded.Model;
        Dataset test = loadSplit(datasetName ?? loaded.State.Dataset, "test", dataDir);
        if (test.Dimension != vae.InputSize)
            throw new ArgumentException($"{test.Name} has {test.Dimension} values per image; the model in {directory} expects {vae.InputSize}.");
        int n = Math.Min(count, test.Count);
        // Evenly spaced rows, so that a split stored class by class still shows every class.
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) indices[i] = (int)((long)i * test.Count / n);
        Dataset subset = test.Subset(indices);
        float[] means = Pictures.EncodeMeans(vae, subset, pool);

        var images = new byte[(long)n * vae.InputSize];
        for (int i = 0; i < images.Length; i++) images[i] = (byte)MathF.Round(subset.Features[i] * 255f);

        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        var json = new Dictionary<string, object?>
        {
            ["dataset"] = datasetName ?? loaded.State.Dataset,
            ["split"] = "test",
            ["split_count"] = test.Count,
            ["count"] = n,
            ["width"] = test.Width,
            ["height"] = test.Height,
            ["latent"] = vae.Latent,
            ["indices"] = indices,
            ["labels"] = subset.Labels?.Select(b => (int)b).ToArray(),
            ["class_count"] = subset.ClassCount,
            ["class_names"] = subset.ClassNames,
            ["mu"] = means,
        };
        byte[] testJson = JsonSerializer.SerializeToUtf8Bytes(json);
        return new ExplorerModel(name, loaded, weights, manifest, testJson, images, indices);
    }

    private static byte[]? TryRead(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
