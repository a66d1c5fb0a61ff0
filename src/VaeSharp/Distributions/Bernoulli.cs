using System.Numerics.Tensors;

namespace VaeSharp.Distributions;

/// <summary>
/// Bernoulli pixels parameterized by logits ℓ (p = σ(ℓ)): log p(x|ℓ) = x·ℓ − softplus(ℓ), finite at any logit.
/// Used for MNIST (paper appendix C.1).
/// </summary>
public static class Bernoulli
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>
    /// Returns Σ log p(x|ℓ) over the span and, when <paramref name="dLogits"/> is not empty, writes
    /// scale · ∂(−log p)/∂ℓ = scale · (σ(ℓ) − x) into it (it may alias <paramref name="logits"/>).
    /// Vectorized over TensorPrimitives in a few passes over the (cache-resident) row.
    /// </summary>
    public static double LogLikelihood(ReadOnlySpan<float> x, ReadOnlySpan<float> logits, Span<float> dLogits, float scale)
    {
        int n = x.Length;
        if (logits.Length < n) throw new ArgumentException("Fewer logits than pixels.", nameof(logits));
        float[] scratch = t_scratch is { } s && s.Length >= n ? s : (t_scratch = new float[Math.Max(n, 1024)]);
        Span<float> t = scratch.AsSpan(0, n);
        ReadOnlySpan<float> l = logits[..n];

        // softplus(ℓ) = max(ℓ, 0) + log(1 + e^−|ℓ|): never overflows.
        double xl = TensorPrimitives.Dot(x, l);
        TensorPrimitives.Abs(l, t);
        TensorPrimitives.Negate(t, t);
        TensorPrimitives.Exp(t, t);
        TensorPrimitives.Add(t, 1f, t);
        TensorPrimitives.Log(t, t);
        double logTerm = TensorPrimitives.Sum(t);
        TensorPrimitives.Max(l, 0f, t);
        double positive = TensorPrimitives.Sum(t);

        if (!dLogits.IsEmpty)
        {
            Span<float> g = dLogits[..n];
            TensorPrimitives.Sigmoid(l, t);
            TensorPrimitives.Subtract(t, x, t);
            TensorPrimitives.Multiply(t, scale, g);
        }
        return xl - positive - logTerm;
    }
}
