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

    /// <summary>Advances <paramref name="rng"/> exactly as <see cref="Sample"/> of <paramref name="length"/> values would.</summary>
    internal static void Skip(int length, Rng rng)
    {
        const int chunk = 512;
        for (int start = 0; start < length; start += chunk) rng.SkipUniform(Math.Min(chunk, length - start));
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

/// <summary>
/// Gathers rows of a dataset into a minibatch, optionally binarizing them (dynamic binarization), with the rows split across
/// a <see cref="WorkerPool"/>. The draws are bit-identical to calling <see cref="Binarizer.Sample"/> row after row with one
/// generator (whatever the thread count): the generator's state at the start of each row is saved serially (advancing it as
/// the row would, <see cref="Rng.SkipUniform"/>), then rows draw in parallel from their saved states.
/// Buffers grow to the largest minibatch seen and are reused: no allocation once warm.
/// </summary>
public sealed class BatchGatherer
{
    private ulong[] _states = [];   // [rows × 4] generator state at the start of each row
    private Rng[] _scratch = [];    // one generator per task, its state set from _states

    /// <summary>
    /// destination row r = source row <paramref name="rows"/>[r] (each <paramref name="dimension"/> values), binarized with
    /// draws from <paramref name="binarize"/> when it is not null (which is then advanced past every row's draws).
    /// </summary>
    public void Gather(ReadOnlyMemory<float> source, ReadOnlySpan<int> rows, int dimension, Memory<float> destination, Rng? binarize, WorkerPool pool)
    {
        int count = rows.Length;
        if (destination.Length < (long)count * dimension) throw new ArgumentException($"The destination holds {destination.Length} values; {count} rows of {dimension} need {(long)count * dimension}.", nameof(destination));
        int tasks = Math.Min(pool.Threads, count);
        if (tasks <= 1)
        {
            ReadOnlySpan<float> all = source.Span;
            Span<float> dst = destination.Span;
            for (int r = 0; r < count; r++)
            {
                ReadOnlySpan<float> src = all.Slice(rows[r] * dimension, dimension);
                if (binarize is not null) Binarizer.Sample(src, dst.Slice(r * dimension, dimension), binarize);
                else src.CopyTo(dst.Slice(r * dimension, dimension));
            }
            return;
        }
        if (_states.Length < count * 4) _states = new ulong[count * 4];
        if (_scratch.Length < tasks)
        {
            var grown = new Rng[tasks];
            for (int t = 0; t < tasks; t++) grown[t] = t < _scratch.Length ? _scratch[t] : new Rng(1);
            _scratch = grown;
        }
        if (_rows.Length < count) _rows = new int[count];
        rows.CopyTo(_rows);
        if (binarize is not null)
            for (int r = 0; r < count; r++)
            {
                binarize.CopyState(_states.AsSpan(r * 4, 4));
                Binarizer.Skip(dimension, binarize);
            }
        var body = new Body
        {
            Source = source, Destination = destination, Rows = _rows, Count = count, Dimension = dimension,
            States = binarize is null ? null : _states, Scratch = _scratch, Tasks = tasks,
        };
        pool.For(tasks, ref body);
    }

    private int[] _rows = [];

    private struct Body : IParallelBody
    {
        public ReadOnlyMemory<float> Source;
        public Memory<float> Destination;
        public int[] Rows;
        public ulong[]? States;
        public Rng[] Scratch;
        public int Count, Dimension, Tasks;

        public readonly void Execute(int index)
        {
            int first = (int)((long)Count * index / Tasks), last = (int)((long)Count * (index + 1) / Tasks);
            ReadOnlySpan<float> all = Source.Span;
            Span<float> dst = Destination.Span;
            Rng rng = Scratch[index];
            for (int r = first; r < last; r++)
            {
                ReadOnlySpan<float> src = all.Slice(Rows[r] * Dimension, Dimension);
                Span<float> row = dst.Slice(r * Dimension, Dimension);
                if (States is null) src.CopyTo(row);
                else
                {
                    rng.SetState(States.AsSpan(r * 4, 4));
                    Binarizer.Sample(src, row, rng);
                }
            }
        }
    }
}
