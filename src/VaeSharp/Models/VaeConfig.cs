using VaeSharp.Layers;

namespace VaeSharp.Models;

/// <summary>Which likelihood the decoder defines for p(x|z).</summary>
public enum DecoderKind
{
    /// <summary>Bernoulli pixels with logits (binary or grey-level data in [0, 1]; the paper's MNIST decoder).</summary>
    Bernoulli,
    /// <summary>Gaussian pixels with a sigmoid-bounded mean and a learned log-variance (the paper's Frey Face decoder).</summary>
    Gaussian,
}

/// <summary>The architecture of a <see cref="Vae"/>: everything needed to rebuild it from a model file.</summary>
public sealed record VaeConfig
{
    /// <summary>Pixels per image (D).</summary>
    public required int InputSize { get; init; }

    /// <summary>Image width, for pictures (Width·Height = InputSize).</summary>
    public required int ImageWidth { get; init; }

    /// <summary>Image height.</summary>
    public required int ImageHeight { get; init; }

    /// <summary>Hidden widths of the encoder; the decoder mirrors them in reverse. Empty means linear maps.</summary>
    public required int[] Hidden { get; init; }

    /// <summary>Latent dimension (J).</summary>
    public required int Latent { get; init; }

    /// <summary>Hidden-layer activation.</summary>
    public Activation Activation { get; init; } = Activation.Tanh;

    /// <summary>Decoder likelihood.</summary>
    public DecoderKind Decoder { get; init; } = DecoderKind.Bernoulli;

    /// <summary>Throws a clear <see cref="ArgumentException"/> when the configuration is unusable.</summary>
    public void Validate()
    {
        if (InputSize <= 0) throw new ArgumentException($"Input size must be positive (got {InputSize}).");
        if (ImageWidth <= 0 || ImageHeight <= 0 || (long)ImageWidth * ImageHeight != InputSize)
            throw new ArgumentException($"Image shape {ImageWidth}×{ImageHeight} does not match input size {InputSize}.");
        if (Latent <= 0) throw new ArgumentException($"Latent size must be positive (got {Latent}).");
        foreach (int h in Hidden)
            if (h <= 0) throw new ArgumentException($"Hidden widths must be positive (got {string.Join(",", Hidden)}).");
    }
}
