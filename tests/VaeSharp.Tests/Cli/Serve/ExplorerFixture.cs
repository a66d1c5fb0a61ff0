using VaeSharp.Cli.Serve;
using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Tests.Cli.Serve;

/// <summary>
/// Two small models trained here on the bundled sample (a 2-D and a 5-D latent space, one hidden layer of 96 and 48, a few
/// hundred Adam steps each) and two explorer servers on free loopback ports: one with the 2-D model alone, one with both side by side.
/// Shared by the server and browser tests.
/// </summary>
public sealed class ExplorerFixture : IAsyncLifetime
{
    /// <summary>Test images served per model.</summary>
    public const int Count = 1000;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vaesharp-serve-" + Guid.NewGuid().ToString("N"));
    public string Model2D => Path.Combine(Root, "vae-2d");
    public string Model5D => Path.Combine(Root, "vae-5d");
    public Dataset Test { get; private set; } = null!;
    public LoadedModel Loaded2D { get; private set; } = null!;
    public LoadedModel Loaded5D { get; private set; } = null!;
    internal ExplorerModel Explorer2D { get; private set; } = null!;
    internal ExplorerModel Explorer5D { get; private set; } = null!;
    internal ExplorerServer Single { get; private set; } = null!;
    internal ExplorerServer Pair { get; private set; } = null!;

    public static Dataset LoadSplit(string name, string split, string? dataDir) =>
        DatasetCatalog.Load(new DatasetRequest { Name = name, Split = split, DataDir = dataDir, AllowDownload = false });

    /// <summary>Trains a small VAE on the bundled sample and saves it into <paramref name="directory"/>.</summary>
    public static void Train(string directory, int hidden, int latent, int epochs, ulong seed)
    {
        var train = LoadSplit(DatasetCatalog.DefaultName, "train", null);
        var test = LoadSplit(DatasetCatalog.DefaultName, "test", null);
        var settings = new SessionSettings
        {
            Config = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [hidden], Latent = latent, Activation = Activation.Tanh },
            Seed = seed,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 3e-3f }, // a few hundred steps go far
        };
        using var session = TrainingSession.Create(settings, train, test, threads: 1);
        for (int e = 0; e < epochs; e++) session.RunEpoch();
        session.SaveCheckpoint(directory);
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        // Epochs of 8,004 images in minibatches of 100 (81 steps): 405 and 324 steps, enough for maps worth a screenshot.
        await Task.WhenAll(Task.Run(() => Train(Model2D, 96, 2, 5, 11)), Task.Run(() => Train(Model5D, 48, 5, 4, 12)));
        Test = LoadSplit(DatasetCatalog.DefaultName, "test", null);
        Loaded2D = ModelFile.Load(Model2D);
        Loaded5D = ModelFile.Load(Model5D);
        using var pool = new WorkerPool(1);
        Explorer2D = ExplorerModel.Load(Model2D, null, null, Count, pool, LoadSplit);
        Explorer5D = ExplorerModel.Load(Model5D, null, null, Count, pool, LoadSplit);
        Single = await ExplorerServer.StartAsync([Explorer2D], "127.0.0.1", 0);
        Pair = await ExplorerServer.StartAsync([Explorer2D, Explorer5D], "127.0.0.1", 0);
    }

    public async Task DisposeAsync()
    {
        if (Single is not null) await Single.DisposeAsync();
        if (Pair is not null) await Pair.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    /// <summary>The library's decoded pixels for one z.</summary>
    public static float[] Decode(LoadedModel m, ReadOnlySpan<float> z)
    {
        var x = new float[m.Model.InputSize];
        m.Model.DecodeMean(z, 1, x, WorkerPool.Single);
        return x;
    }

    /// <summary>The library's μ and σ for one image.</summary>
    public static (float[] Mu, float[] Sigma) Encode(LoadedModel m, ReadOnlySpan<float> x)
    {
        ((Vae)m.Model).Encode(x, 1, WorkerPool.Single, out Span<float> mu, out Span<float> logVar);
        var sigma = new float[logVar.Length];
        for (int j = 0; j < sigma.Length; j++) sigma[j] = MathF.Exp(0.5f * logVar[j]);
        return (mu.ToArray(), sigma);
    }
}

[CollectionDefinition(Name)]
public sealed class ExplorerCollection : ICollectionFixture<ExplorerFixture>
{
    public const string Name = "explorer";
}
