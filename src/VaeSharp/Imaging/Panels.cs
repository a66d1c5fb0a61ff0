namespace VaeSharp.Imaging;

/// <summary>Pictures laid side by side with a caption above each (grey images become RGB), for figures that compare models.</summary>
public static class Panels
{
    /// <summary>
    /// Places <paramref name="panels"/> left to right, top-aligned, each under its caption drawn with the bitmap font,
    /// separated by <paramref name="gap"/> pixels of white.
    /// </summary>
    public static Image SideBySide(IReadOnlyList<(string Caption, Image Picture)> panels, int gap = 16, int fontScale = 2)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("No panels to lay out.", nameof(panels));
        int captionHeight = BitmapFont.GlyphHeight * fontScale + 8;
        long width = gap;
        int height = 0;
        foreach (var (caption, picture) in panels)
        {
            width += Math.Max(picture.Width, BitmapFont.MeasureWidth(caption, fontScale)) + gap;
            height = Math.Max(height, picture.Height);
        }
        var canvas = new Canvas(new Image(checked((int)width), captionHeight + height + gap, 3));
        canvas.Fill(new Rgb(255, 255, 255));
        int x = gap;
        foreach (var (caption, picture) in panels)
        {
            int w = Math.Max(picture.Width, BitmapFont.MeasureWidth(caption, fontScale));
            canvas.DrawText(x, 4, caption, fontScale, new Rgb(20, 20, 20));
            Blit(canvas.Image, picture, x, captionHeight);
            x += w + gap;
        }
        return canvas.Image;
    }

    private static void Blit(Image target, Image source, int x0, int y0)
    {
        for (int y = 0; y < source.Height; y++)
            for (int x = 0; x < source.Width; x++)
            {
                int s = (y * source.Width + x) * source.Channels, t = ((y0 + y) * target.Width + x0 + x) * 3;
                for (int c = 0; c < 3; c++) target.Pixels[t + c] = source.Pixels[s + (source.Channels == 3 ? c : 0)];
            }
    }
}
