using System.Globalization;
using static VaeSharp.Tests.Cli.CliEndToEndTests;

namespace VaeSharp.Tests.Cli;

/// <summary><c>vae experiment nll</c> end to end on tiny settings: a few hundred MNIST digits, a pass or two, small K.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class NllExperimentCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-nll-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TrainsEvaluatesWritesTheTableAndCurvesAndExtendsTheRunsOnALargerBudget()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "nll");
        CliProcess.WriteSmallMnist(data, train: 200, test: 40);
        string[] common = ["experiment", "nll", "--dataset", "mnist", "--data-dir", data, "--objectives", "vae,iwae3",
            "--importance-samples", "30", "--out", outDir, "--threads", "2", "--seed", "4"];
        var r = Vae([.. common, "--passes", "1"]);
        Assert.True(r.Code == 0, r.Err);
        string csvPath = Path.Combine(outDir, "nll-mnist.csv");
        var rows = File.ReadAllLines(csvPath);
        Assert.Equal("objective,passes,train_seconds,test_images,importance_samples,nll,nll_se,elbo,elbo_se,active_units,latent", rows[0]);
        Assert.Equal(3, rows.Length);
        foreach (var (row, name) in rows.Skip(1).Zip(new[] { "vae", "iwae3" }))
        {
            var f = row.Split(',');
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            Assert.Equal(name, f[0]);
            Assert.Equal("1", f[1]);
            Assert.Equal("40", f[3]);
            Assert.Equal("30", f[4]);
            // −log p(x) lies below −ELBO (importance sampling's estimate is at least the ELBO's on average), both finite and positive.
            Assert.True(D(5) > 0 && D(5) < -D(7), row);
            Assert.True(D(6) > 0 && D(8) > 0, row);
            Assert.Equal("50", f[10]);
            Assert.InRange(int.Parse(f[9], CultureInfo.InvariantCulture), 0, 50);
        }
        string md = File.ReadAllText(Path.Combine(outDir, "nll-mnist.md"));
        Assert.Contains("| vae | 1 |", md);
        Assert.Contains("| iwae3 | 1 |", md);
        Assert.Contains("K = 30", md);
        // Per image, beside each run's cache: its mean is the table's NLL, and the paired column is the mean of the
        // differences of the two files, row by row.
        double[] PerImage(string run)
        {
            var lines = File.ReadAllLines(Path.Combine(outDir, "runs", run, "nll-per-image.csv"));
            Assert.Equal("image,log_px,log_px_se,elbo", lines[0]);
            Assert.Equal(41, lines.Length);
            return [.. lines.Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture))];
        }
        double[] vaeLogPx = PerImage("mnist-vae"), iwaeLogPx = PerImage("mnist-iwae3");
        Assert.Equal(-double.Parse(rows[1].Split(',')[5], CultureInfo.InvariantCulture), vaeLogPx.Average(), 9);
        double gain = iwaeLogPx.Zip(vaeLogPx, (a, b) => a - b).Average();
        Assert.Contains("NLL below vae's (paired)", md);
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, "| {0:F2} ± ", gain), md.Split('\n').Single(l => l.StartsWith("| iwae3 |", StringComparison.Ordinal)));
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(outDir, "nll-mnist-curves.svg"));
        Assert.Contains("iwae3: L_3", svg.ToString());
        var manifest = File.ReadAllText(Path.Combine(outDir, "runs", "mnist-iwae3", "model.json"));
        Assert.Contains("\"objective\": \"iwae\"", manifest);
        Assert.Contains("\"samples\": 3", manifest);
        Assert.Contains("\"lr_schedule\": \"iwae\"", manifest);
        Assert.Contains("\"batch_size\": 20", manifest);
        Assert.Contains("\"epsilon\": 0.0001", manifest);

        // The same budget again: nothing to train, the evaluations come from the runs' caches, the table is the same.
        var again = Vae([.. common, "--passes", "1"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("read from", again.Out);
        Assert.Equal(rows, File.ReadAllLines(csvPath));

        // A larger budget continues both runs from their checkpoints and evaluates them anew.
        var more = Vae([.. common, "--passes", "2"]);
        Assert.True(more.Code == 0, more.Err);
        Assert.Contains("resuming", more.Out);
        var extended = File.ReadAllLines(csvPath);
        Assert.All(extended.Skip(1), l => Assert.Equal("2", l.Split(',')[1]));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "runs", "mnist-vae", "metrics.csv")).Length);

        var clash = Vae([.. common, "--passes", "1", "--minutes", "5"]);
        Assert.NotEqual(0, clash.Code);
        Assert.Contains("--minutes or --passes", clash.Err);
    }

    [Fact]
    public void PerObjectivePassBudgetsWithACosineScheduleAnnealOverEachRunsOwnBudget()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "nll-cos");
        CliProcess.WriteSmallMnist(data, train: 120, test: 30);
        string[] common = ["experiment", "nll", "--dataset", "mnist", "--data-dir", data, "--objectives", "vae,iwae3",
            "--importance-samples", "10", "--out", outDir, "--threads", "1", "--seed", "2", "--lr-schedule", "cosine"];
        var r = Vae([.. common, "--passes", "vae=2,iwae3=1"]);
        Assert.True(r.Code == 0, r.Err);
        var rows = File.ReadAllLines(Path.Combine(outDir, "nll-mnist.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["vae", "2"], rows[0][..2]);
        Assert.Equal(["iwae3", "1"], rows[1][..2]);
        Assert.Contains("\"lr_schedule\": \"cosine:2\"", File.ReadAllText(Path.Combine(outDir, "runs", "mnist-vae", "model.json")));
        Assert.Contains("\"lr_schedule\": \"cosine:1\"", File.ReadAllText(Path.Combine(outDir, "runs", "mnist-iwae3", "model.json")));
        Assert.Contains("cosine over each run's passes", File.ReadAllText(Path.Combine(outDir, "nll-mnist.md")));

        // A cosine run ends annealed: a new budget would change the schedule of the passes already made, so it is refused.
        var extend = Vae([.. common, "--passes", "vae=3,iwae3=1"]);
        Assert.Equal(1, extend.Code);
        Assert.Contains("cannot be extended", extend.Err);

        var missing = Vae([.. common, "--passes", "vae=2"]);
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("no budget for iwae3", missing.Err);
        var minutes = Vae([.. common, "--minutes", "1"]);
        Assert.NotEqual(0, minutes.Code);
        Assert.Contains("give vae a pass budget", minutes.Err);
    }

    [Fact]
    public void BatchSizeAndLearningRateAreTheRunsOwnAndARunMadeWithOthersIsRefused()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "nll-batch");
        CliProcess.WriteSmallMnist(data, train: 120, test: 30);
        string[] common = ["experiment", "nll", "--dataset", "mnist", "--data-dir", data, "--objectives", "vae",
            "--importance-samples", "10", "--out", outDir, "--threads", "1", "--lr-schedule", "cosine", "--passes", "2"];
        var r = Vae([.. common, "--batch", "40", "--lr", "0.002"]);
        Assert.True(r.Code == 0, r.Err);
        string manifest = File.ReadAllText(Path.Combine(outDir, "runs", "mnist-vae", "model.json"));
        Assert.Contains("\"batch_size\": 40", manifest);
        Assert.Contains("\"learning_rate\": 0.002", manifest);
        string md = File.ReadAllText(Path.Combine(outDir, "nll-mnist.md"));
        Assert.Contains("M = 40, learning rate from 0.002 to 0.00002 by a cosine", md);

        var other = Vae([.. common, "--batch", "20", "--lr", "0.002"]);
        Assert.Equal(1, other.Code);
        Assert.Contains("M = 40, learning rate 0.002; not vae on mnist, seed 1, M = 20", other.Err);

        foreach (var (option, value) in new[] { ("--batch", "0"), ("--lr", "-1"), ("--lr", "NaN") })
        {
            var bad = Vae([.. common, option, value]);
            Assert.NotEqual(0, bad.Code);
            Assert.Contains(option, bad.Err);
            Assert.Single(bad.Err.Trim().Split('\n'));
        }
    }

    [Fact]
    public void EarlyStoppingScoresTheBestPassByValidationBound()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "nll-early");
        CliProcess.WriteSmallMnist(data, train: 120, test: 30);
        string[] common = ["experiment", "nll", "--dataset", "mnist", "--data-dir", data, "--objectives", "vae",
            "--importance-samples", "10", "--out", outDir, "--threads", "1", "--passes", "8", "--batch", "10", "--lr", "0.01",
            "--validation", "40", "--early-stopping", "2"];
        var r = Vae(common);
        Assert.True(r.Code == 0, r.Err);
        string run = Path.Combine(outDir, "runs", "mnist-vae");
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        int valid = Array.IndexOf(metrics[0].Split(','), "valid_elbo");
        var rows = metrics.Skip(1).Select(l => l.Split(',')).Select(f => (Epoch: int.Parse(f[0], CultureInfo.InvariantCulture),
            Valid: double.Parse(f[valid], CultureInfo.InvariantCulture))).ToList();
        int best = rows.MaxBy(x => x.Valid).Epoch;
        // Either the budget ran out or two passes in a row did not beat the best; the table scores the best pass's model.
        Assert.True(rows.Count == 8 || rows[^1].Epoch - best == 2, string.Join(" ", rows));
        var table = File.ReadAllLines(Path.Combine(outDir, "nll-mnist.csv"))[1].Split(',');
        Assert.Equal(best, int.Parse(table[1], CultureInfo.InvariantCulture));
        Assert.Contains("validation split", File.ReadAllText(Path.Combine(outDir, "nll-mnist.md")));
        Assert.Contains("\"early_stopping\": 2", File.ReadAllText(Path.Combine(run, "model.json")));

        var other = Vae([.. common[..^2], "--early-stopping", "3"]);
        Assert.Equal(1, other.Code);
        Assert.Contains("early stopping 2", other.Err);
        var bad = Vae([.. common[..^4], "--early-stopping", "2"]);
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("--validation", bad.Err);
    }
}
