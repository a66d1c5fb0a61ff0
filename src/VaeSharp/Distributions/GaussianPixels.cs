namespace VaeSharp.Distributions;

/// <summary>
/// The paper's Gaussian decoder for real-valued pixels (appendix C.2): mean m = σ(a) bounded in (0, 1) and a free log-variance s,
/// log p(x|m, s) = −½ Σ (log 2π + s + (x − m)² e⁻ˢ).
/// </summary>
public static class GaussianPixels
{
    /// <summary>
    /// Given pre-sigmoid means <paramref name="meanLogits"/> (a) and log-variances <paramref name="logVar"/> (s), returns Σ log p(x|·)
    /// and, when the gradient spans are not empty, writes scale·∂(−log p)/∂a and scale·∂(−log p)/∂s (they may alias their inputs).
    /// </summary>
    public static double LogLikelihood(ReadOnlySpan<float> x, ReadOnlySpan<float> meanLogits, ReadOnlySpan<float> logVar,
        Span<float> dMeanLogits, Span<float> dLogVar, float scale)
    {
        double sum = 0;
        bool grad = !dMeanLogits.IsEmpty;
        for (int i = 0; i < x.Length; i++)
        {
            float a = meanLogits[i];
            float s = logVar[i];
            float m = 1f / (1f + MathF.Exp(-a));
            float diff = x[i] - m;
            float invVar = MathF.Exp(-s);
            sum += -0.5 * (DiagonalGaussian.Log2Pi + s + (double)diff * diff * invVar);
            if (grad)
            {
                dMeanLogits[i] = scale * (-diff * invVar * m * (1f - m));
                dLogVar[i] = scale * 0.5f * (1f - diff * diff * invVar);
            }
        }
        return sum;
    }

    /// <summary>The decoder mean σ(a) for pictures.</summary>
    public static float Mean(float meanLogit) => 1f / (1f + MathF.Exp(-meanLogit));
}
