using VaeSharp.Cli;
using VaeSharp.Imaging;

namespace VaeSharp.Tests.Cli;

/// <summary>The <c>vae</c> command end to end, in-process. In the console collection, so console redirections never overlap.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class CliEndToEndTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    internal static (int Code, string Out, string Err) Vae(params string[] args)
    {
        var oldOut = Console.Out;
        var oldErr = Console.Error;
        var o = new StringWriter();
        var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (Program.Run(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private static readonly string[] Small = ["--hidden", "32", "--latent", "2", "--threads", "2", "--seed", "7"];

    [Fact]
    public void TrainWritesEveryPromisedFileAndTheModelCommandsWork()
    {
        string run = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = Vae(["train", "--epochs", "1", "--out", run, .. Small]);
        Assert.True(code == 0, stderr);
        Assert.Contains("epoch   1/1", stdout);
        foreach (var f in new[] { "model.safetensors", "model.json", "optimizer.safetensors", "metrics.csv", "elbo.svg", "samples.png", "reconstructions.png", "manifold.png", "latent-map.png" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing");
        foreach (var png in Directory.GetFiles(run, "*.png"))
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(png)[..4]);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.Equal(2, metrics.Length);
        Assert.StartsWith("epoch,samples_seen,train_elbo", metrics[0]);
        double elbo = double.Parse(metrics[1].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(elbo, -400, -100); // an epoch on the sample: far better than the untrained 543 nats, far from perfect
        System.Xml.Linq.XDocument.Load(Path.Combine(run, "elbo.svg"));

        var ev = Vae("eval", "--model", run);
        Assert.True(ev.Code == 0, ev.Err);
        // eval repeats training's test evaluation exactly (same binarization draw, same ε stream).
        var elboLine = ev.Out.Split('\n').Single(l => l.TrimStart().StartsWith("ELBO", StringComparison.Ordinal));
        double evalElbo = double.Parse(elboLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(elbo, evalElbo, 3);

        // The appendix-D estimator beside importance sampling: both lines, on the same 10 images.
        var ml = Vae("eval", "--model", run, "--limit", "10", "--marginal-likelihood", "hmc", "--hmc-samples", "20", "--importance-samples", "200");
        Assert.True(ml.Code == 0, ml.Err);
        Assert.Contains("importance sampling, K = 200", ml.Out);
        Assert.Contains("HMC estimator, appendix D: L = 20", ml.Out);
        var all = Vae("eval", "--model", run, "--limit", "4", "--marginal-likelihood", "all", "--hmc-samples", "20");
        Assert.True(all.Code == 0, all.Err);
        Assert.Contains("HMC estimator, appendix D: L = 20", all.Out);
        Assert.Contains("importance sampling from the fitted posterior: 4 HMC chains, K = 20,000", all.Out);

        foreach (var cmd in new[] { "sample", "reconstruct", "manifold", "latent-map" })
        {
            string png = Path.Combine(_dir, cmd + ".png");
            var r = Vae(cmd, "--model", run, "--out", png);
            Assert.True(r.Code == 0, $"{cmd}: {r.Err}");
            Assert.True(new FileInfo(png).Length > 100);
        }
    }

    [Fact]
    public void ResumingGivesBitIdenticalWeightsToAStraightRun()
    {
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        Assert.Equal(0, Vae(["train", "--epochs", "2", "--out", straight, .. Small]).Code);
        Assert.Equal(0, Vae(["train", "--epochs", "1", "--out", resumed, .. Small]).Code);
        var r = Vae("train", "--resume", "--epochs", "2", "--out", resumed, "--threads", "1");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(resumed, "metrics.csv")).Length);

        // Settings are the saved run's: changing one on resume is refused, naming the option.
        var clash = Vae("train", "--resume", "--epochs", "3", "--out", resumed, "--lr", "0.1");
        Assert.Equal(2, clash.Code);
        Assert.Contains("--lr", clash.Err);
    }

    [Theory]
    [InlineData("ae", "--hidden", "32")]
    [InlineData("linear-ae", "--no-bias")]
    [InlineData("sparse-ae", "--l1", "0.01", "--hidden", "32")]
    [InlineData("denoising-ae", "--noise", "mask:0.25", "--hidden", "32", "--loss", "bce")]
    public void EveryAutoencoderKindTrainsEvaluatesAndResumesOnTheSameEngine(string kind, params string[] extra)
    {
        string straight = Path.Combine(_dir, kind + "-straight"), resumed = Path.Combine(_dir, kind + "-resumed");
        string[] common = ["train", "--model", kind, "--latent", "2", "--threads", "2", "--seed", "3", .. extra];
        var a = Vae([.. common, "--epochs", "2", "--out", straight]);
        Assert.True(a.Code == 0, a.Err);
        Assert.Contains($"{kind} (", a.Out);
        var metrics = File.ReadAllLines(Path.Combine(straight, "metrics.csv"));
        Assert.StartsWith("epoch,samples_seen,train_objective,train_recon,train_l1", metrics[0]);
        double first = double.Parse(metrics[1].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture);
        double second = double.Parse(metrics[2].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(second > first, $"test objective did not improve: {first} then {second}");
        foreach (var f in new[] { "samples.png", "reconstructions.png", "manifold.png", "latent-map.png", "elbo.svg" })
            Assert.True(File.Exists(Path.Combine(straight, f)), $"{f} missing");

        Assert.Equal(0, Vae([.. common, "--epochs", "1", "--out", resumed]).Code);
        var r = Vae("train", "--resume", "--epochs", "2", "--out", resumed);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));

        var ev = Vae("eval", "--model", straight);
        Assert.True(ev.Code == 0, ev.Err);
        Assert.Contains("reconstruction error", ev.Out);
        var imp = Vae("eval", "--model", straight, "--importance-samples", "10");
        Assert.Equal(1, imp.Code);
        Assert.Contains("no likelihood", imp.Err);
    }

    [Theory]
    [InlineData("train", "--model", "sparse-ae")]
    [InlineData("train", "--model", "denoising-ae")]
    [InlineData("train", "--model", "ae", "--l1", "0.1")]
    [InlineData("train", "--model", "vae", "--noise", "mask:0.1")]
    [InlineData("train", "--model", "ae", "--decoder", "gaussian")]
    [InlineData("train", "--model", "linear-ae", "--hidden", "20")]
    [InlineData("train", "--model", "ae", "--no-bias")]
    [InlineData("train", "--model", "denoising-ae", "--noise", "mask:2")]
    public void ModelKindOptionsThatDoNotFitAreRefusedInOneLine(params string[] args)
    {
        var (code, _, err) = Vae(args);
        Assert.Equal(2, code); // a usage error
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vae: ", err);
    }

    [Theory]
    [InlineData(2, "train", "--latent", "x")]
    [InlineData(2, "train", "--bogus")]
    [InlineData(2, "train", "--optimizer", "rmsprop")]
    [InlineData(2, "train", "--epochs", "0")]
    [InlineData(2, "train", "--hidden", "500,abc")]
    [InlineData(2, "train", "--lr", "-1")]
    [InlineData(1, "eval", "--model", "/nonexistent/model")]
    [InlineData(2, "eval", "--model", "/nonexistent/model", "--marginal-likelihood", "kde")]
    [InlineData(2, "train", "--decoder-variance", "fixed")]
    [InlineData(2, "train", "--decoder", "gaussian", "--logvar-min", "-3", "--decoder-variance", "fixed")]
    [InlineData(2, "train", "--decoder", "gaussian", "--decoder-sigma", "0")]
    [InlineData(2, "train", "--eps", "-1")]
    public void BadArgumentsGiveOneClearLineAndANonZeroExit(int expected, params string[] args)
    {
        var (code, _, err) = Vae(args);
        Assert.Equal(expected, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("vae: ", lines[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void MissingDataSaysWhatToDo()
    {
        var (code, _, err) = Vae("train", "--dataset", "mnist", "--data-dir", "/nonexistent/data");
        Assert.Equal(1, code);
        Assert.StartsWith("vae: ", err);
        Assert.Contains("/nonexistent/data", err.Split('\n')[0]);
        Assert.Contains("--data-dir", err);
        Assert.Contains("train-images-idx3-ubyte", err);
        Assert.DoesNotContain("   at ", err);
    }

    // --- a user's own data file (--dataset PATH) ---

    /// <summary>200 images of 6×5 bytes: a bar whose position depends on the row, so there is something to learn.</summary>
    private string WriteUserNpy(string name)
    {
        Directory.CreateDirectory(_dir);
        var px = new byte[200 * 30];
        for (int i = 0; i < 200; i++)
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 6; x++) px[i * 30 + y * 6 + x] = (byte)(x == i % 6 ? 250 : (i * 7 + y) % 40);
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, VaeSharp.Tests.Data.NpyFixtures.UInt8([200, 5, 6], px));
        return path;
    }

    [Fact]
    public void TrainOnANpyFileThenEvalAndResumeFindItAgain()
    {
        string data = WriteUserNpy("bars.npy");
        string run = Path.Combine(_dir, "user-run");
        var (code, stdout, stderr) = Vae(["train", "--dataset", data, "--epochs", "1", "--batch", "20", "--test-fraction", "0.25", "--out", run, .. Small]);
        Assert.True(code == 0, stderr);
        Assert.Contains("scaling ÷255 (auto: values in [0, 250], whole numbers, taken as 8-bit pixels)", stdout);
        Assert.Contains("150 training / 50 test rows", stdout);
        Assert.Contains(data, File.ReadAllText(Path.Combine(run, "model.json")));
        Assert.True(File.Exists(Path.Combine(run, VaeSharp.Data.UserDataSource.FileName)));
        double trainTestElbo = double.Parse(File.ReadAllLines(Path.Combine(run, "metrics.csv"))[1].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture);

        // eval, from another working directory's point of view, finds the same 50 test rows.
        var ev = Vae("eval", "--model", run);
        Assert.True(ev.Code == 0, ev.Err);
        Assert.Contains("(50 images", ev.Out);
        var elboLine = ev.Out.Split('\n').Single(l => l.TrimStart().StartsWith("ELBO", StringComparison.Ordinal));
        Assert.Equal(trainTestElbo, double.Parse(elboLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture), 3);
        Assert.Equal(0, Vae("reconstruct", "--model", run, "--out", Path.Combine(_dir, "r.png")).Code);

        var resumed = Vae("train", "--resume", "--epochs", "2", "--out", run, "--threads", "2");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("150 training images", resumed.Out);
        var clash = Vae("train", "--resume", "--epochs", "3", "--out", run, "--scale", "minmax");
        Assert.Equal(2, clash.Code); // a usage error
        Assert.Contains("--scale", clash.Err);
    }

    [Fact]
    public void UserDataMistakesGiveOneClearLine()
    {
        string data = WriteUserNpy("bars2.npy");
        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (["train", "--dataset", data, "--scale", "none"], "Bernoulli"),
                     (["train", "--dataset", "/nonexistent/x.npy"], "neither a known dataset"),
                     (["train", "--dataset", "mnist-sample", "--scale", "255"], "apply only to --dataset PATH"),
                     (["train", "--dataset", data, "--test-fraction", "1.5"], "--test-fraction"),
                     (["train", "--dataset", data, "--image-size", "7"], "--image-size"),
                     (["train", "--dataset", data, "--format", "xls"], "Unknown data format"),
                 })
        {
            var (code, _, err) = Vae([.. args, "--out", Path.Combine(_dir, "never"), "--epochs", "1"]);
            Assert.NotEqual(0, code);
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, err);
            Assert.StartsWith("vae: ", lines[0]);
            Assert.Contains(expected, err);
        }
        Assert.False(File.Exists(Path.Combine(_dir, "never", "model.json")));
    }
}
