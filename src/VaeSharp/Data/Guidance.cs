using System.Text;

namespace VaeSharp.Data;

/// <summary>Builds the "what to do" text of <see cref="DatasetUnavailableException"/>.</summary>
internal static class Guidance
{
    public static string Unavailable(string name, IReadOnlyList<string> files, string cacheFolder, string reason,
        IReadOnlyList<string>? attempts = null, RemoteDataset? source = null)
    {
        source ??= DatasetDownloader.DefaultSources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        var text = new StringBuilder();
        text.Append($"Dataset '{name}' is not available: {reason}.");
        if (attempts is { Count: > 0 })
        {
            text.Append("\nDownload attempts:");
            foreach (string a in attempts) text.Append("\n  ").Append(a);
        }
        text.Append($"\nTo use it, get these files ({DatasetCatalog.FilesNote(name)}):");
        foreach (string f in files)
        {
            text.Append("\n  ").Append(f);
            if (source is not null && source.Files.Any(r => r.FileName == f))
                text.Append("  from ").Append(string.Join(" or ", source.Mirrors.Select(m => m.AbsoluteUri.TrimEnd('/') + "/" + f)));
        }
        text.Append("\nand either");
        text.Append($"\n  - put them in the cache folder {cacheFolder} (found automatically; the folder VAESHARP_CACHE names replaces the cache root), or");
        text.Append("\n  - put them in a folder DIR of your choice and pass --data-dir DIR.");
        if (string.Equals(name, "fashion-mnist", StringComparison.OrdinalIgnoreCase))
            text.Append($"\nFashion-MNIST is also packaged by Debian and Ubuntu: `sudo apt-get install dataset-fashion-mnist` installs it into {DatasetCatalog.FashionMnistSystemDirectory}, which is found automatically.");
        text.Append($"\nThe bundled sample (--dataset {DatasetCatalog.DefaultName}, 10,000 MNIST digits) needs no files and no network.");
        return text.ToString();
    }
}
