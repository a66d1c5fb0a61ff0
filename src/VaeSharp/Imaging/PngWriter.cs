using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VaeSharp.Imaging;

/// <summary>
/// Minimal PNG encoder (8-bit grayscale or 8-bit RGB, no interlacing): signature, IHDR, one IDAT
/// compressed with <see cref="ZLibStream"/>, IEND. Each row is filtered with None, Sub or Up,
/// whichever gives the smallest sum of absolute filtered bytes (the usual PNG heuristic).
/// </summary>
public static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes <paramref name="image"/> as a PNG to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Image image)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(image);
        stream.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)image.Height);
        ihdr[8] = 8;                                  // bit depth
        ihdr[9] = (byte)(image.Channels == 1 ? 0 : 2); // colour type: 0 gray, 2 RGB
        ihdr[10] = 0;                                 // compression: deflate
        ihdr[11] = 0;                                 // filter method 0
        ihdr[12] = 0;                                 // no interlace
        WriteChunk(stream, "IHDR", ihdr);

        WriteChunk(stream, "IDAT", Compress(image));
        WriteChunk(stream, "IEND", []);
    }

    /// <summary>The PNG encoding of <paramref name="image"/> as a byte array.</summary>
    public static byte[] Encode(Image image)
    {
        using var ms = new MemoryStream();
        Write(ms, image);
        return ms.ToArray();
    }

    /// <summary>
    /// Saves <paramref name="image"/> as a PNG file: written to a temporary file in the same folder,
    /// then renamed over <paramref name="path"/>, so a half-written file is never left behind.
    /// The folder is created if missing.
    /// </summary>
    public static void Save(string path, Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte[] bytes = Encode(image);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    private static byte[] Compress(Image image)
    {
        int bpp = image.Channels;
        int stride = image.Width * bpp;
        byte[] pixels = image.Pixels;
        byte[] row = new byte[1 + stride];
        byte[] candidate = new byte[1 + stride];
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < image.Height; y++)
            {
                ReadOnlySpan<byte> cur = pixels.AsSpan(y * stride, stride);
                ReadOnlySpan<byte> prev = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : default;

                // Filter 0 (None).
                row[0] = 0;
                cur.CopyTo(row.AsSpan(1));
                long best = Cost(row);

                // Filter 1 (Sub): x - left.
                candidate[0] = 1;
                for (int i = 0; i < stride; i++) candidate[1 + i] = (byte)(cur[i] - (i >= bpp ? cur[i - bpp] : 0));
                long cost = Cost(candidate);
                if (cost < best) { best = cost; (row, candidate) = (candidate, row); }

                // Filter 2 (Up): x - above (the row above the first is all zeros, so Up equals None there).
                if (y > 0)
                {
                    candidate[0] = 2;
                    for (int i = 0; i < stride; i++) candidate[1 + i] = (byte)(cur[i] - prev[i]);
                    cost = Cost(candidate);
                    if (cost < best) { (row, candidate) = (candidate, row); }
                }
                z.Write(row);
            }
        }
        return ms.ToArray();
    }

    // Sum of the filtered bytes read as signed values: the "minimum sum of absolute differences" heuristic.
    private static long Cost(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        for (int i = 1; i < filtered.Length; i++) sum += Math.Abs((int)(sbyte)filtered[i]);
        return sum;
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        stream.Write(header);
        stream.Write(data);
        uint crc = Crc32.Update(Crc32.Initial, header[4..]);
        crc = Crc32.Update(crc, data);
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, Crc32.Finish(crc));
        stream.Write(crcBytes);
    }
}

/// <summary>
/// CRC-32 (ISO-HDLC / zlib polynomial 0xEDB88320, reflected), as PNG chunks need.
/// Written by hand with a 256-entry table because the System.IO.Hashing package is not available
/// from the package feed this project builds against.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The register value before any byte.</summary>
    public const uint Initial = 0xFFFFFFFFu;

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>Feeds <paramref name="data"/> into the running register <paramref name="crc"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The final CRC from a running register.</summary>
    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Initial, data));
}
