using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary>Checks of run folders and sizes that every command makes before it starts work.</summary>
internal static class RunFolders
{
    /// <summary>
    /// Makes sure <paramref name="outDir"/> (the value of <c>--out</c>) can hold a run: not empty, not a file, writable
    /// (the folder is created and a file written and deleted in it), all before any data is read or training starts.
    /// Folders it had to create are removed again, so a run that fails later (bad data, say) leaves nothing behind.
    /// </summary>
    public static void CheckWritableFolder(string? outDir)
    {
        if (string.IsNullOrWhiteSpace(outDir)) throw new UsageException("--out must name a folder (got an empty value).");
        if (File.Exists(outDir)) throw new UsageException($"--out {outDir} is a file; it must be a folder.");
        string probe = Path.Combine(outDir, $".write-check.{Environment.ProcessId}.tmp");
        string? firstCreated = null;
        try
        {
            for (string? d = Path.GetFullPath(outDir); d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) firstCreated = d;
            Directory.CreateDirectory(outDir);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            if (firstCreated is not null) Directory.Delete(firstCreated, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new IOException($"--out {outDir}: cannot write there ({e.Message.TrimEnd('.')}).", e);
        }
    }

    /// <summary>Refuses to start a new run in a folder that already holds one, saying what it holds and what to do.</summary>
    public static void RequireNoRun(string outDir)
    {
        var state = CheckpointStore.Inspect(outDir);
        switch (state.Kind)
        {
            case RunFolderKind.Model:
                throw new UsageException($"{outDir} already holds a model (trained to {state.At}); pass --resume to continue it, or choose another --out.");
            case RunFolderKind.Interrupted:
                throw new UsageException($"{outDir} holds a run interrupted at {state.At} (its last checkpoint); pass --resume to continue it from there, or choose another --out.");
            case RunFolderKind.Torn:
                throw new UsageException($"{outDir} holds model files from different epochs (a save interrupted by a VaeSharp without checkpoints) and no checkpoint to recover from; choose another --out, or delete the folder.");
        }
        new CheckpointStore(outDir).RemoveLeftovers(); // of a run killed before its first checkpoint

    }

    /// <summary>Loads the model of a run folder (see <see cref="CheckpointStore.LoadModel"/>), saying on stderr when it comes from a checkpoint.</summary>
    public static LoadedModel LoadModel(string directory)
    {
        var loaded = CheckpointStore.LoadModel(directory, out string? source);
        if (source is not null)
            Console.Error.WriteLine($"vae: note: {directory}'s top-level files are from an interrupted save or older; using its checkpoint {source}.");
        return loaded;
    }

    /// <summary>Refuses an image grid of <paramref name="count"/> images whose buffers would not fit (64-bit sizes, then the memory budget).</summary>
    public static void CheckPicture(ModelConfig config, long count, int columns, string option)
    {
        long rows = (count + columns - 1) / columns;
        double width = 2 + (double)Math.Min(columns, count) * (config.ImageWidth * 2 + 2), height = 2 + (double)rows * (config.ImageHeight * 2 + 2);
        if (width > int.MaxValue || height > int.MaxValue || width * height > Array.MaxLength)
            throw new MemoryBudgetException($"{option}: a grid of {count:N0} images needs about {MemoryBudget.Format(width * height)} for a {width:G4}×{height:G4}-pixel picture, larger than one image can be.");
        MemoryBudget.RequireArray((double)count * config.InputSize, option + $": {count:N0} decoded images");
        MemoryBudget.Require(MemoryBudget.PictureBytes(config, count), $"{option}: a grid of {count:N0} images");
    }
}
