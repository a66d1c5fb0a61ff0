using VaeSharp.Models;

namespace VaeSharp.Distributions;

/// <summary>
/// A Gaussian decoder's per-pixel likelihood log p(x|a, r) = −½ Σ (log 2π + s + (x − m)² e⁻ˢ) with mean m = link(a) and
/// log-variance s, which is either fixed, or computed from the head's output r: s = r without a floor, or with a floor s_min
/// the soft clamp s = s_min + softplus(r − s_min), ∂s/∂r = σ(r − s_min). The soft clamp is smooth, always above s_min, ≈ r
/// well above the floor (within e^(s_min − r)), and never has a zero gradient, so a unit pressed against the floor can
/// leave it again (a hard clamp max(r, s_min) would freeze it with gradient 0).
/// </summary>
/// <param name="IdentityMean">m = a (true) or m = σ(a) (false).</param>
/// <param name="FixedVariance">s is <paramref name="FixedLogVar"/> for every pixel and there is no log-variance head.</param>
/// <param name="FixedLogVar">log σ² of the fixed variance.</param>
/// <param name="LogVarMin">The soft floor s_min on a learned log-variance; −∞ for none.</param>
public readonly record struct GaussianDecoder(bool IdentityMean, bool FixedVariance, float FixedLogVar, float LogVarMin)
{
    /// <summary>The paper's decoder: sigmoid mean, learned log-variance, no floor.</summary>
    public static GaussianDecoder Paper => new(false, false, 0f, float.NegativeInfinity);

    /// <summary>The decoder a <see cref="ModelConfig"/> describes.</summary>
    public static GaussianDecoder From(ModelConfig config) => new(
        config.GaussianMean == GaussianMean.Identity,
        config.DecoderVariance == DecoderVariance.Fixed,
        2f * MathF.Log(config.DecoderSigma),
        config.LogVarMin ?? float.NegativeInfinity);

    /// <summary>The mean m from the head's output a.</summary>
    public float Mean(float a) => IdentityMean ? a : 1f / (1f + MathF.Exp(-a));

    /// <summary>The log-variance s from the head's output r (ignored for a fixed variance).</summary>
    public float LogVariance(float r)
    {
        if (FixedVariance) return FixedLogVar;
        if (float.IsNegativeInfinity(LogVarMin)) return r;
        float t = r - LogVarMin;
        return LogVarMin + MathF.Max(t, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(t)));
    }

    /// <summary>
    /// Returns Σ log p(x|·) over the span, given mean-head outputs <paramref name="meanHead"/> (a) and log-variance-head outputs
    /// <paramref name="logVarHead"/> (r; not read, and may be empty, for a fixed variance). When <paramref name="dMeanHead"/> is
    /// not empty, writes scale·∂(−log p)/∂a into it and, for a learned variance, scale·∂(−log p)/∂r into
    /// <paramref name="dLogVarHead"/> (each may alias its input).
    /// </summary>
    public double LogLikelihood(ReadOnlySpan<float> x, ReadOnlySpan<float> meanHead, ReadOnlySpan<float> logVarHead,
        Span<float> dMeanHead, Span<float> dLogVarHead, float scale)
    {
        int n = x.Length;
        if (meanHead.Length < n || (!FixedVariance && logVarHead.Length < n))
            throw new ArgumentException("Fewer decoder outputs than pixels.", nameof(meanHead));
        bool grad = !dMeanHead.IsEmpty;
        bool floor = !float.IsNegativeInfinity(LogVarMin);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float a = meanHead[i];
            float m = IdentityMean ? a : 1f / (1f + MathF.Exp(-a));
            float s, dsdr = 1f;
            if (FixedVariance) s = FixedLogVar;
            else
            {
                float r = logVarHead[i];
                if (!floor) s = r;
                else
                {
                    float t = r - LogVarMin, e = MathF.Exp(-MathF.Abs(t));
                    s = LogVarMin + MathF.Max(t, 0f) + MathF.Log(1f + e);
                    dsdr = (t >= 0f ? 1f : e) / (1f + e);
                }
            }
            float diff = x[i] - m;
            float invVar = MathF.Exp(-s);
            sum += -0.5 * (DiagonalGaussian.Log2Pi + s + (double)diff * diff * invVar);
            if (grad)
            {
                dMeanHead[i] = scale * (-diff * invVar * (IdentityMean ? 1f : m * (1f - m)));
                if (!FixedVariance) dLogVarHead[i] = scale * 0.5f * (1f - diff * diff * invVar) * dsdr;
            }
        }
        return sum;
    }
}

/// <summary>
/// The paper's Gaussian decoder for real-valued pixels (appendix C.2): mean m = σ(a) bounded in (0, 1) and a free log-variance s,
/// log p(x|m, s) = −½ Σ (log 2π + s + (x − m)² e⁻ˢ). <see cref="GaussianDecoder"/> has the other variants.
/// </summary>
public static class GaussianPixels
{
    /// <summary>
    /// Given pre-sigmoid means <paramref name="meanLogits"/> (a) and log-variances <paramref name="logVar"/> (s), returns Σ log p(x|·)
    /// and, when the gradient spans are not empty, writes scale·∂(−log p)/∂a and scale·∂(−log p)/∂s (they may alias their inputs).
    /// </summary>
    public static double LogLikelihood(ReadOnlySpan<float> x, ReadOnlySpan<float> meanLogits, ReadOnlySpan<float> logVar,
        Span<float> dMeanLogits, Span<float> dLogVar, float scale)
        => GaussianDecoder.Paper.LogLikelihood(x, meanLogits, logVar, dMeanLogits, dLogVar, scale);

    /// <summary>The decoder mean σ(a) for pictures.</summary>
    public static float Mean(float meanLogit) => 1f / (1f + MathF.Exp(-meanLogit));
}
