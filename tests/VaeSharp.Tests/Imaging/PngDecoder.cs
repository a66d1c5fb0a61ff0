using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

/// <summary>An independent PNG reader for the tests: chunks, CRC (bitwise, not table-driven), IHDR, inflate, all five filters.</summary>
internal static class PngDecoder
{
    public sealed record Header(int Width, int Height, int BitDepth, int ColorType, int Compression, int Filter, int Interlace);

    public static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        Assert.Equal(Signature, png[..8]);
        var chunks = new List<(string, byte[])>();
        int pos = 8;
        while (pos < png.Length)
        {
            int len = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos)));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            byte[] data = png.AsSpan(pos + 8, len).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(BitwiseCrc(png.AsSpan(pos + 4, 4 + len)), crc);
            chunks.Add((type, data));
            pos += 12 + len;
        }
        Assert.Equal(png.Length, pos);
        return chunks;
    }

    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }

    public static (Header Header, Image Image) Decode(byte[] png)
    {
        var chunks = Chunks(png);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal("IEND", chunks[^1].Type);
        Assert.Empty(chunks[^1].Data);
        byte[] h = chunks[0].Data;
        Assert.Equal(13, h.Length);
        var header = new Header((int)BinaryPrimitives.ReadUInt32BigEndian(h), (int)BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(4)),
            h[8], h[9], h[10], h[11], h[12]);

        using var compressed = new MemoryStream();
        foreach (var (type, data) in chunks) if (type == "IDAT") compressed.Write(data);
        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionMode.Decompress)) z.CopyTo(inflated);
        byte[] raw = inflated.ToArray();

        int bpp = header.ColorType switch { 0 => 1, 2 => 3, _ => throw new InvalidDataException("colour type") };
        int stride = header.Width * bpp;
        Assert.Equal((stride + 1) * header.Height, raw.Length);
        var pixels = new byte[stride * header.Height];
        for (int y = 0; y < header.Height; y++)
        {
            int filter = raw[y * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int x = raw[y * (stride + 1) + 1 + i];
                int a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int c = i >= bpp && y > 0 ? pixels[(y - 1) * stride + i - bpp] : 0;
                int pred = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                };
                pixels[y * stride + i] = (byte)(x + pred);
            }
        }
        return (header, new Image(header.Width, header.Height, bpp, pixels));
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
