using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

/// <summary>
/// A small MAT-file level 5 writer for tests, written independently of the reader from MathWorks' format description:
/// either byte order, compressed or plain elements, any numeric element type for any class, the small (packed) element
/// form where the data fit in 4 bytes, and hand-made raw elements for malformed files.
/// </summary>
internal sealed class MatWriter(bool bigEndian = false)
{
    public const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    private readonly List<byte[]> _elements = [];

    public bool BigEndian { get; } = bigEndian;

    /// <summary>Whether payloads of at most 4 bytes use the small element form (as MATLAB does).</summary>
    public bool UseSmallElements { get; init; } = true;

    public static int Width(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Adds a numeric variable: values in MATLAB's column-major order, stored as <paramref name="storage"/>.</summary>
    public MatWriter Numeric(string name, MatClass cls, int[] dims, double[] columnMajor, int storage, bool compress = false,
        bool logical = false, double[]? imaginary = null)
    {
        var sub = new List<byte[]> { Element(storage, Encode(columnMajor, storage)) };
        if (imaginary is not null) sub.Add(Element(storage, Encode(imaginary, storage)));
        return Add(Matrix(cls, dims, name, sub, complex: imaginary is not null, logical: logical), compress);
    }

    /// <summary>Adds a char variable (UTF-16 code units as miUINT16).</summary>
    public MatWriter Char(string name, string text, bool compress = false) =>
        Add(Matrix(MatClass.Char, [1, text.Length], name, [Element(MiUInt16, Encode(text.Select(c => (double)c).ToArray(), MiUInt16))]), compress);

    /// <summary>Adds a 1×n cell of double scalars.</summary>
    public MatWriter Cell(string name, double[] values, bool compress = false) =>
        Add(Matrix(MatClass.Cell, [1, values.Length], name,
            values.Select(v => Matrix(MatClass.Double, [1, 1], "", [Element(MiDouble, Encode([v], MiDouble))])).ToList()), compress);

    /// <summary>Adds a 1×1 struct with double-scalar fields.</summary>
    public MatWriter Struct(string name, string[] fields, bool compress = false)
    {
        const int fieldLength = 32;
        var names = new byte[fieldLength * fields.Length];
        for (int i = 0; i < fields.Length; i++) Encoding.ASCII.GetBytes(fields[i]).CopyTo(names, i * fieldLength);
        var sub = new List<byte[]> { Element(MiInt32, Encode([fieldLength], MiInt32)), Element(MiInt8, names) };
        sub.AddRange(fields.Select((_, i) => Matrix(MatClass.Double, [1, 1], "", [Element(MiDouble, Encode([i], MiDouble))])));
        return Add(Matrix(MatClass.Struct, [1, 1], name, sub), compress);
    }

    /// <summary>Adds an n×n sparse identity.</summary>
    public MatWriter SparseIdentity(string name, int n, bool compress = false)
    {
        var ir = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var jc = Enumerable.Range(0, n + 1).Select(i => (double)i).ToArray();
        var pr = Enumerable.Repeat(1.0, n).ToArray();
        return Add(Matrix(MatClass.Sparse, [n, n], name,
            [Element(MiInt32, Encode(ir, MiInt32)), Element(MiInt32, Encode(jc, MiInt32)), Element(MiDouble, Encode(pr, MiDouble))], nzmax: (uint)n), compress);
    }

    /// <summary>Adds a top-level element as given (already tagged), compressing it when asked.</summary>
    public MatWriter Add(byte[] element, bool compress = false)
    {
        _elements.Add(compress ? Compressed(element) : element);
        return this;
    }

    /// <summary>The whole file.</summary>
    public byte[] ToBytes(string text = "MATLAB 5.0 MAT-file, written by VaeSharp's tests", ushort version = 0x0100)
    {
        var ms = new MemoryStream();
        ms.Write(Header(text, version));
        foreach (var e in _elements) ms.Write(e);
        return ms.ToArray();
    }

    public byte[] Header(string text = "MATLAB 5.0 MAT-file", ushort version = 0x0100)
    {
        var h = new byte[128];
        h.AsSpan(0, 116).Fill((byte)' ');
        Encoding.ASCII.GetBytes(text).CopyTo(h, 0);
        // Bytes 116..123: subsystem data offset, zeros. Version then endian indicator, both in the file's byte order:
        // a little-endian writer stores the characters 'M','I' as the 16-bit value 0x4D49, which reads back as "IM".
        U16(h.AsSpan(124), version);
        U16(h.AsSpan(126), ('M' << 8) | 'I');
        return h;
    }

    public byte[] Compressed(byte[] element)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(element);
        return Tagged(MiCompressed, ms.ToArray(), pad: false);
    }

    /// <summary>An miMATRIX element: flags, dims, name, then the given subelements.</summary>
    public byte[] Matrix(MatClass cls, int[] dims, string name, IReadOnlyList<byte[]> sub, bool complex = false, bool logical = false, uint nzmax = 0)
    {
        var flags = new byte[8];
        U32(flags, (uint)cls | (complex ? 0x0800u : 0) | (logical ? 0x0200u : 0));
        U32(flags.AsSpan(4), nzmax);
        var body = new MemoryStream();
        body.Write(Element(MiUInt32, flags));
        body.Write(Element(MiInt32, Encode(dims.Select(d => (double)d).ToArray(), MiInt32)));
        body.Write(Element(MiInt8, Encoding.ASCII.GetBytes(name)));
        foreach (var s in sub) body.Write(s);
        return Tagged(MiMatrix, body.ToArray());
    }

    /// <summary>A data element, in the small form when allowed and the payload has at most 4 bytes.</summary>
    public byte[] Element(int type, byte[] payload)
    {
        if (UseSmallElements && payload.Length <= 4 && payload.Length > 0)
        {
            var e = new byte[8];
            U32(e, ((uint)payload.Length << 16) | (uint)type);
            payload.CopyTo(e, 4);
            return e;
        }
        return Tagged(type, payload);
    }

    /// <summary>A regular tag, the payload and (unless told not to) zero padding to a multiple of 8.</summary>
    public byte[] Tagged(int type, byte[] payload, bool pad = true, long? declaredSize = null)
    {
        int padded = pad ? (payload.Length + 7) / 8 * 8 : payload.Length;
        var e = new byte[8 + padded];
        U32(e, (uint)type);
        U32(e.AsSpan(4), (uint)(declaredSize ?? payload.Length));
        payload.CopyTo(e, 8);
        return e;
    }

    public byte[] Encode(double[] values, int type)
    {
        int w = Width(type);
        var b = new byte[values.Length * w];
        for (int i = 0; i < values.Length; i++)
        {
            var s = b.AsSpan(i * w, w);
            double v = values[i];
            switch (type)
            {
                case MiInt8: s[0] = (byte)(sbyte)v; break;
                case MiUInt8: s[0] = (byte)v; break;
                case MiInt16: U16(s, (ushort)(short)v); break;
                case MiUInt16: U16(s, (ushort)v); break;
                case MiInt32: U32(s, (uint)(int)v); break;
                case MiUInt32: U32(s, (uint)v); break;
                case MiSingle: U32(s, BitConverter.SingleToUInt32Bits((float)v)); break;
                case MiDouble: U64(s, BitConverter.DoubleToUInt64Bits(v)); break;
                case MiInt64: U64(s, (ulong)(long)v); break;
                case MiUInt64: U64(s, (ulong)v); break;
            }
        }
        return b;
    }

    private void U16(Span<byte> s, int v)
    {
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)v);
    }

    public void U32(Span<byte> s, uint v)
    {
        if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    private void U64(Span<byte> s, ulong v)
    {
        if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(s, v); else BinaryPrimitives.WriteUInt64LittleEndian(s, v);
    }
}
