using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using VaeSharp.Imaging;

namespace VaeSharp.IO;

/// <summary>A named float32 tensor: row-major <see cref="Data"/> of the given <see cref="Shape"/> (an empty shape is a scalar).</summary>
public sealed record NamedTensor
{
    /// <summary>The tensor's name, e.g. <c>encoder.0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first (PyTorch / NumPy order).</summary>
    public int[] Shape { get; }

    /// <summary>The elements, row-major; its length is the product of <see cref="Shape"/>.</summary>
    public float[] Data { get; }

    /// <summary>Creates a tensor, checking that <paramref name="data"/> has exactly the product of <paramref name="shape"/> elements.</summary>
    public NamedTensor(string name, int[] shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{name}' has a negative dimension {d}.", nameof(shape));
            count *= d;
            if (count > Array.MaxLength) throw new ArgumentException($"Tensor '{name}' is too large.", nameof(shape));
        }
        if (count != data.Length)
            throw new ArgumentException($"Tensor '{name}' of shape [{string.Join(", ", shape)}] needs {count} values, got {data.Length}.", nameof(data));
        Name = name;
        Shape = shape;
        Data = data;
    }
}

/// <summary>The content of a safetensors file: tensors in file order (by data offset) and the <c>__metadata__</c> strings.</summary>
/// <param name="Tensors">The tensors, in the order of their data in the file.</param>
/// <param name="Metadata">The <c>__metadata__</c> entries (empty when the file has none).</param>
public sealed record SafeTensorsContent(IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The tensor called <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming it if absent.</summary>
    public NamedTensor this[string name] =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"No tensor named '{name}'.");
}

/// <summary>
/// Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8
/// JSON mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative to the
/// data buffer) plus an optional <c>"__metadata__"</c> object of strings, padded with spaces to a multiple of 8, then
/// the raw little-endian data. See docs/MODEL-FILES.md.
/// </summary>
/// <remarks>
/// Reading accepts dtypes F32 (as is), F64, F16 and BF16 (converted to float; F64 is rounded to the nearest float).
/// Every other dtype is rejected with an error naming it. Writing always produces F32.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted (100 MB, the limit of the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Writes <paramref name="tensors"/> as F32 with optional <paramref name="metadata"/> to <paramref name="path"/>,
    /// atomically (temporary file in the same folder, then rename). The output is deterministic: tensors are laid out in
    /// byte-wise (UTF-8) order of their names, as the reference implementation does for a single dtype, and metadata keys
    /// are sorted the same way; the header is compact JSON padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">Duplicate or reserved (<c>__metadata__</c>) names.</exception>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = BuildHeader(tensors, metadata, out NamedTensor[] ordered);
        AtomicFile.Write(path, stream => WriteBody(stream, header, ordered));
    }

    /// <summary>Writes the same bytes as <see cref="Write(string, IReadOnlyList{NamedTensor}, IReadOnlyDictionary{string, string}?)"/> to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = BuildHeader(tensors, metadata, out NamedTensor[] ordered);
        WriteBody(stream, header, ordered);
    }

    /// <summary>Reads and fully validates a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message starts with the file's path and names the problem.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SafeTensorsContent Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads only the header of a safetensors file (validating it as <see cref="Read(string)"/> does) and returns its
    /// <c>__metadata__</c>; the data buffer is not read.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is malformed.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        long total = stream.Length;
        if (total < 8) throw Fail(path, $"the file has {total} bytes, fewer than the 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        stream.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > MaxHeaderBytes) throw Fail(path, $"header length {n} is larger than the {MaxHeaderBytes}-byte limit");
        if ((long)n > total - 8) throw Fail(path, $"header length {n} is larger than the {total - 8} bytes after the length field");
        if (n < 2) throw Fail(path, $"header length {n} is too short for a JSON object");
        byte[] header = new byte[n];
        stream.ReadExactly(header);
        return ParseHeader(header, path).Item2;
    }

    /// <summary>Reads and fully validates safetensors data from a seekable <paramref name="stream"/> (from its current position to its end); <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    public static SafeTensorsContent Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        long total = stream.Length - stream.Position;
        if (total < 8) throw Fail(sourceName, $"the file has {total} bytes, fewer than the 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        stream.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > MaxHeaderBytes) throw Fail(sourceName, $"header length {n} is larger than the {MaxHeaderBytes}-byte limit");
        if ((long)n > total - 8) throw Fail(sourceName, $"header length {n} is larger than the {total - 8} bytes after the length field");
        if (n < 2) throw Fail(sourceName, $"header length {n} is too short for a JSON object");
        byte[] header = new byte[n];
        stream.ReadExactly(header);
        long bufferLength = total - 8 - (long)n;

        (List<Entry> entries, Dictionary<string, string> metadata) = ParseHeader(header, sourceName);

        // The data buffer must be covered exactly: entries sorted by offset, contiguous from 0 to the end.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (Entry e in entries)
        {
            if (e.End > bufferLength)
                throw Fail(sourceName, $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}] outside the {bufferLength}-byte data buffer");
            if (e.Begin < expected)
                throw Fail(sourceName, $"tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}] overlapping the previous tensor, which ends at {expected}");
            if (e.Begin > expected)
                throw Fail(sourceName, $"tensor '{e.Name}' starts at {e.Begin}, leaving a gap of unused bytes after offset {expected}");
            expected = e.End;
        }
        if (expected != bufferLength)
            throw Fail(sourceName, $"the data buffer holds {bufferLength - expected} extra trailing bytes after the last tensor (at {expected})");

        var tensors = new List<NamedTensor>(entries.Count);
        foreach (Entry e in entries)
        {
            int count = checked((int)((e.End - e.Begin) / e.ElementSize));
            var data = new float[count];
            if (e.DType == "F32")
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                {
                    Span<uint> bits = MemoryMarshal.Cast<float, uint>(data.AsSpan());
                    for (int i = 0; i < bits.Length; i++) bits[i] = BinaryPrimitives.ReverseEndianness(bits[i]);
                }
            }
            else
            {
                byte[] raw = new byte[e.End - e.Begin];
                stream.ReadExactly(raw);
                Convert(e.DType, raw, data);
            }
            tensors.Add(new NamedTensor(e.Name, e.Shape, data));
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    private sealed record Entry(string Name, string DType, int ElementSize, int[] Shape, long Begin, long End);

    private static (List<Entry>, Dictionary<string, string>) ParseHeader(byte[] header, string source)
    {
        if (header[0] != (byte)'{') throw Fail(source, "the header does not start with '{'");
        try
        {
            StrictUtf8.GetCharCount(header); // JsonDocument checks structure, not the UTF-8 inside strings
        }
        catch (DecoderFallbackException ex)
        {
            throw Fail(source, $"the header is not valid UTF-8 (byte {ex.Index})", ex);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw Fail(source, $"the header is not valid JSON ({ex.Message})", ex);
        }
        catch (ArgumentException ex) // invalid UTF-8
        {
            throw Fail(source, $"the header is not valid UTF-8 JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Fail(source, "the header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw Fail(source, $"the header names '{prop.Name}' twice");
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Fail(source, "__metadata__ is not a JSON object");
                    foreach (JsonProperty m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Fail(source, $"__metadata__ value '{m.Name}' is a {m.Value.ValueKind}, not a string");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw Fail(source, $"__metadata__ names '{m.Name}' twice");
                    }
                    continue;
                }
                entries.Add(ParseEntry(prop, source));
            }
            return (entries, metadata);
        }
    }

    private static Entry ParseEntry(JsonProperty prop, string source)
    {
        string name = prop.Name;
        JsonElement v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw Fail(source, $"tensor '{name}' is described by a {v.ValueKind}, not an object");
        if (!v.TryGetProperty("dtype", out JsonElement dt)) throw Fail(source, $"tensor '{name}' has no \"dtype\"");
        if (!v.TryGetProperty("shape", out JsonElement sh)) throw Fail(source, $"tensor '{name}' has no \"shape\"");
        if (!v.TryGetProperty("data_offsets", out JsonElement off)) throw Fail(source, $"tensor '{name}' has no \"data_offsets\"");
        if (dt.ValueKind != JsonValueKind.String) throw Fail(source, $"tensor '{name}' has a dtype that is not a string");
        string dtype = dt.GetString()!;
        int size = dtype switch
        {
            "F32" => 4,
            "F64" => 8,
            "F16" or "BF16" => 2,
            _ => throw Fail(source, $"tensor '{name}' has dtype {dtype}; only F32 (and F64, F16, BF16, converted to F32) can be loaded"),
        };

        if (sh.ValueKind != JsonValueKind.Array) throw Fail(source, $"tensor '{name}' has a shape that is not an array");
        var shape = new int[sh.GetArrayLength()];
        long count = 1;
        int k = 0;
        foreach (JsonElement d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                throw Fail(source, $"tensor '{name}' has shape entry {d.GetRawText()}, not a non-negative 32-bit integer");
            shape[k++] = dim;
            count *= dim;
            if (count > Array.MaxLength) throw Fail(source, $"tensor '{name}' of shape [{sh.GetRawText()}] is too large to load");
        }

        if (off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Fail(source, $"tensor '{name}' has data_offsets {off.GetRawText()}, not a [begin, end] pair");
        long[] be = new long[2];
        for (int i = 0; i < 2; i++)
        {
            JsonElement o = off[i];
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out be[i]) || be[i] < 0)
                throw Fail(source, $"tensor '{name}' has data_offsets {off.GetRawText()}, not two non-negative integers");
        }
        if (be[1] < be[0]) throw Fail(source, $"tensor '{name}' has data_offsets [{be[0]}, {be[1]}] out of order (end before begin)");
        if (count * size != be[1] - be[0])
            throw Fail(source, $"tensor '{name}' of dtype {dtype} and shape {Compact(sh)} needs {count * size} bytes, but data_offsets [{be[0]}, {be[1]}] span {be[1] - be[0]}");
        return new Entry(name, dtype, size, shape, be[0], be[1]);
    }

    private static string Compact(JsonElement e) => e.GetRawText().Replace(" ", "", StringComparison.Ordinal);

    private static void Convert(string dtype, byte[] raw, float[] data)
    {
        switch (dtype)
        {
            case "F64":
                for (int i = 0; i < data.Length; i++) data[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * i));
                break;
            case "F16":
                for (int i = 0; i < data.Length; i++) data[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(2 * i));
                break;
            case "BF16":
                for (int i = 0; i < data.Length; i++)
                    data[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)) << 16);
                break;
            default:
                throw new InvalidOperationException($"Unexpected dtype {dtype}.");
        }
    }

    private static InvalidDataException Fail(string source, string problem, Exception? inner = null) =>
        new($"{source}: not a valid safetensors file: {problem}", inner);

    private static int Utf8Compare(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private static byte[] BuildHeader(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata, out NamedTensor[] ordered)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ordered = tensors.ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (NamedTensor t in ordered)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            if (t.Name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor.", nameof(tensors));
            if (!names.Add(t.Name)) throw new ArgumentException($"Two tensors are named '{t.Name}'.", nameof(tensors));
        }
        Array.Sort(ordered, (a, b) => Utf8Compare(a.Name, b.Name));

        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> kv in metadata.OrderBy(kv => kv.Key, Comparer<string>.Create(Utf8Compare)))
                {
                    ArgumentNullException.ThrowIfNull(kv.Value, nameof(metadata));
                    w.WriteString(kv.Key, kv.Value);
                }
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (NamedTensor t in ordered)
            {
                long bytes = 4L * t.Data.Length;
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int length = (int)ms.Length;
        int padded = (length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        ms.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void WriteBody(Stream stream, byte[] header, NamedTensor[] ordered)
    {
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        stream.Write(len);
        stream.Write(header);
        foreach (NamedTensor t in ordered)
        {
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
            }
            else
            {
                byte[] buf = new byte[4 * t.Data.Length];
                for (int i = 0; i < t.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(4 * i), t.Data[i]);
                stream.Write(buf);
            }
        }
    }
}
