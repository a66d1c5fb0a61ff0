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
    /// </summary>
    public static double LogLikelihood(ReadOnlySpan<float> x, ReadOnlySpan<float> logits, Span<float> dLogits, float scale)
    {
        double s = 0;
        bool grad = !dLogits.IsEmpty;
        for (int i = 0; i < x.Length; i++)
        {
            float l = logits[i];
            // softplus(l) = max(l,0) + log(1 + e^-|l|); σ(l) = e^{min(l,0)} / (1 + e^-|l|)
            float e = MathF.Exp(-MathF.Abs(l));
            float onePlus = 1f + e;
            s += x[i] * l - (MathF.Max(l, 0f) + MathF.Log(onePlus));
            if (grad)
            {
                float sig = (l >= 0f ? 1f : e) / onePlus;
                dLogits[i] = scale * (sig - x[i]);
            }
        }
        return s;
    }
}
