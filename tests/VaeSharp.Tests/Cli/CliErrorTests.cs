using System.Text.Json.Nodes;
using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Tests.Cli;

/// <summary>
/// Issue #9's findings, tried as a new user would: sizes that overflowed or exhausted memory, model.json sections that
/// crashed, messages that named no file or the wrong shape, and --out problems found only after an epoch. Each must end
/// in one line naming the option or file, with the documented exit code, before anything large is allocated.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class CliErrorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-clierr-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public CliErrorTests()
    {
        // An untrained 784-8-2 model of the bundled sample, saved as `vae train` saves an epoch.
        _model = Path.Combine(_dir, "model");
        var train = DatasetCatalog.Load(new DatasetRequest { Name = DatasetCatalog.DefaultName, Split = "train" });
        var test = DatasetCatalog.Load(new DatasetRequest { Name = DatasetCatalog.DefaultName, Split = "test" });
        using var s = TrainingSession.Create(new SessionSettings
        {
            Config = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [8], Latent = 2 },
        }, train, test, 1);
        s.SaveCheckpoint(_model);
    }

    public void Dispose()
    {
        MemoryBudget.ResetLimit();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static string OneLine(int expectedCode, params string[] args)
    {
        var (code, _, err) = CliEndToEndTests.Vae(args);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got: {err}");
        Assert.StartsWith("vae: ", lines[0]);
        Assert.DoesNotContain("   at ", err);
        Assert.True(code == expectedCode, $"exit {code}, expected {expectedCode}: {err}");
        return lines[0];
    }

    [Fact]
    public void OverflowingSizesAreRefusedUpFront()
    {
        Assert.Contains("--batch 10000000 is larger than the 8004 training images", OneLine(2, "train", "--batch", "10000000", "--out", Path.Combine(_dir, "b")));
        Assert.Contains("--count: a grid of 2,147,483,647 images needs about", OneLine(4, "sample", "--model", _model, "--count", "2147483647", "--out", Path.Combine(_dir, "s.png")));
        Assert.Contains("--steps: a grid of 10,000,000,000 images needs about", OneLine(4, "manifold", "--model", _model, "--steps", "100000", "--out", Path.Combine(_dir, "m.png")));
        Assert.False(File.Exists(Path.Combine(_dir, "s.png")));
    }

    [Theory]
    [InlineData("train", "--latent", "1000000")]
    [InlineData("train", "--samples", "1000000")]
    [InlineData("train", "--hidden", "2000000000")]
    [InlineData("sample", "--count", "100000000")]
    public void RequestsLargerThanTheMemoryBudgetSayHowMuchTheyNeed(params string[] args)
    {
        string[] full = args[0] == "sample"
            ? [.. args, "--model", _model, "--out", Path.Combine(_dir, "x.png")]
            : [.. args, "--out", Path.Combine(_dir, "big")];
        string line = OneLine(4, full);
        Assert.Contains("needs about", line);
        Assert.Contains(args[1], line);
    }

    [Fact]
    public void MaxMemoryChangesTheBudget()
    {
        // The default 784-500-20 run fits the default budget but not 1 MB.
        string refused = OneLine(4, "train", "--max-memory", "1M", "--out", Path.Combine(_dir, "mm"));
        Assert.Contains("needs about", refused);
        Assert.Contains("more than the 1 MB allowed", refused);
        Assert.Contains("--max-memory", refused);
        Assert.Contains("--max-memory", OneLine(2, "train", "--max-memory", "lots", "--out", Path.Combine(_dir, "mm")));
        double need = MemoryBudget.TrainingBytes(new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [500], Latent = 20 },
            100, 1, OptimizerKind.Adam, 8004, 1996, false);
        // Parameters (784·500 + 500 + 2·(500·20 + 20) + 20·500 + 500 + 500·784 + 784 = 806,804) × 5 arrays × 4 bytes, plus batch buffers.
        Assert.InRange(need, 806_804 * 5 * 4.0, 806_804 * 5 * 4.0 + 10e6);
    }

    [Fact]
    public void AModelJsonDescribingAHugeModelIsRefusedNamingIt()
    {
        string json = Path.Combine(_model, ModelFile.ManifestFile);
        Edit(json, n => n["architecture"]!["latent"] = 1_000_000_000);
        string line = OneLine(4, "sample", "--model", _model, "--out", Path.Combine(_dir, "x.png"));
        Assert.Contains(json, line);
        Assert.Contains("needs about", line);
    }

    private static void Edit(string json, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(File.ReadAllText(json))!;
        change(node);
        File.Delete(json); // the top-level files are hard links into the checkpoint: replace, do not overwrite in place
        File.WriteAllText(json, node.ToJsonString());
        Directory.Delete(Path.Combine(Path.GetDirectoryName(json)!, CheckpointStore.FolderName), recursive: true); // no checkpoint to fall back on
    }

    [Theory]
    [InlineData("architecture", null, "\"architecture\" section")]
    [InlineData("training", null, "\"training\" section")]
    [InlineData("training.optimizer", null, "\"training.optimizer\" section")]
    [InlineData("training.binarization", "sometimes", "training.binarization is 'sometimes'")]
    [InlineData("training.estimator", "C", "training.estimator is 'C'")]
    [InlineData("training.batch_size", "-5", "training.batch_size")]
    public void BadModelJsonValuesNameTheFileAndTheField(string field, string? value, string expected)
    {
        string json = Path.Combine(_model, ModelFile.ManifestFile);
        Edit(json, n =>
        {
            var parts = field.Split('.');
            JsonNode parent = n;
            foreach (var p in parts[..^1]) parent = parent[p]!;
            parent[parts[^1]] = value is null ? null : int.TryParse(value, out int k) ? JsonValue.Create(k) : JsonValue.Create(value);
        });
        string line = OneLine(1, "eval", "--model", _model);
        Assert.Contains(json, line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void ABadMetricsRowOnResumeNamesTheFileAndLine()
    {
        string run = Path.Combine(_dir, "run");
        Assert.Equal(0, CliEndToEndTests.Vae("train", "--hidden", "8", "--latent", "2", "--epochs", "1", "--batch", "1000", "--out", run).Code);
        string metrics = Path.Combine(new CheckpointStore(run).Newest()!.Path, CheckpointStore.MetricsFile);
        var lines = File.ReadAllLines(metrics);
        File.Delete(metrics);
        File.WriteAllLines(metrics, [lines[0], "1,8004,abc,1,1,1,1,1,1,1,"]);
        string line = OneLine(1, "train", "--resume", "--epochs", "2", "--out", run);
        Assert.Contains(metrics, line);
        Assert.Contains("line 2", line);
    }

    [Fact]
    public void SplitsOfDifferentShapesAreNamedWithTheirShapes()
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        IdxWriter.WriteImages(Path.Combine(data, "train-images-idx3-ubyte"), new byte[20 * 28 * 27], 20, 28, 27);
        IdxWriter.WriteLabels(Path.Combine(data, "train-labels-idx1-ubyte"), new byte[20]);
        IdxWriter.WriteImages(Path.Combine(data, "t10k-images-idx3-ubyte"), new byte[10 * 28 * 28], 10, 28, 28);
        IdxWriter.WriteLabels(Path.Combine(data, "t10k-labels-idx1-ubyte"), new byte[10]);
        string line = OneLine(1, "train", "--dataset", "mnist", "--data-dir", data, "--batch", "10", "--out", Path.Combine(_dir, "shape"));
        Assert.Contains("756 values per image (27×28)", line);
        Assert.Contains("784 values per image (28×28)", line);
    }

    [Fact]
    public void OutProblemsAreReportedBeforeTraining()
    {
        Assert.Contains("--out must name a folder", OneLine(2, "train", "--out", ""));
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        Assert.Contains("is a file", OneLine(2, "train", "--out", file));
        string under = Path.Combine(file, "run");
        Assert.Contains($"--out {under}: cannot write there", OneLine(1, "train", "--out", under));
        Assert.False(Directory.Exists(Path.Combine(_dir, "b")));
    }

    [Fact]
    public void TrainingOverAnInterruptedRunSaysHowToResume()
    {
        // The model folder holds an epoch-0 checkpoint; make its top level torn as a crash during publishing would.
        File.Delete(Path.Combine(_model, ModelFile.ManifestFile));
        string line = OneLine(2, "train", "--out", _model);
        Assert.Contains("interrupted at the end of epoch 0", line);
        Assert.Contains("--resume", line);
        Assert.DoesNotContain("already holds a model", line);
    }
}
