using VaeSharp.Layers;

namespace VaeSharp.Models;

/// <summary>Which likelihood the decoder defines for p(x|z).</summary>
public enum DecoderKind
{
    /// <summary>Bernoulli pixels with logits (binary or grey-level data in [0, 1]; the paper's MNIST decoder).</summary>
    Bernoulli,
    /// <summary>
    /// Gaussian pixels N(m, σ²) (the paper's Frey Face decoder): the mean through <see cref="ModelConfig.GaussianMean"/>, the
    /// variance learned per pixel or fixed (<see cref="ModelConfig.DecoderVariance"/>).
    /// </summary>
    Gaussian,
}

/// <summary>How the Gaussian decoder's variance is set.</summary>
public enum DecoderVariance
{
    /// <summary>A log-variance head per pixel (optionally floored by <see cref="ModelConfig.LogVarMin"/>).</summary>
    Learned,
    /// <summary>σ² = <see cref="ModelConfig.DecoderSigma"/>² for every pixel, no head: −log p(x|z) is a scaled squared error plus a constant.</summary>
    Fixed,
}

/// <summary>The link from the Gaussian decoder's mean head a to the mean m.</summary>
public enum GaussianMean
{
    /// <summary>m = σ(a), bounded in (0, 1): the paper's choice for pixel intensities.</summary>
    Sigmoid,
    /// <summary>m = a: unbounded, for real-valued data (and the exactly solvable linear-Gaussian model).</summary>
    Identity,
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

    /// <summary>Gaussian decoder: learned per-pixel variance (the default, as in the paper) or fixed σ².</summary>
    public DecoderVariance DecoderVariance { get; init; } = DecoderVariance.Learned;

    /// <summary>Gaussian decoder with <see cref="DecoderVariance.Fixed"/> variance: σ (default 1).</summary>
    public float DecoderSigma { get; init; } = 1f;

    /// <summary>
    /// Gaussian decoder with a learned variance: a floor on the log-variance, applied softly (see
    /// <see cref="Distributions.GaussianDecoder"/>). Null: no floor, as in the paper, where the likelihood is unbounded
    /// (a variance shrinking onto one pixel's value sends it to +∞; Mattei &amp; Frellsen 2018).
    /// </summary>
    public float? LogVarMin { get; init; }

    /// <summary>Gaussian decoder: the mean link (default sigmoid, as in the paper).</summary>
    public GaussianMean GaussianMean { get; init; } = GaussianMean.Sigmoid;

    /// <summary>True when the decoder has a log-variance head (a Gaussian decoder with learned variance).</summary>
    public bool HasDecoderLogVar => Decoder == DecoderKind.Gaussian && DecoderVariance == DecoderVariance.Learned;

    /// <summary>Throws a clear <see cref="ArgumentException"/> when the configuration is unusable.</summary>
    public void Validate()
    {
        if (InputSize <= 0) throw new ArgumentException($"Input size must be positive (got {InputSize}).");
        if (ImageWidth <= 0 || ImageHeight <= 0 || (long)ImageWidth * ImageHeight != InputSize)
            throw new ArgumentException($"Image shape {ImageWidth}×{ImageHeight} does not match input size {InputSize}.");
        if (Latent <= 0) throw new ArgumentException($"Latent size must be positive (got {Latent}).");
        foreach (int h in Hidden)
            if (h <= 0) throw new ArgumentException($"Hidden widths must be positive (got {string.Join(",", Hidden)}).");
        if (!Enum.IsDefined(Decoder)) throw new ArgumentException($"Unknown decoder kind {(int)Decoder}.");
        if (!Enum.IsDefined(DecoderVariance)) throw new ArgumentException($"Unknown decoder variance {(int)DecoderVariance}.");
        if (!Enum.IsDefined(GaussianMean)) throw new ArgumentException($"Unknown Gaussian mean link {(int)GaussianMean}.");
        if (!(DecoderSigma > 0) || !float.IsFinite(DecoderSigma))
            throw new ArgumentException($"The decoder σ must be a positive number (got {DecoderSigma}).");
        if (LogVarMin is { } m && !float.IsFinite(m))
            throw new ArgumentException($"The log-variance floor must be a finite number (got {m}).");
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown model kind {(int)Kind}.");
        if (!Bias && Kind != ModelKind.LinearAe)
            throw new ArgumentException($"Only a linear autoencoder can be built without biases (this is a {ModelKinds.Name(Kind)}).");
        if (Kind == ModelKind.LinearAe && Hidden.Length > 0)
            throw new ArgumentException($"A linear autoencoder has no hidden layers (got {string.Join(",", Hidden)}); use --model ae for a deep one.");
    }
}
