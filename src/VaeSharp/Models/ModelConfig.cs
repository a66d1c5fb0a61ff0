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

/// <summary>
/// The architecture of any model kind (<see cref="Kind"/>): everything needed to rebuild it from a model file.
/// <see cref="ModelFactory.Create"/> builds the model it describes.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Which model this describes (a VAE, or one of the plain autoencoders).</summary>
    public ModelKind Kind { get; init; } = ModelKind.Vae;

    /// <summary>Whether the linear layers carry biases (false only for a linear autoencoder on centred data).</summary>
    public bool Bias { get; init; } = true;

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

    /// <summary>Decoder likelihood (VAE), or the autoencoders' reconstruction loss: Bernoulli cross-entropy, or squared error for Gaussian.</summary>
    public DecoderKind Decoder { get; init; } = DecoderKind.Bernoulli;

    /// <summary>Throws a clear <see cref="ArgumentException"/> when the configuration is unusable.</summary>
    public void Validate()
    {
        if (InputSize <= 0) throw new ArgumentException($"Input size must be positive (got {InputSize}).");
        if (ImageWidth <= 0 || ImageHeight <= 0 || ImageWidth * ImageHeight != InputSize)
            throw new ArgumentException($"Image shape {ImageWidth}×{ImageHeight} does not match input size {InputSize}.");
        if (Latent <= 0) throw new ArgumentException($"Latent size must be positive (got {Latent}).");
        foreach (int h in Hidden)
            if (h <= 0) throw new ArgumentException($"Hidden widths must be positive (got {string.Join(",", Hidden)}).");
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown model kind {(int)Kind}.");
        if (!Bias && Kind != ModelKind.LinearAe)
            throw new ArgumentException($"Only a linear autoencoder can be built without biases (this is a {ModelKinds.Name(Kind)}).");
        if (Kind == ModelKind.LinearAe && Hidden.Length > 0)
            throw new ArgumentException($"A linear autoencoder has no hidden layers (got {string.Join(",", Hidden)}); use --model ae for a deep one.");
    }
}
