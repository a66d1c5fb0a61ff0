using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

/// <summary>
/// The tests' PNG helper, now a thin layer over the library's <see cref="PngReader"/> (which validates CRCs, IHDR,
/// filters and the inflate size). The bitwise CRC stays here as an independent check of the table-driven one.
/// </summary>
internal static class PngDecoder
{
    public sealed record Header(int Width, int Height, int BitDepth, int ColorType, int Compression, int Filter, int Interlace);

    public static readonly byte[] Signature = PngReader.Signature.ToArray();

    public static List<(string Type, byte[] Data)> Chunks(byte[] png) =>
        PngReader.Chunks(png).Select(c => (c.Type, png.AsSpan(c.Offset, c.Length).ToArray())).ToList();

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
        var decoded = PngReader.Decode(png, "(test png)");
        var h = decoded.Header;
        return (new Header(h.Width, h.Height, h.BitDepth, h.ColorType, h.Compression, h.Filter, h.Interlace), decoded.ToImage());
    }
}
