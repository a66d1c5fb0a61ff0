using System.Buffers.Binary;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Header(uint magic, params uint[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(h, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
        return h;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static DataFormatException Fails(Action read, string path, params string[] fragments)
    {
        var e = Assert.Throws<DataFormatException>(read);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.SourcePath);
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    [Theory]
    [InlineData(false, "raw.idx3")]
    [InlineData(true, "compressed.idx3")]   // gzip without a .gz name: detected by magic bytes
    [InlineData(false, "misnamed-raw.gz")] // raw data with a .gz name
    public void Images_round_trip_raw_and_gzip(bool gzip, string name)
    {
        string path = Write(name, Fixtures.ImageFileBytes(5, gzip));
        Assert.Equal(gzip, IdxReader.IsGzip(path));
        var images = IdxReader.ReadImages(path);
        Assert.Equal((5, 3, 4), (images.Count, images.Rows, images.Columns));
        Assert.Equal(Fixtures.Pixels(5), images.Pixels);
    }

    [Fact]
    public void Writer_gzips_by_extension_and_reader_reads_it_back()
    {
        string images = _dir.File("i.gz"), labels = _dir.File("l.gz");
        IdxWriter.WriteImages(images, Fixtures.Pixels(6), 6, 3, 4);
        IdxWriter.WriteLabels(labels, Fixtures.Labels(6));
        Assert.True(IdxReader.IsGzip(images));
        var ds = IdxReader.LoadPair(images, labels, "fixture");
        Assert.Equal(6, ds.Count);
        Assert.Equal(4, ds.Width);
        Assert.Equal(3, ds.Height);
        Assert.Equal(12, ds.Dimension);
        Assert.Equal(Fixtures.Labels(6), ds.Labels);
        Assert.Equal(Fixtures.Pixels(6)[13] / 255f, ds.Row(1)[1]);
    }

    [Fact]
    public void Labels_file_read_as_images_names_both_magic_numbers()
    {
        string path = Write("train-labels-idx1-ubyte", Fixtures.LabelFileBytes(4));
        Fails(() => IdxReader.ReadImages(path), path, "declares 1 dimension", "0x00000801", "expected 0x00000803");
    }

    [Fact]
    public void Foreign_magic_is_not_an_idx_file()
    {
        string path = Write("photo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0]);
        Fails(() => IdxReader.ReadImages(path), path, "not an IDX file", "0x89504E47", "expected 0x00000803");
    }

    [Fact]
    public void Wrong_type_byte_is_reported_with_its_name()
    {
        var bytes = Header(0x00000D03, 1, 1, 1).Concat(new byte[4]).ToArray();
        string path = Write("floats-idx3", bytes);
        Fails(() => IdxReader.ReadImages(path), path, "unsupported IDX element type 0x0D", "float", "only unsigned byte");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    public void Truncated_magic_is_a_truncated_header(int length)
    {
        string path = Write("short", Fixtures.ImageFileBytes(1)[..length]);
        Fails(() => IdxReader.ReadImages(path), path, "truncated header", $"holds {length} bytes");
    }

    [Fact]
    public void Truncated_dimensions_are_a_truncated_header()
    {
        string path = Write("short-dims.gz", Fixtures.Gzip(Fixtures.ImageFileBytes(1)[..10]));
        Fails(() => IdxReader.ReadImages(path), path, "truncated header", "16-byte header", "ends after 10 bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_pixels_give_claimed_and_actual_sizes(bool gzip)
    {
        byte[] raw = Fixtures.ImageFileBytes(5)[..(16 + 2 * 12)];
        string path = Write("train-images-idx3-ubyte" + (gzip ? ".gz" : ""), gzip ? Fixtures.Gzip(raw) : raw);
        Fails(() => IdxReader.ReadImages(path), path,
            "header claims 5 images of 3×4 (60 bytes)", "holds 24 bytes of pixels");
    }

    [Fact]
    public void Header_claiming_two_billion_images_fails_before_allocating()
    {
        string path = Write("huge.gz", Fixtures.Gzip(Header(0x803, 0x7FFFFFFF, 28, 28).Concat(new byte[100]).ToArray()));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(() => IdxReader.ReadImages(path), path, "header claims 2147483647 images", "more than");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Header_claiming_more_images_than_the_file_holds_allocates_only_what_arrives(bool gzip)
    {
        // 1,000,000 images of 28×28 = 784 MB claimed; the file holds 1,000 bytes.
        byte[] raw = Header(0x803, 1_000_000, 28, 28).Concat(new byte[1000]).ToArray();
        string path = Write("liar" + (gzip ? ".gz" : ""), gzip ? Fixtures.Gzip(raw) : raw);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(() => IdxReader.ReadImages(path), path, "header claims 1000000 images of 28×28 (784000000 bytes)", "holds 1000 bytes of pixels");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the reader allocated for the claimed size");
    }

    [Fact]
    public void Zero_dimension_is_rejected()
    {
        string path = Write("zero", Header(0x803, 2, 0, 28));
        Fails(() => IdxReader.ReadImages(path), path, "dimension 1 (rows) is 0");
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        string path = Write("long.gz", Fixtures.Gzip(Fixtures.ImageFileBytes(2).Concat(new byte[7]).ToArray()));
        Fails(() => IdxReader.ReadImages(path), path, "holds 7 more bytes");
    }

    [Fact]
    public void Corrupt_gzip_is_reported()
    {
        var bytes = Fixtures.ImageFileBytes(3, gzip: true);
        for (int i = 12; i < bytes.Length - 8; i++) bytes[i] ^= 0x5A;
        string path = Write("corrupt.gz", bytes);
        var e = Assert.ThrowsAny<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Labels_read_and_validate()
    {
        string path = Write("labels.gz", Fixtures.LabelFileBytes(9, gzip: true));
        Assert.Equal(Fixtures.Labels(9), IdxReader.ReadLabels(path));
        string images = Write("images", Fixtures.ImageFileBytes(1));
        Fails(() => IdxReader.ReadLabels(images), images, "declares 3 dimension(s)", "expected 0x00000801");
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_both_files()
    {
        string images = Write("train-images-idx3-ubyte.gz", Fixtures.ImageFileBytes(5, gzip: true));
        string labels = Write("train-labels-idx1-ubyte.gz", Fixtures.LabelFileBytes(4, gzip: true));
        var e = Fails(() => IdxReader.LoadPair(images, labels, "x"), images, "holds 5 images", labels, "holds 4 labels");
        Assert.Null(e.InnerException);
    }

    [Fact]
    public void Label_outside_class_range_is_reported()
    {
        string images = Write("i", Fixtures.ImageFileBytes(3));
        var labelBytes = Fixtures.LabelFileBytes(3);
        labelBytes[^1] = 12;
        string labels = Write("l", labelBytes);
        Fails(() => IdxReader.LoadPair(images, labels, "x"), labels, "label #2 is 12, outside 0..9");
    }
}
