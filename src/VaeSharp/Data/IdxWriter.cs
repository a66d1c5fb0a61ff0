using System.Buffers.Binary;
using System.IO.Compression;

namespace VaeSharp.Data;

/// <summary>Writes IDX image and label files (unsigned bytes), gzip-compressed when the path ends in <c>.gz</c>.</summary>
public static class IdxWriter
{
    /// <summary>Writes an image file.</summary>
    /// <param name="path">Destination; gzip-compressed when it ends in <c>.gz</c>.</param>
    /// <param name="pixels">Row-major pixels, <paramref name="count"/> × <paramref name="rows"/> × <paramref name="columns"/> bytes.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="rows">Rows per image.</param>
    /// <param name="columns">Columns per image.</param>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int columns)
    {
        using var stream = Open(path);
        WriteImages(stream, pixels, count, rows, columns);
    }

    /// <summary>Writes an uncompressed image file to a stream.</summary>
    /// <param name="stream">Destination stream.</param>
    /// <param name="pixels">Row-major pixels.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="rows">Rows per image.</param>
    /// <param name="columns">Columns per image.</param>
    public static void WriteImages(Stream stream, ReadOnlySpan<byte> pixels, int count, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if ((long)count * rows * columns != pixels.Length)
            throw new ArgumentException($"{count} images of {rows}×{columns} need {(long)count * rows * columns} bytes, got {pixels.Length}.", nameof(pixels));
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], columns);
        stream.Write(header);
        stream.Write(pixels);
    }

    /// <summary>Writes a label file.</summary>
    /// <param name="path">Destination; gzip-compressed when it ends in <c>.gz</c>.</param>
    /// <param name="labels">The labels.</param>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels)
    {
        using var stream = Open(path);
        WriteLabels(stream, labels);
    }

    /// <summary>Writes an uncompressed label file to a stream.</summary>
    /// <param name="stream">Destination stream.</param>
    /// <param name="labels">The labels.</param>
    public static void WriteLabels(Stream stream, ReadOnlySpan<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], labels.Length);
        stream.Write(header);
        stream.Write(labels);
    }

    private static Stream Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Stream file = File.Create(path);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.Optimal, leaveOpen: false)
            : file;
    }
}
