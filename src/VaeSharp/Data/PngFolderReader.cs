using VaeSharp.Imaging;

namespace VaeSharp.Data;

/// <summary>Images read from a folder of PNG files, as grey levels 0..255.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Width">Width of every image.</param>
/// <param name="Height">Height of every image.</param>
/// <param name="Values">Count × Width × Height grey levels (0..255 as floats), image after image, row-major.</param>
/// <param name="Labels">The class of each image (index into <paramref name="ClassNames"/>), or <see langword="null"/> without class folders.</param>
/// <param name="ClassNames">The class folder names in ordinal order, or <see langword="null"/>.</param>
/// <param name="Files">Each image's path relative to the folder, in the order read.</param>
public sealed record PngFolder(int Count, int Width, int Height, float[] Values, byte[]? Labels, string[]? ClassNames, string[] Files);

/// <summary>
/// Reads a folder of PNG images (see <see cref="PngReader"/>: grey, grey + alpha, RGB, RGBA and palette images, 1 to 16
/// bits; colour becomes grey by BT.601 luma, alpha is ignored). Either every image sits directly in the folder (no
/// labels), or every image sits in a sub-folder whose name is its class (labels 0, 1, … in ordinal order of the names,
/// which are kept as class names). Files are read in ordinal order of their names; names not ending in <c>.png</c> and
/// hidden files are skipped. All images must have the same size: the first that differs is named in the error.
/// </summary>
public static class PngFolderReader
{
    /// <summary>Reads the folder.</summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="DataFormatException">No images, mixed layout, differing sizes, too many classes, or a malformed PNG (named).</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static PngFolder Read(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such folder.");
        string[] top = PngFiles(folder);
        string[] classDirs = Directory.EnumerateDirectories(folder)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && PngFiles(d).Length > 0)
            .Order(StringComparer.Ordinal).ToArray();
        if (top.Length > 0 && classDirs.Length > 0)
            throw new DataFormatException(folder,
                $"holds PNG files both directly ({Path.GetFileName(top[0])}, …) and in class folders ({Path.GetFileName(classDirs[0])}/, …); use one layout");
        if (classDirs.Length > 256)
            throw new DataFormatException(folder, $"has {classDirs.Length} class folders; at most 256 classes are supported");

        var files = new List<(string Path, int Label)>();
        if (classDirs.Length == 0) files.AddRange(top.Select(f => (f, -1)));
        else
            for (int c = 0; c < classDirs.Length; c++) files.AddRange(PngFiles(classDirs[c]).Select(f => (f, c)));
        if (files.Count == 0)
            throw new DataFormatException(folder, "holds no .png files (directly or in class sub-folders)");

        var first = PngReader.Read(files[0].Path);
        int w = first.Width, h = first.Height;
        long total = (long)files.Count * w * h;
        if (total > Array.MaxLength)
            throw new DataFormatException(folder, $"{files.Count} images of {w}×{h} are {total} values, too many for one array");
        var values = new float[total];
        byte[]? labels = classDirs.Length > 0 ? new byte[files.Count] : null;
        for (int i = 0; i < files.Count; i++)
        {
            var png = i == 0 ? first : PngReader.Read(files[i].Path);
            if (png.Width != w || png.Height != h)
                throw new DataFormatException(files[i].Path,
                    $"is {png.Width}×{png.Height} but the other images (from {Path.GetRelativePath(folder, files[0].Path)} on) are {w}×{h}; all images must have the same size");
            byte[] grey = png.ToGrey();
            var dst = values.AsSpan((int)((long)i * w * h), w * h);
            for (int k = 0; k < grey.Length; k++) dst[k] = grey[k];
            if (labels is not null) labels[i] = (byte)files[i].Label;
        }
        return new PngFolder(files.Count, w, h, values, labels, classDirs.Length > 0 ? classDirs.Select(d => Path.GetFileName(d)!).ToArray() : null,
            files.Select(f => Path.GetRelativePath(folder, f.Path)).ToArray());
    }

    private static string[] PngFiles(string dir) =>
        Directory.EnumerateFiles(dir)
            .Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal).ToArray();
}
