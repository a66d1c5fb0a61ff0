using System.Text;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

public sealed class TextMatrixReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static TextMatrix Parse(string text, TextMatrixOptions? options = null) =>
        TextMatrixReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "t.txt", options);

    private static string Fails(string text, TextMatrixOptions? options = null)
    {
        var e = Assert.Throws<DataFormatException>(() => Parse(text, options));
        Assert.StartsWith("t.txt: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("1 2 3\n4 5 6\n", TextDelimiter.Whitespace)]
    [InlineData("  1   2   3  \n4 5    6", TextDelimiter.Whitespace)]
    [InlineData("1,2,3\n4,5,6\n", TextDelimiter.Comma)]
    [InlineData("1, 2 ,3\r\n4 ,5, 6\r\n", TextDelimiter.Comma)]
    [InlineData("1\t2\t3\n4\t5\t6\n", TextDelimiter.Tab)]
    [InlineData("1;2;3\n\n4;5;6\n\n\n", TextDelimiter.Semicolon)]
    [InlineData("\"1\",\"2\",\"3\"\n4,5,\"6\"", TextDelimiter.Comma)]
    public void Delimiters_are_detected_and_values_read_row_major(string text, TextDelimiter expected)
    {
        var m = Parse(text);
        Assert.Equal((2, 3, expected), (m.Rows, m.Columns, m.Delimiter));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], m.Values);
        Assert.Null(m.Labels);
        Assert.Null(m.Header);
        // The same with the delimiter given.
        Assert.Equal(m.Values, Parse(text, new TextMatrixOptions { Delimiter = expected }).Values);
    }

    [Fact]
    public void Whitespace_mode_mixes_spaces_and_tabs_when_given()
    {
        Assert.Equal(TextDelimiter.Tab, Parse("a b\tc\n1\t2\n").Delimiter); // a tab decides detection
        var m = Parse(" 1  2\t3 \n4\t\t5 6\n", new TextMatrixOptions { Delimiter = TextDelimiter.Whitespace });
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], m.Values);
    }

    [Fact]
    public void Numbers_use_the_invariant_culture_with_exponents_and_signs()
    {
        var m = Parse("-1.5e-3 +2.25 .5 1E2 -0 0.1\n");
        Assert.Equal([-1.5e-3f, 2.25f, 0.5f, 100f, -0f, 0.1f], m.Values);
    }

    [Fact]
    public void Header_rows_are_detected_or_given()
    {
        var m = Parse("x1,x2,\"label\"\n0.5,1,cat\n0.25,2,dog\n", new TextMatrixOptions { LabelColumn = -1 });
        Assert.Equal(["x1", "x2", "label"], m.Header!);
        Assert.Equal((2, 2), (m.Rows, m.Columns));
        Assert.Equal([0.5f, 1f, 0.25f, 2f], m.Values);
        Assert.Equal(["cat", "dog"], m.LabelNames!);
        Assert.Equal([0, 1], m.Labels!);

        // A numeric first line is data unless a header is declared.
        Assert.Null(Parse("1 2\n3 4\n").Header);
        var forced = Parse("1 2\n3 4\n", new TextMatrixOptions { HasHeader = true });
        Assert.Equal(["1", "2"], forced.Header!);
        Assert.Equal(1, forced.Rows);
        Assert.Contains("line 1, column 1 (field 1): 'a' is not a number", Fails("a b\n1 2\n", new TextMatrixOptions { HasHeader = false }));
        Assert.Contains("holds a header but no data rows", Fails("a,b\n"));
    }

    [Fact]
    public void Label_columns_hold_integers_or_text_classes()
    {
        var numeric = Parse("7 0.1 0.2\n3 0.3 0.4\n7 0.5 0.6\n", new TextMatrixOptions { LabelColumn = 0 });
        Assert.Equal([7, 3, 7], numeric.Labels!);
        Assert.Null(numeric.LabelNames);
        Assert.Equal([0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f], numeric.Values);

        // Text classes are numbered in ordinal order, whatever order they first appear in.
        var text = Parse("1\tzebra\n2\tant\n3\tmoth\n4\tant\n", new TextMatrixOptions { LabelColumn = 1 });
        Assert.Equal(["ant", "moth", "zebra"], text.LabelNames!);
        Assert.Equal([2, 0, 1, 0], text.Labels!);
        Assert.Equal([1f, 2f, 3f, 4f], text.Values);

        Assert.Contains("the label column 5 is outside the 3 field(s) of the first line", Fails("1 2 3\n", new TextMatrixOptions { LabelColumn = 5 }));
        Assert.Contains("no feature field besides the label", Fails("1\n2\n", new TextMatrixOptions { LabelColumn = 0 }));
        Assert.Contains("line 3, column 3 (field 2): label 'c' is one more than the 2 distinct labels allowed",
            Fails("1,a\n2,b\n3,c\n", new TextMatrixOptions { LabelColumn = 1, MaxLabelClasses = 2 }));
        Assert.Contains("line 2, column 3 (field 2): empty label field", Fails("1,a\n2,\n", new TextMatrixOptions { LabelColumn = 1 }));
    }

    [Fact]
    public void Errors_name_the_line_and_column()
    {
        Assert.Contains("line 2, column 5 (field 3): 'x' is not a number", Fails("1 2 3\n1 2 x\n"));
        Assert.Contains("line 3, column 1 (field 1): '1.2.3' is not a number", Fails("1,2\n\n1.2.3,4\n"));
        Assert.Contains("line 2, column 4 (field 3): 2 field(s), but line 1 has 3", Fails("1 2 3\n4 5\n"));
        Assert.Contains("line 2, column 7 (field 4): 4 field(s), but line 1 has 3", Fails("1 2 3\n4 5 6 7\n"));
        Assert.Contains("line 1, column 5 (field 3): empty field, expected a number", Fails("1,2,\n"));
        Assert.Contains("line 1, column 3 (field 2): empty field, expected a number", Fails("1,,2\n"));
        Assert.Contains("line 1, column 3 (field 2): 'NaN' is not a finite number", Fails("1 NaN\n"));
        Assert.Contains("line 1, column 1 (field 1): '1e40' is not a finite number", Fails("1e40 1\n"));
        Assert.Contains("line 1, column 1 (field 1): '1,5' is not a number", Fails("1,5;2\n", new TextMatrixOptions { Delimiter = TextDelimiter.Semicolon, HasHeader = false }));
        Assert.Contains("line 2, column 3 (field 2): 2 is outside [0, 1]", Fails("0 1\n1 2\n", new TextMatrixOptions { ValueRange = (0f, 1f) }));
        Assert.Contains("line 1: 3 feature field(s), expected 784", Fails("0 1 0\n", new TextMatrixOptions { ExpectedColumns = 784 }));
        Assert.Contains("line 3: more than the 2 rows allowed", Fails("1\n2\n3\n", new TextMatrixOptions { MaxRows = 2 }));
        Assert.Contains("holds no data: the text is empty or blank", Fails(""));
        Assert.Contains("holds no data", Fails("\n  \n\t\n"));
        string longToken = new('9', 100);
        Assert.Contains($"'{longToken[..40]}…' is not a number", Fails($"1 2\n1 {longToken}x\n"));
    }

    [Fact]
    public void Lines_longer_than_the_limit_are_refused_without_reading_them_whole()
    {
        string text = "1 2\n" + string.Join(' ', Enumerable.Repeat("0", 5000)) + "\n";
        Assert.Contains("line 2 is longer than 1000 characters", Fails(text, new TextMatrixOptions { MaxLineLength = 1000 }));
        // A stream of 64 MiB without a newline stops at the limit, having read little more than it.
        var endless = new CountingZeros(64 << 20);
        var e = Assert.Throws<DataFormatException>(() => TextMatrixReader.Read(endless, "zeros.txt", new TextMatrixOptions { MaxLineLength = 100_000 }));
        Assert.Contains("line 1 is longer than 100000 characters", e.Message);
        Assert.InRange(endless.Served, 100_000, 100_000 + (1 << 18));
    }

    /// <summary>A stream of '0' characters, counting what it served.</summary>
    private sealed class CountingZeros(long length) : Stream
    {
        public long Served { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - Served);
            buffer.AsSpan(offset, n).Fill((byte)'0');
            Served += n;
            return n;
        }
    }

    [Fact]
    public void Gzip_input_and_byte_order_marks_are_handled()
    {
        string path = _dir.File("m.txt.gz");
        File.WriteAllBytes(path, Fixtures.Gzip(Encoding.UTF8.GetBytes("1 2\n3 4\n")));
        Assert.Equal([1f, 2f, 3f, 4f], TextMatrixReader.Read(path).Values);

        string bom = _dir.File("bom.csv");
        File.WriteAllBytes(bom, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("a,b\n1,2\n")]);
        Assert.Equal(["a", "b"], TextMatrixReader.Read(bom).Header!);

        string corrupt = _dir.File("bad.gz");
        byte[] gz = Fixtures.Gzip(Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 2000))));
        for (int i = 20; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        var e = Assert.Throws<DataFormatException>(() => TextMatrixReader.Read(Write(corrupt, gz)));
        Assert.StartsWith(corrupt + ": ", e.Message);

        string latin = _dir.File("latin.txt");
        File.WriteAllBytes(latin, [(byte)'1', (byte)' ', 0xE9, (byte)'\n']);
        Assert.Contains("not valid UTF-8", Assert.Throws<DataFormatException>(() => TextMatrixReader.Read(latin)).Message);
    }

    private static string Write(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(null)]
    [InlineData(70_001)]
    [InlineData(10)]
    [InlineData(100_000)]
    public void Many_rows_are_collected_whatever_the_row_hint(int? hint)
    {
        // 70,001 rows of 3 values cross several value blocks.
        const int rows = 70_001;
        var text = new StringBuilder();
        for (int r = 0; r < rows; r++) text.Append(r).Append(' ').Append(r % 7).Append(' ').Append(-r).Append('\n');
        var expected = new float[3 * rows];
        for (int r = 0; r < rows; r++) (expected[3 * r], expected[3 * r + 1], expected[3 * r + 2]) = (r, r % 7, -r);
        var m = Parse(text.ToString(), new TextMatrixOptions { ExpectedRows = hint });
        Assert.Equal((rows, 3), (m.Rows, m.Columns));
        Assert.Equal(expected, m.Values);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Parse("1", new TextMatrixOptions { ExpectedColumns = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Parse("1", new TextMatrixOptions { MaxLineLength = 0 }));
        Assert.Throws<ArgumentException>(() => Parse("1", new TextMatrixOptions { ValueRange = (1f, 0f) }));
    }
}
