using System.Buffers.Binary;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

public sealed class NpyReaderTests
{
    private static NpyArray Read(byte[] bytes, bool seekable = true) =>
        NpyReader.Read(seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes), "t.npy");

    private static DataFormatException Fails(byte[] bytes, bool seekable = true)
    {
        var e = Assert.Throws<DataFormatException>(() => Read(bytes, seekable));
        Assert.Equal("t.npy", e.SourcePath);
        Assert.StartsWith("t.npy: ", e.Message);
        return e;
    }

    [Fact]
    public void Header_is_laid_out_like_numpy()
    {
        byte[] h = NpyFixtures.Header("<f4", false, [2, 3]);
        Assert.Equal(0, h.Length % 64);
        Assert.Equal((byte)'\n', h[^1]);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
            System.Text.Encoding.ASCII.GetString(h, 10, h.Length - 10).TrimEnd());
    }

    [Fact]
    public void Reads_float32_c_order()
    {
        float[] v = [0f, 0.5f, 1f, -2f, 3.25f, float.Epsilon];
        var a = Read(NpyFixtures.Float32([2, 3], v));
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal(NpyElementType.Float32, a.ElementType);
        Assert.False(a.IsInteger);
        Assert.Equal(v, a.Values);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_every_version(int major)
    {
        byte[] bytes = NpyFixtures.File("|u1", false, [1, 4], [1, 2, 3, 255], major);
        var a = Read(bytes);
        Assert.Equal([1f, 2f, 3f, 255f], a.Values);
        Assert.True(a.IsInteger);
    }

    [Fact]
    public void Version_3_header_is_utf8()
    {
        // A 3.0 header is UTF-8: a byte that never occurs in UTF-8 is refused (a 1.0 header would read it as Latin-1).
        byte[] good = NpyFixtures.File("|u1", false, [1, 1], [7], 3);
        Assert.Equal([7f], Read(good).Values);
        byte[] bad = (byte[])good.Clone();
        int quote = Array.IndexOf(bad, (byte)'|');
        bad[quote] = 0xFF; // 0xFF never occurs in UTF-8
        Assert.Contains("UTF-8", Fails(bad).Message);
    }

    public static TheoryData<string, byte[], float[]> Types => new()
    {
        { "|b1", [0, 1, 1], [0, 1, 1] },
        { "|i1", [0x80, 0xFF, 0x7F], [-128, -1, 127] },
        { "<u2", [0x01, 0x02, 0xFF, 0xFF, 0, 0], [0x0201, 65535, 0] },
        { ">u2", [0x01, 0x02, 0xFF, 0xFF, 0, 0], [0x0102, 65535, 0] },
        { "<i2", [0xFF, 0xFF, 0x00, 0x80, 5, 0], [-1, -32768, 5] },
        { ">i2", [0xFF, 0xFF, 0x80, 0x00, 0, 5], [-1, -32768, 5] },
        { "<i4", [0xFE, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0, 0, 1, 0], [-2, 1, 65536] },
        { ">u4", [0, 0, 0, 9, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF], [9, 256, 4294967295f] },
        { "<i8", [.. BitConverter.GetBytes(-3L), .. BitConverter.GetBytes(1L << 40), .. BitConverter.GetBytes(0L)], [-3, 1L << 40, 0] },
        { ">u8", [0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [200, 256, 0] },
        { "<f2", [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38], [1, -2, 0.5f] },
        { ">f4", [0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0, 0x3E, 0x80, 0, 0], [1, -2, 0.25f] },
        { "<f8", [.. BitConverter.GetBytes(0.125), .. BitConverter.GetBytes(-1e10), .. BitConverter.GetBytes(3.0)], [0.125f, -1e10f, 3f] },
        { ">f8", [.. BitConverter.GetBytes(0.125).Reverse(), .. BitConverter.GetBytes(7.5).Reverse(), .. BitConverter.GetBytes(-0.0).Reverse()], [0.125f, 7.5f, -0f] },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Reads_element_types_in_both_byte_orders(string descr, byte[] payload, float[] expected)
    {
        var a = Read(NpyFixtures.File(descr, false, [3, 1], payload));
        Assert.Equal(expected, a.Values);
        var b = Read(NpyFixtures.File(descr, false, [3, 1], payload), seekable: false);
        Assert.Equal(expected, b.Values);
    }

    [Fact]
    public void Fortran_order_is_transposed_into_c_order()
    {
        // a = np.arange(6).reshape(2, 3): Fortran bytes are the columns: 0 3 1 4 2 5.
        var a = Read(NpyFixtures.File("|u1", true, [2, 3], [0, 3, 1, 4, 2, 5]));
        Assert.Equal([0f, 1, 2, 3, 4, 5], a.Values);

        // np.arange(24).reshape(2, 3, 4) in Fortran order: element (i, j, k) sits at i + 2j + 6k.
        var f = new byte[24];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) f[i + 2 * j + 6 * k] = (byte)(i * 12 + j * 4 + k);
        var b = Read(NpyFixtures.File("|u1", true, [2, 3, 4], f));
        Assert.Equal(Enumerable.Range(0, 24).Select(x => (float)x), b.Values);
    }

    [Fact]
    public void Header_variants_numpy_wrote_are_accepted()
    {
        // Old NumPy wrote Python 2 longs and no trailing comma; keys may come in any order, with double quotes.
        byte[] h = NpyFixtures.HeaderFromText("{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<f4\"}");
        var a = Read([.. h, .. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f)]);
        Assert.Equal([2, 1], a.Shape);
        Assert.Equal([1f, 2f], a.Values);
    }

    [Fact]
    public void Not_npy_and_unknown_versions_are_refused()
    {
        Assert.Contains("not a .npy file", Fails("PK\x03\x04 not npy"u8.ToArray()).Message);
        Assert.Contains("not a .npy file", Fails([]).Message);
        byte[] v4 = NpyFixtures.File("|u1", false, [1, 1], [0]);
        v4[6] = 4;
        Assert.Contains("version 4.0", Fails(v4).Message);
    }

    [Fact]
    public void Header_length_beyond_file_or_limit_is_refused_before_allocating()
    {
        byte[] h = NpyFixtures.HeaderFromText("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", major: 2, lengthOverride: int.MaxValue);
        Assert.Contains("more than the 65536-byte limit", Fails(h).Message);
        byte[] h2 = NpyFixtures.HeaderFromText("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", major: 1, lengthOverride: 60000);
        Assert.Contains("only", Fails(h2).Message);
        Assert.Contains("ends after", Fails(h2, seekable: false).Message);
    }

    [Theory]
    [InlineData("(4294967296, 4294967296)", "dimension above")]
    [InlineData("(2147483647, 2147483647)", "too many for one array")]
    [InlineData("(1000000, 1000000)", "too many for one array")]
    [InlineData("(100000, 784)", "needs 313600000 bytes of data but the file holds 4")]
    [InlineData("(99999999999999999999, 1)", "too large")]
    public void Lying_shapes_are_refused_by_arithmetic(string shape, string expected)
    {
        byte[] bytes = [.. NpyFixtures.HeaderFromText($"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}"), 0, 0, 128, 63];
        Assert.Contains(expected, Fails(bytes).Message);
    }

    [Fact]
    public void Terabyte_claim_on_an_unseekable_stream_fails_at_the_end_of_the_data()
    {
        // 2^20 × 2^10 float64 = 8 GiB claimed, 8 bytes present: the reader buffers what arrives and stops there.
        byte[] bytes = [.. NpyFixtures.Header("<f8", false, [1 << 20, 1 << 10]), .. BitConverter.GetBytes(1.0)];
        Assert.Contains("ends after 8", Fails(bytes, seekable: false).Message);
    }

    [Fact]
    public void Truncated_and_overlong_payloads_are_refused()
    {
        byte[] ok = NpyFixtures.Float32([2, 2], [1, 2, 3, 4]);
        Assert.Contains("needs 16 bytes of data but the file holds 15", Fails(ok[..^1]).Message);
        Assert.Contains("holds 1 more", Fails([.. ok, 0]).Message);
        Assert.Contains("ends after 12", Fails(ok[..^4], seekable: false).Message);
        Assert.Contains("continues past", Fails([.. ok, 0], seekable: false).Message);
    }

    [Theory]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured arrays")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "'<c8' is not supported")]
    [InlineData("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "'|O' is not supported")]
    [InlineData("{'descr': '<f4', 'shape': (1,), }", "no 'fortran_order'")]
    [InlineData("{'fortran_order': False, 'shape': (1,), }", "no 'descr'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", "no 'shape'")]
    [InlineData("{'descr': '<f4', 'fortran_order': maybe, 'shape': (1,), }", "True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "non-negative whole number")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "ends where")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", "malformed .npy header")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } trailing", "after the header dict")]
    public void Malformed_headers_are_named(string dict, string expected)
    {
        byte[] bytes = [.. NpyFixtures.HeaderFromText(dict), 0, 0, 0, 0];
        Assert.Contains(expected, Fails(bytes).Message);
    }

    [Fact]
    public void Fortran_to_c_agrees_with_a_naive_index_formula()
    {
        int[] shape = [3, 4, 5, 2];
        int n = shape.Aggregate(1, (a, b) => a * b);
        var f = new float[n];
        for (int i = 0; i < n; i++) f[i] = i;
        var c = NpyReader.FortranToC(f, shape);
        int k = 0;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 4; b++)
                for (int d = 0; d < 5; d++)
                    for (int e = 0; e < 2; e++)
                        Assert.Equal(a + 3 * (b + 4 * (d + 5 * e)), c[k++]);
    }

    /// <summary>A stream that cannot seek (like a pipe or a decompressor).</summary>
    internal sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
