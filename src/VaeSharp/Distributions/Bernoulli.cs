using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VaeSharp.Distributions;

/// <summary>
/// Bernoulli pixels parameterized by logits ℓ (p = σ(ℓ)): log p(x|ℓ) = x·ℓ − softplus(ℓ), finite at any logit.
/// Used for MNIST (paper appendix C.1).
/// </summary>
public static class Bernoulli
{
    /// <summary>
    /// Returns Σ log p(x|ℓ) over the span and, when <paramref name="dLogits"/> is not empty, writes
    /// scale · ∂(−log p)/∂ℓ = scale · (σ(ℓ) − x) into it (it may alias <paramref name="logits"/>).
    /// One fused pass: softplus(ℓ) = max(ℓ, 0) + log(1 + e^−|ℓ|) and σ(ℓ) = [ℓ ≥ 0 ? 1 : e^−|ℓ|] / (1 + e^−|ℓ|) share one exponential.
    /// </summary>
    public static double LogLikelihood(ReadOnlySpan<float> x, ReadOnlySpan<float> logits, Span<float> dLogits, float scale)
    {
        int n = x.Length;
        if (logits.Length < n) throw new ArgumentException("Fewer logits than pixels.", nameof(logits));
        bool grad = !dLogits.IsEmpty;
        if (grad && dLogits.Length < n) throw new ArgumentException("Fewer gradient slots than pixels.", nameof(dLogits));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float lr = ref MemoryMarshal.GetReference(logits);
        ref float gr = ref MemoryMarshal.GetReference(dLogits);
        double sum = 0;
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            var one = Vector512<float>.One;
            var s = Vector512.Create(scale);
            for (; i + 16 <= n; i += 16)
            {
                var l = Vector512.LoadUnsafe(ref lr, (nuint)i);
                var xv = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var e = Vector512.Exp(-Vector512.Abs(l));
                var onePlus = one + e;
                acc += xv * l - (Vector512.Max(l, Vector512<float>.Zero) + Vector512.Log(onePlus));
                if (grad)
                {
                    var sig = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(l, Vector512<float>.Zero), one, e) / onePlus;
                    (s * (sig - xv)).StoreUnsafe(ref gr, (nuint)i);
                }
            }
            sum = Vector512.Sum(acc);
        }
        for (; i < n; i++)
        {
            float l = Unsafe.Add(ref lr, i), xi = Unsafe.Add(ref xr, i);
            float e = MathF.Exp(-MathF.Abs(l));
            float onePlus = 1f + e;
            sum += xi * l - (MathF.Max(l, 0f) + MathF.Log(onePlus));
            if (grad) Unsafe.Add(ref gr, i) = scale * ((l >= 0f ? 1f : e) / onePlus - xi);
        }
        return sum;
    }
}
