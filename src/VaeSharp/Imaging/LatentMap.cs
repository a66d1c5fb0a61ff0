using System.Globalization;

namespace VaeSharp.Imaging;

/// <summary>
/// Raster scatter plot of 2-D latent codes (e.g. the encoder means of a test set) coloured by class,
/// with an axes box, ticks, tick labels and a legend, as an RGB <see cref="Image"/>.
/// </summary>
public static class LatentMap
{
    /// <summary>Matplotlib's "tab10" palette: ten colours that stay distinct for most readers.</summary>
    private static readonly Rgb[] Tab10 =
    [
        Rgb.FromHex(0x1f77b4), Rgb.FromHex(0xff7f0e), Rgb.FromHex(0x2ca02c), Rgb.FromHex(0xd62728), Rgb.FromHex(0x9467bd),
        Rgb.FromHex(0x8c564b), Rgb.FromHex(0xe377c2), Rgb.FromHex(0x7f7f7f), Rgb.FromHex(0xbcbd22), Rgb.FromHex(0x17becf),
    ];

    private static readonly Rgb White = new(255, 255, 255);
    private static readonly Rgb Black = new(0, 0, 0);
    private static readonly Rgb Grid = new(232, 232, 232);

    /// <summary>
    /// Renders an RGB scatter plot, <paramref name="size"/> pixels wide, of <paramref name="points"/> (n×2 floats: z1, z2 of each point).
    /// </summary>
    /// <param name="points">Interleaved (z1, z2) pairs. Points with a NaN or infinite coordinate are skipped.</param>
    /// <param name="labels">Class of each point (n bytes, each &lt; <paramref name="classCount"/>), or empty to draw every point in one colour without a legend.</param>
    /// <param name="classCount">Number of classes (1..255). Up to 10 use the tab10 palette; more use evenly spaced hues.</param>
    /// <param name="classNames">Legend text per class (<paramref name="classCount"/> names), or null for "0", "1", …. The built-in 5×7 font has digits, letters (shown as capitals) and a little punctuation.</param>
    /// <param name="size">Width in pixels (at least 200); the height is fitted to the square plot box (never more than <paramref name="size"/>).</param>
    /// <param name="axisLimit">
    /// If given, both axes span [−axisLimit, +axisLimit]. Otherwise the range comes from the data, robust to outliers:
    /// the 0.5 % and 99.5 % quantiles of each coordinate, the union over both axes (both axes share one scale, so a
    /// round Gaussian looks round), widened by 5 % on each side. Points outside the range are not drawn.
    /// </param>
    /// <returns>An RGB image; dots are drawn in data order, semi-transparent (opacity 0.7).</returns>
    public static Image Render(ReadOnlySpan<float> points, ReadOnlySpan<byte> labels, int classCount,
        IReadOnlyList<string>? classNames = null, int size = 800, double? axisLimit = null)
    {
        if (points.Length % 2 != 0) throw new ArgumentException("Points must be n×2 interleaved (z1, z2) pairs.", nameof(points));
        int n = points.Length / 2;
        if (classCount < 1 || classCount > 255) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Need 1..255 classes.");
        if (labels.Length != 0 && labels.Length != n)
            throw new ArgumentException($"Got {labels.Length} labels for {n} points.", nameof(labels));
        foreach (byte l in labels)
            if (l >= classCount) throw new ArgumentException($"Label {l} is not below classCount {classCount}.", nameof(labels));
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"Got {classNames.Count} class names for {classCount} classes.", nameof(classNames));
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 200);
        if (axisLimit is { } a && !(a > 0 && double.IsFinite(a)))
            throw new ArgumentOutOfRangeException(nameof(axisLimit), a, "The axis limit must be positive and finite.");

        bool legend = labels.Length != 0;
        string[] names = new string[classCount];
        for (int c = 0; c < classCount; c++) names[c] = classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
        Rgb[] colors = Palette(classCount);

        (double lo, double hi) = axisLimit is { } lim ? (-lim, lim) : DataRange(points);

        // Layout: font scale grows with the picture; plot box is square, legend to its right.
        int fs = Math.Max(1, (int)Math.Round(size / 350.0));
        int charW = BitmapFont.Advance * fs, charH = BitmapFont.GlyphHeight * fs;
        int legendW = legend ? 4 * charW + names.Max(s => s.Length) * charW + 2 * charW : 2 * charW;
        int left = 8 * charW, top = 3 * charH, bottom = 4 * charH;
        int plot = Math.Min(size - left - legendW, size - top - bottom);
        if (plot < 50) throw new ArgumentException("The class names are too long for this picture size.", nameof(classNames));
        int x0 = left, y0 = top, x1 = left + plot, y1 = top + plot;

        var canvas = new Canvas(new Image(size, top + plot + bottom, 3));
        canvas.Fill(White);

        double scale = plot / (hi - lo);
        double ToX(double v) => x0 + (v - lo) * scale;
        double ToY(double v) => y1 - (v - lo) * scale;

        // Light grid lines and ticks at nice values.
        double step = Ticks.NiceStep(hi - lo, 8);
        List<double> ticks = Ticks.Multiples(lo, hi, step);
        int tickLen = 3 * fs;
        foreach (double t in ticks)
        {
            int px = (int)Math.Round(ToX(t)), py = (int)Math.Round(ToY(t));
            canvas.FillRect(px, y0 + 1, 1, plot - 1, Grid);
            canvas.FillRect(x0 + 1, py, plot - 1, 1, Grid);
        }

        // Dots.
        double radius = Math.Max(1.5, size / 320.0);
        for (int i = 0; i < n; i++)
        {
            double zx = points[2 * i], zy = points[2 * i + 1];
            if (!double.IsFinite(zx) || !double.IsFinite(zy) || zx < lo || zx > hi || zy < lo || zy > hi) continue;
            Rgb color = legend ? colors[labels[i]] : colors[0];
            canvas.BlendDisc(ToX(zx), ToY(zy), radius, color, 0.7, x0 + 1, y0 + 1, x1 - 1, y1 - 1);
        }

        // Axes box, ticks outside it, tick labels.
        canvas.StrokeRect(x0, y0, x1, y1, Black);
        foreach (double t in ticks)
        {
            int px = (int)Math.Round(ToX(t)), py = (int)Math.Round(ToY(t));
            string label = Ticks.Format(t, step);
            canvas.FillRect(px, y1 + 1, fs, tickLen, Black);
            canvas.DrawText(px - BitmapFont.MeasureWidth(label, fs) / 2, y1 + tickLen + 2 * fs, label, fs, Black);
            canvas.FillRect(x0 - tickLen, py, tickLen, fs, Black);
            canvas.DrawText(x0 - tickLen - 2 * fs - BitmapFont.MeasureWidth(label, fs), py - charH / 2, label, fs, Black);
        }
        // Axis names: z1 centred below the x tick labels, z2 above the top-left corner of the box.
        canvas.DrawText(x0 + plot / 2 - BitmapFont.MeasureWidth("Z1", fs) / 2, y1 + tickLen + 2 * fs + charH + charH, "Z1", fs, Black);
        canvas.DrawText(x0 - BitmapFont.MeasureWidth("Z2", fs) - tickLen - 2 * fs, y0 - charH - charH, "Z2", fs, Black);

        if (legend)
        {
            int lx = x1 + 2 * charW, ly = y0;
            for (int c = 0; c < classCount; c++)
            {
                int rowY = ly + c * (charH + charH / 2 + fs);
                canvas.FillRect(lx, rowY, charH, charH, colors[c]);
                canvas.DrawText(lx + charH + charW, rowY, names[c], fs, Black);
            }
        }
        return canvas.Image;
    }

    private static (double Lo, double Hi) DataRange(ReadOnlySpan<float> points)
    {
        var xs = new List<double>(points.Length / 2);
        var ys = new List<double>(points.Length / 2);
        for (int i = 0; i + 1 < points.Length; i += 2)
        {
            if (!float.IsFinite(points[i]) || !float.IsFinite(points[i + 1])) continue;
            xs.Add(points[i]);
            ys.Add(points[i + 1]);
        }
        if (xs.Count == 0) return (-1, 1);
        xs.Sort();
        ys.Sort();
        double lo = Math.Min(Quantile(xs, 0.005), Quantile(ys, 0.005));
        double hi = Math.Max(Quantile(xs, 0.995), Quantile(ys, 0.995));
        double span = hi - lo;
        if (!(span > 1e-12)) return (lo - 1, hi + 1);
        return (lo - 0.05 * span, hi + 0.05 * span);
    }

    // Linear interpolation between order statistics of a sorted list.
    private static double Quantile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int i = (int)Math.Floor(pos);
        if (i >= sorted.Count - 1) return sorted[^1];
        return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
    }

    private static Rgb[] Palette(int count)
    {
        if (count <= Tab10.Length) return Tab10[..count];
        var colors = new Rgb[count];
        for (int c = 0; c < count; c++) colors[c] = FromHue(360.0 * c / count, 0.75, 0.85);
        return colors;
    }

    private static Rgb FromHue(double h, double s, double v)
    {
        double c = v * s, x = c * (1 - Math.Abs(h / 60 % 2 - 1)), m = v - c;
        (double r, double g, double b) = (h / 60) switch
        {
            < 1 => (c, x, 0.0), < 2 => (x, c, 0.0), < 3 => (0.0, c, x),
            < 4 => (0.0, x, c), < 5 => (x, 0.0, c), _ => (c, 0.0, x),
        };
        return new Rgb((byte)Math.Round((r + m) * 255), (byte)Math.Round((g + m) * 255), (byte)Math.Round((b + m) * 255));
    }
}
