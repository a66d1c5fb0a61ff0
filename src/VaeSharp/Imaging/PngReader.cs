using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using VaeSharp.Data;

namespace VaeSharp.Imaging;

/// <summary>The IHDR fields of a PNG file.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="BitDepth">Bits per sample (1, 2, 4, 8 or 16, as the colour type allows).</param>
/// <param name="ColorType">0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.</param>
/// <param name="Compression">Always 0 (deflate).</param>
/// <param name="Filter">Always 0 (adaptive filtering with five filter types).</param>
/// <param name="Interlace">0 none, 1 Adam7.</param>
public sealed record PngHeader(int Width, int Height, int BitDepth, int ColorType, int Compression, int Filter, int Interlace);

/// <summary>A decoded PNG: 8-bit samples, <see cref="Channels"/> per pixel, row-major from the top-left.</summary>
/// <param name="Header">The file's IHDR.</param>
/// <param name="Channels">1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (a palette image becomes RGB, or RGBA when it has tRNS).</param>
/// <param name="Samples">Width × Height × Channels bytes; 16-bit samples keep their high byte, 1/2/4-bit grey is scaled to 0..255.</param>
public sealed record PngPixels(PngHeader Header, int Channels, byte[] Samples)
{
    /// <summary>Width in pixels.</summary>
    public int Width => Header.Width;

    /// <summary>Height in pixels.</summary>
    public int Height => Header.Height;

    /// <summary>
    /// One grey byte per pixel: grey as it is, colour as the rounded luma 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601).
    /// Alpha is ignored (the colour of a transparent pixel is taken as it is stored).
    /// </summary>
    public byte[] ToGrey()
    {
        int n = Width * Height;
        var grey = new byte[n];
        switch (Channels)
        {
            case 1:
                Samples.AsSpan(0, n).CopyTo(grey);
                break;
            case 2:
                for (int i = 0; i < n; i++) grey[i] = Samples[2 * i];
                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    int o = i * Channels;
                    grey[i] = (byte)((299 * Samples[o] + 587 * Samples[o + 1] + 114 * Samples[o + 2] + 500) / 1000);
                }
                break;
        }
        return grey;
    }

    /// <summary>An <see cref="Image"/>: grey (alpha dropped) or RGB (alpha dropped).</summary>
    public Image ToImage()
    {
        if (Channels == 1) return new Image(Width, Height, 1, Samples);
        if (Channels == 3) return new Image(Width, Height, 3, Samples);
        if (Channels == 2) return new Image(Width, Height, 1, ToGrey());
        int n = Width * Height;
        var rgb = new byte[n * 3];
        for (int i = 0; i < n; i++)
        {
            rgb[3 * i] = Samples[4 * i];
            rgb[3 * i + 1] = Samples[4 * i + 1];
            rgb[3 * i + 2] = Samples[4 * i + 2];
        }
        return new Image(Width, Height, 3, rgb);
    }
}

/// <summary>
/// Reads PNG files: every chunk's CRC is checked, IHDR is validated (sizes, bit depth and colour type combinations),
/// PLTE and tRNS are applied, the IDAT stream is inflated through <see cref="ZLibStream"/> into a buffer of exactly the
/// size the header implies (checked first against the most the compressed bytes can inflate to), and all five filter
/// types are undone. Interlaced (Adam7) images are refused with a message saying so. Every problem is a
/// <see cref="DataFormatException"/> naming the file.
/// </summary>
/// <remarks>
/// Written by hand: no image library is present in the project (System.Drawing is Windows-only and not referenced),
/// and only decoding of the formats a dataset folder needs is required. Decompression is the framework's zlib.
/// </remarks>
public static class PngReader
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>The largest image accepted, in pixels (2^28: 16384 × 16384).</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>Deflate cannot expand data by more than about 1032:1 (plus the zlib header); more is a lie.</summary>
    private const long MaxInflateRatio = 1032;

    /// <summary>Reads and decodes a PNG file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="DataFormatException">The file is not a valid, supported PNG.</exception>
    public static PngPixels Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length;
        if (length > int.MaxValue) throw new DataFormatException(path, $"is {length} bytes, too large for a PNG image here");
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Decodes PNG bytes.</summary>
    /// <param name="png">The whole file.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <exception cref="DataFormatException">The bytes are not a valid, supported PNG.</exception>
    public static PngPixels Decode(ReadOnlySpan<byte> png, string sourceName = "(png)")
    {
        var chunks = Chunks(png, sourceName);
        if (chunks.Count == 0 || chunks[0].Type != "IHDR")
            throw new DataFormatException(sourceName, "the first chunk is not IHDR");
        var header = ParseHeader(png.Slice(chunks[0].Offset, chunks[0].Length), sourceName);
        if (header.Interlace == 1)
            throw new DataFormatException(sourceName, "is interlaced (Adam7), which is not supported; re-save it without interlacing");

        byte[]? palette = null;
        byte[]? paletteAlpha = null;
        long idatBytes = 0;
        int idatStart = -1, idatEnd = -1;
        bool ended = false;
        for (int i = 1; i < chunks.Count; i++)
        {
            var (type, offset, length) = chunks[i];
            if (ended) throw new DataFormatException(sourceName, $"chunk {type} follows IEND");
            switch (type)
            {
                case "IHDR":
                    throw new DataFormatException(sourceName, "has a second IHDR chunk");
                case "PLTE":
                    if (palette is not null) throw new DataFormatException(sourceName, "has a second PLTE chunk");
                    if (idatStart >= 0) throw new DataFormatException(sourceName, "PLTE comes after IDAT");
                    if (length == 0 || length % 3 != 0 || length / 3 > 256)
                        throw new DataFormatException(sourceName, $"PLTE holds {length} bytes; it must hold 1 to 256 RGB entries (a multiple of 3)");
                    palette = png.Slice(offset, length).ToArray();
                    break;
                case "tRNS":
                    if (header.ColorType == 3) paletteAlpha = png.Slice(offset, length).ToArray();
                    break;
                case "IDAT":
                    if (idatStart >= 0 && idatEnd != i - 1)
                        throw new DataFormatException(sourceName, "the IDAT chunks are not consecutive");
                    if (idatStart < 0) idatStart = i;
                    idatEnd = i;
                    idatBytes += length;
                    break;
                case "IEND":
                    if (length != 0) throw new DataFormatException(sourceName, $"IEND holds {length} bytes; it must be empty");
                    ended = true;
                    break;
                default:
                    // Bit 5 of the first letter clear: a critical chunk that a decoder must understand.
                    if ((type[0] & 0x20) == 0)
                        throw new DataFormatException(sourceName, $"has an unknown critical chunk {type}");
                    break;
            }
        }
        if (!ended) throw new DataFormatException(sourceName, "has no IEND chunk (the file is truncated)");
        if (idatStart < 0) throw new DataFormatException(sourceName, "has no IDAT chunk (no image data)");
        if (header.ColorType == 3 && palette is null) throw new DataFormatException(sourceName, "is a palette image without a PLTE chunk");

        int samplesPerPixel = header.ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        long bitsPerPixel = (long)samplesPerPixel * header.BitDepth;
        long stride = (header.Width * bitsPerPixel + 7) / 8;
        long rawLength = header.Height * (stride + 1);
        if (rawLength > MaxInflateRatio * idatBytes + 64)
            throw new DataFormatException(sourceName,
                $"the header claims {header.Width}×{header.Height} pixels ({rawLength} bytes of scanlines) but the {idatBytes} compressed bytes can hold at most {MaxInflateRatio * idatBytes + 64}");
        if (rawLength > Array.MaxLength)
            throw new DataFormatException(sourceName, $"the header claims {rawLength} bytes of scanlines, too many for one array");

        var raw = new byte[rawLength];
        Inflate(png, chunks, idatStart, idatEnd, idatBytes, raw, sourceName);
        int bytesPerPixel = (int)Math.Max(1, bitsPerPixel / 8);
        Unfilter(raw, (int)stride, header.Height, bytesPerPixel, sourceName);
        return Expand(header, raw, (int)stride, palette, paletteAlpha, sourceName);
    }

    /// <summary>The chunks of a PNG file (type, data offset, data length), each CRC-checked; the file must end after the last.</summary>
    /// <param name="png">The whole file.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <exception cref="DataFormatException">Bad signature, a chunk running past the end, a bad CRC or a malformed type.</exception>
    public static List<(string Type, int Offset, int Length)> Chunks(ReadOnlySpan<byte> png, string sourceName = "(png)")
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(Signature))
            throw new DataFormatException(sourceName, "not a PNG file (it does not start with the PNG signature)");
        var chunks = new List<(string, int, int)>();
        int pos = 8;
        while (pos < png.Length)
        {
            if (png.Length - pos < 12)
                throw new DataFormatException(sourceName, $"the file ends inside a chunk header at byte {pos}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            if (length > int.MaxValue)
                throw new DataFormatException(sourceName, $"the chunk at byte {pos} claims {length} bytes, more than PNG allows (2^31 − 1)");
            if (length > png.Length - pos - 12)
                throw new DataFormatException(sourceName, $"the chunk at byte {pos} claims {length} bytes but only {png.Length - pos - 12} remain");
            var typeBytes = png.Slice(pos + 4, 4);
            foreach (byte b in typeBytes)
                if (!char.IsAsciiLetter((char)b))
                    throw new DataFormatException(sourceName, $"the chunk at byte {pos} has a malformed type (bytes {Convert.ToHexString(typeBytes)})");
            string type = Encoding.ASCII.GetString(typeBytes);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 8 + (int)length)..]);
            uint actual = Crc32.Compute(png.Slice(pos + 4, 4 + (int)length));
            if (stored != actual)
                throw new DataFormatException(sourceName, $"chunk {type} at byte {pos} has CRC {stored:x8}, but its bytes give {actual:x8} (the file is corrupt)");
            chunks.Add((type, pos + 8, (int)length));
            pos += 12 + (int)length;
            if (type == "IEND") break;
        }
        if (pos != png.Length)
            throw new DataFormatException(sourceName, $"{png.Length - pos} bytes follow the IEND chunk");
        return chunks;
    }

    private static PngHeader ParseHeader(ReadOnlySpan<byte> h, string source)
    {
        if (h.Length != 13) throw new DataFormatException(source, $"IHDR holds {h.Length} bytes; it must hold 13");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(h), ht = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
        if (w == 0 || ht == 0 || w > int.MaxValue || ht > int.MaxValue)
            throw new DataFormatException(source, $"IHDR gives a size of {w}×{ht}; both must be between 1 and 2^31 − 1");
        if ((long)w * ht > MaxPixels)
            throw new DataFormatException(source, $"IHDR gives {w}×{ht} = {(long)w * ht} pixels, more than the {MaxPixels} accepted");
        int depth = h[8], color = h[9];
        bool ok = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!ok) throw new DataFormatException(source, $"IHDR combines bit depth {depth} with colour type {color}, which PNG does not allow");
        if (h[10] != 0) throw new DataFormatException(source, $"IHDR gives compression method {h[10]}; only 0 (deflate) exists");
        if (h[11] != 0) throw new DataFormatException(source, $"IHDR gives filter method {h[11]}; only 0 exists");
        if (h[12] > 1) throw new DataFormatException(source, $"IHDR gives interlace method {h[12]}; only 0 and 1 exist");
        return new PngHeader((int)w, (int)ht, depth, color, h[10], h[11], h[12]);
    }

    private static void Inflate(ReadOnlySpan<byte> png, List<(string Type, int Offset, int Length)> chunks, int first, int last,
        long idatBytes, byte[] raw, string source)
    {
        var compressed = new byte[idatBytes];
        int at = 0;
        for (int i = first; i <= last; i++)
        {
            png.Slice(chunks[i].Offset, chunks[i].Length).CopyTo(compressed.AsSpan(at));
            at += chunks[i].Length;
        }
        try
        {
            using var z = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            int got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            if (got < raw.Length)
                throw new DataFormatException(source, $"the image data inflates to {got} bytes; the header needs {raw.Length}");
            Span<byte> extra = stackalloc byte[1];
            if (z.Read(extra) > 0)
                throw new DataFormatException(source, $"the image data inflates to more than the {raw.Length} bytes the header needs");
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(source, $"the compressed image data is corrupt ({e.Message})", e);
        }
    }

    /// <summary>Undoes the per-row filters in place (filter bytes stay where they are).</summary>
    private static void Unfilter(byte[] raw, int stride, int height, int bpp, string source)
    {
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1);
            int filter = raw[row];
            var cur = raw.AsSpan(row + 1, stride);
            var prev = y > 0 ? raw.AsSpan(row - stride, stride) : Span<byte>.Empty;
            switch (filter)
            {
                case 0:
                    break;
                case 1:
                    for (int i = bpp; i < stride; i++) cur[i] += cur[i - bpp];
                    break;
                case 2:
                    if (y > 0) for (int i = 0; i < stride; i++) cur[i] += prev[i];
                    break;
                case 3:
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? cur[i - bpp] : 0, b = y > 0 ? prev[i] : 0;
                        cur[i] += (byte)((a + b) >> 1);
                    }
                    break;
                case 4:
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? cur[i - bpp] : 0, b = y > 0 ? prev[i] : 0, c = i >= bpp && y > 0 ? prev[i - bpp] : 0;
                        cur[i] += (byte)Paeth(a, b, c);
                    }
                    break;
                default:
                    throw new DataFormatException(source, $"row {y} has filter type {filter}; PNG defines 0 to 4");
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static PngPixels Expand(PngHeader h, byte[] raw, int stride, byte[]? palette, byte[]? paletteAlpha, string source)
    {
        int w = h.Width, height = h.Height, depth = h.BitDepth;
        if (h.ColorType == 3)
        {
            int entries = palette!.Length / 3;
            bool alpha = paletteAlpha is { Length: > 0 };
            int ch = alpha ? 4 : 3;
            var outp = new byte[(long)w * height * ch];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < w; x++)
                {
                    int index = Packed(raw, y * (stride + 1) + 1, x, depth);
                    if (index >= entries)
                        throw new DataFormatException(source, $"pixel ({x}, {y}) uses palette entry {index} but PLTE has {entries}");
                    long o = ((long)y * w + x) * ch;
                    outp[o] = palette[3 * index];
                    outp[o + 1] = palette[3 * index + 1];
                    outp[o + 2] = palette[3 * index + 2];
                    if (alpha) outp[o + 3] = index < paletteAlpha!.Length ? paletteAlpha[index] : (byte)255;
                }
            return new PngPixels(h, ch, outp);
        }

        int channels = h.ColorType switch { 0 => 1, 2 => 3, 4 => 2, _ => 4 };
        var samples = new byte[(long)w * height * channels];
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1) + 1;
            long o = (long)y * w * channels;
            if (depth == 8)
                raw.AsSpan(row, w * channels).CopyTo(samples.AsSpan((int)o));
            else if (depth == 16)
                for (int i = 0; i < w * channels; i++) samples[o + i] = raw[row + 2 * i]; // high byte
            else
            {
                int max = (1 << depth) - 1;
                for (int x = 0; x < w; x++) samples[o + x] = (byte)(Packed(raw, row, x, depth) * 255 / max);
            }
        }
        return new PngPixels(h, channels, samples);
    }

    /// <summary>The x-th sample of <paramref name="depth"/> bits (1, 2, 4 or 8) in a row starting at <paramref name="row"/>, most significant bits first.</summary>
    private static int Packed(byte[] raw, int row, int x, int depth)
    {
        if (depth == 8) return raw[row + x];
        int perByte = 8 / depth;
        int b = raw[row + x / perByte];
        int shift = 8 - depth * (x % perByte + 1);
        return (b >> shift) & ((1 << depth) - 1);
    }
}
