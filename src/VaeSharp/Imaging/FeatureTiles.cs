namespace VaeSharp.Imaging;

/// <summary>
/// Signed image-sized features (a decoder's response to one code unit, a weight vector) drawn as grey tiles: each tile is
/// scaled by its own largest |value| so that 0 is mid grey, its largest positive value white and its most negative
/// black; an all-zero feature (a dead unit) stays uniformly grey.
/// </summary>
public static class FeatureTiles
{
    /// <summary>
    /// Maps <paramref name="count"/> features of <paramref name="height"/>·<paramref name="width"/> values each to
    /// 0.5 + 0.5·v / max|v| (per feature) and tiles them with <see cref="ImageGrid.Tile"/> (same layout and size).
    /// </summary>
    public static Image Render(ReadOnlySpan<float> features, int count, int height, int width, int columns, int scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        long per = (long)height * width;
        if (features.Length != per * count)
            throw new ArgumentException($"Expected {count}x{height}x{width} = {per * count} values, got {features.Length}.", nameof(features));
        var scaled = new float[features.Length];
        for (int k = 0; k < count; k++)
        {
            ReadOnlySpan<float> f = features.Slice((int)(k * per), (int)per);
            float max = 0;
            foreach (float v in f) if (float.IsFinite(v)) max = Math.Max(max, Math.Abs(v));
            Span<float> dst = scaled.AsSpan((int)(k * per), (int)per);
            for (int i = 0; i < f.Length; i++) dst[i] = max > 0 && float.IsFinite(f[i]) ? 0.5f + 0.5f * f[i] / max : 0.5f;
        }
        return ImageGrid.Tile(scaled, count, height, width, columns, padding: 2, background: 1f, scale: scale);
    }
}
