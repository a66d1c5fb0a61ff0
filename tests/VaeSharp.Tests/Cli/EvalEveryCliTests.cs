using static VaeSharp.Tests.Cli.CliEndToEndTests;

namespace VaeSharp.Tests.Cli;

/// <summary><c>vae train --eval-every N</c>: the test split evaluated (and pictures drawn) every N epochs and after the last.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class EvalEveryCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-evalevery-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] Small = ["--hidden", "32", "--latent", "4", "--threads", "2", "--seed", "5", "--batch", "50"];

    [Fact]
    public void SkippedEpochsLeaveTheTestColumnsBlankAndTrainingIsUnchanged()
    {
        string every = Path.Combine(_dir, "every"), sparse = Path.Combine(_dir, "sparse");
        var a = Vae(["train", "--epochs", "5", "--out", every, .. Small]);
        Assert.True(a.Code == 0, a.Err);
        var b = Vae(["train", "--epochs", "5", "--eval-every", "2", "--out", sparse, .. Small]);
        Assert.True(b.Code == 0, b.Err);

        // Epochs 2 and 4 (multiples of 2) and 5 (the last) are evaluated; 1 and 3 are not, and say so.
        var lines = b.Out.Split('\n').Where(l => l.StartsWith("epoch", StringComparison.Ordinal)).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.Equal([true, false, true, false, false], lines.Select(l => l.Contains("not evaluated")).ToArray());
        var rows = File.ReadAllLines(Path.Combine(sparse, "metrics.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        var full = File.ReadAllLines(Path.Combine(every, "metrics.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(5, rows.Length);
        for (int e = 0; e < 5; e++)
        {
            bool evaluated = (e + 1) % 2 == 0 || e == 4;
            Assert.Equal(evaluated, rows[e][5] != "");
            // Evaluation draws from its own streams: the training figures, and the test figures where both evaluated, are the same.
            Assert.Equal(full[e][..5], rows[e][..5]);
            if (evaluated) Assert.Equal(full[e][5..8], rows[e][5..8]);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(every, "model.safetensors")), File.ReadAllBytes(Path.Combine(sparse, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(sparse, "samples.png")));
    }

    [Fact]
    public void BadOrClashingValuesAreUsageErrors()
    {
        var zero = Vae(["train", "--epochs", "1", "--eval-every", "0", "--out", Path.Combine(_dir, "z"), .. Small]);
        Assert.Equal(2, zero.Code);
        Assert.Contains("--eval-every must be a positive whole number", zero.Err);
        var early = Vae(["train", "--epochs", "2", "--eval-every", "2", "--validation", "100", "--early-stopping", "3", "--out", Path.Combine(_dir, "e"), .. Small]);
        Assert.Equal(2, early.Code);
        Assert.Contains("--early-stopping reads the validation figure after every epoch", early.Err);
        var plateau = Vae(["train", "--epochs", "2", "--eval-every", "3", "--validation", "100", "--lr-schedule", "plateau", "--out", Path.Combine(_dir, "p"), .. Small]);
        Assert.Equal(2, plateau.Code);
        Assert.Contains("--lr-schedule plateau reads the validation figure", plateau.Err);
    }
}
