using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

/// <summary>Builds PNG files of any colour type, bit depth and filter, with a naive forward filter, for the reader's tests.</summary>
internal static class PngBuilder
{
    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var c = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(c, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(c, 4);
        data.CopyTo(c.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(8 + data.Length), PngDecoder.BitwiseCrc(c.AsSpan(4, 4 + data.Length)));
        return c;
    }

    public static byte[] Ihdr(int w, int h, int depth, int color, int interlace = 0)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(d, (uint)w);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), (uint)h);
        d[8] = (byte)depth;
        d[9] = (byte)color;
        d[12] = (byte)interlace;
        return d;
    }

    /// <summary>Filters unfiltered rows (each <paramref name="stride"/> bytes) with the given filter per row, the naive way.</summary>
    public static byte[] Filter(byte[] rows, int stride, int bpp, int[] filters)
    {
        int height = rows.Length / stride;
        var outp = new byte[height * (stride + 1)];
        for (int y = 0; y < height; y++)
        {
            int f = filters[y % filters.Length];
            outp[y * (stride + 1)] = (byte)f;
            for (int i = 0; i < stride; i++)
            {
                int x = rows[y * stride + i];
                int a = i >= bpp ? rows[y * stride + i - bpp] : 0;
                int b = y > 0 ? rows[(y - 1) * stride + i] : 0;
                int c = i >= bpp && y > 0 ? rows[(y - 1) * stride + i - bpp] : 0;
                int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                int pred = f switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => pa <= pb && pa <= pc ? a : pb <= pc ? b : c };
                outp[y * (stride + 1) + 1 + i] = (byte)(x - pred);
            }
        }
        return outp;
    }

    public static byte[] Zlib(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    public static byte[] Png(byte[] ihdr, byte[] filteredRows, byte[]? plte = null, byte[]? trns = null, int idatPieces = 1)
    {
        var ms = new MemoryStream();
        ms.Write(PngReader.Signature);
        ms.Write(Chunk("IHDR", ihdr));
        if (plte is not null) ms.Write(Chunk("PLTE", plte));
        if (trns is not null) ms.Write(Chunk("tRNS", trns));
        ms.Write(Chunk("tEXt", "Comment\0ancillary chunks are skipped"u8));
        byte[] z = Zlib(filteredRows);
        int piece = (z.Length + idatPieces - 1) / idatPieces;
        for (int at = 0; at < z.Length; at += piece) ms.Write(Chunk("IDAT", z.AsSpan(at, Math.Min(piece, z.Length - at))));
        ms.Write(Chunk("IEND", []));
        return ms.ToArray();
    }

    /// <summary>A plain 8-bit grey PNG of the given pixels (row-major).</summary>
    public static byte[] Grey(int w, int h, byte[] pixels, int filter = 4) =>
        Png(Ihdr(w, h, 8, 0), Filter(pixels, w, 1, [filter]));
}

public sealed class PngReaderTests
{
    private static byte[] Pattern(int n, int seed) => Enumerable.Range(0, n).Select(i => (byte)((i * 37 + seed * 11 + i * i) % 256)).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_filter_type_is_undone(int filter)
    {
        foreach (var (color, channels) in new[] { (0, 1), (2, 3), (4, 2), (6, 4) })
        {
            int w = 7, h = 5;
            byte[] px = Pattern(w * h * channels, filter + color);
            var png = PngBuilder.Png(PngBuilder.Ihdr(w, h, 8, color), PngBuilder.Filter(px, w * channels, channels, [filter, (filter + 1) % 5, (filter + 3) % 5]), idatPieces: 3);
            var d = PngReader.Decode(png, "t.png");
            Assert.Equal(channels, d.Channels);
            Assert.Equal(px, d.Samples);
        }
    }

    [Fact]
    public void Sixteen_bit_keeps_the_high_byte_and_low_depths_scale_to_255()
    {
        byte[] px16 = [0x12, 0x34, 0xFF, 0x00, 0x00, 0xFF, 0x80, 0x80];
        var d16 = PngReader.Decode(PngBuilder.Png(PngBuilder.Ihdr(2, 2, 16, 0), PngBuilder.Filter(px16, 4, 2, [1])), "t.png");
        Assert.Equal([0x12, 0xFF, 0x00, 0x80], d16.Samples);

        // 1-bit grey, 10 pixels wide: 1011001110 → bytes 10110011 10000000.
        var d1 = PngReader.Decode(PngBuilder.Png(PngBuilder.Ihdr(10, 1, 1, 0), PngBuilder.Filter([0b10110011, 0b10000000], 2, 1, [0])), "t.png");
        Assert.Equal(new byte[] { 255, 0, 255, 255, 0, 0, 255, 255, 255, 0 }, d1.Samples);
        // 2-bit grey: 0 1 2 3 → 0 85 170 255; 4-bit: 0x0F, 0x80 → 0, 255, 136, 0.
        Assert.Equal([0, 85, 170, 255], PngReader.Decode(PngBuilder.Png(PngBuilder.Ihdr(4, 1, 2, 0), PngBuilder.Filter([0b00011011], 1, 1, [0])), "t.png").Samples);
        Assert.Equal([0, 255, 136, 0], PngReader.Decode(PngBuilder.Png(PngBuilder.Ihdr(4, 1, 4, 0), PngBuilder.Filter([0x0F, 0x80], 2, 1, [0])), "t.png").Samples);
    }

    [Fact]
    public void Palette_images_expand_and_become_grey_by_luma()
    {
        byte[] plte = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        // 4-bit indices 0 1 2 3 in a 4×1 image.
        var d = PngReader.Decode(PngBuilder.Png(PngBuilder.Ihdr(4, 1, 4, 3), PngBuilder.Filter([0x01, 0x23], 2, 1, [0]), plte), "t.png");
        Assert.Equal(3, d.Channels);
        Assert.Equal(plte, d.Samples);
        Assert.Equal([76, 150, 29, 18], d.ToGrey()); // round(0.299·255) = 76, round(0.587·255) = 150, round(0.114·255) = 29, 0.299·10 + 0.587·20 + 0.114·30 = 18.15
        var t = PngReader.Decode(PngBuilder.Png(PngBuilder.Ihdr(4, 1, 4, 3), PngBuilder.Filter([0x01, 0x23], 2, 1, [0]), plte, trns: [0, 128]), "t.png");
        Assert.Equal(4, t.Channels);
        Assert.Equal([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 255], t.Samples);

        var bad = PngBuilder.Png(PngBuilder.Ihdr(4, 1, 4, 3), PngBuilder.Filter([0x01, 0x24], 2, 1, [0]), plte);
        Assert.Contains("palette entry 4 but PLTE has 4", Assert.Throws<DataFormatException>(() => PngReader.Decode(bad, "t.png")).Message);
    }

    [Fact]
    public void Grey_of_a_real_writer_roundtrip()
    {
        var img = new Image(3, 2, 3, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180]);
        var d = PngReader.Decode(PngWriter.Encode(img), "t.png");
        Assert.Equal(img.Pixels, d.Samples);
        Assert.Equal(img.Pixels, d.ToImage().Pixels);
    }

    private static string Fails(byte[] png)
    {
        var e = Assert.Throws<DataFormatException>(() => PngReader.Decode(png, "bad.png"));
        Assert.Equal("bad.png", e.SourcePath);
        return e.Message;
    }

    [Fact]
    public void Corruption_is_named()
    {
        byte[] good = PngBuilder.Grey(4, 3, Pattern(12, 1));
        Assert.Contains("PNG signature", Fails([.. good[..7], 0, .. good[8..]]));
        var flipped = (byte[])good.Clone();
        flipped[^20] ^= 4; // inside IDAT
        Assert.Contains("CRC", Fails(flipped));
        Assert.Contains("no IEND", Fails(good[..^12]));
        Assert.Contains("ends inside a chunk header", Fails(good[..^5]));
        Assert.Contains("follow the IEND", Fails([.. good, 0]));
        Assert.Contains("interlaced", Fails(PngBuilder.Png(PngBuilder.Ihdr(4, 3, 8, 0, interlace: 1), PngBuilder.Filter(Pattern(12, 1), 4, 1, [0]))));
        Assert.Contains("bit depth 16 with colour type 3", Fails(PngBuilder.Png(PngBuilder.Ihdr(1, 1, 16, 3), [0, 0, 0])));
        Assert.Contains("bit depth 4 with colour type 2", Fails(PngBuilder.Png(PngBuilder.Ihdr(1, 1, 4, 2), [0, 0])));
        Assert.Contains("filter type 5", Fails(PngBuilder.Png(PngBuilder.Ihdr(1, 1, 8, 0), [5, 0])));
        Assert.Contains("inflates to 2 bytes; the header needs 4", Fails(PngBuilder.Png(PngBuilder.Ihdr(1, 2, 8, 0), [0, 0])));
        Assert.Contains("more than the 2 bytes", Fails(PngBuilder.Png(PngBuilder.Ihdr(1, 1, 8, 0), [0, 0, 0])));
        Assert.Contains("without a PLTE", Fails(PngBuilder.Png(PngBuilder.Ihdr(1, 1, 8, 3), [0, 0])));
        Assert.Contains("size of 0×1", Fails(PngBuilder.Png(PngBuilder.Ihdr(0, 1, 8, 0), [0])));
    }

    [Fact]
    public void A_header_claiming_a_huge_image_is_refused_before_inflating()
    {
        // 16384 × 16384 grey = 2^28 pixels (the limit), but the IDAT is a few bytes: it cannot inflate to 256 MiB.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("can hold at most", Fails(PngBuilder.Png(PngBuilder.Ihdr(16384, 16384, 8, 0), [0, 1, 2])));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("more than the 268435456 accepted", Fails(PngBuilder.Png(PngBuilder.Ihdr(65536, 65536, 8, 0), [0])));
    }
}
