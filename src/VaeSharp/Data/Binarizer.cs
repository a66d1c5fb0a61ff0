using System.Numerics;
using VaeSharp.Numerics;

namespace VaeSharp.Data;

/// <summary>How grey-level features are turned into {0, 1} for a Bernoulli decoder.</summary>
public enum Binarization
{
    /// <summary>Features are used as they are (grey levels in [0, 1]).</summary>
    None,

    /// <summary>One fixed Bernoulli draw per pixel, made once with a seed (the "statically binarized MNIST" setup).</summary>
    Static,

    /// <summary>A fresh Bernoulli draw per pixel every time a minibatch is used (dynamic binarization).</summary>
    Dynamic,
}

/// <summary>Bernoulli binarization: x = 1 when u &lt; p, else 0, with u uniform in [0, 1) from <see cref="Rng.FillUniform"/>.</summary>
public static class Binarizer
{
    /// <summary>Elements per block of <see cref="Static(float[], ulong)"/>; block b draws from <c>Rng.ForStream(seed, b)</c>.</summary>
    public const int StaticBlockSize = 1 << 16;

    /// <summary>
    /// One fixed Bernoulli draw per value, in parallel. The result depends only on <paramref name="features"/> and
    /// <paramref name="seed"/>, never on the number of threads: block b of <see cref="StaticBlockSize"/> values
    /// always draws from its own stream <c>Rng.ForStream(seed, b)</c>.
    /// </summary>
    /// <param name="features">Probabilities (usually grey levels in [0, 1]).</param>
    /// <param name="seed">Seed of the draw.</param>
    /// <returns>A new array of 0s and 1s.</returns>
    public static float[] Static(float[] features, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(features);
        var result = new float[features.Length];
        int blocks = (features.Length + StaticBlockSize - 1) / StaticBlockSize;
        Parallel.For(0, blocks, b =>
        {
            int start = b * StaticBlockSize;
            int length = Math.Min(StaticBlockSize, features.Length - start);
            Sample(features.AsSpan(start, length), result.AsSpan(start, length), Rng.ForStream(seed, (ulong)b));
        });
        return result;
    }

    /// <summary>A statically binarized copy of <paramref name="dataset"/> (same labels and names).</summary>
    /// <param name="dataset">The grey-level dataset.</param>
    /// <param name="seed">Seed of the draw.</param>
    public static Dataset Static(Dataset dataset, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.WithFeatures(Static(dataset.Features, seed), dataset.Name + "/binarized");
    }

    /// <summary>
    /// One fresh Bernoulli draw per value into <paramref name="destination"/> (used per minibatch for dynamic
    /// binarization). Allocates nothing; <paramref name="destination"/> may be the same memory as
    /// <paramref name="probabilities"/>.
    /// </summary>
    /// <param name="probabilities">Probabilities p; values outside [0, 1] act as clamped, NaN as 0.</param>
    /// <param name="destination">Receives 1 where u &lt; p, else 0; same length as <paramref name="probabilities"/>.</param>
    /// <param name="rng">The generator to draw u from.</param>
    public static void Sample(ReadOnlySpan<float> probabilities, Span<float> destination, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (destination.Length != probabilities.Length)
            throw new ArgumentException(
                $"The destination has {destination.Length} values for {probabilities.Length} probabilities.", nameof(destination));
        // Uniforms go to a small stack buffer first, then a branch-free (vectorized) compare: the branch on u < p
        // would be mispredicted about half the time for mid-grey pixels.
        const int chunk = 512;
        Span<float> u = stackalloc float[chunk];
        for (int start = 0; start < probabilities.Length; start += chunk)
        {
            int n = Math.Min(chunk, probabilities.Length - start);
            Span<float> uc = u[..n];
            rng.FillUniform(uc);
            Threshold(uc, probabilities.Slice(start, n), destination.Slice(start, n));
        }
    }

    /// <summary>destination[i] = u[i] &lt; p[i] ? 1 : 0 (NaN p gives 0).</summary>
    private static void Threshold(ReadOnlySpan<float> u, ReadOnlySpan<float> p, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            for (; i + Vector<float>.Count <= u.Length; i += Vector<float>.Count)
            {
                var mask = Vector.LessThan(new Vector<float>(u[i..]), new Vector<float>(p[i..]));
                Vector.ConditionalSelect(mask, one, Vector<float>.Zero).CopyTo(destination[i..]);
            }
        }
        for (; i < u.Length; i++) destination[i] = u[i] < p[i] ? 1f : 0f;
    }
}
