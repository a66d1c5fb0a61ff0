using System.Buffers.Binary;
using System.Text;

namespace VaeSharp.Tests.Data;

/// <summary>Writes .npy bytes the way NumPy's <c>np.save</c> lays them out (header padded with spaces to a multiple of 64, ending in a newline).</summary>
internal static class NpyFixtures
{
    public static byte[] Header(string descr, bool fortran, IReadOnlyList<long> shape, int major = 1)
    {
        string dims = shape.Count == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {dims}, }}";
        return HeaderFromText(dict, major);
    }

    public static byte[] HeaderFromText(string dict, int major = 1, int? lengthOverride = null)
    {
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(dict);
        int total = 6 + 2 + lengthBytes + text.Length + 1;
        int pad = (64 - total % 64) % 64;
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        int headerLength = lengthOverride ?? text.Length + pad + 1;
        if (lengthBytes == 2) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)headerLength); ms.Write(b); }
        else { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)headerLength); ms.Write(b); }
        ms.Write(text);
        for (int i = 0; i < pad; i++) ms.WriteByte((byte)' ');
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    public static byte[] File(string descr, bool fortran, IReadOnlyList<long> shape, byte[] payload, int major = 1) =>
        [.. Header(descr, fortran, shape, major), .. payload];

    /// <summary>A little-endian float32 C-order array.</summary>
    public static byte[] Float32(IReadOnlyList<long> shape, float[] values)
    {
        var payload = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(4 * i), values[i]);
        return File("<f4", false, shape, payload);
    }

    /// <summary>An 8-bit unsigned C-order array.</summary>
    public static byte[] UInt8(IReadOnlyList<long> shape, byte[] values) => File("|u1", false, shape, values);
}
