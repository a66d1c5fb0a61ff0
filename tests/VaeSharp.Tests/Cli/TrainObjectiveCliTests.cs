using System.Globalization;
using System.Text.Json.Nodes;
using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Training;
using static VaeSharp.Tests.Cli.CliEndToEndTests;

namespace VaeSharp.Tests.Cli;

/// <summary><c>vae train --objective iwae --samples K [--dreg]</c>: the IWAE bound through the session, its model file, resume and eval.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainObjectiveCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-objective-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] Small = ["--hidden", "32", "--latent", "4", "--threads", "2", "--seed", "11", "--batch", "50"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IwaeTrainsResumesBitIdenticallyAndEvaluatesWithTheElbo(bool dreg)
    {
        string[] iwae = ["--objective", "iwae", "--samples", "5", .. (dreg ? new[] { "--dreg" } : [])];
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        var s = Vae(["train", "--epochs", "2", "--out", straight, .. iwae, .. Small]);
        Assert.True(s.Code == 0, s.Err);
        Assert.Contains("IWAE bound, K=5" + (dreg ? ", DReG" : ""), s.Out);
        Assert.Contains("train IWAE L_5", s.Out);
        Assert.Contains("test IWAE L_5", s.Out);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, ModelFile.ManifestFile)))!["training"]!;
        Assert.Equal("iwae", (string?)json["objective"]);
        Assert.Equal(dreg, (bool)json["dreg"]!);
        Assert.Equal(5, (int)json["samples"]!);
        var metrics = File.ReadAllLines(Path.Combine(straight, "metrics.csv"));
        Assert.StartsWith("epoch,samples_seen,train_iwae,train_recon,train_kl,test_iwae", metrics[0]);

        Assert.Equal(0, Vae(["train", "--epochs", "1", "--out", resumed, .. iwae, .. Small]).Code);
        var r = Vae("train", "--resume", "--epochs", "2", "--out", resumed, "--threads", "2");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("test IWAE L_5", r.Out);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "optimizer.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "optimizer.safetensors")));
        Assert.Equal(metrics.Select(l => string.Join(',', l.Split(',')[..8])), File.ReadAllLines(Path.Combine(resumed, "metrics.csv")).Select(l => string.Join(',', l.Split(',')[..8])));
        var clash = Vae("train", "--resume", "--epochs", "3", "--out", resumed, "--objective", "elbo");
        Assert.NotEqual(0, clash.Code);
        Assert.Contains("--objective", clash.Err);

        // eval: the ELBO and importance sampling, as for any VAE. The training's test figure is L_5 on the same binarized
        // test images: above the ELBO, and below the K = 500 estimate of log p(x) it converges to.
        var ev = Vae("eval", "--model", straight, "--importance-samples", "500");
        Assert.True(ev.Code == 0, ev.Err);
        double Figure(string start) => double.Parse(ev.Out.Split('\n').Single(l => l.TrimStart().StartsWith(start, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[start.Split(' ').Length], CultureInfo.InvariantCulture);
        double elbo = Figure("ELBO"), logp = Figure("log p(x)");
        double testBound = double.Parse(metrics[2].Split(',')[5], CultureInfo.InvariantCulture);
        Assert.True(elbo < testBound && testBound < logp, $"ELBO {elbo}, L_5 {testBound}, log p(x) {logp}");
    }

    [Fact]
    public void WrongCombinationsAreRefusedNamingTheOption()
    {
        var a = Vae(["train", "--epochs", "1", "--out", Path.Combine(_dir, "a"), "--dreg", .. Small]);
        Assert.NotEqual(0, a.Code);
        Assert.Contains("--dreg", a.Err);
        var b = Vae(["train", "--epochs", "1", "--out", Path.Combine(_dir, "b"), "--objective", "iwae", "--method", "wake-sleep", .. Small]);
        Assert.NotEqual(0, b.Code);
        Assert.Contains("--objective iwae", b.Err);
        var c = Vae(["train", "--epochs", "1", "--out", Path.Combine(_dir, "c"), "--objective", "iwae", "--model", "ae", .. Small]);
        Assert.NotEqual(0, c.Code);
        Assert.Contains("--objective iwae", c.Err);
    }

    [Fact]
    public void AModelFileWrittenBeforeObjectivesExistedLoadsAsElbo()
    {
        Directory.CreateDirectory(_dir);
        var model = VaeSharp.Models.ModelFactory.Create(new VaeSharp.Models.ModelConfig { InputSize = 12, ImageWidth = 4, ImageHeight = 3, Hidden = [7], Latent = 2 });
        ModelFile.Save(_dir, model, new TrainingState { Objective = "iwae", Dreg = true, Samples = 5 }, null);
        string manifest = Path.Combine(_dir, ModelFile.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        Assert.True(json["training"]!.AsObject().Remove("objective"));
        Assert.True(json["training"]!.AsObject().Remove("dreg"));
        File.WriteAllText(manifest, json.ToJsonString());
        var loaded = ModelFile.Load(_dir);
        Assert.Equal("elbo", loaded.State.Objective);
        Assert.False(loaded.State.Dreg);

        json["training"]!["objective"] = "vimco";
        File.WriteAllText(manifest, json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains("training.objective", e.Message);
        Assert.Contains(ModelFile.ManifestFile, e.Message);
    }
}
