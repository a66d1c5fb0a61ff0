using System.Globalization;
using VaeSharp.Numerics;

namespace VaeSharp.Objectives;

/// <summary>The corruption processes of a denoising autoencoder (Vincent et al. 2008).</summary>
public enum CorruptionKind
{
    /// <summary>No corruption: x̃ = x.</summary>
    None,
    /// <summary>Additive Gaussian noise: x̃ = x + σ ε, ε ~ N(0, I) (not clipped).</summary>
    Gaussian,
    /// <summary>Masking noise: each value set to 0 with probability p.</summary>
    Mask,
    /// <summary>Salt-and-pepper noise: each value, with probability p, set to 0 or 1 with equal probability.</summary>
    SaltPepper,
}

/// <summary>A corruption process and its level (σ for Gaussian noise, the fraction p otherwise), drawn anew for every minibatch.</summary>
/// <param name="Kind">The process.</param>
/// <param name="Level">σ (Gaussian) or p (mask, salt-and-pepper).</param>
public readonly record struct Corruption(CorruptionKind Kind, float Level)
{
    /// <summary>No corruption.</summary>
    public static Corruption None => new(CorruptionKind.None, 0f);

    /// <summary>Parses <c>none</c>, <c>gaussian:σ</c>, <c>mask:p</c> or <c>salt-pepper:p</c>; an error names the option.</summary>
    public static Corruption Parse(string text, string option = "--noise")
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "" or "none") return None;
        int colon = t.IndexOf(':');
        string kind = colon < 0 ? t : t[..colon];
        string usage = $"{option} takes none, gaussian:σ, mask:p or salt-pepper:p (got '{text}').";
        if (colon < 0 || !float.TryParse(t[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out float level) || !float.IsFinite(level))
            throw new ArgumentException(usage);
        var k = kind switch
        {
            "gaussian" => CorruptionKind.Gaussian,
            "mask" or "masking" => CorruptionKind.Mask,
            "salt-pepper" or "salt-and-pepper" => CorruptionKind.SaltPepper,
            _ => throw new ArgumentException(usage),
        };
        if (k == CorruptionKind.Gaussian ? level <= 0 : level is <= 0 or >= 1)
            throw new ArgumentException(k == CorruptionKind.Gaussian ? $"{option}: σ must be positive (got {level})." : $"{option}: p must be in (0, 1) (got {level}).");
        return new Corruption(k, level);
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        CorruptionKind.None => "none",
        CorruptionKind.Gaussian => "gaussian:" + Level.ToString("R", CultureInfo.InvariantCulture),
        CorruptionKind.Mask => "mask:" + Level.ToString("R", CultureInfo.InvariantCulture),
        _ => "salt-pepper:" + Level.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Writes the corrupted <paramref name="x"/> into <paramref name="destination"/>, drawing from <paramref name="rng"/>.</summary>
    public void Apply(ReadOnlySpan<float> x, Span<float> destination, Rng rng)
    {
        switch (Kind)
        {
            case CorruptionKind.None:
                x.CopyTo(destination);
                break;
            case CorruptionKind.Gaussian:
                rng.FillNormal(destination[..x.Length]);
                for (int i = 0; i < x.Length; i++) destination[i] = x[i] + Level * destination[i];
                break;
            case CorruptionKind.Mask:
                for (int i = 0; i < x.Length; i++) destination[i] = rng.NextFloat() < Level ? 0f : x[i];
                break;
            default:
                for (int i = 0; i < x.Length; i++)
                {
                    float u = rng.NextFloat();
                    destination[i] = u < Level ? (u < 0.5f * Level ? 0f : 1f) : x[i];
                }
                break;
        }
    }
}
