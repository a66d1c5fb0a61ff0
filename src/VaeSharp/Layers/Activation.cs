using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using VaeSharp.Numerics;

namespace VaeSharp.Layers;

/// <summary>Element-wise nonlinearities used between layers.</summary>
public enum Activation
{
    /// <summary>f(x) = x.</summary>
    Identity,
    /// <summary>f(x) = tanh x (the paper's choice).</summary>
    Tanh,
    /// <summary>f(x) = max(0, x).</summary>
    Relu,
    /// <summary>f(x) = log(1 + eˣ).</summary>
    Softplus,
    /// <summary>f(x) = 1 / (1 + e⁻ˣ).</summary>
    Sigmoid,
}

/// <summary>
/// Forward and backward passes of the activations. The backward pass needs only the forward <em>output</em> y,
/// so layers keep y and not x: tanh′ = 1 − y², sigmoid′ = y(1 − y), relu′ = [y &gt; 0], softplus′ = σ(x) = 1 − e⁻ʸ.
/// </summary>
public static class Activations
{
    /// <summary>Applies <paramref name="activation"/> in place.</summary>
    public static void Forward(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Identity: break;
            case Activation.Tanh: TensorPrimitives.Tanh(values, values); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(values, values); break;
            case Activation.Relu: TensorPrimitives.Max(values, 0f, values); break;
            case Activation.Softplus:
                for (int i = 0; i < values.Length; i++) values[i] = Softplus(values[i]);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    /// <summary>Below this many values per task an activation runs on the calling thread only.</summary>
    private const int MinParallelChunk = 8192;

    /// <summary>
    /// As <see cref="Forward(Activation, Span{float})"/>, split across <paramref name="pool"/> in chunks that start at
    /// multiples of 16 values: every value goes through the same (vector) code as in the serial call, so the results are
    /// bit-identical to it whatever the thread count.
    /// </summary>
    public static unsafe void Forward(Activation activation, Span<float> values, WorkerPool pool)
    {
        int chunks = ChunkCount(values.Length, pool);
        if (chunks <= 1 || activation == Activation.Identity) { Forward(activation, values); return; }
        fixed (float* v = values)
        {
            var body = new ParallelBody { Kind = activation, Values = v, Length = values.Length, Chunks = chunks };
            pool.For(chunks, ref body);
        }
    }

    /// <summary>As <see cref="Backward(Activation, ReadOnlySpan{float}, Span{float})"/>, split across <paramref name="pool"/> like <see cref="Forward(Activation, Span{float}, WorkerPool)"/>.</summary>
    public static unsafe void Backward(Activation activation, ReadOnlySpan<float> output, Span<float> gradient, WorkerPool pool)
    {
        if (output.Length != gradient.Length) throw new ArgumentException("Output and gradient lengths differ.");
        int chunks = ChunkCount(gradient.Length, pool);
        if (chunks <= 1 || activation == Activation.Identity) { Backward(activation, output, gradient); return; }
        fixed (float* y = output, g = gradient)
        {
            var body = new ParallelBody { Kind = activation, Values = y, Gradients = g, Length = gradient.Length, Chunks = chunks };
            pool.For(chunks, ref body);
        }
    }

    private static int ChunkCount(int length, WorkerPool pool) => pool.Threads == 1 ? 1 : Math.Min(pool.Threads, length / MinParallelChunk);

    private unsafe struct ParallelBody : IParallelBody
    {
        public Activation Kind;
        public float* Values, Gradients;   // Gradients null: forward in place on Values; else backward from outputs Values
        public int Length, Chunks;

        public readonly void Execute(int index)
        {
            int per = (Length / Chunks + 15) & ~15;
            int start = Math.Min(index * per, Length);
            int end = index == Chunks - 1 ? Length : Math.Min(start + per, Length);
            if (start >= end) return;
            if (Gradients is null) Forward(Kind, new Span<float>(Values + start, end - start));
            else Backward(Kind, new ReadOnlySpan<float>(Values + start, end - start), new Span<float>(Gradients + start, end - start));
        }
    }

    /// <summary>Numerically stable log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|).</summary>
    public static float Softplus(float x) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));

    /// <summary>
    /// Turns dL/dy into dL/dx in place: <paramref name="gradient"/>[i] *= f′ at the point whose output was <paramref name="output"/>[i].
    /// </summary>
    public static void Backward(Activation activation, ReadOnlySpan<float> output, Span<float> gradient)
    {
        if (output.Length != gradient.Length) throw new ArgumentException("Output and gradient lengths differ.");
        switch (activation)
        {
            case Activation.Identity: break;
            case Activation.Tanh:
                TanhBackward(output, gradient);
                break;
            case Activation.Sigmoid:
                for (int i = 0; i < gradient.Length; i++) { float y = output[i]; gradient[i] *= y * (1f - y); }
                break;
            case Activation.Relu:
                for (int i = 0; i < gradient.Length; i++) if (output[i] <= 0f) gradient[i] = 0f;
                break;
            case Activation.Softplus:
                for (int i = 0; i < gradient.Length; i++) gradient[i] *= 1f - MathF.Exp(-output[i]);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    private static void TanhBackward(ReadOnlySpan<float> output, Span<float> gradient)
    {
        int i = 0;
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            var one = System.Runtime.Intrinsics.Vector512.Create(1f);
            ref float y0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
            ref float g0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(gradient);
            for (; i + 16 <= gradient.Length; i += 16)
            {
                var y = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref y0, (nuint)i);
                var g = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref g0, (nuint)i);
                (g * (one - y * y)).StoreUnsafe(ref g0, (nuint)i);
            }
        }
        for (; i < gradient.Length; i++) { float y = output[i]; gradient[i] *= 1f - y * y; }
    }

    /// <summary>Parses a command-line name (tanh, relu, softplus, sigmoid, identity).</summary>
    public static Activation Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "softplus" => Activation.Softplus,
        "sigmoid" => Activation.Sigmoid,
        "identity" or "linear" or "none" => Activation.Identity,
        _ => throw new ArgumentException($"Unknown activation '{name}'; expected tanh, relu, softplus, sigmoid or identity."),
    };
}
