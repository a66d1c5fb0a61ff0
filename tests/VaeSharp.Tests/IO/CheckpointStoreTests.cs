using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Tests.IO;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A 4×4 binary data set of 200 training and 40 test images (the trainer tests' bars).</summary>
    internal static (Dataset Train, Dataset Test) Bars()
    {
        static Dataset Make(string name, ulong seed, int n)
        {
            var m = Training.TrainerTests.Bars(seed, n);
            return new Dataset(name, 4, 4, m.Features.ToArray());
        }
        return (Make("bars/train", 3, 200), Make("bars/test", 4, 40));
    }

    internal static SessionSettings Settings() => new()
    {
        Config = new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [8], Latent = 2 },
        Dataset = "bars", BatchSize = 20, Seed = 9, Binarization = Binarization.Dynamic,
    };

    [Theory]
    [InlineData("epoch-000004", 4, 0)]
    [InlineData("epoch-000005-batch-000120", 4, 120)]
    [InlineData("epoch-000000", 0, 0)]
    public void FolderNamesRoundTripAndSortInTrainingOrder(string name, int epoch, int batch)
    {
        Assert.True(CheckpointId.TryParse(name, out var id));
        Assert.Equal(new CheckpointId(epoch, batch), id);
        Assert.Equal(name, id.FolderName);
        Assert.True(new CheckpointId(4, 0).CompareTo(new CheckpointId(4, 120)) < 0);
        Assert.True(new CheckpointId(4, 120).CompareTo(new CheckpointId(5, 0)) < 0);
    }

    [Theory]
    [InlineData(".tmp-epoch-000004")]
    [InlineData("epoch-4")]
    [InlineData("epoch-000000-batch-000003")] // no epoch 0 to be inside
    [InlineData("epoch-000004-batch-000000")]
    [InlineData("epoch-000004.old")]
    public void OtherNamesAreNotCheckpoints(string name) => Assert.False(CheckpointId.TryParse(name, out _));

    private void TrainEpochs(string run, int epochs, TimeSpan interval)
    {
        var (train, test) = Bars();
        using var s = TrainingSession.Create(Settings(), train, test, 1);
        s.CheckpointDirectory = run;
        s.CheckpointInterval = interval;
        for (int e = 0; e < epochs; e++)
        {
            s.RunEpoch();
            s.SaveCheckpoint(run);
        }
    }

    [Fact]
    public void EpochCheckpointsArePublishedAsHardLinksAndPrunedToTheLastTwo()
    {
        TrainEpochs(_dir, 3, TimeSpan.Zero);
        var store = new CheckpointStore(_dir);
        Assert.Equal(["epoch-000002", "epoch-000003"], store.List().Select(c => Path.GetFileName(c.Path)));
        Assert.Equal(3, store.TopLevelEpoch());
        foreach (var f in CheckpointStore.PublishedFiles)
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "checkpoints", "epoch-000003", f)), File.ReadAllBytes(Path.Combine(_dir, f)));
        Assert.Equal(RunFolderKind.Model, CheckpointStore.Inspect(_dir).Kind);
        CheckpointStore.LoadModel(_dir, out var source);
        Assert.Null(source);
    }

    [Fact]
    public void ATopLevelSetTornBetweenRenamesIsRecoveredFromTheNewestCheckpoint()
    {
        TrainEpochs(_dir, 2, TimeSpan.Zero);
        var store = new CheckpointStore(_dir);
        // The crash of issue #9: new weights beside the old manifest (publishing stopped after the weights).
        // (Deleted first: the top-level files are hard links into the checkpoint, so writing over one in place would change both.)
        File.Delete(Path.Combine(_dir, ModelFile.ManifestFile));
        File.Copy(Path.Combine(_dir, "checkpoints", "epoch-000001", ModelFile.ManifestFile), Path.Combine(_dir, ModelFile.ManifestFile));
        Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Null(store.TopLevelEpoch());
        Assert.Equal(RunFolderKind.Interrupted, CheckpointStore.Inspect(_dir).Kind);
        var loaded = CheckpointStore.LoadModel(_dir, out var source);
        Assert.Equal(2, loaded.State.Epoch);
        Assert.EndsWith("epoch-000002", source);

        // A resume repairs the top level and removes what interrupted saves left.
        Directory.CreateDirectory(Path.Combine(_dir, "checkpoints", ".tmp-epoch-000003"));
        File.WriteAllText(Path.Combine(_dir, ".model.safetensors.1234.abc.tmp"), "partial");
        var (train, test) = Bars();
        using (var s = TrainingSession.Resume(_dir, train, test, 1)) Assert.Equal(new CheckpointId(2, 0), s.Position);
        Assert.Equal(2, store.TopLevelEpoch());
        Assert.Empty(Directory.GetDirectories(store.Root, ".tmp-*"));
        Assert.True(Directory.GetFiles(_dir, ".*.tmp").Length == 0, string.Join(" ", Directory.GetFiles(_dir, ".*.tmp")));
        ModelFile.Load(_dir);
    }

    [Fact]
    public void AFolderWithoutCheckpointsAndTornFilesIsReportedAsTorn()
    {
        var (train, test) = Bars();
        using (var s = TrainingSession.Create(Settings(), train, test, 1)) ModelFile.Save(_dir, s.Model, s.State with { Epoch = 3 }, null);
        var weights = SafeTensors.Read(Path.Combine(_dir, ModelFile.WeightsFile));
        SafeTensors.Write(Path.Combine(_dir, ModelFile.WeightsFile), weights.Tensors, new Dictionary<string, string> { ["epoch"] = "4" });
        Assert.Equal(RunFolderKind.Torn, CheckpointStore.Inspect(_dir).Kind);
    }

    [Fact]
    public void ResumingInsideAnEpochGivesTheBytesOfAnUninterruptedRun()
    {
        var (train, test) = Bars();
        string straight = Path.Combine(_dir, "straight"), stopped = Path.Combine(_dir, "stopped");
        TrainEpochs(straight, 2, TimeSpan.Zero);

        // Checkpoint after every minibatch, and stop (as SIGINT or SIGTERM would) after minibatch 4 of epoch 2.
        using (var s = TrainingSession.Create(Settings(), train, test, 1))
        {
            s.CheckpointDirectory = stopped;
            s.CheckpointInterval = TimeSpan.FromTicks(1);
            s.RunEpoch();
            s.SaveCheckpoint(stopped);
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => s.RunEpoch(p => { if (p.Batch == 4) cts.Cancel(); }, cts.Token));
        }
        var store = new CheckpointStore(stopped);
        Assert.Equal(new CheckpointId(1, 4), store.Newest()!.Id);
        Assert.Contains(store.List(), c => c.Id == new CheckpointId(1, 0)); // the newest epoch checkpoint is never pruned
        Assert.Equal(3, store.List().Count);

        using (var r = TrainingSession.Resume(stopped, train, test, 2)) // another thread count: results do not depend on it
        {
            Assert.Equal(new CheckpointId(1, 4), r.Position);
            r.RunEpoch();
            r.SaveCheckpoint(stopped);
        }
        foreach (var f in new[] { ModelFile.WeightsFile, ModelFile.OptimizerFile })
            Assert.Equal(File.ReadAllBytes(Path.Combine(straight, f)), File.ReadAllBytes(Path.Combine(stopped, f)));
        // The resumed epoch's training figures are those of the uninterrupted epoch (its sums carried over).
        string Row(string dir) => string.Join(",", File.ReadAllLines(Path.Combine(dir, "metrics.csv"))[2].Split(',')[..8]);
        Assert.Equal(Row(straight), Row(stopped));
    }

    [Fact]
    public void APositionFileThatDoesNotMatchItsFolderIsRefusedNamingIt()
    {
        var (train, test) = Bars();
        using (var s = TrainingSession.Create(Settings(), train, test, 1))
        {
            s.CheckpointDirectory = _dir;
            s.CheckpointInterval = TimeSpan.FromTicks(1);
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => s.RunEpoch(p => { if (p.Batch == 3) cts.Cancel(); }, cts.Token));
        }
        string position = Path.Combine(_dir, "checkpoints", "epoch-000001-batch-000003", TrainingSession.PositionFile);
        File.WriteAllText(position, File.ReadAllText(position).Replace("\"batch\": 3", "\"batch\": 5", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => TrainingSession.Resume(_dir, train, test, 1));
        Assert.StartsWith(position, e.Message);
    }
}
