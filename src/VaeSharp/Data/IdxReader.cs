using System.Buffers.Binary;
using System.IO.Compression;

namespace VaeSharp.Data;

/// <summary>The contents of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> bytes.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Rows per image (the height).</param>
/// <param name="Columns">Columns per image (the width).</param>
/// <param name="Pixels">All pixels, image after image, row-major.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (big-endian header; unsigned bytes), raw or gzip-compressed.
/// Compression is detected by the gzip magic bytes 1f 8b, not by the file name. Every size in the header is checked
/// against the data actually present before the full array is allocated.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte, 3-dimensional IDX file (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte, 1-dimensional IDX file (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an image file (magic 0x00000803).</summary>
    /// <param name="path">Path of the file, raw or gzip.</param>
    /// <exception cref="DataFormatException">The file is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads an image file from a stream.</summary>
    /// <param name="stream">Readable stream positioned at the start of the file, raw or gzip.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <exception cref="DataFormatException">The data is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(Stream stream, string sourceName)
    {
        var (dims, data) = Read(stream, sourceName, 3, "image", "images");
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /// <summary>Reads a label file (magic 0x00000801).</summary>
    /// <param name="path">Path of the file, raw or gzip.</param>
    /// <exception cref="DataFormatException">The file is not a valid IDX label file.</exception>
    public static byte[] ReadLabels(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadLabels(stream, path);
    }

    /// <summary>Reads a label file from a stream.</summary>
    /// <param name="stream">Readable stream positioned at the start of the file, raw or gzip.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <exception cref="DataFormatException">The data is not a valid IDX label file.</exception>
    public static byte[] ReadLabels(Stream stream, string sourceName)
    {
        var (_, data) = Read(stream, sourceName, 1, "label", "labels");
        return data;
    }

    /// <summary>
    /// Loads an image file and its label file as a <see cref="Dataset"/>, checking that the counts agree and that every
    /// label is below <paramref name="classCount"/>.
    /// </summary>
    /// <param name="imagesPath">The IDX image file.</param>
    /// <param name="labelsPath">The IDX label file.</param>
    /// <param name="name">Name of the dataset.</param>
    /// <param name="classCount">Number of classes (labels must be below it).</param>
    /// <param name="classNames">Optional class names.</param>
    /// <exception cref="DataFormatException">Either file is malformed, or they disagree.</exception>
    public static Dataset LoadPair(string imagesPath, string labelsPath, string name, int classCount = 10, string[]? classNames = null)
    {
        using var images = File.OpenRead(imagesPath);
        using var labels = File.OpenRead(labelsPath);
        return LoadPair(images, imagesPath, labels, labelsPath, name, classCount, classNames);
    }

    /// <summary>Stream form of <see cref="LoadPair(string, string, string, int, string[])"/>.</summary>
    /// <param name="images">The image file's stream.</param>
    /// <param name="imagesName">The image file's name for messages.</param>
    /// <param name="labels">The label file's stream.</param>
    /// <param name="labelsName">The label file's name for messages.</param>
    /// <param name="name">Name of the dataset.</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="classNames">Optional class names.</param>
    /// <exception cref="DataFormatException">Either file is malformed, or they disagree.</exception>
    public static Dataset LoadPair(Stream images, string imagesName, Stream labels, string labelsName, string name,
        int classCount = 10, string[]? classNames = null)
    {
        // Labels first: they are small, so a count mismatch is reported before decoding megabytes of pixels.
        byte[] labelBytes = ReadLabels(labels, labelsName);
        IdxImages img = ReadImages(images, imagesName);
        if (img.Count != labelBytes.Length)
            throw new DataFormatException(imagesName,
                $"holds {img.Count} images but its label file {labelsName} holds {labelBytes.Length} labels");
        for (int i = 0; i < labelBytes.Length; i++)
            if (labelBytes[i] >= classCount)
                throw new DataFormatException(labelsName, $"label #{i} is {labelBytes[i]}, outside 0..{classCount - 1}");
        return Dataset.FromBytes(name, img.Columns, img.Rows, img.Pixels, labelBytes, classCount, classNames);
    }

    /// <summary>Whether <paramref name="path"/> starts with the gzip magic bytes 1f 8b.</summary>
    /// <param name="path">The file to inspect.</param>
    public static bool IsGzip(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        return stream.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    private static (int[] Dims, byte[] Data) Read(Stream stream, string source, int expectedDims, string itemWord, string itemsWord)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        if (!stream.CanRead) throw new ArgumentException("The stream is not readable.", nameof(stream));

        // Detect gzip by its magic bytes, then continue with the two bytes already consumed put back in front.
        var first = new byte[2];
        int got = stream.ReadAtLeast(first, 2, throwOnEndOfStream: false);
        Stream body = new PrefixedStream(first.AsMemory(0, got), stream);
        bool gzip = got == 2 && first[0] == 0x1f && first[1] == 0x8b;
        long? knownRemaining = null;
        if (gzip)
            body = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true);
        else if (stream.CanSeek)
            knownRemaining = stream.Length - stream.Position + got;

        try
        {
            return ReadBody(body, source, expectedDims, itemWord, itemsWord, knownRemaining, gzip);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(source, $"the gzip data is corrupt ({e.Message})", e);
        }
        finally
        {
            if (gzip) body.Dispose();
        }
    }

    private static (int[] Dims, byte[] Data) ReadBody(Stream body, string source, int expectedDims, string itemWord, string itemsWord,
        long? knownRemaining, bool gzip)
    {
        string content = gzip ? "the decompressed data" : "the file";
        uint expectedMagic = expectedDims == 3 ? ImagesMagic : LabelsMagic;
        int headerSize = 4 + 4 * expectedDims;
        var header = new byte[headerSize];
        int headerRead = body.ReadAtLeast(header.AsSpan(0, 4), 4, throwOnEndOfStream: false);
        if (headerRead < 4)
            throw new DataFormatException(source,
                $"truncated header: {content} holds {headerRead} bytes, but an IDX header starts with a 4-byte magic number");

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        string expectedText = $"0x{expectedMagic:X8} for an IDX {itemWord} file";
        if (header[0] != 0 || header[1] != 0)
            throw new DataFormatException(source, $"not an IDX file: magic number 0x{magic:X8}, expected {expectedText}");
        if (header[2] != UnsignedByteType)
            throw new DataFormatException(source,
                $"unsupported IDX element type 0x{header[2]:X2} ({TypeName(header[2])}) in magic number 0x{magic:X8}; only unsigned byte (0x08) is supported, expected {expectedText}");
        if (header[3] != expectedDims)
            throw new DataFormatException(source,
                $"the header declares {header[3]} dimension(s) (magic number 0x{magic:X8}), but an IDX {itemWord} file has {expectedDims} (expected {expectedText})");

        int dimsRead = body.ReadAtLeast(header.AsSpan(4), headerSize - 4, throwOnEndOfStream: false);
        if (dimsRead < headerSize - 4)
            throw new DataFormatException(source,
                $"truncated header: {expectedDims} dimension(s) need a {headerSize}-byte header, but {content} ends after {4 + dimsRead} bytes");

        var dims = new int[expectedDims];
        long total = 1;
        for (int d = 0; d < expectedDims; d++)
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 + 4 * d));
            if (value == 0 || value > int.MaxValue)
                throw new DataFormatException(source, $"dimension {d} ({DimName(d, expectedDims)}) is {value}; it must be between 1 and {int.MaxValue}");
            dims[d] = (int)value;
            total = checked(total * value); // at most 3 factors below 2^31: cannot overflow a long past the check below
            if (total > Array.MaxLength)
                throw new DataFormatException(source,
                    $"the header claims {Describe(dims, d + 1, itemsWord)}, more than {Array.MaxLength} bytes, which no file here can hold");
        }

        string claim = $"the header claims {Describe(dims, expectedDims, itemsWord)} ({total} bytes)";
        if (knownRemaining is long remaining)
        {
            long payload = remaining - headerSize;
            if (payload < total)
                throw new DataFormatException(source, $"{claim} but the file holds {payload} bytes of {PayloadWord(expectedDims)}");
            if (payload > total)
                throw new DataFormatException(source, $"{claim} but the file holds {payload - total} more bytes after them");
            var exact = new byte[total];
            int n = body.ReadAtLeast(exact, exact.Length, throwOnEndOfStream: false);
            if (n < total)
                throw new DataFormatException(source, $"{claim} but only {n} bytes of {PayloadWord(expectedDims)} could be read");
            return (dims, exact);
        }

        // Size unknown in advance (gzip): grow the buffer only as data really arrives, so a lying header
        // cannot make us allocate gigabytes.
        var data = new byte[Math.Min(total, 1 << 20)];
        long filled = 0;
        while (true)
        {
            if (filled == data.Length)
            {
                if (filled == total) break;
                Array.Resize(ref data, (int)Math.Min(total, (long)data.Length * 2));
            }
            int n = body.Read(data, (int)filled, data.Length - (int)filled);
            if (n == 0) break;
            filled += n;
        }
        if (filled < total)
            throw new DataFormatException(source, $"{claim} but {content} holds {filled} bytes of {PayloadWord(expectedDims)}");
        Span<byte> probe = stackalloc byte[256];
        long extra = 0;
        for (int n; (n = body.Read(probe)) > 0;) extra += n;
        if (extra > 0)
            throw new DataFormatException(source, $"{claim} but {content} holds {extra} more bytes after them");
        return (dims, data);
    }

    private static string PayloadWord(int dims) => dims == 3 ? "pixels" : "labels";

    private static string DimName(int d, int dims) => dims == 1 ? "count" : d switch { 0 => "count", 1 => "rows", _ => "columns" };

    private static string Describe(int[] dims, int known, string itemsWord) => known switch
    {
        1 => $"{dims[0]} {itemsWord}",
        2 => $"{dims[0]} {itemsWord} of {dims[1]} rows",
        _ => $"{dims[0]} {itemsWord} of {dims[1]}×{dims[2]}",
    };

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "short",
        0x0C => "int",
        0x0D => "float",
        0x0E => "double",
        _ => "unknown type",
    };
}
