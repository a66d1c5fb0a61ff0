using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

public sealed class DatasetTests
{
    /// <summary>count rows of 2 features; feature 0 of row i is i/255 so a row can be identified.</summary>
    private static Dataset Numbered(int count)
    {
        var f = new float[count * 2];
        for (int i = 0; i < count; i++) { f[2 * i] = i / 255f; f[2 * i + 1] = 1f; }
        return new Dataset("numbered", 2, 1, f, Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray(), 3, ["a", "b", "c"]);
    }

    private static int Id(Dataset d, int row) => (int)MathF.Round(d.Row(row)[0] * 255f);

    [Fact]
    public void Shape_and_rows()
    {
        var d = Numbered(10);
        Assert.Equal((10, 2, 1, 2, 3), (d.Count, d.Width, d.Height, d.Dimension, d.ClassCount));
        Assert.Equal(7, Id(d, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Row(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Row(-1));
    }

    [Fact]
    public void Constructor_rejects_inconsistent_arguments()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset("x", 2, 2, new float[6]));
        Assert.Contains("not a multiple of 2×2", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Dataset("x", 1, 1, [0.5f, 1.5f]));
        Assert.Contains("Feature 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Dataset("x", 1, 1, [0f, 1f], [0], 2));
        Assert.Contains("1 labels for 2 rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Dataset("x", 1, 1, [0f, 1f], [0, 5], 3));
        Assert.Contains("Label 5 of row 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Dataset("x", 1, 1, [0f], [0], 2, ["only one"]));
        Assert.Contains("1 class names for 2 classes", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset("x", 0, 1, []));
    }

    [Fact]
    public void FromBytes_scales_by_255()
    {
        var d = Dataset.FromBytes("b", 2, 1, [0, 255, 51, 102]);
        Assert.Equal([0f, 1f, 51 / 255f, 102 / 255f], d.Features);
        Assert.Null(d.Labels);
    }

    [Fact]
    public void Subset_copies_rows_and_labels_in_order()
    {
        var d = Numbered(10);
        var s = d.Subset([9, 2, 2, 0]);
        Assert.Equal(4, s.Count);
        Assert.Equal([9, 2, 2, 0], Enumerable.Range(0, 4).Select(i => Id(s, i)));
        Assert.Equal(new byte[] { 0, 2, 2, 0 }, s.Labels);
        Assert.Equal(d.ClassNames, s.ClassNames);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Subset([1, 10]));
        Assert.Contains("Index #1 is 10", e.Message);
    }

    [Fact]
    public void SplitValidation_is_disjoint_covering_and_seeded()
    {
        var d = Numbered(200);
        var (train, validation) = d.SplitValidation(50, seed: 42);
        Assert.Equal(150, train.Count);
        Assert.Equal(50, validation.Count);
        var t = Enumerable.Range(0, train.Count).Select(i => Id(train, i)).ToArray();
        var v = Enumerable.Range(0, validation.Count).Select(i => Id(validation, i)).ToArray();
        Assert.Empty(t.Intersect(v));
        Assert.Equal(Enumerable.Range(0, 200), t.Concat(v).Order());
        Assert.Equal(t.Order(), t); // original order kept
        for (int i = 0; i < validation.Count; i++) Assert.Equal((byte)(v[i] % 3), validation.Labels![i]);
        Assert.EndsWith("/validation", validation.Name);

        var (_, again) = d.SplitValidation(50, seed: 42);
        Assert.Equal(v, Enumerable.Range(0, again.Count).Select(i => Id(again, i)));
        var (_, other) = d.SplitValidation(50, seed: 43);
        Assert.NotEqual(v, Enumerable.Range(0, other.Count).Select(i => Id(other, i)));
        // not simply the first or last rows
        Assert.NotEqual(Enumerable.Range(0, 50), v);
        Assert.NotEqual(Enumerable.Range(150, 50), v);
    }

    [Fact]
    public void SplitValidation_rejects_bad_counts()
    {
        var d = Numbered(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.SplitValidation(10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.SplitValidation(-1, 1));
        var (train, validation) = d.SplitValidation(0, 1);
        Assert.Equal((10, 0), (train.Count, validation.Count));
    }
}
