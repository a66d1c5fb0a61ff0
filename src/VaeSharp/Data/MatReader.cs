using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VaeSharp.Data;

/// <summary>The class of a MATLAB array (the <c>mxCLASS</c> codes of a MAT-file level 5 array-flags subelement).</summary>
public enum MatClass
{
    /// <summary>Cell array (not readable here).</summary>
    Cell = 1,
    /// <summary>Structure (not readable here).</summary>
    Struct = 2,
    /// <summary>Object (not readable here).</summary>
    Object = 3,
    /// <summary>Character array (not readable here).</summary>
    Char = 4,
    /// <summary>Sparse array (not readable here).</summary>
    Sparse = 5,
    /// <summary>Double precision.</summary>
    Double = 6,
    /// <summary>Single precision.</summary>
    Single = 7,
    /// <summary>Signed 8-bit integers.</summary>
    Int8 = 8,
    /// <summary>Unsigned 8-bit integers (also logical arrays).</summary>
    UInt8 = 9,
    /// <summary>Signed 16-bit integers.</summary>
    Int16 = 10,
    /// <summary>Unsigned 16-bit integers.</summary>
    UInt16 = 11,
    /// <summary>Signed 32-bit integers.</summary>
    Int32 = 12,
    /// <summary>Unsigned 32-bit integers.</summary>
    UInt32 = 13,
    /// <summary>Signed 64-bit integers.</summary>
    Int64 = 14,
    /// <summary>Unsigned 64-bit integers.</summary>
    UInt64 = 15,
    /// <summary>Function handle (not readable here).</summary>
    Function = 16,
    /// <summary>Opaque object, e.g. a MATLAB class instance (not readable here).</summary>
    Opaque = 17,
}

/// <summary>One top-level variable of a MAT-file, as listed by <see cref="MatReader.ReadVariables(string)"/>.</summary>
/// <param name="Name">The variable's name.</param>
/// <param name="Class">Its MATLAB class.</param>
/// <param name="Dims">Its dimensions as MATLAB states them (rows first); empty for opaque objects.</param>
/// <param name="IsComplex">Whether it has an imaginary part.</param>
/// <param name="IsLogical">Whether it is a logical array (stored as <see cref="MatClass.UInt8"/>).</param>
/// <param name="IsCompressed">Whether it is stored in a zlib-compressed element.</param>
public sealed record MatVariable(string Name, MatClass Class, IReadOnlyList<int> Dims, bool IsComplex, bool IsLogical, bool IsCompressed)
{
    /// <summary>Whether <see cref="MatReader.Read(string, string?)"/> can read it: a real (not complex) numeric array.</summary>
    public bool IsReadable => Class is >= MatClass.Double and <= MatClass.UInt64 && !IsComplex;

    /// <summary>A short description such as <c>ff: uint8 560×1965</c>.</summary>
    public override string ToString() =>
        $"{Name}: {(IsComplex ? "complex " : "")}{(IsLogical ? "logical" : MatReader.ClassName(Class))} {string.Join("×", Dims)}";
}

/// <summary>A numeric MAT-file variable converted to single precision, in row-major (C) order.</summary>
/// <param name="Name">The variable's name.</param>
/// <param name="Class">Its MATLAB class (the values were converted from it to <see cref="float"/>).</param>
/// <param name="Dims">Its dimensions, rows first, as in MATLAB.</param>
/// <param name="Data">The values in row-major order: the last index varies fastest (MATLAB stores the first fastest).
/// For a 2-D array of r rows and c columns, element (i, j) is at <c>i·c + j</c>.</param>
public sealed record MatArray(string Name, MatClass Class, int[] Dims, float[] Data)
{
    /// <summary>The values in MATLAB's own column-major order (for a 2-D array: each column contiguous, so
    /// element (i, j) at <c>j·r + i</c>), for data sets that store one sample per column. A new array.</summary>
    public float[] ToColumnMajor()
    {
        var result = new float[Data.Length];
        MatReader.Permute(Data, Dims, result, toRowMajor: false);
        return result;
    }
}

/// <summary>
/// Reads numeric arrays from MAT-files of level 5 (what MATLAB writes with <c>save -v6</c> or <c>-v7</c>, scipy's
/// <c>savemat</c> and Octave's <c>-mat</c>): both byte orders, zlib-compressed elements, several variables per file,
/// the packed small-element form, every numeric class (stored with any numeric element type, e.g. a double array stored
/// as bytes). Sizes are validated in 64-bit against the bytes that remain before anything is allocated; a compressed
/// element's sizes are checked against the most its compressed bytes can inflate to, and its output buffer grows only
/// as inflated data really arrives. Every problem is a <see cref="DataFormatException"/> naming the file.
/// </summary>
/// <remarks>
/// Written by hand: no library present in the project reads MAT-files. The format is MathWorks' "MAT-File Format"
/// (level 5 section). Cell, struct, char, sparse and object variables are skipped when another variable is requested
/// and refused when they are requested. MAT-files of version 7.3 are HDF5 files; they are refused with advice to re-save.
/// </remarks>
public static class MatReader
{
    /// <summary>The size of the level 5 file header.</summary>
    public const int HeaderSize = 128;

    /// <summary>Data element types (miINT8 …) of the level 5 format.</summary>
    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16;

    /// <summary>Deflate cannot expand data by more than about 1032:1; a compressed element that claims more is lying.</summary>
    private const long MaxInflateRatio = 1032;

    /// <summary>The 8-byte signature that starts an HDF5 file (a v7.3 MAT-file has it at byte 512).</summary>
    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    private const int MaxDims = 64, MaxNameBytes = 1 << 16, ChunkBytes = 1 << 16;

    /// <summary>Lists the top-level variables of a MAT-file, reading only their headers.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="DataFormatException">The file is not a valid level 5 MAT-file.</exception>
    public static IReadOnlyList<MatVariable> ReadVariables(string path)
    {
        using var stream = OpenFile(path);
        return ReadVariables(stream, path);
    }

    /// <summary>Lists the top-level variables of a MAT-file held in a seekable stream.</summary>
    /// <param name="stream">A readable, seekable stream positioned at the start of the file.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <exception cref="DataFormatException">The data is not a valid level 5 MAT-file.</exception>
    public static IReadOnlyList<MatVariable> ReadVariables(Stream stream, string sourceName)
    {
        var list = new List<MatVariable>();
        new Parser(stream, sourceName).Scan(v => { list.Add(v); return false; }, out _);
        return list;
    }

    /// <summary>
    /// Reads one numeric variable as single-precision values in row-major order.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="variableName">The variable to read; when <see langword="null"/>, the file must hold exactly one
    /// readable (numeric) variable.</param>
    /// <exception cref="DataFormatException">The file is malformed, the variable is missing, or it is not a real numeric array.</exception>
    public static MatArray Read(string path, string? variableName = null)
    {
        using var stream = OpenFile(path);
        return Read(stream, path, variableName);
    }

    /// <summary>Stream form of <see cref="Read(string, string?)"/>.</summary>
    /// <param name="stream">A readable, seekable stream positioned at the start of the file.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <param name="variableName">The variable to read, or <see langword="null"/> for the only numeric one.</param>
    /// <exception cref="DataFormatException">The data is malformed, the variable is missing, or it is not a real numeric array.</exception>
    public static MatArray Read(Stream stream, string sourceName, string? variableName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        long start = stream.CanSeek ? stream.Position : throw new ArgumentException("The stream must be seekable.", nameof(stream));
        if (variableName is null)
        {
            var all = ReadVariables(stream, sourceName);
            var readable = all.Where(v => v.IsReadable).ToList();
            if (readable.Count != 1)
                throw new DataFormatException(sourceName, readable.Count == 0
                    ? $"holds no real numeric array to read (variables: {Listing(all)})"
                    : $"holds {readable.Count} numeric variables ({Listing(readable)}); name the one to read");
            variableName = readable[0].Name;
            stream.Position = start;
        }
        var parser = new Parser(stream, sourceName) { Wanted = variableName };
        var seen = new List<MatVariable>();
        parser.Scan(v => { seen.Add(v); return v.Name == variableName; }, out MatArray? array);
        return array ?? throw new DataFormatException(sourceName, $"has no variable '{variableName}' (variables: {Listing(seen)})");
    }

    /// <summary>The MATLAB name of a class, e.g. <c>uint8</c>.</summary>
    /// <param name="c">The class.</param>
    public static string ClassName(MatClass c) => c switch
    {
        MatClass.Cell => "cell",
        MatClass.Struct => "struct",
        MatClass.Object => "object",
        MatClass.Char => "char",
        MatClass.Sparse => "sparse",
        MatClass.Double => "double",
        MatClass.Single => "single",
        MatClass.Int8 => "int8",
        MatClass.UInt8 => "uint8",
        MatClass.Int16 => "int16",
        MatClass.UInt16 => "uint16",
        MatClass.Int32 => "int32",
        MatClass.UInt32 => "uint32",
        MatClass.Int64 => "int64",
        MatClass.UInt64 => "uint64",
        MatClass.Function => "function handle",
        MatClass.Opaque => "opaque object",
        _ => $"class {(int)c}",
    };

    private static string Listing(IEnumerable<MatVariable> variables)
    {
        string text = string.Join(", ", variables.Select(v => v.ToString()));
        return text.Length == 0 ? "none" : text;
    }

    private static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>
    /// Reorders an N-d array between column-major (first index fastest, MATLAB's) and row-major (last index fastest).
    /// </summary>
    internal static void Permute(ReadOnlySpan<float> source, int[] dims, Span<float> destination, bool toRowMajor)
    {
        int n = dims.Length;
        if (source.Length == 0) return;
        if (n == 2)
        {
            int rows = dims[0], cols = dims[1];
            for (int j = 0; j < cols; j++)
                for (int i = 0; i < rows; i++)
                {
                    if (toRowMajor) destination[i * cols + j] = source[j * rows + i];
                    else destination[j * rows + i] = source[i * cols + j];
                }
            return;
        }
        // Walk the column-major order with an odometer, tracking the row-major position.
        var rowStride = new long[n];
        long s = 1;
        for (int d = n - 1; d >= 0; d--) { rowStride[d] = s; s *= dims[d]; }
        var index = new int[n];
        long pos = 0;
        for (int k = 0; k < source.Length; k++)
        {
            if (toRowMajor) destination[(int)pos] = source[k];
            else destination[k] = source[(int)pos];
            for (int d = 0; d < n; d++)
            {
                index[d]++;
                pos += rowStride[d];
                if (index[d] < dims[d]) break;
                pos -= rowStride[d] * dims[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>An element tag: its type, its declared payload size, and (small form) its inline bytes.</summary>
    private readonly record struct Tag(int Type, long Size, bool Small, long Offset, uint Inline);

    /// <summary>A sequential reader over a file or inflated data, tracking the position for checks and messages.</summary>
    /// <param name="stream">The bytes.</param>
    /// <param name="exact">Whether the caller knows how many bytes remain exactly (a file) or only a bound (inflated data).</param>
    /// <param name="where">Describes a position for messages.</param>
    private sealed class Input(Stream stream, bool exact, Func<long, string> where)
    {
        private readonly byte[] _scratch = new byte[8];

        /// <summary>Bytes consumed so far (set after seeking the underlying stream).</summary>
        public long Position { get; set; }

        /// <summary>Whether the sizes were checked against exactly the bytes present (a file) rather than a bound (inflated data).</summary>
        public bool Exact { get; } = exact;

        /// <summary>Describes a position, e.g. "byte 136" or "byte 8 of the data inflated from the element at byte 128".</summary>
        public string Where(long position) => where(position);

        /// <summary>Reads exactly dst.Length bytes; the caller has checked them against the limit.</summary>
        public bool TryRead(Span<byte> dst)
        {
            int n = stream.ReadAtLeast(dst, dst.Length, throwOnEndOfStream: false);
            Position += n;
            return n == dst.Length;
        }

        public byte[] Scratch => _scratch;

        public void Skip(long count)
        {
            if (count <= 0) return;
            if (stream.CanSeek)
            {
                stream.Seek(count, SeekOrigin.Current);
                Position += count;
                return;
            }
            Span<byte> buffer = stackalloc byte[4096];
            while (count > 0)
            {
                int n = stream.Read(buffer[..(int)Math.Min(count, buffer.Length)]);
                if (n == 0) break;
                count -= n;
                Position += n;
            }
        }
    }

    /// <summary>A read-only window of <c>length</c> bytes of a stream, from its current position.</summary>
    private sealed class Window(Stream inner, long length) : ForwardReadStream
    {
        private long _left = length;

        public override int Read(Span<byte> buffer)
        {
            if (_left <= 0) return 0;
            int n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
            _left -= n;
            return n;
        }
    }

    /// <summary>Walks the top-level elements of one file.</summary>
    private sealed class Parser(Stream stream, string source)
    {
        private bool _bigEndian;

        /// <summary>The variable whose data is wanted, or null to read headers only.</summary>
        public string? Wanted { get; init; }

        /// <summary>Visits each variable's header; when <paramref name="visit"/> returns true the scan stops there
        /// (reading that variable's data when it is <see cref="Wanted"/>).</summary>
        public void Scan(Func<MatVariable, bool> visit, out MatArray? array)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (!stream.CanRead) throw new ArgumentException("The stream is not readable.", nameof(stream));
            if (!stream.CanSeek) throw new ArgumentException("The stream must be seekable.", nameof(stream));
            array = null;
            long fileStart = stream.Position;
            long length = stream.Length - fileStart;
            var top = new Input(stream, exact: true, p => $"byte {p}");
            ReadHeader(top);

            while (top.Position < length)
            {
                long remaining = length - top.Position;
                if (remaining < 8)
                {
                    // Trailing padding after the last element is tolerated only when it is zeros.
                    Span<byte> tail = stackalloc byte[(int)remaining];
                    top.TryRead(tail);
                    if (tail.IndexOfAnyExcept((byte)0) >= 0)
                        throw Error(top, top.Position - remaining, $"{remaining} stray byte(s) after the last element, too few for an element tag");
                    break;
                }
                var tag = ReadTag(top, length);
                if (tag.Small)
                    throw Error(top, tag.Offset, $"a small {TypeName(tag.Type)} element at the top level, where only matrices (miMATRIX) and compressed elements (miCOMPRESSED) belong");
                if (tag.Size > length - top.Position)
                    throw Error(top, tag.Offset, $"the {TypeName(tag.Type)} element declares {tag.Size} bytes but only {length - top.Position} remain in the file");
                long end = top.Position + tag.Size;
                if (tag.Type == MiMatrix)
                {
                    if (ReadMatrix(top, tag, end, compressed: false, visit, out array)) return;
                    top.Skip(end - top.Position);
                    top.Skip(Math.Min(Padding(tag.Size), length - top.Position));
                }
                else if (tag.Type == MiCompressed)
                {
                    if (ReadCompressed(tag, visit, out array)) return;
                    stream.Position = fileStart + end;
                    top.Position = end;
                }
                else
                {
                    throw Error(top, tag.Offset, $"a {TypeName(tag.Type)} element at the top level, where only matrices (miMATRIX) and compressed elements (miCOMPRESSED) belong");
                }
            }
        }

        private void ReadHeader(Input top)
        {
            var header = new byte[HeaderSize];
            int got = stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
            top.Position = got;
            bool hdf5AtStart = got >= 8 && header.AsSpan(0, 8).SequenceEqual(Hdf5Signature);
            if (hdf5AtStart)
                throw new DataFormatException(source, "is an HDF5 file (MAT-file version 7.3), which this reader does not read; re-save it in MATLAB with save(..., '-v7') (or '-v6')");
            if (got < HeaderSize)
                throw new DataFormatException(source, $"truncated header: the file holds {got} bytes, but a MAT-file level 5 header has {HeaderSize}");
            string text = Encoding.ASCII.GetString(header, 0, 116).TrimEnd('\0', ' ');
            char e0 = (char)header[126], e1 = (char)header[127];
            if (text.StartsWith("MATLAB 7.3", StringComparison.Ordinal)
                || (e0 == 'I' && e1 == 'M' && header[124] == 0x00 && header[125] == 0x02)
                || (e0 == 'M' && e1 == 'I' && header[124] == 0x02 && header[125] == 0x00))
                throw new DataFormatException(source, "is a MAT-file version 7.3 (HDF5), which this reader does not read; re-save it in MATLAB with save(..., '-v7') (or '-v6')");
            if (e0 == 'I' && e1 == 'M') _bigEndian = false;
            else if (e0 == 'M' && e1 == 'I') _bigEndian = true;
            else
                throw new DataFormatException(source,
                    $"not a MAT-file level 5: bytes 126–127 are 0x{header[126]:X2} 0x{header[127]:X2}, not the endian indicator 'IM' or 'MI'" +
                    (text.StartsWith("MATLAB", StringComparison.Ordinal) ? "" : " (and the header text does not start with 'MATLAB')"));
            int version = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(124)) : BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(124));
            if (version != 0x0100)
                throw new DataFormatException(source, $"unsupported MAT-file version 0x{version:X4} in the header (level 5 files have 0x0100)");
        }

        private uint U32(ReadOnlySpan<byte> b) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

        private DataFormatException Error(Input input, long position, string problem) =>
            new(source, $"{input.Where(position)}: {problem}");

        /// <summary>Reads an 8-byte tag (regular or small form) that must fit before <paramref name="end"/>.</summary>
        private Tag ReadTag(Input input, long end)
        {
            long offset = input.Position;
            if (end - offset < 8)
                throw Error(input, offset, $"an element tag needs 8 bytes but {Math.Max(0, end - offset)} remain in the enclosing element");
            var b = input.Scratch;
            if (!input.TryRead(b))
                throw Error(input, offset, $"truncated element tag: the {(input.Exact ? "file" : "inflated data")} ends after {input.Position - offset} of its 8 bytes");
            uint first = U32(b.AsSpan(0, 4));
            if ((first >> 16) != 0)
            {
                int size = (int)(first >> 16), type = (int)(first & 0xFFFF);
                if (size > 4)
                    throw Error(input, offset, $"a small (packed) element declares {size} bytes, but at most 4 fit in its tag");
                uint inline = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4, 4));
                return new Tag(type, size, true, offset, inline);
            }
            uint declared = U32(b.AsSpan(4, 4));
            return new Tag((int)first, declared, false, offset, 0);
        }

        private static long Padding(long size) => (8 - (size & 7)) & 7;

        /// <summary>Checks that a subelement's payload lies before the end <paramref name="end"/> of its matrix.</summary>
        private void CheckFits(Input input, Tag tag, long end, string what)
        {
            if (tag.Small) return;
            long available = end - input.Position;
            if (tag.Size > available)
                throw Error(input, tag.Offset, $"the {what} subelement declares {tag.Size} bytes but only {available} remain in its matrix element");
        }

        /// <summary>Reads a small payload (flags, dimensions, name) fully, skipping its padding.</summary>
        private byte[] ReadSmallPayload(Input input, Tag tag, long end, string what, int maxBytes)
        {
            if (tag.Small)
            {
                var four = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(four, tag.Inline); // the inline bytes, in file order
                return four[..(int)tag.Size];
            }
            if (tag.Size > maxBytes)
                throw Error(input, tag.Offset, $"the {what} element declares {tag.Size} bytes, more than the {maxBytes} allowed");
            CheckFits(input, tag, end, what);
            var data = new byte[tag.Size];
            if (!input.TryRead(data))
                throw Error(input, tag.Offset, $"truncated {what} element: the {(input.Exact ? "file" : "inflated data")} ends inside it");
            SkipPadding(input, tag, end);
            return data;
        }

        private void SkipPadding(Input input, Tag tag, long end)
        {
            if (tag.Small) return;
            long pad = Math.Min(Padding(tag.Size), end - input.Position);
            if (pad <= 0) return;
            Span<byte> p = stackalloc byte[8];
            if (!input.TryRead(p[..(int)pad]))
                throw Error(input, input.Position, $"truncated padding: the {(input.Exact ? "file" : "inflated data")} ends inside it");
        }

        private bool ReadCompressed(Tag tag, Func<MatVariable, bool> visit, out MatArray? array)
        {
            long bound = checked(tag.Size * MaxInflateRatio + 64);
            using var window = new Window(stream, tag.Size);
            using var zlib = new ZLibStream(window, CompressionMode.Decompress, leaveOpen: true);
            var inner = new Input(zlib, exact: false,
                p => $"byte {p} of the data inflated from the compressed element at byte {tag.Offset}");
            try
            {
                var matrixTag = ReadTag(inner, bound);
                if (matrixTag.Small || matrixTag.Type != MiMatrix)
                    throw Error(inner, matrixTag.Offset, $"a compressed element must hold a matrix (miMATRIX), not {(matrixTag.Small ? "a small " : "")}{TypeName(matrixTag.Type)}");
                if (matrixTag.Size > bound - 8)
                    throw Error(inner, matrixTag.Offset,
                        $"the matrix declares {matrixTag.Size} bytes, but {tag.Size} compressed bytes cannot inflate to more than {bound} bytes");
                long end = inner.Position + matrixTag.Size;
                bool stop = ReadMatrix(inner, matrixTag, end, compressed: true, visit, out array);
                if (stop && array is not null)
                {
                    // The wanted variable was read: the inflated data must end with its matrix.
                    SkipPadding(inner, matrixTag, end);
                    Span<byte> probe = stackalloc byte[1];
                    if (zlib.Read(probe) != 0)
                        throw Error(inner, inner.Position, $"the compressed element inflates to more bytes than its matrix declares ({matrixTag.Size})");
                }
                return stop;
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException(source, $"byte {tag.Offset}: the compressed element ({tag.Size} bytes) does not inflate: {e.Message}", e);
            }
        }

        /// <summary>Reads a matrix header; visits it; reads its data when it is the wanted variable.</summary>
        /// <returns>Whether the scan stops.</returns>
        private bool ReadMatrix(Input input, Tag tag, long end, bool compressed, Func<MatVariable, bool> visit, out MatArray? array)
        {
            array = null;
            if (tag.Size == 0)
                throw Error(input, tag.Offset, "an empty matrix element (0 bytes) at the top level, where a named variable belongs");

            var flagsTag = ReadTag(input, end);
            if (flagsTag.Type != MiUInt32 || flagsTag.Size != 8)
                throw Error(input, flagsTag.Offset, $"the matrix's first subelement must be its array flags (miUINT32, 8 bytes), not {TypeName(flagsTag.Type)} of {flagsTag.Size} bytes");
            byte[] flagBytes = ReadSmallPayload(input, flagsTag, end, "array flags", 8);
            uint flags = U32(flagBytes.AsSpan(0, 4));
            int classCode = (int)(flags & 0xFF);
            if (classCode is < 1 or > 17)
                throw Error(input, flagsTag.Offset, $"unknown array class {classCode} in the array flags");
            var cls = (MatClass)classCode;
            bool complex = (flags & 0x0800) != 0, logical = (flags & 0x0200) != 0;

            int[] dims = [];
            if (cls != MatClass.Opaque)
            {
                var dimsTag = ReadTag(input, end);
                if (dimsTag.Type != MiInt32)
                    throw Error(input, dimsTag.Offset, $"the dimensions subelement must be miINT32, not {TypeName(dimsTag.Type)}");
                if (dimsTag.Size % 4 != 0 || dimsTag.Size < 4)
                    throw Error(input, dimsTag.Offset, $"the dimensions subelement holds {dimsTag.Size} bytes, not a positive multiple of 4");
                byte[] dimBytes = ReadSmallPayload(input, dimsTag, end, "dimensions", MaxDims * 4);
                dims = new int[dimBytes.Length / 4];
                for (int d = 0; d < dims.Length; d++)
                {
                    dims[d] = (int)U32(dimBytes.AsSpan(4 * d, 4));
                    if (dims[d] < 0)
                        throw Error(input, dimsTag.Offset, $"dimension {d + 1} is {dims[d]}, negative");
                }
            }

            var nameTag = ReadTag(input, end);
            if (nameTag.Type != MiInt8 && nameTag.Type != MiUInt8 && nameTag.Type != MiUtf8)
                throw Error(input, nameTag.Offset, $"the array name subelement must be miINT8 text, not {TypeName(nameTag.Type)}");
            string name = Encoding.UTF8.GetString(ReadSmallPayload(input, nameTag, end, "array name", MaxNameBytes));

            var variable = new MatVariable(name, cls, dims, complex, logical, compressed);
            if (!visit(variable)) return false;
            if (Wanted is null || name != Wanted) return true;

            if (!variable.IsReadable)
                throw new DataFormatException(source,
                    $"variable '{name}' is {(complex ? "complex" : $"of the unsupported class {ClassName(cls)}")} ({variable}); only real numeric arrays (double, single, int8…uint64, logical) can be read");
            array = ReadData(input, end, variable, dims);
            return true;
        }

        private MatArray ReadData(Input input, long end, MatVariable variable, int[] dims)
        {
            long count = 1;
            foreach (int d in dims)
            {
                count *= d; // each factor < 2^31 and the product is capped below, so no overflow
                if (count > Array.MaxLength)
                    throw new DataFormatException(source, $"variable '{variable.Name}' has dimensions {string.Join("×", dims)}, more than {Array.MaxLength} values");
            }

            var dataTag = ReadTag(input, end);
            int width = ElementBytes(dataTag.Type);
            if (width == 0)
                throw Error(input, dataTag.Offset, $"the real part of '{variable.Name}' has the non-numeric element type {TypeName(dataTag.Type)}");
            if (dataTag.Size != count * width)
                throw Error(input, dataTag.Offset,
                    $"'{variable.Name}' is {string.Join("×", dims)} = {count} values, but its real part holds {dataTag.Size} bytes of {TypeName(dataTag.Type)} ({(double)dataTag.Size / width} values)");
            CheckFits(input, dataTag, end, "real part");

            float[] columnMajor;
            if (dataTag.Small)
            {
                columnMajor = new float[count];
                Span<byte> four = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(four, dataTag.Inline);
                Convert(four[..(int)dataTag.Size], dataTag.Type, columnMajor);
            }
            else
            {
                // With an exact limit the size was checked against the bytes really present: allocate at once. Inflated
                // data is only bounded, so the buffer grows as data arrives and a lying size cannot force a huge allocation.
                columnMajor = new float[input.Exact ? count : Math.Min(count, ChunkBytes)];
                var chunk = new byte[(int)Math.Min(ChunkBytes, Math.Max(dataTag.Size, 8))];
                long done = 0;
                while (done < count)
                {
                    int bytes = (int)Math.Min(chunk.Length, (count - done) * width);
                    if (!input.TryRead(chunk.AsSpan(0, bytes)))
                        throw Error(input, dataTag.Offset,
                            $"truncated real part of '{variable.Name}': it declares {dataTag.Size} bytes but the {(input.Exact ? "file" : "inflated data")} ends after {input.Position - dataTag.Offset - 8}");
                    int values = bytes / width;
                    if (done + values > columnMajor.Length)
                        Array.Resize(ref columnMajor, (int)Math.Min(count, Math.Max(done + values, 2L * columnMajor.Length)));
                    Convert(chunk.AsSpan(0, bytes), dataTag.Type, columnMajor.AsSpan((int)done, values));
                    done += values;
                }
                SkipPadding(input, dataTag, end);
            }
            if (input.Position != end)
                throw Error(input, input.Position,
                    $"variable '{variable.Name}' has {end - input.Position} bytes after its real part that its matrix element declares but no level 5 numeric array holds");

            var rowMajor = new float[count];
            Permute(columnMajor, dims, rowMajor, toRowMajor: true);
            return new MatArray(variable.Name, variable.Class, dims, rowMajor);
        }

        private void Convert(ReadOnlySpan<byte> bytes, int type, Span<float> destination)
        {
            bool be = _bigEndian;
            switch (type)
            {
                case MiInt8:
                    for (int i = 0; i < destination.Length; i++) destination[i] = (sbyte)bytes[i];
                    break;
                case MiUInt8:
                    for (int i = 0; i < destination.Length; i++) destination[i] = bytes[i];
                    break;
                case MiInt16:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadInt16BigEndian(bytes[(2 * i)..]) : BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]);
                    break;
                case MiUInt16:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
                    break;
                case MiInt32:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadInt32BigEndian(bytes[(4 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                    break;
                case MiUInt32:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 * i)..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
                    break;
                case MiSingle:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                    break;
                case MiDouble:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = (float)(be ? BinaryPrimitives.ReadDoubleBigEndian(bytes[(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]));
                    break;
                case MiInt64:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadInt64BigEndian(bytes[(8 * i)..]) : BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                    break;
                case MiUInt64:
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = be ? BinaryPrimitives.ReadUInt64BigEndian(bytes[(8 * i)..]) : BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]);
                    break;
                default:
                    throw new InvalidOperationException($"Element type {type} is not numeric.");
            }
        }
    }

    private static int ElementBytes(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => 0,
    };

    private static string TypeName(int type) => type switch
    {
        MiInt8 => "miINT8",
        MiUInt8 => "miUINT8",
        MiInt16 => "miINT16",
        MiUInt16 => "miUINT16",
        MiInt32 => "miINT32",
        MiUInt32 => "miUINT32",
        MiSingle => "miSINGLE",
        MiDouble => "miDOUBLE",
        MiInt64 => "miINT64",
        MiUInt64 => "miUINT64",
        MiMatrix => "miMATRIX",
        MiCompressed => "miCOMPRESSED",
        MiUtf8 => "miUTF8",
        17 => "miUTF16",
        18 => "miUTF32",
        _ => $"unknown element type {type}",
    };
}
