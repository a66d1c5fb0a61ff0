using System.Globalization;
using VaeSharp.IO;
using VaeSharp.Training;
using static VaeSharp.Tests.Cli.CliEndToEndTests;

namespace VaeSharp.Tests.Cli;

/// <summary><c>vae experiment fig3</c> end to end on tiny settings: a few hundred digits, a tiny network, a cheap estimator.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class Figure3CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-fig3-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string[] Common(string data, string outDir) =>
        ["experiment", "fig3", "--dataset", "mnist", "--data-dir", data, "--train-sizes", "100,150", "--methods", "aevb,wake-sleep,mcem",
         "--mcem-max-train", "100", "--hidden", "10", "--ml-points", "8", "--ml-samples", "10", "--ml-burn-in", "40",
         "--check-importance-samples", "40", "--reference-samples", "300", "--out", outDir, "--threads", "1", "--seed", "3"];

    private static Dictionary<string, List<string>> RowsByRun(string csvPath)
    {
        var rows = File.ReadAllLines(csvPath);
        Assert.Equal("dataset,train_size,method,samples,train_ml,train_se,test_ml,test_se,acceptance,train_seconds,estimate_seconds,step_size", rows[0]);
        return rows.Skip(1).GroupBy(r => string.Join(",", r.Split(',').Take(3))).ToDictionary(g => g.Key, g => g.ToList());
    }

    [Fact]
    public void TrainsEstimatesWritesCsvMarkdownAndSvgThenResumesAndExtends()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "fig3");
        CliProcess.WriteSmallMnist(data, train: 200, test: 30);
        var r = Vae([.. Common(data, outDir), "--budget-samples", "300"]);
        Assert.True(r.Code == 0, r.Err);
        string csvPath = Path.Combine(outDir, "fig3-mnist.csv"), mdPath = Path.Combine(outDir, "fig3-mnist.md");
        foreach (var path in new[] { csvPath, mdPath, Path.Combine(outDir, "fig3-mnist-n100.svg"), Path.Combine(outDir, "fig3-mnist-n150.svg") })
        {
            Assert.True(File.Exists(path), path);
            Assert.Contains(path, r.Out);
        }
        var runs = RowsByRun(csvPath);
        // Monte Carlo EM only on the small set; every other pair has its run.
        Assert.Equal(["mnist,100,aevb", "mnist,100,mcem", "mnist,100,wake-sleep", "mnist,150,aevb", "mnist,150,wake-sleep"], runs.Keys.Order());
        foreach (var (run, rows) in runs)
        {
            // Estimates at the first epoch (the first point of the decade) and at the end of the budget.
            var samples = rows.Select(x => long.Parse(x.Split(',')[3], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(run.Contains(",100,") ? [100L, 300L] : [150L, 300L], samples);
            foreach (var row in rows)
            {
                var f = row.Split(',').Skip(4).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                Assert.All(f, v => Assert.True(double.IsFinite(v), row));
                Assert.True(f[0] < 0 && f[2] < 0 && f[1] > 0 && f[3] > 0, row);   // log p(x) < 0 for binary pixels; standard errors over 8 points
                Assert.InRange(f[4], 0.05, 1.0);                                 // HMC acceptance
            }
        }
        string md = File.ReadAllText(mdPath);
        Assert.Contains("| 100 | mcem | 300 |", md);
        Assert.DoesNotContain("| 150 | mcem |", md);
        Assert.Contains("- N_train = 100: ", md);
        Assert.Matches(@"\| 100 \| 300 \| 8 \| -[0-9.]+ ± [0-9.]+ \| -[0-9.]+ ± [0-9.]+ \(40\) \|", md);
        // The reference beside the check: its estimate, K, ESS and both estimators' errors against it.
        Assert.Matches(@"\| 100 \| -[0-9.]+ ± [0-9.]+ \(300\) \| [0-9,]+ \| [0-8] \| -?[0-9.]+ ± [0-9.]+ \| -?[0-9.]+ ± [0-9.]+ \|", md);
        Assert.Contains("reference (posterior importance sampling, K = 300)", r.Out);
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(outDir, "fig3-mnist-n100.svg")).ToString();
        Assert.Contains("MCEM (test)", svg);
        Assert.Contains("AEVB (train)", svg);
        Assert.DoesNotContain("MCEM", System.Xml.Linq.XDocument.Load(Path.Combine(outDir, "fig3-mnist-n150.svg")).ToString());
        // The MCEM run's chains are in its optimizer file; its manifest says how it was trained.
        string mcem = Path.Combine(outDir, "runs", "mnist-fig3-n100-mcem");
        var saved = ModelFile.Load(mcem);
        Assert.Equal("mcem", saved.State.Method);
        Assert.Equal(100 * 3, saved.OptimizerState[MonteCarloEm.PositionsName].Length);
        Assert.Equal([10], saved.Model.Config.Hidden);

        // The same budget again: nothing to train or estimate, the same table.
        string before = File.ReadAllText(csvPath), checkBefore = File.ReadAllText(Path.Combine(outDir, "runs", "mnist-fig3-n100-aevb", "estimator-check.csv"));
        var again = Vae([.. Common(data, outDir), "--budget-samples", "300"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal(before, File.ReadAllText(csvPath));
        Assert.DoesNotContain("samples  log p(x)", again.Out);
        Assert.Equal(checkBefore, File.ReadAllText(Path.Combine(outDir, "runs", "mnist-fig3-n100-aevb", "estimator-check.csv")));

        // A larger budget extends every run: the earlier estimates stay, one more at the new end.
        var more = Vae([.. Common(data, outDir), "--budget-samples", "600"]);
        Assert.True(more.Code == 0, more.Err);
        var extended = RowsByRun(csvPath);
        foreach (var (run, rows) in runs)
        {
            Assert.Equal(rows, extended[run].Take(rows.Count));
            Assert.Equal(rows.Count + 1, extended[run].Count);
            Assert.Equal("600", extended[run][^1].Split(',')[3]);
        }
        Assert.Contains("| 100 | 600 | 8 |", File.ReadAllText(mdPath));
    }

    [Theory]
    [InlineData("--train-sizes", "0", "--train-sizes")]
    [InlineData("--train-sizes", "100,1000000", "--train-sizes: 1000000")]
    [InlineData("--methods", "aevb,annealing", "--methods: unknown training method 'annealing'")]
    [InlineData("--methods", "pca", "--methods: pca")]
    [InlineData("--ml-samples", "1", "--ml-samples")]
    [InlineData("--ml-points", "0", "--ml-points")]
    [InlineData("--ml-per-decade", "0", "--ml-per-decade")]
    [InlineData("--latent", "6", "--latent")]
    [InlineData("--check-importance-samples", "-1", "--check-importance-samples")]
    public void BadOptionsEndInOneLine(string option, string value, string expected)
    {
        string data = Path.Combine(_dir, "data");
        CliProcess.WriteSmallMnist(data, train: 200, test: 30);
        string outDir = Path.Combine(_dir, "bad");
        var args = Common(data, outDir).ToList();
        int i = args.IndexOf(option);
        if (i >= 0) args[i + 1] = value; else args.AddRange([option, value]);
        var (code, _, err) = Vae([.. args, "--budget-samples", "100"]);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got: {err}");
        Assert.StartsWith("vae: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.NotEqual(0, code);
        Assert.False(Directory.Exists(Path.Combine(outDir, "runs")), "nothing may be trained before the options are checked");
    }

    [Fact]
    public void AFolderHoldingARunMadeWithOtherSettingsIsRefusedNotExtended()
    {
        string data = Path.Combine(_dir, "data-other"), outDir = Path.Combine(_dir, "fig3-other");
        CliProcess.WriteSmallMnist(data, train: 120, test: 20);
        string[] common = ["experiment", "fig3", "--dataset", "mnist", "--data-dir", data, "--train-sizes", "100", "--methods", "aevb",
            "--ml-points", "4", "--ml-samples", "5", "--ml-burn-in", "5", "--check-importance-samples", "0", "--out", outDir, "--threads", "1"];
        var first = Vae([.. common, "--hidden", "10", "--budget-samples", "200"]);
        Assert.True(first.Code == 0, first.Err);
        string curve = File.ReadAllText(Path.Combine(outDir, "runs", "mnist-fig3-n100-aevb", "curve.csv"));
        var other = Vae([.. common, "--hidden", "12", "--budget-samples", "400"]);
        Assert.NotEqual(0, other.Code);
        Assert.Contains("holds a run made with other settings", other.Err);
        Assert.Contains("hidden: 10 vs 12", other.Err);
        Assert.Single(other.Err.Trim().Split('\n'));
        Assert.Equal(curve, File.ReadAllText(Path.Combine(outDir, "runs", "mnist-fig3-n100-aevb", "curve.csv")));
    }
}
