using VaeSharp.IO;

namespace VaeSharp.Tests.Cli;

/// <summary>
/// Kills the real <c>vae train</c> with SIGKILL at many instants, inside checkpoint saves (the test-only hook
/// VAESHARP_TEST_CRASH_AT stops the process between two steps of a save) and at pseudo-random times, then resumes it
/// until it finishes: every time the folder must stay usable and the final files must equal an uninterrupted run's,
/// byte for byte. Mid-epoch checkpoints every 3 minibatches (VAESHARP_TEST_CHECKPOINT_BATCHES) make the resumes start
/// inside epochs too. The kill instants come from a fixed seed; what is asserted holds at every instant.
/// </summary>
public sealed class CheckpointCrashTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-crash-" + Guid.NewGuid().ToString("N"));
    private readonly string _data;

    public CheckpointCrashTests()
    {
        _data = Path.Combine(_dir, "data");
        CliProcess.WriteSmallMnist(_data, train: 400, test: 100);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string[] Train(string outDir, int epochs = 3) =>
        ["train", "--dataset", "mnist", "--data-dir", _data, "--hidden", "16", "--latent", "2", "--batch", "40", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--threads", "1", "--seed", "5", "--out", outDir];

    private string[] Resume(string outDir, int epochs = 3) => ["train", "--resume", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "1", "--data-dir", _data, "--out", outDir];

    private static Dictionary<string, string> Env(int crashAt = 0) => new()
    {
        ["VAESHARP_TEST_CHECKPOINT_BATCHES"] = "3",
        ["VAESHARP_TEST_CRASH_AT"] = crashAt.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static readonly string[] Compared = [ModelFile.WeightsFile, ModelFile.OptimizerFile];

    /// <summary>After any kill the folder is either empty of runs or loadable, as every model command loads it.</summary>
    private static void AssertUsable(string run, string context)
    {
        var state = CheckpointStore.Inspect(run);
        Assert.True(state.Kind != RunFolderKind.Torn, $"{context}: torn folder");
        if (new CheckpointStore(run).Newest(epochBoundaryOnly: true) is not null)
            CheckpointStore.LoadModel(run, out _); // throws if the folder does not hold a whole model
    }

    /// <summary>Resumes (or, when the kill came before any checkpoint, restarts) until the run finishes; kills some resumes too.</summary>
    private void Finish(string run, Random rng, string context)
    {
        for (int attempt = 0; attempt < 12; attempt++)
        {
            AssertUsable(run, $"{context}, attempt {attempt}");
            bool started = CheckpointStore.Inspect(run).Kind != RunFolderKind.Empty;
            int crash = attempt == 0 && rng.Next(3) == 0 ? rng.Next(1, 30) : 0;
            var r = CliProcess.Run(started ? Resume(run) : Train(run), Env(crash));
            if (r.Code == 0) return;
            Assert.True(r.Code == 137 || crash > 0, $"{context}: exit {r.Code}: {r.Err}");
        }
        Assert.Fail($"{context}: did not finish in 12 attempts");
    }

    [Theory]
    [InlineData(15, 143, "SIGTERM")]
    [InlineData(2, 130, "interrupted")]
    public async Task ASignalStopsTrainingBetweenMinibatchesKeepingACheckpoint(int signal, int code, string word)
    {
        if (OperatingSystem.IsWindows()) return;
        string run = Path.Combine(_dir, "signal-" + signal);
        var (p, stdout, stderr) = CliProcess.Start(Train(run, epochs: 1000));
        using (p)
        {
            // Wait (polling, no timing assertion) until the first epoch's checkpoint is committed, then signal.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!Directory.Exists(Path.Combine(run, CheckpointStore.FolderName, "epoch-000001")) && !p.HasExited && waited.Elapsed < TimeSpan.FromMinutes(2))
                Thread.Sleep(20);
            if (p.HasExited) Assert.Fail("vae stopped before the signal: " + await stderr);
            Assert.Equal(0, CliProcess.Signal(p.Id, signal));
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "vae did not stop");
            p.WaitForExit();
            string err = await stderr;
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(p.ExitCode == code, $"exit {p.ExitCode}: {err}");
            Assert.Single(lines);
            Assert.Contains(word, lines[0]);
            Assert.Contains("--resume", lines[0]);
        }
        // What was trained up to the signal is in a checkpoint (mid-epoch when the signal came inside an epoch), and resumes.
        var newest = new CheckpointStore(run).Newest()!;
        Assert.True(newest.Id.Epoch >= 1);
        var resumed = CliProcess.Run(Resume(run, newest.Id.Epoch + 1));
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains($"from {newest.Id}", resumed.Out);
    }

    [Fact]
    public void KilledAnywhereTheRunResumesToTheBytesOfAnUninterruptedOne()
    {
        string reference = Path.Combine(_dir, "reference");
        var straight = CliProcess.Run(Train(reference)); // no mid-epoch checkpoints, no kill
        Assert.True(straight.Code == 0, straight.Err);
        var expected = Compared.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(reference, f)));

        var rng = new Random(20261123);
        var trials = new List<(string Name, int CrashAt, int KillMs)>();
        for (int i = 0; i < 7; i++) trials.Add(($"save-step-{i}", rng.Next(1, 48), 0)); // a run has 47 save steps
        for (int i = 0; i < 3; i++) trials.Add(($"timed-{i}", 0, rng.Next(300, 2500)));

        foreach (var (name, crashAt, killMs) in trials)
        {
            string run = Path.Combine(_dir, name);
            string context = $"{name} (crash at step {crashAt}, kill after {killMs} ms)";
            var first = CliProcess.Run(Train(run), Env(crashAt), killMs > 0 ? TimeSpan.FromMilliseconds(killMs) : null);
            if (crashAt > 0) Assert.True(first.Code == 137, $"{context}: expected the hook's SIGKILL (137), got exit {first.Code}: {first.Err}");
            else Assert.True(first.Code == 0 || first.Killed, $"{context}: exit {first.Code}: {first.Err}");
            Finish(run, rng, context);
            foreach (var f in Compared)
                Assert.True(expected[f].AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(run, f))), $"{context}: {f} differs from the uninterrupted run's");
            var metrics = File.ReadAllLines(Path.Combine(run, CheckpointStore.MetricsFile));
            Assert.Equal(4, metrics.Length);
            Assert.Empty(Directory.GetDirectories(Path.Combine(run, CheckpointStore.FolderName), ".tmp-*"));
            Assert.Empty(Directory.GetFiles(run, ".*.tmp"));
        }
    }
}
