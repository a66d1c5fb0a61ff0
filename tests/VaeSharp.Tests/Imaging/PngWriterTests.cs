using System.Text;
using VaeSharp.Imaging;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Imaging;

public class PngWriterTests
{
    private static Image RandomImage(int w, int h, int channels, ulong seed, bool smooth)
    {
        var rng = new Rng(seed);
        var img = new Image(w, h, channels);
        for (int i = 0; i < img.Pixels.Length; i++)
            img.Pixels[i] = smooth ? (byte)((i / channels % w) * 7 + (i / (w * channels)) * 3 + rng.NextInt(3)) : (byte)rng.NextInt(256);
        return img;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 1, 3)]
    [InlineData(3, 5, 1)]
    [InlineData(3, 5, 3)]
    [InlineData(5, 3, 3)]
    [InlineData(17, 13, 1)]
    [InlineData(64, 40, 3)]
    public void RoundTripsPixelsExactly(int w, int h, int channels)
    {
        foreach (bool smooth in new[] { false, true })
        {
            Image img = RandomImage(w, h, channels, (ulong)(w * 100 + h * 10 + channels), smooth);
            var (header, decoded) = PngDecoder.Decode(PngWriter.Encode(img));
            Assert.Equal(new PngDecoder.Header(w, h, 8, channels == 1 ? 0 : 2, 0, 0, 0), header);
            Assert.Equal(img.Pixels, decoded.Pixels);
        }
    }

    [Fact]
    public void StartsWithSignatureAndHasIhdrIdatIend()
    {
        byte[] png = PngWriter.Encode(new Image(2, 2, 1, [0, 255, 128, 7]));
        Assert.Equal(PngDecoder.Signature, png[..8]);
        Assert.Equal(["IHDR", "IDAT", "IEND"], PngDecoder.Chunks(png).Select(c => c.Type));
    }

    [Fact]
    public void CrcMatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xCBF43926u, PngDecoder.BitwiseCrc(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xAE426082u, Crc32.Compute(Encoding.ASCII.GetBytes("IEND"))); // every PNG ends with these bytes
    }

    [Fact]
    public void SaveWritesTheFileAndLeavesNoTemporaryFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vaesharp-png-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "sub", "a.png");
            Image img = RandomImage(9, 4, 3, 1, smooth: false);
            PngWriter.Save(path, img);
            PngWriter.Save(path, img); // overwrite
            Assert.Equal(img.Pixels, PngDecoder.Decode(File.ReadAllBytes(path)).Image.Pixels);
            Assert.Equal(["a.png"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FromUnitFloatsClampsAndMapsNaNToBlack()
    {
        Image img = Image.FromUnitFloats([0f, 1f, 0.5f, -3f, 7f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f / 255], 3, 3);
        Assert.Equal(new byte[] { 0, 255, 128, 0, 255, 0, 255, 0, 1 }, img.Pixels);
        Assert.Throws<ArgumentException>(() => Image.FromUnitFloats([0f, 1f], 3, 3));
    }

    [Fact]
    public void UpscaleRepeatsPixelsInBlocks()
    {
        Image up = new Image(2, 1, 3, [1, 2, 3, 4, 5, 6]).Upscale(2);
        Assert.Equal((4, 2), (up.Width, up.Height));
        Assert.Equal(new byte[] { 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6 }, up.Pixels);
    }

    [Fact]
    public void RejectsBadImageArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Image(0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Image(1, 1, 2));
        Assert.Throws<ArgumentException>(() => new Image(2, 2, 1, new byte[3]));
    }
}
