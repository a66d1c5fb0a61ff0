using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VaeSharp.Numerics;

/// <summary>
/// Seeded, splittable pseudo-random generator: xoshiro256** (Blackman &amp; Vigna) seeded through SplitMix64.
/// Written by hand because System.Random does not expose its state (needed for bit-identical resume)
/// and offers no fast bulk normal sampling.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private Rng(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        _s0 = s0; _s1 = s1; _s2 = s2; _s3 = s3;
    }

    /// <summary>A generator for an independent stream derived from <paramref name="seed"/> and a stream label.</summary>
    public static Rng ForStream(ulong seed, ulong stream)
    {
        ulong x = seed ^ (0x9E3779B97F4A7C15UL * (stream + 1));
        return new Rng(SplitMix(ref x) ^ seed);
    }

    /// <summary>The four state words, for checkpoints.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a generator saved with <see cref="GetState"/>.</summary>
    public static Rng FromState(IReadOnlyList<ulong> state)
    {
        if (state.Count != 4) throw new ArgumentException("An Rng state has exactly four words.", nameof(state));
        if (state[0] == 0 && state[1] == 0 && state[2] == 0 && state[3] == 0)
            throw new ArgumentException("An all-zero xoshiro256** state is invalid.", nameof(state));
        return new Rng(state[0], state[1], state[2], state[3]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations_RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations_RotateLeft(_s3, 45);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BitOperations_RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong range = (ulong)maxExclusive;
        while (true)
        {
            ulong r = NextUInt64() >> 32;
            ulong m = r * range;
            uint low = (uint)m;
            if (low >= (uint)maxExclusive || low >= (uint)(-maxExclusive) % (uint)maxExclusive)
                return (int)(m >> 32);
        }
    }

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Fills <paramref name="destination"/> with uniform floats in [0, 1), 24 random bits each. Long spans run eight
    /// xoshiro256** lanes side by side in one Vector512 (each lane seeded from this generator through SplitMix64),
    /// two floats from every 64-bit output; the values depend only on this generator's state and the span's length.
    /// </summary>
    public void FillUniform(Span<float> destination)
    {
        const float unit = 1.0f / (1 << 24);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && destination.Length >= 64)
        {
            Span<ulong> seeds = stackalloc ulong[32];
            for (int lane = 0; lane < 8; lane++)
            {
                ulong x = NextUInt64();
                for (int w = 0; w < 4; w++) seeds[w * 8 + lane] = SplitMix(ref x);
            }
            var s0 = Vector512.Create((ReadOnlySpan<ulong>)seeds[..8]);
            var s1 = Vector512.Create((ReadOnlySpan<ulong>)seeds.Slice(8, 8));
            var s2 = Vector512.Create((ReadOnlySpan<ulong>)seeds.Slice(16, 8));
            var s3 = Vector512.Create((ReadOnlySpan<ulong>)seeds.Slice(24, 8));
            var mask = Vector512.Create(0xFFFFFFUL);
            var scale = Vector512.Create(unit);
            ref float d0 = ref MemoryMarshal.GetReference(destination);
            for (; i + 16 <= destination.Length; i += 16)
            {
                // result = rotl(s1 · 5, 7) · 9, with ·5 and ·9 as shift-adds.
                var t5 = (s1 << 2) + s1;
                var r7 = (t5 << 7) | (t5 >>> 57);
                var result = (r7 << 3) + r7;
                var t = s1 << 17;
                s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
                s3 = (s3 << 45) | (s3 >>> 19);
                // high 24 bits and bits 8..31 of each lane → two floats per lane.
                var hi = Vector512.ConvertToSingle(Vector512.Narrow(result >>> 40, (result >>> 8) & mask).AsInt32());
                (hi * scale).StoreUnsafe(ref d0, (nuint)i);
            }
        }
        for (; i + 1 < destination.Length; i += 2)
        {
            ulong r = NextUInt64();
            destination[i] = (r >> 40) * unit;
            destination[i + 1] = ((r >> 8) & 0xFFFFFF) * unit;
        }
        if (i < destination.Length) destination[i] = NextFloat();
    }

    /// <summary>
    /// Advances this generator exactly as <see cref="FillUniform"/> of <paramref name="length"/> values would, without
    /// producing them (mirrors its structure: eight lane seeds for the vector path, then one draw per remaining pair and
    /// one for an odd last value). Lets rows drawn one after another be drawn in parallel from saved states.
    /// </summary>
    internal void SkipUniform(int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && length >= 64)
        {
            for (int lane = 0; lane < 8; lane++) NextUInt64();
            i = length / 16 * 16;
        }
        for (; i + 1 < length; i += 2) NextUInt64();
        if (i < length) NextUInt64();
    }

    /// <summary>Writes the four state words into <paramref name="destination"/> (no allocation, unlike <see cref="GetState"/>).</summary>
    internal void CopyState(Span<ulong> destination)
    {
        destination[0] = _s0; destination[1] = _s1; destination[2] = _s2; destination[3] = _s3;
    }

    /// <summary>Sets the four state words from <paramref name="state"/> (saved by <see cref="CopyState"/>).</summary>
    internal void SetState(ReadOnlySpan<ulong> state)
    {
        _s0 = state[0]; _s1 = state[1]; _s2 = state[2]; _s3 = state[3];
    }

    /// <summary>Fills <paramref name="destination"/> with independent N(0, 1) draws (Box–Muller, two per pair of uniforms).</summary>
    public void FillNormal(Span<float> destination)
    {
        int i = 0;
        for (; i + 1 < destination.Length; i += 2)
        {
            NormalPair(out float a, out float b);
            destination[i] = a;
            destination[i + 1] = b;
        }
        if (i < destination.Length)
        {
            NormalPair(out float a, out _);
            destination[i] = a;
        }
    }

    /// <summary>Fills <paramref name="destination"/> with N(<paramref name="mean"/>, <paramref name="std"/>²) draws.</summary>
    public void FillNormal(Span<float> destination, float mean, float std)
    {
        FillNormal(destination);
        for (int i = 0; i < destination.Length; i++) destination[i] = mean + std * destination[i];
    }

    /// <summary>One N(0, 1) draw.</summary>
    public float NextNormal()
    {
        NormalPair(out float a, out _);
        return a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NormalPair(out float a, out float b)
    {
        ulong bits = NextUInt64();
        // u1 in (0, 1], u2 in [0, 1): 32 bits each, computed in double so log never sees 0.
        double u1 = ((bits >> 32) + 1.0) * (1.0 / 4294967296.0);
        double u2 = (bits & 0xFFFFFFFFUL) * (1.0 / 4294967296.0);
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        (double s, double c) = Math.SinCos(2.0 * Math.PI * u2);
        a = (float)(r * c);
        b = (float)(r * s);
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="values"/>.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
