using VaeSharp.Distributions;
using VaeSharp.Layers;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Models;

/// <summary>
/// A deterministic autoencoder (seed 002): encoder f: ℝ^D → ℝ^J, decoder g: ℝ^J → ℝ^D, trained so that g(f(x)) ≈ x.
/// One class serves the linear AE (no hidden layers, identity code, optionally no biases: output W_g W_f x), the deep
/// nonlinear AE, and — through their objectives — the sparse and denoising AEs. The code head is linear (no activation),
/// so the sparse AE's λ‖f(x)‖₁ acts on the code itself.
/// Tensor names follow a PyTorch module: <c>encoder.hidden.{i}</c>, <c>encoder.code</c>, <c>decoder.hidden.{i}</c> and
/// <c>decoder.logits</c> (Bernoulli cross-entropy) or <c>decoder.mean</c> (squared error).
/// </summary>
public sealed class Autoencoder : IModel
{
    private readonly Mlp? _encoderTrunk;
    private readonly Mlp? _decoderTrunk;
    private float[] _code = [];     // [encCapacity × J]
    private float[] _out = [];      // [decCapacity × D]
    private float[] _dTrunk = [];   // [capacity × max(H_enc, H_dec)] scratch for head gradients
    private int _encCapacity, _decCapacity;

    /// <summary>Builds the model and its parameter arena (all zeros until <see cref="Initialize"/>).</summary>
    public Autoencoder(ModelConfig config)
    {
        config.Validate();
        if (config.Kind == ModelKind.Vae) throw new ArgumentException("An Autoencoder cannot be built from a VAE configuration; use Vae.");
        Config = config;
        Arena = new ParameterArena();
        int d = config.InputSize, j = config.Latent;
        int[] h = config.Hidden;
        if (h.Length > 0) _encoderTrunk = new Mlp(Arena, "encoder.hidden", [d, .. h], config.Activation, config.Activation);
        Code = new Linear(Arena, "encoder.code", h.Length > 0 ? h[^1] : d, j, config.Bias);
        int[] rev = [.. h.Reverse()];
        if (h.Length > 0) _decoderTrunk = new Mlp(Arena, "decoder.hidden", [j, .. rev], config.Activation, config.Activation);
        Output = new Linear(Arena, config.Decoder == DecoderKind.Bernoulli ? "decoder.logits" : "decoder.mean",
            h.Length > 0 ? rev[^1] : j, d, config.Bias);
        Arena.Seal();
    }

    /// <inheritdoc />
    public ModelConfig Config { get; }

    /// <inheritdoc />
    public ParameterArena Arena { get; }

    /// <summary>The code head: f(x) = trunk(x)·W_f + b_f (for the linear AE, W_f itself).</summary>
    public Linear Code { get; }

    /// <summary>The output head: Bernoulli logits, or the mean before its link (for the linear AE, W_g itself).</summary>
    public Linear Output { get; }

    /// <inheritdoc />
    public int InputSize => Config.InputSize;

    /// <inheritdoc />
    public int Latent => Config.Latent;

    /// <summary>
    /// True when the squared-error output passes through a sigmoid (every squared-error AE but the linear one, whose output
    /// is W_g W_f x as in seed 002). Bernoulli outputs are logits.
    /// </summary>
    public bool SigmoidMean => Config.Decoder == DecoderKind.Gaussian && Config.Kind != ModelKind.LinearAe;

    /// <inheritdoc />
    public void Initialize(Initialization init, Rng rng, float scale = 0.01f) => ParameterInitializer.Initialize(Arena, init, rng, scale);

    private void EnsureScratch(int rows)
    {
        int width = Math.Max(Code.Inputs, Output.Inputs);
        if (_dTrunk.Length < rows * width) _dTrunk = new float[rows * width];
    }

    /// <summary>Encoder forward pass: x [rows × D] → code f(x) [rows × J] (owned by the model until the next call).</summary>
    public Span<float> Encode(ReadOnlySpan<float> x, int rows, WorkerPool pool)
    {
        if (rows > _encCapacity) { _code = new float[rows * Latent]; _encCapacity = rows; EnsureScratch(rows); }
        ReadOnlySpan<float> h = _encoderTrunk is null ? x : _encoderTrunk.Forward(x, rows, pool);
        Span<float> code = _code.AsSpan(0, rows * Latent);
        Code.Forward(h, code, rows, pool);
        return code;
    }

    /// <summary>Encoder backward pass for the last <see cref="Encode"/> of <paramref name="x"/>: accumulates gradients from dL/dcode.</summary>
    public void EncodeBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dCode, int rows, WorkerPool pool)
    {
        ReadOnlySpan<float> h = _encoderTrunk is null ? x : _encoderTrunk.Output(rows);
        Span<float> dh = _encoderTrunk is null ? default : _dTrunk.AsSpan(0, rows * Code.Inputs);
        Code.Backward(h, dCode, dh, rows, pool);
        _encoderTrunk?.Backward(x, dh, default, rows, pool);
    }

    /// <summary>Decoder forward pass: code [rows × J] → output [rows × D] (logits, or the mean before its link).</summary>
    public Span<float> Decode(ReadOnlySpan<float> code, int rows, WorkerPool pool)
    {
        if (rows > _decCapacity) { _out = new float[rows * InputSize]; _decCapacity = rows; EnsureScratch(rows); }
        ReadOnlySpan<float> h = _decoderTrunk is null ? code : _decoderTrunk.Forward(code, rows, pool);
        Span<float> output = _out.AsSpan(0, rows * InputSize);
        Output.Forward(h, output, rows, pool);
        return output;
    }

    /// <summary>
    /// Decoder backward pass for the last <see cref="Decode"/> of <paramref name="code"/>: accumulates gradients from
    /// dL/d(output) and writes dL/dcode [rows × J].
    /// </summary>
    public void DecodeBackward(ReadOnlySpan<float> code, ReadOnlySpan<float> dOutput, Span<float> dCode, int rows, WorkerPool pool)
    {
        ReadOnlySpan<float> h = _decoderTrunk is null ? code : _decoderTrunk.Output(rows);
        Span<float> dh = _decoderTrunk is null ? dCode : _dTrunk.AsSpan(0, rows * Output.Inputs);
        Output.Backward(h, dOutput, dh, rows, pool);
        _decoderTrunk?.Backward(code, dh, dCode, rows, pool);
    }

    /// <summary>The reconstruction g(·) from an output value: σ(ℓ) for logits and a sigmoid mean, the value itself for the linear AE.</summary>
    public float Reconstruction(float output) => Config.Decoder == DecoderKind.Bernoulli || SigmoidMean ? GaussianPixels.Mean(output) : output;

    /// <inheritdoc />
    public void EncodeMean(ReadOnlySpan<float> x, int rows, Span<float> destination, WorkerPool pool) => Encode(x, rows, pool).CopyTo(destination);

    /// <inheritdoc />
    /// <remarks>The linear AE's reconstruction is clamped to [0, 1] for pictures only.</remarks>
    public void DecodeMean(ReadOnlySpan<float> z, int rows, Span<float> destination, WorkerPool pool)
    {
        Span<float> output = Decode(z, rows, pool);
        for (int i = 0; i < rows * InputSize; i++) destination[i] = Math.Clamp(Reconstruction(output[i]), 0f, 1f);
    }
}
