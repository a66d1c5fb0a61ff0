namespace VaeSharp.Imaging;

/// <summary>
/// Tiles many small grayscale images (floats in [0, 1]) into one picture: samples, reconstructions,
/// the manifold of Figure 4 of Kingma &amp; Welling.
/// </summary>
public static class ImageGrid
{
    /// <summary>Default gap colour: mid gray, visible between white-on-black digits and between faces.</summary>
    public const float DefaultBackground = 0.5f;

    /// <summary>
    /// Lays out <paramref name="count"/> images in a grid of <paramref name="columns"/> columns, left to right then
    /// top to bottom. Image k occupies <c>images[k*height*width .. (k+1)*height*width)</c>, row-major, values in
    /// [0, 1] (clamped; NaN is black). There are <paramref name="padding"/> pixels of <paramref name="background"/>
    /// around and between the tiles (measured after upscaling); each image is enlarged <paramref name="scale"/> times
    /// (nearest neighbour). Cells past <paramref name="count"/> in the last row stay background.
    /// </summary>
    /// <returns>A grayscale image of width <c>padding + c·(width·scale + padding)</c> with c = min(columns, count), and
    /// height <c>padding + rows·(height·scale + padding)</c> with rows = ⌈count / columns⌉.</returns>
    public static Image Tile(ReadOnlySpan<float> images, int count, int height, int width, int columns,
        int padding = 2, float background = DefaultBackground, int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        long per = (long)height * width;
        if (images.Length != per * count)
            throw new ArgumentException($"Expected {count}x{height}x{width} = {per * count} values, got {images.Length}.", nameof(images));

        int cols = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;
        int cellW = checked(width * scale + padding), cellH = checked(height * scale + padding);
        var image = new Image(checked(padding + cols * cellW), checked(padding + rows * cellH), 1);
        Array.Fill(image.Pixels, Image.ToByte(background));

        for (int k = 0; k < count; k++)
        {
            int x0 = padding + (k % columns) * cellW, y0 = padding + (k / columns) * cellH;
            ReadOnlySpan<float> src = images.Slice((int)(k * per), (int)per);
            for (int y = 0; y < height * scale; y++)
            {
                int dst = (y0 + y) * image.Width + x0;
                int srcRow = (y / scale) * width;
                for (int x = 0; x < width * scale; x++)
                    image.Pixels[dst + x] = Image.ToByte(src[srcRow + x / scale]);
            }
        }
        return image;
    }

    /// <summary>
    /// "Inputs above reconstructions": tiles <paramref name="originals"/> and <paramref name="reconstructions"/>
    /// (each <paramref name="count"/> images of height×width) with the same layout and stacks the originals block
    /// above the reconstructions block, separated by a band of <c>max(2·padding, 4)</c> pixels of background
    /// (thicker than the gaps between tiles, so the two blocks stand apart). Original k and reconstruction k
    /// sit in the same cell of their blocks.
    /// </summary>
    public static Image Stack(ReadOnlySpan<float> originals, ReadOnlySpan<float> reconstructions, int count, int height, int width,
        int columns, int padding = 2, float background = DefaultBackground, int scale = 1)
    {
        Image top = Tile(originals, count, height, width, columns, padding, background, scale);
        Image bottom = Tile(reconstructions, count, height, width, columns, padding, background, scale);
        return StackVertical([top, bottom], Math.Max(2 * padding, 4) - padding, background);
    }

    /// <summary>
    /// Stacks images of the same width and channel count top to bottom with <paramref name="gap"/> rows of
    /// <paramref name="background"/> between consecutive images.
    /// </summary>
    public static Image StackVertical(IReadOnlyList<Image> parts, int gap = 0, float background = DefaultBackground)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("Nothing to stack.", nameof(parts));
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        int width = parts[0].Width, channels = parts[0].Channels;
        long height = (long)gap * (parts.Count - 1);
        foreach (Image p in parts)
        {
            if (p.Width != width || p.Channels != channels)
                throw new ArgumentException("All stacked images need the same width and channel count.", nameof(parts));
            height += p.Height;
        }
        var result = new Image(width, checked((int)height), channels);
        Array.Fill(result.Pixels, Image.ToByte(background));
        int offset = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            parts[i].Pixels.CopyTo(result.Pixels, offset);
            offset += parts[i].Pixels.Length + gap * width * channels;
        }
        return result;
    }
}
