using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using VaeSharp.IO;

namespace VaeSharp.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-st-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static NamedTensor[] Sample() =>
    [
        new("encoder.0.weight", [3, 2], [1f, -2.5f, float.NaN, float.Epsilon, -0f, float.PositiveInfinity]),
        new("encoder.0.bias", [3], [0.1f, 0.2f, 0.3f]),
        new("scalar", [], [42f]),
        new("empty", [0, 5], []),
        new("Zeta", [1, 1, 1], [float.NegativeInfinity]),
    ];

    [Fact]
    public void RoundTripsNamesShapesBitsAndMetadata()
    {
        string path = PathOf("a.safetensors");
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é \"q\" <&>\n" };
        SafeTensors.Write(path, Sample(), meta);
        SafeTensorsContent read = SafeTensors.Read(path);
        Assert.Equal(meta, read.Metadata);
        Assert.Equal(Sample().Length, read.Tensors.Count);
        foreach (NamedTensor t in Sample())
        {
            NamedTensor r = read[t.Name];
            Assert.Equal(t.Shape, r.Shape);
            Assert.Equal(t.Data.Select(BitConverter.SingleToInt32Bits), r.Data.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Throws<KeyNotFoundException>(() => read["missing"]);
    }

    [Fact]
    public void OutputIsDeterministicSortedAndPadded()
    {
        string a = PathOf("a.safetensors"), b = PathOf("b.safetensors");
        SafeTensors.Write(a, Sample(), new Dictionary<string, string> { ["y"] = "1", ["x"] = "2" });
        SafeTensors.Write(b, Sample().Reverse().ToArray(), new Dictionary<string, string> { ["x"] = "2", ["y"] = "1" });
        byte[] bytes = File.ReadAllBytes(a);
        Assert.Equal(bytes, File.ReadAllBytes(b));

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{\"x\":\"2\",\"y\":\"1\"}", header);
        using JsonDocument doc = JsonDocument.Parse(header);
        // Byte order of names: "Zeta" < "empty" < "encoder.0.bias" < "encoder.0.weight" < "scalar".
        Assert.Equal(["__metadata__", "Zeta", "empty", "encoder.0.bias", "encoder.0.weight", "scalar"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("[0,4]", doc.RootElement.GetProperty("Zeta").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[3,2]", doc.RootElement.GetProperty("encoder.0.weight").GetProperty("shape").GetRawText());
        Assert.Equal(8 + (long)n + 4 * (1 + 0 + 3 + 6 + 1), bytes.Length);
        Assert.Equal(["a.safetensors", "b.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ReadsTheFixtureWrittenByPython()
    {
        string fixture = FindFixture("python-mixed.safetensors");
        SafeTensorsContent c = SafeTensors.Read(fixture);
        Assert.Equal("pt", c.Metadata["format"]);
        Assert.Equal(new[] { 2, 3 }, c["decoder.0.weight"].Shape);
        Assert.Equal(new[] { -0.5f, -0.25f, 0f, 0.25f, 0.5f, 0.75f }, c["decoder.0.weight"].Data);
        Assert.Equal(new[] { 1.5f, -2.25f }, c["decoder.0.bias"].Data);
        Assert.Equal(new[] { 0.5f, -1f, 65504f }, c["half"].Data);      // F16, converted
        Assert.Equal(new[] { 1f, -3.5f }, c["brain"].Data);            // BF16, converted
        Assert.Equal(new[] { 0.1f, 0.001f }, c["double"].Data);        // F64, rounded to float
        Assert.Equal(new[] { 2, 1 }, c["double"].Shape);
        Assert.Empty(c["scalar"].Shape);
        Assert.Equal(new[] { 3f }, c["scalar"].Data);
    }

    private static string FindFixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "VaeSharp.Tests", "IO", "Fixtures", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Fixture {name} not found above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void WriterRejectsDuplicateAndReservedNames()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(PathOf("x"), [new("a", [1], [1f]), new("a", [1], [2f])]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(PathOf("x"), [new("__metadata__", [1], [1f])]));
        Assert.Throws<ArgumentException>(() => new NamedTensor("a", [2, 2], new float[3]));
        Assert.False(File.Exists(PathOf("x")));
    }

    // ---- malformed files: each must fail with an InvalidDataException naming the file and the problem ----

    private static byte[] Build(string json, int dataBytes, int headerLength = -1)
    {
        byte[] h = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength < 0 ? (ulong)h.Length : (ulong)headerLength);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    private void AssertRejected(byte[] bytes, string expectedFragment)
    {
        string path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains(expectedFragment, ex.Message);
    }

    private const string One = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Fact] public void ValidMinimalFileIsAccepted()
    {
        string path = PathOf("ok.safetensors");
        File.WriteAllBytes(path, Build(One, 8));
        Assert.Equal(new[] { 0f, 0f }, SafeTensors.Read(path)["a"].Data);
    }

    [Fact] public void TooShort() => AssertRejected([1, 0, 0], "fewer than the 8-byte");
    [Fact] public void EmptyFile() => AssertRejected([], "has 0 bytes");
    [Fact] public void HeaderLongerThanFile() => AssertRejected(Build(One, 8, headerLength: 500), "larger than the");
    [Fact] public void AbsurdHeaderLength() => AssertRejected(Build(One, 8, headerLength: int.MaxValue), "limit");
    [Fact] public void HugeHeaderLength()
    {
        byte[] b = Build(One, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(b, ulong.MaxValue);
        AssertRejected(b, "limit");
    }
    [Fact] public void InvalidJson() => AssertRejected(Build("{\"a\":{\"dtype\":", 0), "not valid JSON");
    [Fact] public void NotAnObject() => AssertRejected(Build("[1,2]   ", 0), "does not start with '{'");
    [Fact] public void InvalidUtf8()
    {
        byte[] b = Build("{\"a\":\"xx\"}", 0);
        b[8 + 6] = 0xFF;
        AssertRejected(b, "not valid");
    }
    [Fact] public void MissingDtype() => AssertRejected(Build("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "no \"dtype\"");
    [Fact] public void MissingShape() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "no \"shape\"");
    [Fact] public void MissingOffsets() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "no \"data_offsets\"");
    [Fact] public void EntryNotAnObject() => AssertRejected(Build("{\"a\":3}", 0), "not an object");
    [Fact] public void UnsupportedDtypeIsNamed() => AssertRejected(Build("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "dtype I64");
    [Fact] public void NegativeDimension() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "shape entry -2");
    [Fact] public void FractionalDimension() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8), "shape entry 1.5");
    [Fact] public void ShapeDoesNotMatchBytes() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12 bytes");
    [Fact] public void OffsetsNotAPair() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8), "not a [begin, end] pair");
    [Fact] public void OffsetsReversed() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "out of order");
    [Fact] public void OffsetsOutsideBuffer() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "outside the 8-byte data buffer");
    [Fact] public void OffsetsOverlap() => AssertRejected(Build(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlapping");
    [Fact] public void OffsetsLeaveAGap() => AssertRejected(Build(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "gap");
    [Fact] public void TrailingBytes() => AssertRejected(Build(One, 12), "4 extra trailing bytes");
    [Fact] public void DuplicateNames() => AssertRejected(Build(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "names 'a' twice");
    [Fact] public void MetadataValueNotString() => AssertRejected(Build("{\"__metadata__\":{\"k\":1}}", 0), "not a string");
    [Fact] public void MetadataNotObject() => AssertRejected(Build("{\"__metadata__\":[]}", 0), "__metadata__ is not a JSON object");
}
