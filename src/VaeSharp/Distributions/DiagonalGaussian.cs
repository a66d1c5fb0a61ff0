namespace VaeSharp.Distributions;

/// <summary>
/// The encoder's q(z|x) = N(μ, diag σ²), parameterized by μ and log σ², and its relation to the prior p(z) = N(0, I).
/// </summary>
public static class DiagonalGaussian
{
    /// <summary>log 2π.</summary>
    public const double Log2Pi = 1.8378770664093453;

    /// <summary>The reparameterization trick (paper §2.4): z = μ + σ ⊙ ε with σ = exp(½ log σ²).</summary>
    public static void Reparameterize(ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar, ReadOnlySpan<float> epsilon, Span<float> z)
    {
        for (int i = 0; i < z.Length; i++) z[i] = mu[i] + MathF.Exp(0.5f * logVar[i]) * epsilon[i];
    }

    /// <summary>
    /// Closed-form KL(N(μ, σ²) ‖ N(0, I)) = −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²) (paper appendix B), summed over the span.
    /// </summary>
    public static double KlToStandardNormal(ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar)
    {
        double s = 0;
        for (int i = 0; i < mu.Length; i++)
            s += 1.0 + logVar[i] - (double)mu[i] * mu[i] - Math.Exp(logVar[i]);
        return -0.5 * s;
    }

    /// <summary>Adds scale · ∂KL/∂μ = scale·μ and scale · ∂KL/∂log σ² = scale·½(σ² − 1).</summary>
    public static void AddKlGradient(ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar, Span<float> dMu, Span<float> dLogVar, float scale)
    {
        for (int i = 0; i < mu.Length; i++)
        {
            dMu[i] += scale * mu[i];
            dLogVar[i] += scale * 0.5f * (MathF.Exp(logVar[i]) - 1f);
        }
    }

    /// <summary>log N(z; μ, diag σ²) summed over the span.</summary>
    public static double LogDensity(ReadOnlySpan<float> z, ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar)
    {
        double s = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double d = (double)z[i] - mu[i];
            s += Log2Pi + logVar[i] + d * d * Math.Exp(-logVar[i]);
        }
        return -0.5 * s;
    }

    /// <summary>log N(z; 0, I) summed over the span.</summary>
    public static double LogStandardNormal(ReadOnlySpan<float> z)
    {
        double s = 0;
        for (int i = 0; i < z.Length; i++) s += Log2Pi + (double)z[i] * z[i];
        return -0.5 * s;
    }
}
