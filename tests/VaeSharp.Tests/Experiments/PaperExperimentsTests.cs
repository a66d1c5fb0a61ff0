using VaeSharp.Experiments;
using VaeSharp.Training;
using static VaeSharp.Tests.Cli.CliEndToEndTests;

namespace VaeSharp.Tests.Experiments;

/// <summary>Figure 2's summary on hand-made curves, and fig2/fig4/fig5 end to end on the bundled sample at tiny budgets.</summary>
[Collection(VaeSharp.Tests.Cli.ConsoleCollection.Name)]
public sealed class PaperExperimentsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-paper-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static CurvePoint P(long samples, double train, double test) => new(samples, train, test, 1);

    [Fact]
    public void SummarySaysFromWhereAevbStaysAboveWakeSleepAndWhetherItIsAboveOverThePapersRange()
    {
        var curves = new Dictionary<(TrainingMethod, int), IReadOnlyList<CurvePoint>>
        {
            // N_z = 2: wake-sleep leads at first, AEVB above from 50,000 on (train) and from 10⁵ on (test).
            [(TrainingMethod.Aevb, 2)] = [P(1_000, 10, 10), P(50_000, 30, 20), P(100_000, 40, 40), P(1_000_000, 90, 80)],
            [(TrainingMethod.WakeSleep, 2)] = [P(1_000, 20, 20), P(50_000, 25, 25), P(100_000, 30, 30), P(1_000_000, 50, 50)],
            // N_z = 5: AEVB falls behind on test at the last point: never "from", and not above over the paper's range.
            [(TrainingMethod.Aevb, 5)] = [P(1_000, 10, 10), P(100_000, 40, 40), P(1_000_000, 90, 40)],
            [(TrainingMethod.WakeSleep, 5)] = [P(1_000, 5, 5), P(100_000, 30, 30), P(1_000_000, 50, 50)],
        };
        string md = PaperExperiments.Figure2Summary("test", [2, 5], [TrainingMethod.Aevb, TrainingMethod.WakeSleep], curves);
        Assert.Contains("| 2 | 4 | no | no | -10.00 | -10.00 | yes / yes | 50,000 / 100,000 |", md);
        Assert.Contains("| 5 | 3 | yes | no | 5.00 | -10.00 | yes / no | 1,000 / never |", md);
        Assert.Contains("above at every point from 100,000 samples", md);
    }

    // The paper's settings (784-500-J, the step-size choice over 3 × 200 minibatches) make each run costly in a Debug
    // build, so this runs AEVB only at N_z = 2 for one pass; wake-sleep has its own tests (Baselines/).
    [Fact]
    public void Fig2AndFig4RunOnTheSampleWriteTheirFilesShareTheirRunAndExtendIt()
    {
        string outDir = Path.Combine(_dir, "paper");
        string[] common = ["--dataset", "mnist-sample", "--threads", "2", "--seed", "3", "--out", outDir];
        var fig2 = Vae(["experiment", "fig2", .. common, "--latents", "2", "--methods", "aevb", "--budget-samples", "1000"]);
        Assert.True(fig2.Code == 0, fig2.Err);
        foreach (var f in new[] { "fig2-mnist-sample.csv", "fig2-mnist-sample.md", "fig2-mnist-sample-nz2.svg" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Contains("| 2 | aevb | 8,004 |", File.ReadAllText(Path.Combine(outDir, "fig2-mnist-sample.md")));
        var csv = File.ReadAllLines(Path.Combine(outDir, "fig2-mnist-sample.csv"));
        Assert.Equal(2, csv.Length);

        // Figure 4 draws the 2-D AEVB run of Figure 2: the same budget trains nothing more.
        string metrics = Path.Combine(outDir, "runs", "mnist-sample-aevb-nz2", "metrics.csv");
        string before = File.ReadAllText(metrics);
        var fig4 = Vae(["experiment", "fig4", .. common, "--budget-samples", "1000"]);
        Assert.True(fig4.Code == 0, fig4.Err);
        Assert.True(File.Exists(Path.Combine(outDir, "fig4-mnist-sample.png")));
        Assert.Equal(before, File.ReadAllText(metrics));

        // A larger budget extends the run: a second pass and its evaluation.
        var more = Vae(["experiment", "fig2", .. common, "--latents", "2", "--methods", "aevb", "--budget-samples", "9000"]);
        Assert.True(more.Code == 0, more.Err);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "fig2-mnist-sample.csv")).Length);
        Assert.NotEqual(before, File.ReadAllText(metrics));
    }
}
