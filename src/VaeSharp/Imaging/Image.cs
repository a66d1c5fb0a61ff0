namespace VaeSharp.Imaging;

/// <summary>
/// An 8-bit image: <see cref="Channels"/> is 1 (grayscale) or 3 (RGB), pixels stored row-major
/// from the top-left corner, channels interleaved (R, G, B).
/// </summary>
public sealed class Image
{
    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>1 for grayscale, 3 for RGB.</summary>
    public int Channels { get; }

    /// <summary>The samples, <c>Width * Height * Channels</c> bytes, row-major, channels interleaved.</summary>
    public byte[] Pixels { get; }

    /// <summary>Creates an image filled with zeros (black).</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    public Image(int width, int height, int channels)
        : this(width, height, channels, AllocatePixels(width, height, channels))
    {
    }

    /// <summary>Wraps existing pixels (not copied).</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="pixels">Exactly <c>width * height * channels</c> bytes.</param>
    public Image(int width, int height, int channels, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long expected = CheckedSize(width, height, channels);
        if (pixels.Length != expected)
            throw new ArgumentException($"Expected {expected} bytes for a {width}x{height}x{channels} image, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    private static byte[] AllocatePixels(int width, int height, int channels) => new byte[CheckedSize(width, height, channels)];

    private static long CheckedSize(int width, int height, int channels)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Width must be at least 1.");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "Height must be at least 1.");
        if (channels != 1 && channels != 3) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1 (gray) or 3 (RGB).");
        long size = (long)width * height * channels;
        if (size > Array.MaxLength) throw new ArgumentException($"A {width}x{height}x{channels} image is too large.");
        return size;
    }

    /// <summary>
    /// A grayscale image from floats in [0, 1] (row-major, <paramref name="width"/> × <paramref name="height"/>):
    /// each value v becomes round(255·v), values outside [0, 1] are clamped and NaN becomes 0.
    /// </summary>
    public static Image FromUnitFloats(ReadOnlySpan<float> values, int width, int height)
    {
        var image = new Image(width, height, 1);
        if (values.Length != image.Pixels.Length)
            throw new ArgumentException($"Expected {image.Pixels.Length} values for a {width}x{height} image, got {values.Length}.", nameof(values));
        for (int i = 0; i < values.Length; i++) image.Pixels[i] = ToByte(values[i]);
        return image;
    }

    /// <summary>Maps a float in [0, 1] to 0..255 with clamping; NaN maps to 0.</summary>
    public static byte ToByte(float value)
    {
        if (!(value > 0f)) return 0; // also NaN
        if (value >= 1f) return 255;
        return (byte)MathF.Round(value * 255f, MidpointRounding.AwayFromZero);
    }

    /// <summary>A copy enlarged by an integer <paramref name="factor"/> (nearest neighbour, each pixel becomes a factor×factor block).</summary>
    public Image Upscale(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        if (factor == 1) return new Image(Width, Height, Channels, (byte[])Pixels.Clone());
        var result = new Image(checked(Width * factor), checked(Height * factor), Channels);
        int srcStride = Width * Channels, dstStride = result.Width * Channels;
        for (int y = 0; y < result.Height; y++)
        {
            int srcRow = (y / factor) * srcStride;
            int dstRow = y * dstStride;
            for (int x = 0; x < result.Width; x++)
            {
                int s = srcRow + (x / factor) * Channels, d = dstRow + x * Channels;
                for (int c = 0; c < Channels; c++) result.Pixels[d + c] = Pixels[s + c];
            }
        }
        return result;
    }

    /// <summary>Encodes the image as PNG at <paramref name="path"/>, atomically (see <see cref="PngWriter.Save"/>).</summary>
    public void SavePng(string path) => PngWriter.Save(path, this);
}
