using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VaeSharp.IO;

/// <summary>Where a checkpoint stands in a run.</summary>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="Batch">Minibatches finished of the next epoch (0: the checkpoint is at an epoch boundary).</param>
public readonly record struct CheckpointId(int Epoch, int Batch) : IComparable<CheckpointId>
{
    /// <summary>True at an epoch boundary.</summary>
    public bool IsEpochBoundary => Batch == 0;

    /// <summary>
    /// The folder name: <c>epoch-000004</c> after epoch 4; <c>epoch-000005-batch-000120</c> 120 minibatches into epoch 5.
    /// </summary>
    public string FolderName => Batch == 0
        ? string.Create(CultureInfo.InvariantCulture, $"epoch-{Epoch:D6}")
        : string.Create(CultureInfo.InvariantCulture, $"epoch-{Epoch + 1:D6}-batch-{Batch:D6}");

    /// <summary>Parses a <see cref="FolderName"/>; false for any other name.</summary>
    public static bool TryParse(string name, out CheckpointId id)
    {
        id = default;
        var m = Pattern().Match(name);
        if (!m.Success) return false;
        if (!int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)) return false;
        if (!m.Groups[2].Success) { id = new CheckpointId(epoch, 0); return true; }
        if (!int.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int batch) || batch == 0 || epoch == 0) return false;
        id = new CheckpointId(epoch - 1, batch);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(CheckpointId other) => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Batch.CompareTo(other.Batch);

    /// <summary>Words for messages: "the end of epoch 4" or "minibatch 120 of epoch 5".</summary>
    public override string ToString() => Batch == 0
        ? string.Create(CultureInfo.InvariantCulture, $"the end of epoch {Epoch}")
        : string.Create(CultureInfo.InvariantCulture, $"minibatch {Batch} of epoch {Epoch + 1}");

    private static Regex Pattern() => _pattern ??= new Regex(@"^epoch-(\d{6,9})(?:-batch-(\d{6,9}))?$", RegexOptions.CultureInvariant);
    private static Regex? _pattern;
}

/// <summary>What <see cref="CheckpointStore.Inspect"/> finds in a folder.</summary>
public enum RunFolderKind
{
    /// <summary>No model and no checkpoint (or no folder).</summary>
    Empty,
    /// <summary>A whole model, as new as its newest checkpoint.</summary>
    Model,
    /// <summary>A run whose newest checkpoint is newer than its top-level files (or those are torn): resumable from the checkpoint.</summary>
    Interrupted,
    /// <summary>Top-level files from different epochs and no checkpoint to recover from (a save interrupted before checkpoints existed).</summary>
    Torn,
}

/// <summary>What a run folder holds.</summary>
/// <param name="Kind">Its kind.</param>
/// <param name="At">Where its newest model or checkpoint stands, when known.</param>
/// <param name="Checkpoint">Its newest checkpoint's folder, if any.</param>
public sealed record RunFolderState(RunFolderKind Kind, CheckpointId? At, string? Checkpoint);

/// <summary>A committed checkpoint folder.</summary>
/// <param name="Id">Its place in the run.</param>
/// <param name="Path">Its folder.</param>
public sealed record Checkpoint(CheckpointId Id, string Path);

/// <summary>
/// The crash-safe checkpoints of a run folder. Each checkpoint's files are written into <c>checkpoints/.tmp-NAME/</c>, flushed
/// to disk with the folder, and the folder is renamed to <c>checkpoints/NAME/</c>: that rename is the commit point, so a
/// checkpoint folder is either absent or whole, whatever instant the process dies. An epoch's checkpoint is then published
/// as the run folder's top-level files (hard links, or copies, each renamed into place, <c>model.json</c> last), and older
/// checkpoints are pruned. A top-level set torn by a crash during publishing is recognised by its epoch stamps and
/// recovered from the newest checkpoint. See docs/MODEL-FILES.md.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>The checkpoints' folder inside a run folder.</summary>
    public const string FolderName = "checkpoints";

    /// <summary>Metrics file name (a checkpoint holds the metrics of the epochs it has finished).</summary>
    public const string MetricsFile = "metrics.csv";

    /// <summary>Checkpoints kept by <see cref="Prune"/> besides the newest epoch-boundary one.</summary>
    public const int Keep = 2;

    private const string TempPrefix = ".tmp-";

    /// <summary>Files published to the top level, in this order (the manifest last: it is what readers look at first).</summary>
    public static IReadOnlyList<string> PublishedFiles { get; } = [ModelFile.OptimizerFile, ModelFile.WeightsFile, MetricsFile, ModelFile.ManifestFile];

    /// <summary>A store over <paramref name="runDirectory"/> (nothing is created until a checkpoint is written).</summary>
    public CheckpointStore(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        RunDirectory = runDirectory;
        Root = Path.Combine(runDirectory, FolderName);
    }

    /// <summary>The run folder.</summary>
    public string RunDirectory { get; }

    /// <summary><c>RunDirectory/checkpoints</c>.</summary>
    public string Root { get; }

    /// <summary>The committed checkpoints, oldest first (temporary folders and other names are ignored).</summary>
    public IReadOnlyList<Checkpoint> List()
    {
        if (!Directory.Exists(Root)) return [];
        var list = new List<Checkpoint>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
            if (CheckpointId.TryParse(Path.GetFileName(dir), out var id)) list.Add(new Checkpoint(id, dir));
        list.Sort((a, b) => a.Id.CompareTo(b.Id));
        return list;
    }

    /// <summary>The newest committed checkpoint (or the newest at an epoch boundary), or null.</summary>
    public Checkpoint? Newest(bool epochBoundaryOnly = false)
        => List().LastOrDefault(c => !epochBoundaryOnly || c.Id.IsEpochBoundary);

    /// <summary>
    /// Writes a checkpoint: <paramref name="writeFiles"/> fills a fresh temporary folder, which is flushed and renamed to the
    /// checkpoint's name. Returns the committed folder. A checkpoint already present under that name is replaced.
    /// </summary>
    public string Commit(CheckpointId id, Action<string> writeFiles)
    {
        Directory.CreateDirectory(Root);
        string name = id.FolderName;
        string tmp = Path.Combine(Root, TempPrefix + name), final = Path.Combine(Root, name);
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        writeFiles(tmp);
        foreach (var f in Directory.EnumerateFiles(tmp)) Durable.FlushFile(f);
        Durable.FlushDirectory(tmp);
        CrashHook.Step("checkpoint files written");
        if (Directory.Exists(final))
        {
            // Only after a resume from an older checkpoint: move the stale one aside (a .tmp- name, cleaned on the next start).
            string stale = Path.Combine(Root, TempPrefix + "stale-" + name);
            if (Directory.Exists(stale)) Directory.Delete(stale, recursive: true);
            Directory.Move(final, stale);
            Directory.Move(tmp, final);
            Directory.Delete(stale, recursive: true);
        }
        else Directory.Move(tmp, final);
        Durable.FlushDirectory(Root);
        CrashHook.Step("checkpoint committed");
        return final;
    }

    /// <summary>
    /// Makes the run folder's top-level files those of <paramref name="checkpoint"/>: each is hard-linked (or copied) to a
    /// temporary name and renamed over its target, <c>model.json</c> last; then the folder is flushed.
    /// </summary>
    public void Publish(string checkpoint)
    {
        foreach (var name in PublishedFiles)
        {
            string source = Path.Combine(checkpoint, name);
            if (!File.Exists(source)) continue;
            string target = Path.Combine(RunDirectory, name);
            string tmp = Path.Combine(RunDirectory, $".{name}.publish.tmp");
            if (File.Exists(tmp)) File.Delete(tmp);
            if (!Durable.TryHardLink(source, tmp))
            {
                File.Copy(source, tmp);
                Durable.FlushFile(tmp);
            }
            File.Move(tmp, target, overwrite: true);
            // rename(2) does nothing when both names are links to one file (the target was already this checkpoint's).
            if (File.Exists(tmp)) File.Delete(tmp);
            CrashHook.Step("published " + name);
        }
        Durable.FlushDirectory(RunDirectory);
    }

    /// <summary>Deletes all but the newest <see cref="Keep"/> checkpoints, always keeping the newest epoch-boundary one.</summary>
    public void Prune()
    {
        var all = List();
        var boundary = all.LastOrDefault(c => c.Id.IsEpochBoundary);
        for (int i = 0; i < all.Count - Keep; i++)
        {
            if (all[i] == boundary) continue;
            // Renamed first so that a crash halfway through a deletion never leaves a partial folder under a checkpoint's name.
            string doomed = Path.Combine(Root, TempPrefix + "old-" + Path.GetFileName(all[i].Path));
            Directory.Move(all[i].Path, doomed);
            CrashHook.Step("pruning");
            Directory.Delete(doomed, recursive: true);
        }
    }

    /// <summary>
    /// Removes what an interrupted save leaves behind: <c>checkpoints/.tmp-*</c> folders and the run folder's hidden
    /// <c>.*.tmp</c> files (this store's and <c>AtomicFile</c>'s temporary names). Returns how many were removed.
    /// </summary>
    public int RemoveLeftovers()
    {
        int removed = 0;
        if (Directory.Exists(Root))
            foreach (var dir in Directory.EnumerateDirectories(Root, TempPrefix + "*"))
            {
                Directory.Delete(dir, recursive: true);
                removed++;
            }
        if (Directory.Exists(RunDirectory))
            foreach (var file in Directory.EnumerateFiles(RunDirectory, ".*.tmp"))
            {
                File.Delete(file);
                removed++;
            }
        return removed;
    }

    /// <summary>
    /// The epoch stamp of the top-level set when it is whole (manifest, weights and optimizer state all from one epoch),
    /// or null when a file is missing, unreadable or from another epoch. Reads only the files' headers.
    /// </summary>
    public int? TopLevelEpoch()
    {
        string manifest = Path.Combine(RunDirectory, ModelFile.ManifestFile);
        if (!File.Exists(manifest)) return null;
        int epoch;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            if (!doc.RootElement.TryGetProperty("training", out var t) || t.ValueKind != JsonValueKind.Object
                || !t.TryGetProperty("epoch", out var e) || !e.TryGetInt32(out epoch)) return null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException) { return null; }
        foreach (var name in new[] { ModelFile.WeightsFile, ModelFile.OptimizerFile })
        {
            string path = Path.Combine(RunDirectory, name);
            if (!File.Exists(path))
            {
                if (name == ModelFile.WeightsFile) return null;
                continue;
            }
            try
            {
                if (!SafeTensors.ReadMetadata(path).TryGetValue("epoch", out var s) || s != epoch.ToString(CultureInfo.InvariantCulture)) return null;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException) { return null; }
        }
        return epoch;
    }

    /// <summary>What a folder holds, for a command about to start a new run in it.</summary>
    public static RunFolderState Inspect(string directory)
    {
        if (!Directory.Exists(directory)) return new RunFolderState(RunFolderKind.Empty, null, null);
        var store = new CheckpointStore(directory);
        var newest = store.Newest();
        int? top = store.TopLevelEpoch();
        bool manifest = File.Exists(Path.Combine(directory, ModelFile.ManifestFile));
        if (newest is null)
            return manifest
                ? new RunFolderState(top is null ? RunFolderKind.Torn : RunFolderKind.Model, top is { } t ? new CheckpointId(t, 0) : null, null)
                : new RunFolderState(RunFolderKind.Empty, null, null);
        if (newest.Id.IsEpochBoundary && top == newest.Id.Epoch) return new RunFolderState(RunFolderKind.Model, newest.Id, newest.Path);
        return new RunFolderState(RunFolderKind.Interrupted, newest.Id, newest.Path);
    }

    /// <summary>
    /// Loads the model a run folder stands for: its top-level files when they are whole and as new as its newest
    /// epoch-boundary checkpoint, else that checkpoint (<paramref name="source"/> then names it; otherwise it is null).
    /// A folder without checkpoints is read as <see cref="ModelFile.Load"/> reads it.
    /// </summary>
    public static LoadedModel LoadModel(string directory, out string? source)
    {
        source = null;
        var store = new CheckpointStore(directory);
        var newest = Directory.Exists(directory) ? store.Newest(epochBoundaryOnly: true) : null;
        if (newest is null) return ModelFile.Load(directory);
        int? top = store.TopLevelEpoch();
        if (top is { } e && e >= newest.Id.Epoch)
        {
            try { return ModelFile.Load(directory); }
            catch (InvalidDataException) { }
        }
        source = newest.Path;
        return ModelFile.Load(newest.Path);
    }
}

/// <summary>
/// A test-only fault injector: with the environment variable <c>VAESHARP_TEST_CRASH_AT=N</c>, the process kills itself
/// with SIGKILL at the N-th step of checkpoint writing (1-based, counted over the process's life), so tests can stop a
/// save at every point between its steps. Unset (always, outside tests), it does nothing.
/// </summary>
internal static class CrashHook
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "VAESHARP_TEST_CRASH_AT";

    private static readonly long Target = long.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
    private static long _steps;

    /// <summary>Counts a step; at the target step, dies at once.</summary>
    public static void Step(string what)
    {
        if (Target <= 0) return;
        if (Interlocked.Increment(ref _steps) != Target) return;
        if (OperatingSystem.IsWindows()) Environment.FailFast("test crash: " + what);
        Durable.KillSelf();
    }
}

/// <summary>
/// File-system durability the base library does not expose: fsync of a folder, hard links and SIGKILL to oneself
/// (POSIX calls through libc; on Windows, folder flushes are skipped and links fall back to copies).
/// </summary>
internal static partial class Durable
{
    /// <summary>Flushes a file's data to disk.</summary>
    public static void FlushFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a folder's entries (names, renames) to disk; a no-op where the platform has no such call.</summary>
    public static void FlushDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { Fsync(fd); }
        finally { Close(fd); }
    }

    /// <summary>Creates <paramref name="link"/> as a hard link to <paramref name="existing"/>; false where not possible.</summary>
    public static bool TryHardLink(string existing, string link)
    {
        if (OperatingSystem.IsWindows()) return false;
        try { return Link(existing, link) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>Sends SIGKILL to this process.</summary>
    public static void KillSelf()
    {
        Kill(Environment.ProcessId, 9);
        Thread.Sleep(Timeout.Infinite);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
