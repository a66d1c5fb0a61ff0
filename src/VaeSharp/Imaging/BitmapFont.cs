namespace VaeSharp.Imaging;

/// <summary>
/// A tiny 5×7 bitmap font, hand-written for the labels of raster plots (no font or image library is available
/// to the project). Covers digits, A–Z (lower-case letters are drawn as capitals), space and <c>- . , : _ ( ) / + = ?</c>;
/// any other character is drawn as <c>?</c>. Each glyph is 7 rows, top first; bit 4 is the leftmost column.
/// </summary>
internal static class BitmapFont
{
    /// <summary>Glyph width in font pixels.</summary>
    public const int GlyphWidth = 5;

    /// <summary>Glyph height in font pixels.</summary>
    public const int GlyphHeight = 7;

    /// <summary>Horizontal advance per character in font pixels (glyph plus one column of spacing).</summary>
    public const int Advance = 6;

    private static readonly Dictionary<char, byte[]> Glyphs = new()
    {
        [' '] = [0, 0, 0, 0, 0, 0, 0],
        ['0'] = [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        ['1'] = [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['2'] = [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        ['3'] = [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        ['4'] = [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        ['5'] = [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        ['6'] = [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        ['7'] = [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        ['8'] = [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        ['9'] = [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        ['A'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001],
        ['B'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        ['C'] = [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
        ['D'] = [0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100],
        ['E'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        ['F'] = [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
        ['G'] = [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        ['H'] = [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        ['I'] = [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        ['J'] = [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        ['K'] = [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
        ['L'] = [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        ['M'] = [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        ['N'] = [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
        ['O'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['P'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        ['Q'] = [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
        ['R'] = [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
        ['S'] = [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        ['T'] = [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        ['U'] = [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        ['V'] = [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        ['W'] = [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010],
        ['X'] = [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        ['Y'] = [0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100],
        ['Z'] = [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111],
        ['-'] = [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
        ['.'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        [','] = [0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b00100, 0b01000],
        [':'] = [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
        ['_'] = [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111],
        ['('] = [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010],
        [')'] = [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000],
        ['/'] = [0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000],
        ['+'] = [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
        ['='] = [0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000],
        ['?'] = [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100],
    };

    /// <summary>The rows of the glyph drawn for <paramref name="c"/>.</summary>
    public static byte[] Glyph(char c) => Glyphs.TryGetValue(char.ToUpperInvariant(c), out byte[]? g) ? g : Glyphs['?'];

    /// <summary>Width in image pixels of <paramref name="text"/> drawn at <paramref name="scale"/> (no trailing spacing).</summary>
    public static int MeasureWidth(string text, int scale) => text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale;
}

/// <summary>Drawing primitives on an RGB <see cref="Image"/>, clipped to the image.</summary>
internal sealed class Canvas(Image image)
{
    public Image Image { get; } = image.Channels == 3 ? image : throw new ArgumentException("Canvas needs an RGB image.");

    public int Width => Image.Width;
    public int Height => Image.Height;

    public void Fill(Rgb color)
    {
        for (int i = 0; i < Image.Pixels.Length; i += 3) Set(i, color);
    }

    public void FillRect(int x0, int y0, int w, int h, Rgb color)
    {
        int x1 = Math.Min(Width, x0 + w), y1 = Math.Min(Height, y0 + h);
        for (int y = Math.Max(0, y0); y < y1; y++)
            for (int x = Math.Max(0, x0); x < x1; x++)
                Set((y * Width + x) * 3, color);
    }

    /// <summary>Outline of a rectangle, one pixel wide, corners included.</summary>
    public void StrokeRect(int x0, int y0, int x1, int y1, Rgb color)
    {
        FillRect(x0, y0, x1 - x0 + 1, 1, color);
        FillRect(x0, y1, x1 - x0 + 1, 1, color);
        FillRect(x0, y0, 1, y1 - y0 + 1, color);
        FillRect(x1, y0, 1, y1 - y0 + 1, color);
    }

    /// <summary>A filled disc blended with opacity <paramref name="alpha"/>, clipped to [clipX0, clipX1]×[clipY0, clipY1].</summary>
    public void BlendDisc(double cx, double cy, double radius, Rgb color, double alpha, int clipX0, int clipY0, int clipX1, int clipY1)
    {
        int xa = Math.Max(clipX0, (int)Math.Floor(cx - radius)), xb = Math.Min(clipX1, (int)Math.Ceiling(cx + radius));
        int ya = Math.Max(clipY0, (int)Math.Floor(cy - radius)), yb = Math.Min(clipY1, (int)Math.Ceiling(cy + radius));
        double r2 = radius * radius;
        for (int y = ya; y <= yb; y++)
            for (int x = xa; x <= xb; x++)
            {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                if (dx * dx + dy * dy > r2) continue;
                int i = (y * Width + x) * 3;
                byte[] p = Image.Pixels;
                p[i] = Mix(p[i], color.R, alpha);
                p[i + 1] = Mix(p[i + 1], color.G, alpha);
                p[i + 2] = Mix(p[i + 2], color.B, alpha);
            }
    }

    /// <summary>Draws <paramref name="text"/> with its top-left corner at (x, y), each font pixel a scale×scale block.</summary>
    public void DrawText(int x, int y, string text, int scale, Rgb color)
    {
        foreach (char c in text)
        {
            byte[] glyph = BitmapFont.Glyph(c);
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
                for (int col = 0; col < BitmapFont.GlyphWidth; col++)
                    if ((glyph[row] & (1 << (BitmapFont.GlyphWidth - 1 - col))) != 0)
                        FillRect(x + col * scale, y + row * scale, scale, scale, color);
            x += BitmapFont.Advance * scale;
        }
    }

    private static byte Mix(byte under, byte over, double alpha) => (byte)Math.Round(under + (over - under) * alpha);

    private void Set(int i, Rgb c)
    {
        Image.Pixels[i] = c.R;
        Image.Pixels[i + 1] = c.G;
        Image.Pixels[i + 2] = c.B;
    }
}

/// <summary>An 8-bit RGB colour.</summary>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb FromHex(int hex) => new((byte)(hex >> 16), (byte)(hex >> 8), (byte)hex);

    public string ToHex() => $"#{R:x2}{G:x2}{B:x2}";
}
