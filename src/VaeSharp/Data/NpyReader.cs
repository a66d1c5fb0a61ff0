using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace VaeSharp.Data;

/// <summary>The element type of a NumPy array, as its <c>descr</c> names it without the byte-order character.</summary>
public enum NpyElementType
{
    /// <summary><c>b1</c>: bool, one byte, 0 or 1.</summary>
    Bool,
    /// <summary><c>u1</c>: unsigned 8-bit integer.</summary>
    UInt8,
    /// <summary><c>i1</c>: signed 8-bit integer.</summary>
    Int8,
    /// <summary><c>u2</c>: unsigned 16-bit integer.</summary>
    UInt16,
    /// <summary><c>i2</c>: signed 16-bit integer.</summary>
    Int16,
    /// <summary><c>u4</c>: unsigned 32-bit integer.</summary>
    UInt32,
    /// <summary><c>i4</c>: signed 32-bit integer.</summary>
    Int32,
    /// <summary><c>u8</c>: unsigned 64-bit integer.</summary>
    UInt64,
    /// <summary><c>i8</c>: signed 64-bit integer.</summary>
    Int64,
    /// <summary><c>f2</c>: IEEE half precision.</summary>
    Float16,
    /// <summary><c>f4</c>: IEEE single precision.</summary>
    Float32,
    /// <summary><c>f8</c>: IEEE double precision.</summary>
    Float64,
}

/// <summary>An array read from a <c>.npy</c> file, converted to float32 in C (row-major) order.</summary>
/// <param name="Source">The file (or resource) it came from.</param>
/// <param name="ElementType">The element type stored in the file.</param>
/// <param name="Shape">The dimensions, outermost first (as NumPy reports <c>a.shape</c>).</param>
/// <param name="Values">All elements in C order (a Fortran-order file is transposed on reading); 64-bit integers and
/// doubles are rounded to the nearest float.</param>
public sealed record NpyArray(string Source, NpyElementType ElementType, int[] Shape, float[] Values)
{
    /// <summary>Whether the stored elements are integers (or bools), so that "all values are whole numbers" holds by type.</summary>
    public bool IsInteger => ElementType is not (NpyElementType.Float16 or NpyElementType.Float32 or NpyElementType.Float64);
}

/// <summary>
/// Reads NumPy's <c>.npy</c> format, versions 1.0, 2.0 and 3.0: the magic <c>\x93NUMPY</c>, a version, a header length
/// (2 bytes in 1.0, 4 bytes later; little-endian), a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, D), }</c> (Latin-1 in 1.0/2.0, UTF-8 in 3.0), then the raw
/// elements. Element types: bool, (u)int8/16/32/64, float16/32/64, either byte order (<c>&lt;</c>, <c>&gt;</c>, <c>|</c>, <c>=</c>);
/// C or Fortran order. Structured and object arrays are refused.
/// </summary>
/// <remarks>
/// No library present reads .npy, so this is written by hand, with the header's dict literal parsed by a small strict
/// parser (only strings, True/False and tuples of non-negative integers are accepted). Every size is checked in 64-bit
/// arithmetic against the bytes actually present before anything of that size is allocated; problems are reported as
/// <see cref="DataFormatException"/> naming the file.
/// </remarks>
public static class NpyReader
{
    /// <summary>The six magic bytes at the start of every .npy file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The longest header accepted, in bytes (NumPy itself refuses headers over 10,000 bytes by default).</summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>Reads a .npy file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="DataFormatException">The file is not a valid .npy file of a supported type.</exception>
    public static NpyArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads .npy data from <paramref name="stream"/> (from its position to its end).</summary>
    /// <param name="stream">The data. When it is not seekable, the payload is buffered in blocks as it arrives, so that a
    /// header that claims more than the stream holds costs only what the stream really holds.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <exception cref="DataFormatException">The data is not a valid .npy file of a supported type.</exception>
    public static NpyArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;

        Span<byte> preamble = stackalloc byte[12];
        int got = ReadUpTo(stream, preamble[..8], sourceName);
        if (got < 8 || !preamble[..6].SequenceEqual(Magic))
            throw new DataFormatException(sourceName, got >= 6 && preamble[..6].SequenceEqual(Magic)
                ? $"the file ends after {got} bytes, inside the .npy preamble"
                : "not a .npy file (it does not start with the magic bytes \\x93NUMPY)");
        int major = preamble[6], minor = preamble[7];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new DataFormatException(sourceName, $".npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)"),
        };
        if (ReadUpTo(stream, preamble.Slice(8, lengthBytes), sourceName) < lengthBytes)
            throw new DataFormatException(sourceName, "the file ends inside the header length field");
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        long preambleLength = 8 + lengthBytes;
        if (headerLength > MaxHeaderBytes)
            throw new DataFormatException(sourceName, $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes}-byte limit");
        if (available is long a && headerLength > a - preambleLength)
            throw new DataFormatException(sourceName, $"the header claims {headerLength} bytes but only {a - preambleLength} follow the preamble");
        var headerBytes = new byte[headerLength];
        int headerGot = ReadUpTo(stream, headerBytes, sourceName);
        if (headerGot < headerLength)
            throw new DataFormatException(sourceName, $"the header claims {headerLength} bytes but the file ends after {headerGot}");

        string headerText;
        try
        {
            headerText = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(sourceName, "the version 3.0 header is not valid UTF-8", e);
        }
        var header = ParseHeader(headerText, sourceName);
        var (type, bigEndian, itemSize) = ParseDescr(header.Descr, sourceName);

        long count = 1;
        foreach (long d in header.Shape)
        {
            if (d > int.MaxValue)
                throw new DataFormatException(sourceName, $"shape ({string.Join(", ", header.Shape)}) has a dimension above {int.MaxValue}");
            count *= d; // each factor ≤ 2^31 and the running product is checked below, so this cannot overflow
            if (count > Array.MaxLength)
                throw new DataFormatException(sourceName,
                    $"shape ({string.Join(", ", header.Shape)}) has more than {Array.MaxLength} elements, too many for one array");
        }
        long payload = count * itemSize;
        if (available is long av)
        {
            long rest = av - preambleLength - headerLength;
            if (rest < payload)
                throw new DataFormatException(sourceName,
                    $"shape ({string.Join(", ", header.Shape)}) of {header.Descr} needs {payload} bytes of data but the file holds {rest}");
            if (rest > payload)
                throw new DataFormatException(sourceName,
                    $"shape ({string.Join(", ", header.Shape)}) of {header.Descr} needs {payload} bytes of data but the file holds {rest - payload} more");
        }

        int[] shape = header.Shape.Select(d => (int)d).ToArray();
        float[] values;
        if (available is not null)
        {
            values = new float[count];
            ReadConverted(stream, values, type, bigEndian, itemSize, sourceName);
        }
        else values = ReadUnseekable(stream, count, type, bigEndian, itemSize, payload, sourceName);
        if (header.FortranOrder && shape.Length > 1) values = FortranToC(values, shape);
        return new NpyArray(sourceName, type, shape, values);
    }

    private sealed record Header(string Descr, bool FortranOrder, long[] Shape);

    private static Header ParseHeader(string text, string source)
    {
        var p = new LiteralParser(text, source);
        p.Skip();
        p.Expect('{');
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        while (true)
        {
            p.Skip();
            if (p.TryTake('}')) break;
            string key = p.String();
            p.Skip();
            p.Expect(':');
            p.Skip();
            switch (key)
            {
                case "descr":
                    if (descr is not null) throw p.Fail("the key 'descr' appears twice");
                    if (p.Peek() is '[' or '(') throw new DataFormatException(source, "structured arrays (a 'descr' list of fields) are not supported; save a plain numeric array");
                    descr = p.String();
                    break;
                case "fortran_order":
                    if (fortran is not null) throw p.Fail("the key 'fortran_order' appears twice");
                    fortran = p.Bool();
                    break;
                case "shape":
                    if (shape is not null) throw p.Fail("the key 'shape' appears twice");
                    shape = p.IntTuple();
                    break;
                default:
                    throw p.Fail($"unexpected key '{key}' (only 'descr', 'fortran_order' and 'shape' belong there)");
            }
            p.Skip();
            if (p.TryTake(',')) continue;
            p.Skip();
            p.Expect('}');
            break;
        }
        p.Skip();
        if (!p.AtEnd) throw p.Fail("unexpected text after the header dict");
        if (descr is null) throw new DataFormatException(source, "the header has no 'descr' (element type)");
        if (fortran is null) throw new DataFormatException(source, "the header has no 'fortran_order'");
        if (shape is null) throw new DataFormatException(source, "the header has no 'shape'");
        return new Header(descr, fortran.Value, shape);
    }

    private static (NpyElementType Type, bool BigEndian, int ItemSize) ParseDescr(string descr, string source)
    {
        if (descr.Length < 2)
            throw new DataFormatException(source, $"element type '{descr}' is not understood");
        char order = descr[0];
        string code = descr[1..];
        if (order is not ('<' or '>' or '|' or '='))
        {
            order = '|';
            code = descr;
        }
        (NpyElementType type, int size) = code switch
        {
            "b1" or "?" => (NpyElementType.Bool, 1),
            "u1" or "B" => (NpyElementType.UInt8, 1),
            "i1" or "b" => (NpyElementType.Int8, 1),
            "u2" => (NpyElementType.UInt16, 2),
            "i2" => (NpyElementType.Int16, 2),
            "u4" => (NpyElementType.UInt32, 4),
            "i4" => (NpyElementType.Int32, 4),
            "u8" => (NpyElementType.UInt64, 8),
            "i8" => (NpyElementType.Int64, 8),
            "f2" or "e" => (NpyElementType.Float16, 2),
            "f4" or "f" => (NpyElementType.Float32, 4),
            "f8" or "d" => (NpyElementType.Float64, 8),
            _ => throw new DataFormatException(source,
                $"element type '{descr}' is not supported (bool, integers of 8 to 64 bits and float16/32/64 are; complex, string, datetime and object arrays are not)"),
        };
        bool big = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        return (type, big && size > 1, size);
    }

    /// <summary>Reads exactly <c>values.Length</c> elements (the length was already checked against the stream) in blocks, converting as it goes.</summary>
    private static void ReadConverted(Stream stream, float[] values, NpyElementType type, bool bigEndian, int itemSize, string source)
    {
        var buffer = new byte[Math.Max(itemSize, (1 << 16) / itemSize * itemSize)];
        long done = 0;
        while (done < values.LongLength)
        {
            int want = (int)Math.Min(buffer.Length / itemSize, values.LongLength - done);
            int bytes = want * itemSize;
            if (ReadUpTo(stream, buffer.AsSpan(0, bytes), source) < bytes)
                throw new DataFormatException(source, $"the data ends after {done} of {values.LongLength} elements");
            Convert(buffer.AsSpan(0, bytes), values.AsSpan((int)done, want), type, bigEndian);
            done += want;
        }
    }

    /// <summary>
    /// For a stream of unknown length: buffers the payload in blocks of 1 MiB as it arrives (so a header that claims
    /// terabytes costs only what the stream really delivers), then checks for trailing bytes, then allocates and converts.
    /// </summary>
    private static float[] ReadUnseekable(Stream stream, long count, NpyElementType type, bool bigEndian, int itemSize,
        long payload, string source)
    {
        const int block = 1 << 20; // a multiple of every item size
        var blocks = new List<byte[]>();
        long received = 0;
        while (received < payload)
        {
            var b = new byte[(int)Math.Min(block, payload - received)];
            int got = ReadUpTo(stream, b, source);
            received += got;
            if (got < b.Length)
                throw new DataFormatException(source,
                    $"the shape and element type need {payload} bytes of data but the stream ends after {received}");
            blocks.Add(b);
        }
        Span<byte> one = stackalloc byte[1];
        if (ReadUpTo(stream, one, source) > 0)
            throw new DataFormatException(source, $"the data continues past the {payload} bytes that the shape and element type account for");
        var values = new float[count];
        long done = 0;
        foreach (var b in blocks)
        {
            int n = b.Length / itemSize;
            Convert(b, values.AsSpan((int)done, n), type, bigEndian);
            done += n;
        }
        return values;
    }

    private static void Convert(ReadOnlySpan<byte> raw, Span<float> destination, NpyElementType type, bool big)
    {
        int n = destination.Length;
        switch (type)
        {
            case NpyElementType.Bool:
            case NpyElementType.UInt8:
                for (int i = 0; i < n; i++) destination[i] = raw[i];
                break;
            case NpyElementType.Int8:
                for (int i = 0; i < n; i++) destination[i] = (sbyte)raw[i];
                break;
            case NpyElementType.UInt16:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(2 * i, 2);
                    destination[i] = big ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
                }
                break;
            case NpyElementType.Int16:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(2 * i, 2);
                    destination[i] = big ? BinaryPrimitives.ReadInt16BigEndian(s) : BinaryPrimitives.ReadInt16LittleEndian(s);
                }
                break;
            case NpyElementType.UInt32:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(4 * i, 4);
                    destination[i] = big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
                }
                break;
            case NpyElementType.Int32:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(4 * i, 4);
                    destination[i] = big ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s);
                }
                break;
            case NpyElementType.UInt64:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(8 * i, 8);
                    destination[i] = big ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
                }
                break;
            case NpyElementType.Int64:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(8 * i, 8);
                    destination[i] = big ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s);
                }
                break;
            case NpyElementType.Float16:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(2 * i, 2);
                    destination[i] = (float)(big ? BinaryPrimitives.ReadHalfBigEndian(s) : BinaryPrimitives.ReadHalfLittleEndian(s));
                }
                break;
            case NpyElementType.Float32:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(4 * i, 4);
                    destination[i] = big ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s);
                }
                break;
            case NpyElementType.Float64:
                for (int i = 0; i < n; i++)
                {
                    var s = raw.Slice(8 * i, 8);
                    destination[i] = (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s));
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    /// <summary>Rearranges Fortran-order (first index fastest) elements into C order (last index fastest).</summary>
    internal static float[] FortranToC(float[] fortran, int[] shape)
    {
        var c = new float[fortran.Length];
        if (c.Length == 0) return c;
        int rank = shape.Length;
        // Strides of the Fortran layout, in elements.
        var fStride = new long[rank];
        long s = 1;
        for (int d = 0; d < rank; d++) { fStride[d] = s; s *= shape[d]; }
        var index = new int[rank];
        long fOffset = 0;
        for (long k = 0; k < c.LongLength; k++)
        {
            c[k] = fortran[fOffset];
            // Advance the C-order index (last dimension fastest) and the Fortran offset with it.
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                fOffset += fStride[d];
                if (index[d] < shape[d]) break;
                fOffset -= fStride[d] * shape[d];
                index[d] = 0;
            }
        }
        return c;
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; returns the bytes read.</summary>
    private static int ReadUpTo(Stream stream, Span<byte> destination, string source)
    {
        try
        {
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(source, $"the data cannot be decompressed ({e.Message})", e);
        }
    }

    /// <summary>A strict parser for the small subset of Python literals that a .npy header uses.</summary>
    private ref struct LiteralParser(string text, string source)
    {
        private readonly string _text = text;
        private readonly string _source = source;
        private int _pos;

        public readonly bool AtEnd => _pos >= _text.Length;

        public readonly char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        public void Skip()
        {
            while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
        }

        public bool TryTake(char c)
        {
            if (Peek() != c || AtEnd) return false;
            _pos++;
            return true;
        }

        public void Expect(char c)
        {
            if (!TryTake(c)) throw Fail(AtEnd ? $"the header ends where '{c}' was expected" : $"expected '{c}' at offset {_pos}, found '{Printable(Peek())}'");
        }

        public string String()
        {
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Fail($"expected a quoted string at offset {_pos}");
            int start = ++_pos;
            while (_pos < _text.Length && _text[_pos] != quote)
            {
                if (_text[_pos] == '\\') throw Fail("escape sequences in header strings are not supported");
                _pos++;
            }
            if (AtEnd) throw Fail("a string in the header is not closed");
            string s = _text[start.._pos];
            _pos++;
            return s;
        }

        public bool Bool()
        {
            if (Word("True")) return true;
            if (Word("False")) return false;
            throw Fail($"'fortran_order' must be True or False (at offset {_pos})");
        }

        public long[] IntTuple()
        {
            Expect('(');
            var dims = new List<long>();
            while (true)
            {
                Skip();
                if (TryTake(')')) break;
                if (dims.Count >= 32) throw Fail("the shape has more than 32 dimensions");
                dims.Add(Integer());
                Skip();
                if (TryTake(',')) continue;
                Expect(')');
                break;
            }
            return [.. dims];
        }

        private long Integer()
        {
            int start = _pos;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
            // A Python 2 long suffix, as old NumPy wrote it.
            int end = _pos;
            if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++;
            if (end == start) throw Fail($"expected a non-negative whole number in the shape at offset {start}, found '{Printable(Peek())}'");
            if (!long.TryParse(_text.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                throw Fail($"the shape dimension {_text[start..end]} is too large");
            return v;
        }

        private bool Word(string w)
        {
            if (string.CompareOrdinal(_text, _pos, w, 0, w.Length) != 0) return false;
            _pos += w.Length;
            return true;
        }

        public readonly DataFormatException Fail(string problem) => new(_source, "malformed .npy header: " + problem);

        private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
    }
}
