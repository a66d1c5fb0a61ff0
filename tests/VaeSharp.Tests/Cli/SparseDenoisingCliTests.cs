using System.Globalization;
using static VaeSharp.Tests.Cli.CliEndToEndTests;

namespace VaeSharp.Tests.Cli;

/// <summary><c>vae experiment sparse</c> and <c>vae experiment denoising --levels</c> end to end on a few hundred digits, one epoch.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SparseDenoisingCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-sparse-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void SparseWritesTheTableTilesAndChartAndASecondCallReadsTheRuns()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "sparse");
        CliProcess.WriteSmallMnist(data, train: 200, test: 40);
        string[] common = ["experiment", "sparse", "--dataset", "mnist", "--data-dir", data, "--l1", "0,0.1", "--hidden", "16", "--latent", "8",
            "--out", outDir, "--threads", "2", "--seed", "4"];
        var r = Vae([.. common, "--epochs", "1"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("λ = 0.1: epoch 1/1", r.Out);
        string csvPath = Path.Combine(outDir, "sparse-mnist.csv");
        var rows = File.ReadAllLines(csvPath);
        Assert.Equal("l1,epochs,test_images,latent,threshold,error,error_se,near_zero_share,near_zero_share_se,mean_abs_code,mean_abs_code_se,hoyer,hoyer_se,dead_units", rows[0]);
        Assert.Equal(3, rows.Length);
        foreach (var (row, l1) in rows.Skip(1).Zip(new[] { "0", "0.1" }))
        {
            var f = row.Split(',');
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            Assert.Equal([l1, "1", "40", "8", "0.05"], f[..5]);
            Assert.True(D(5) > 0 && D(6) > 0, row);                       // error ± s.e.
            Assert.InRange(D(7), 0, 1);                                     // near-zero share
            Assert.True(D(9) > 0 && D(11) >= 0 && D(11) <= 1, row);         // mean |h|, Hoyer
            Assert.InRange(int.Parse(f[13], CultureInfo.InvariantCulture), 0, 8);
        }
        foreach (string file in new[] { "sparse-mnist.md", "sparse-mnist-activity.svg", "sparse-mnist-features-l1-0.png", "sparse-mnist-features-l1-0.1.png" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
            Assert.Contains(Path.Combine(outDir, file), r.Out);
        }
        Assert.Contains("| 0.1 | 1 |", File.ReadAllText(Path.Combine(outDir, "sparse-mnist.md")));
        Assert.Contains("\"model\": \"sparse-ae\"", File.ReadAllText(Path.Combine(outDir, "runs", "mnist-sparse-ae-l1-0.1", "model.json")));
        Assert.Contains("\"model\": \"ae\"", File.ReadAllText(Path.Combine(outDir, "runs", "mnist-sparse-ae-l1-0", "model.json")));

        // Again: the runs are read, nothing is trained, the table is the same.
        var again = Vae([.. common, "--epochs", "1"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.DoesNotContain("epoch 1/1", again.Out);
        Assert.Equal(rows, File.ReadAllLines(csvPath));

        // More epochs continue each run from its checkpoint.
        var more = Vae([.. common, "--epochs", "2"]);
        Assert.True(more.Code == 0, more.Err);
        Assert.Contains("λ = 0: epoch 2/2", more.Out);
        Assert.DoesNotContain("epoch 1/2", more.Out);
        Assert.All(File.ReadAllLines(csvPath).Skip(1), l => Assert.Equal("2", l.Split(',')[1]));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "runs", "mnist-sparse-ae-l1-0", "metrics.csv")).Length);

        // Other sizes into the same --out: the runs there are not these, so the command refuses instead of continuing them.
        string[] wider = [.. common.Select(a => a == "16" ? "24" : a), "--epochs", "3"];
        var clash = Vae(wider);
        Assert.NotEqual(0, clash.Code);
        Assert.Contains("holds a run made with other settings", clash.Err);
        Assert.Contains("hidden: 16 vs 24", clash.Err);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "runs", "mnist-sparse-ae-l1-0", "metrics.csv")).Length);
    }

    [Fact]
    public void TheLevelSweepWritesATableAndAChartPerKind()
    {
        string data = Path.Combine(_dir, "data"), outDir = Path.Combine(_dir, "levels");
        CliProcess.WriteSmallMnist(data, train: 200, test: 40);
        string[] args = ["experiment", "denoising", "--dataset", "mnist", "--data-dir", data, "--levels", "gaussian:0.4,0.2", "--levels", "mask:0.3",
            "--hidden", "16", "--latent", "8", "--epochs", "1", "--out", outDir, "--threads", "2", "--seed", "4"];
        var r = Vae(args);
        Assert.True(r.Code == 0, r.Err);
        var rows = File.ReadAllLines(Path.Combine(outDir, "denoising-levels-mnist.csv"));
        Assert.Equal("noise,noisy_psnr_db,denoised_psnr_db,gain_db,gain_se_db,images,noisy_psnr_se_db,denoised_psnr_se_db", rows[0]);
        Assert.Equal(["gaussian:0.2", "gaussian:0.4", "mask:0.3"], rows.Skip(1).Select(l => l.Split(',')[0]));
        var noisy = rows.Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.True(noisy[0] > noisy[1] + 3, "σ = 0.2 leaves a higher PSNR than σ = 0.4 (about 6 dB: 20 log₁₀ 2)");
        foreach (var l in rows.Skip(1))
        {
            var f = l.Split(',');
            Assert.Equal("40", f[5]);
            Assert.True(double.Parse(f[6], CultureInfo.InvariantCulture) > 0 && double.Parse(f[7], CultureInfo.InvariantCulture) > 0, l);
        }
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(outDir, "denoising-levels-mnist-gaussian.svg")).ToString();
        Assert.Contains("noisy x̃", svg);
        Assert.Contains("denoised g(f(x̃))", svg);
        foreach (string file in new[] { "denoising-levels-mnist.md", "denoising-levels-mnist-mask.svg", "denoising-levels-mnist-gaussian.png", "denoising-levels-mnist-mask.png" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        Assert.True(Directory.Exists(Path.Combine(outDir, "runs", "mnist-dae-gaussian-0.2")));

        // The runs are shared with the plain experiment: --noises gaussian:0.2 reads the run the sweep trained.
        var plain = Vae(["experiment", "denoising", "--dataset", "mnist", "--data-dir", data, "--noises", "gaussian:0.2",
            "--hidden", "16", "--latent", "8", "--epochs", "1", "--out", outDir, "--threads", "2", "--seed", "4"]);
        Assert.True(plain.Code == 0, plain.Err);
        Assert.DoesNotContain("epoch 1/1", plain.Out);
        Assert.Equal(rows[1], File.ReadAllLines(Path.Combine(outDir, "denoising-mnist.csv"))[1]);
    }

    [Theory]
    [InlineData("--l1", "0,-0.1", "sparse")]
    [InlineData("--l1", "0,x", "sparse")]
    [InlineData("--l1", "0.1,0.1", "sparse")]
    [InlineData("--threshold", "0", "sparse")]
    [InlineData("--latent", "0", "sparse")]
    [InlineData("--epochs", "0", "sparse")]
    [InlineData("--levels", "gaussian:0.1,abc", "denoising")]
    [InlineData("--levels", "mask:1.5", "denoising")]
    [InlineData("--levels", "0.1,0.2", "denoising")]
    [InlineData("--levels", "blur:0.1", "denoising")]
    public void BadOptionsGiveOneLineNamingTheOption(string option, string value, string experiment)
    {
        var (code, _, err) = Vae("experiment", experiment, option, value, "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("vae: ", lines[0]);
        Assert.Contains(option, lines[0]);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad", "runs")));
    }

    [Fact]
    public void LevelsAndNoisesTogetherAreRefused()
    {
        var (code, _, err) = Vae("experiment", "denoising", "--levels", "gaussian:0.1", "--noises", "mask:0.2", "--out", Path.Combine(_dir, "bad"));
        Assert.Equal(2, code);
        Assert.Contains("--levels and --noises", err);
    }
}
