using System.Security.Cryptography;
using VaeSharp.Data;
using Xunit.Abstractions;
using W = VaeSharp.Tests.Data.MatWriter;

namespace VaeSharp.Tests.Data;

public sealed class MatReaderTests(ITestOutputHelper output) : IDisposable
{
    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Save(byte[] bytes, string name = "t.mat")
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Each numeric class with the element types that can hold its test values, and those values.</summary>
    public static TheoryData<MatClass, int, bool, bool> ClassesAndStorage()
    {
        var data = new TheoryData<MatClass, int, bool, bool>();
        (MatClass, int[])[] table =
        [
            (MatClass.Double, [W.MiDouble, W.MiUInt8, W.MiInt16, W.MiInt32]), // MATLAB stores doubles narrower when the values fit
            (MatClass.Single, [W.MiSingle, W.MiUInt8, W.MiInt16]),
            (MatClass.Int8, [W.MiInt8]),
            (MatClass.UInt8, [W.MiUInt8]),
            (MatClass.Int16, [W.MiInt16, W.MiInt8]),
            (MatClass.UInt16, [W.MiUInt16, W.MiUInt8]),
            (MatClass.Int32, [W.MiInt32, W.MiInt16]),
            (MatClass.UInt32, [W.MiUInt32, W.MiUInt16]),
            (MatClass.Int64, [W.MiInt64, W.MiInt32]),
            (MatClass.UInt64, [W.MiUInt64, W.MiUInt32]),
        ];
        foreach (var (cls, types) in table)
            foreach (int t in types)
                foreach (bool big in new[] { false, true })
                    foreach (bool compress in new[] { false, true })
                        data.Add(cls, t, big, compress);
        return data;
    }

    /// <summary>Values that fit the element type: its extremes where the type is narrow, and a few small ones.</summary>
    private static double[] ValuesFor(int type) => type switch
    {
        W.MiInt8 => [-128, -1, 0, 1, 7, 127],
        W.MiUInt8 => [0, 1, 2, 128, 254, 255],
        W.MiInt16 => [-32768, -300, 0, 1, 300, 32767],
        W.MiUInt16 => [0, 1, 300, 40000, 65534, 65535],
        W.MiInt32 => [-2_000_000, -70000, 0, 1, 70000, 16_777_216],
        W.MiUInt32 => [0, 1, 70000, 16_777_216, 3, 2],
        W.MiSingle => [-1.5, 0.25, 0, 1e-3, 3e10, -7],
        W.MiDouble => [-1.5, 0.25, 0, 1e-3, 3e10, Math.PI],
        W.MiInt64 => [-16_777_216, -1, 0, 1, 5, 1L << 40],
        _ => [0, 1, 2, 3, 1L << 40, 1L << 50],
    };

    [Theory]
    [MemberData(nameof(ClassesAndStorage))]
    public void Every_numeric_class_reads_back_row_major(MatClass cls, int storage, bool bigEndian, bool compress)
    {
        // A 2×3 matrix given in MATLAB's column-major order.
        double[] columnMajor = ValuesFor(storage);
        var writer = new W(bigEndian).Numeric("m", cls, [2, 3], columnMajor, storage, compress);
        string path = Save(writer.ToBytes());

        var v = Assert.Single(MatReader.ReadVariables(path));
        Assert.Equal(("m", cls, "2×3", compress), (v.Name, v.Class, string.Join("×", v.Dims), v.IsCompressed));
        Assert.True(v.IsReadable);

        var a = MatReader.Read(path, "m");
        Assert.Equal([2, 3], a.Dims);
        Assert.Equal(cls, a.Class);
        // Row-major: element (i, j) at i·3 + j equals the column-major value at j·2 + i.
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal((float)columnMajor[j * 2 + i], a.Data[i * 3 + j]);
        Assert.Equal(columnMajor.Select(x => (float)x), a.ToColumnMajor());
        Assert.Equal(a.Data, MatReader.Read(path).Data); // the only variable is found without its name
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Three_dimensional_arrays_are_reordered_with_the_last_index_fastest(bool bigEndian)
    {
        int[] dims = [2, 3, 4];
        // Column-major value at (i, j, k) is 100i + 10j + k.
        var values = new double[24];
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 2; i++)
                    values[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
        var a = MatReader.Read(Save(new W(bigEndian).Numeric("cube", MatClass.Double, dims, values, W.MiDouble, compress: true).ToBytes()));
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    Assert.Equal(100 * i + 10 * j + k, a.Data[i * 12 + j * 4 + k]);
        Assert.Equal(values.Select(x => (float)x), a.ToColumnMajor());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Small_elements_hold_names_and_data_of_up_to_four_bytes(bool bigEndian)
    {
        var w = new W(bigEndian)
            .Numeric("s", MatClass.UInt8, [1, 1], [200], W.MiUInt8)          // 1 byte: small form
            .Numeric("pair", MatClass.Int16, [1, 2], [-5, 300], W.MiInt16)    // 4 bytes: small form
            .Numeric("f", MatClass.Single, [1, 1], [2.5], W.MiSingle, compress: true)
            .Numeric("e", MatClass.Double, [0, 3], [], W.MiDouble);           // empty array
        string path = Save(w.ToBytes());
        Assert.Equal(["s", "pair", "f", "e"], MatReader.ReadVariables(path).Select(v => v.Name));
        Assert.Equal([200f], MatReader.Read(path, "s").Data);
        Assert.Equal([-5f, 300f], MatReader.Read(path, "pair").Data);
        Assert.Equal([2.5f], MatReader.Read(path, "f").Data);
        var e = MatReader.Read(path, "e");
        Assert.Empty(e.Data);
        Assert.Equal([0, 3], e.Dims);

        // The same without the small form reads the same.
        var plain = new W(bigEndian) { UseSmallElements = false }.Numeric("pair", MatClass.Int16, [1, 2], [-5, 300], W.MiInt16).ToBytes();
        Assert.Equal([-5f, 300f], MatReader.Read(Save(plain, "plain.mat"), "pair").Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Several_variables_are_listed_and_chosen_by_name_skipping_unsupported_ones(bool compress)
    {
        var w = new W()
            .Char("label", "frey", compress)
            .Cell("c", [1, 2, 3], compress)
            .Numeric("x", MatClass.Double, [2, 2], [1, 2, 3, 4], W.MiDouble, compress)
            .Struct("opts", ["a", "b"], compress)
            .SparseIdentity("sp", 3, compress)
            .Numeric("mask", MatClass.UInt8, [1, 3], [1, 0, 1], W.MiUInt8, compress, logical: true)
            .Numeric("z", MatClass.Double, [1, 2], [1, 2], W.MiDouble, compress, imaginary: [3, 4]);
        string path = Save(w.ToBytes());

        var vars = MatReader.ReadVariables(path);
        Assert.Equal(["label", "c", "x", "opts", "sp", "mask", "z"], vars.Select(v => v.Name));
        Assert.Equal([MatClass.Char, MatClass.Cell, MatClass.Double, MatClass.Struct, MatClass.Sparse, MatClass.UInt8, MatClass.Double],
            vars.Select(v => v.Class));
        Assert.Equal([false, false, true, false, false, true, false], vars.Select(v => v.IsReadable));
        Assert.True(vars[5].IsLogical);
        Assert.True(vars[6].IsComplex);
        Assert.Equal("sp: sparse 3×3", vars[4].ToString());

        Assert.Equal([1f, 3f, 2f, 4f], MatReader.Read(path, "x").Data);
        Assert.Equal([1f, 0f, 1f], MatReader.Read(path, "mask").Data);

        foreach (var (name, cls) in new[] { ("label", "char"), ("c", "cell"), ("opts", "struct"), ("sp", "sparse") })
        {
            var e = Assert.Throws<DataFormatException>(() => MatReader.Read(path, name));
            Assert.Contains(path, e.Message);
            Assert.Contains($"unsupported class {cls}", e.Message);
        }
        Assert.Contains("'z' is complex", Assert.Throws<DataFormatException>(() => MatReader.Read(path, "z")).Message);

        var missing = Assert.Throws<DataFormatException>(() => MatReader.Read(path, "ff"));
        Assert.Contains("has no variable 'ff'", missing.Message);
        Assert.Contains("x: double 2×2", missing.Message);
        var ambiguous = Assert.Throws<DataFormatException>(() => MatReader.Read(path));
        Assert.Contains("holds 2 numeric variables (x: double 2×2, mask: logical 1×3); name the one to read", ambiguous.Message);
    }

    [Fact]
    public void Without_a_name_the_only_numeric_variable_is_read()
    {
        string path = Save(new W().Char("title", "faces").Numeric("data", MatClass.UInt8, [1, 2], [9, 8], W.MiUInt8).ToBytes());
        Assert.Equal("data", MatReader.Read(path).Name);
        string none = Save(new W().Char("title", "faces").ToBytes(), "none.mat");
        Assert.Contains("holds no real numeric array to read (variables: title: char 1×5)",
            Assert.Throws<DataFormatException>(() => MatReader.Read(none)).Message);
    }

    private DataFormatException Fails(byte[] bytes, string? variable = "m")
    {
        string path = Save(bytes, "bad.mat");
        var e = Assert.Throws<DataFormatException>(() => MatReader.Read(path, variable));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        output.WriteLine(e.Message);
        return e;
    }

    [Fact]
    public void Wrong_or_short_headers_are_refused()
    {
        var w = new W().Numeric("m", MatClass.Double, [1, 1], [1], W.MiDouble);
        byte[] good = w.ToBytes();

        Assert.Contains("truncated header: the file holds 100 bytes", Fails(good[..100]).Message);
        Assert.Contains("truncated header: the file holds 0 bytes", Fails([]).Message);

        var noIndicator = (byte[])good.Clone();
        noIndicator[126] = (byte)'X';
        Assert.Contains("not a MAT-file level 5: bytes 126–127 are 0x58 0x4D, not the endian indicator 'IM' or 'MI'", Fails(noIndicator).Message);

        var text = new byte[300];
        "Just some text file that is not a MAT-file at all"u8.CopyTo(text);
        Assert.Contains("(and the header text does not start with 'MATLAB')", Fails(text).Message);

        var version = (byte[])good.Clone();
        version[124] = 0x05;
        Assert.Contains("unsupported MAT-file version 0x0105", Fails(version).Message);
    }

    [Fact]
    public void Version_7_3_files_ask_to_be_resaved_with_v7()
    {
        // MATLAB's v7.3 file: a 512-byte user block whose first 128 bytes look like a level 5 header with version 0x0200.
        var v73 = new byte[1024];
        new W().Header("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .", 0x0200).CopyTo(v73, 0);
        Hdf5Signature.CopyTo(v73.AsSpan(512));
        Assert.Contains("version 7.3 (HDF5)", Fails(v73).Message);
        Assert.Contains("'-v7'", Fails(v73).Message);

        var hdf5 = new byte[600];
        Hdf5Signature.CopyTo(hdf5);
        Assert.Contains("is an HDF5 file (MAT-file version 7.3)", Fails(hdf5).Message);

        var versionOnly = new W().Header("MATLAB 5.0 MAT-file", 0x0200).Concat(new byte[64]).ToArray();
        Assert.Contains("re-save it in MATLAB with save(..., '-v7')", Fails(versionOnly).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_elements_and_sizes_that_lie_are_refused(bool bigEndian)
    {
        var w = new W(bigEndian);
        byte[] good = w.Numeric("m", MatClass.Double, [3, 2], [1, 2, 3, 4, 5, 6], W.MiDouble).ToBytes();
        Assert.Equal(6, MatReader.Read(Save(good), "m").Data.Length);

        // Cut inside the data: the matrix declares more bytes than remain.
        Assert.Contains("the miMATRIX element declares", Fails(good[..(good.Length - 20)]).Message);
        Assert.Contains("remain in the file", Fails(good[..(good.Length - 20)]).Message);
        // Cut inside the first tag.
        Assert.Contains("too few for an element tag", Fails(good[..133]).Message);

        // Dimensions that disagree with the data.
        byte[] lying = new W(bigEndian).Add(w.Matrix(MatClass.Double, [3, 3], "m", [w.Element(W.MiDouble, w.Encode([1, 2, 3, 4, 5, 6], W.MiDouble))])).ToBytes();
        Assert.Contains("'m' is 3×3 = 9 values, but its real part holds 48 bytes of miDOUBLE (6 values)", Fails(lying).Message);

        // Enormous dimensions are refused before anything is allocated.
        byte[] huge = new W(bigEndian).Add(w.Matrix(MatClass.Double, [1 << 30, 1 << 30], "m", [w.Element(W.MiDouble, w.Encode([1], W.MiDouble))])).ToBytes();
        Assert.Contains($"more than {Array.MaxLength} values", Fails(huge).Message);

        // A real part that claims more bytes than its matrix element holds.
        var data = w.Tagged(W.MiDouble, w.Encode([1, 2], W.MiDouble), declaredSize: 1 << 20);
        byte[] bigPart = new W(bigEndian).Add(w.Matrix(MatClass.Double, [1, 1 << 17], "m", [data])).ToBytes();
        Assert.Contains("the real part subelement declares 1048576 bytes but only 16 remain in its matrix element", Fails(bigPart).Message);

        // A name element larger than the matrix.
        var matrix = w.Matrix(MatClass.Double, [1, 1], "m", [w.Element(W.MiDouble, w.Encode([1], W.MiDouble))]);
        var badName = new W(bigEndian) { UseSmallElements = false }.Matrix(MatClass.Double, [1, 1], "m", [w.Element(W.MiDouble, w.Encode([1], W.MiDouble))]);
        w.U32(badName.AsSpan(8 + 16 + 16 + 4), 5000); // the name tag's size (after the matrix tag, the flags' and the dims' 16 bytes)
        Assert.Contains("the array name subelement declares 5000 bytes", Fails(new W(bigEndian).Add(badName).ToBytes()).Message);

        // Junk after the real part inside the matrix.
        byte[] extra = new W(bigEndian).Add(w.Matrix(MatClass.Double, [1, 1], "m",
            [w.Element(W.MiDouble, w.Encode([1], W.MiDouble)), w.Element(W.MiDouble, w.Encode([2], W.MiDouble))])).ToBytes();
        Assert.Contains("16 bytes after its real part", Fails(extra).Message);

        // A small element that claims more than 4 bytes, and a non-numeric real part.
        var smallLie = (byte[])matrix.Clone();
        w.U32(smallLie.AsSpan(8 + 16), (7u << 16) | W.MiInt32);
        Assert.Contains("a small (packed) element declares 7 bytes", Fails(new W(bigEndian).Add(smallLie).ToBytes()).Message);
        byte[] wrongType = new W(bigEndian).Add(w.Matrix(MatClass.Double, [1, 1], "m", [w.Tagged(W.MiMatrix, new byte[8])])).ToBytes();
        Assert.Contains("non-numeric element type miMATRIX", Fails(wrongType).Message);

        // An element type that does not belong at the top level, and an unknown class.
        Assert.Contains("a miDOUBLE element at the top level", Fails(new W(bigEndian).Add(w.Tagged(W.MiDouble, new byte[8])).ToBytes()).Message);
        var unknownClass = (byte[])matrix.Clone();
        w.U32(unknownClass.AsSpan(16), 40);
        Assert.Contains("unknown array class 40", Fails(new W(bigEndian).Add(unknownClass).ToBytes()).Message);
    }

    [Fact]
    public void Compressed_elements_that_do_not_inflate_or_lie_are_refused()
    {
        var w = new W();
        var matrix = w.Matrix(MatClass.Double, [3, 2], "m", [w.Element(W.MiDouble, w.Encode([1, 2, 3, 4, 5, 6], W.MiDouble))]);

        // Not zlib data at all.
        var garbage = w.Tagged(W.MiCompressed, Enumerable.Range(0, 40).Select(i => (byte)(i * 37 + 11)).ToArray(), pad: false);
        var e = Fails(new W().Add(garbage).ToBytes());
        Assert.Contains("byte 128: the compressed element (40 bytes) does not inflate", e.Message);

        // A zlib stream cut short: its element declares the shortened size, so the data simply end early.
        byte[] full = w.Compressed(matrix);
        byte[] payload = full[8..];
        var cut = w.Tagged(W.MiCompressed, payload[..(payload.Length / 2)], pad: false);
        e = Fails(new W().Add(cut).ToBytes());
        Assert.True(e.Message.Contains("does not inflate") || e.Message.Contains("truncated"), e.Message);

        // An inner matrix that claims more than its compressed bytes could ever inflate to.
        var liar = (byte[])matrix.Clone();
        w.U32(liar.AsSpan(4), 2_000_000_000);
        e = Fails(new W().Add(liar, compress: true).ToBytes());
        Assert.Contains("the matrix declares 2000000000 bytes, but", e.Message);
        Assert.Contains("compressed bytes cannot inflate to more than", e.Message);

        // An inner real part that claims a plausible but false size: the inflated data end first.
        var data = w.Tagged(W.MiDouble, w.Encode([1, 2], W.MiDouble), declaredSize: 8 * 4000);
        var inner = w.Matrix(MatClass.Double, [1, 4000], "m", [data]);
        var innerPatched = (byte[])inner.Clone();
        w.U32(innerPatched.AsSpan(4), (uint)(innerPatched.Length - 8 + 8 * 4000)); // the matrix size agrees with the lie
        e = Fails(new W().Add(innerPatched, compress: true).ToBytes());
        Assert.Contains("truncated real part of 'm'", e.Message);
        Assert.Contains("inflated data", e.Message);

        // A compressed element holding something other than a matrix.
        Assert.Contains("a compressed element must hold a matrix", Fails(new W().Add(w.Tagged(W.MiDouble, new byte[8]), compress: true).ToBytes()).Message);

        // More inflated data than the matrix declares.
        var trailing = w.Compressed(matrix.Concat(new byte[16]).ToArray());
        Assert.Contains("inflates to more bytes than its matrix declares", Fails(new W().Add(trailing).ToBytes()).Message);

        // A compressed element that declares more compressed bytes than the file holds.
        var longer = w.Tagged(W.MiCompressed, payload, pad: false, declaredSize: payload.Length + 100);
        Assert.Contains("the miCOMPRESSED element declares", Fails(new W().Add(longer).ToBytes()).Message);
    }

    [Fact]
    public void Every_truncation_and_every_single_byte_corruption_ends_in_a_data_format_error_or_a_result()
    {
        // Exhaustive over two small files: whatever the damage, the reader returns or throws DataFormatException.
        foreach (bool compress in new[] { false, true })
        {
            byte[] good = new W()
                .Char("t", "ab", compress)
                .Numeric("m", MatClass.Int16, [2, 3], [1, -2, 3, -4, 5, -6], W.MiInt16, compress)
                .ToBytes();
            void Check(byte[] bytes, string what)
            {
                try { _ = MatReader.Read(new MemoryStream(bytes), "fuzz.mat", "m"); }
                catch (DataFormatException) { }
                catch (Exception ex) { Assert.Fail($"{what}: {ex.GetType().Name}: {ex.Message}"); }
                try { _ = MatReader.ReadVariables(new MemoryStream(bytes), "fuzz.mat"); }
                catch (DataFormatException) { }
                catch (Exception ex) { Assert.Fail($"{what} (listing): {ex.GetType().Name}: {ex.Message}"); }
            }
            for (int n = 0; n < good.Length; n++) Check(good[..n], $"cut at {n}");
            for (int i = 120; i < good.Length; i++)
                foreach (byte b in new byte[] { 0x00, 0x07, 0x80, 0xFF })
                {
                    var bad = (byte[])good.Clone();
                    bad[i] ^= b == 0 ? (byte)1 : b;
                    Check(bad, $"byte {i} ^ {b}");
                }
        }
    }

    [Fact]
    public void Real_frey_face_file_reads_as_uint8_560_by_1965()
    {
        string? path = RealData.FreyFaceFile();
        if (path is null)
        {
            output.WriteLine("SKIPPED: frey_rawface.mat not found (set VAESHARP_FREYFACE_DIR or provide shared/datasets/freyface beside the repo).");
            return;
        }
        var v = Assert.Single(MatReader.ReadVariables(path));
        Assert.Equal("ff: uint8 560×1965", v.ToString());
        var a = MatReader.Read(path, "ff");
        Assert.Equal([560, 1965], a.Dims);

        // Independent check against the raw bytes: this file stores ff uncompressed as miUINT8 right after a 56-byte
        // matrix header (flags 16, dims 16, small name 8), so element (i, j) is byte 128 + 8 + 40 + 8 + 560·j + i.
        byte[] raw = File.ReadAllBytes(path);
        Assert.Equal("265a83a23adb081755cd3de375509828e690324d1d60f076b8ecebc840d59c64", Convert.ToHexStringLower(SHA256.HashData(raw)));
        const int start = 128 + 8 + 40 + 8;
        int wrong = 0, wrongColumnMajor = 0;
        for (int j = 0; j < 1965; j++)
            for (int i = 0; i < 560; i++)
                if (a.Data[i * 1965 + j] != raw[start + 560 * j + i]) wrong++;
        float[] cm = a.ToColumnMajor();
        for (int k = 0; k < cm.Length; k++)
            if (cm[k] != raw[start + k]) wrongColumnMajor++;
        Assert.Equal((0, 0), (wrong, wrongColumnMajor));
        Assert.Equal(start + 560 * 1965, raw.Length); // nothing after the data
    }
}
