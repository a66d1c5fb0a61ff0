using VaeSharp.Distributions;
using VaeSharp.Layers;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Models;

/// <summary>How parameters are drawn before training.</summary>
public enum Initialization
{
    /// <summary>PyTorch's nn.Linear default: W and b uniform in ±1/√fan_in.</summary>
    PyTorchDefault,
    /// <summary>The paper's: every parameter (weights and biases) from N(0, σ²) with σ = <c>scale</c> (0.01 in the paper).</summary>
    Normal,
}

/// <summary>
/// The variational autoencoder of Kingma &amp; Welling (2014): a Gaussian MLP encoder q_φ(z|x) = N(μ, diag σ²) and an MLP decoder
/// p_θ(x|z) (Bernoulli or Gaussian). This class holds the parameters and the forward/backward passes of its two halves;
/// objectives (<see cref="Objectives.ElboObjective"/>) combine them.
/// Tensor names follow a PyTorch module with submodules <c>encoder.hidden[i]</c>, <c>encoder.mu</c>, <c>encoder.logvar</c>,
/// <c>decoder.hidden[i]</c> and <c>decoder.logits</c> (Bernoulli) or <c>decoder.mean</c> + <c>decoder.logvar</c> (Gaussian;
/// no <c>decoder.logvar</c> when the variance is fixed).
/// </summary>
public sealed class Vae : IModel, IProfiled
{
    private readonly Mlp? _encoderTrunk;
    private readonly Mlp? _decoderTrunk;
    private float[] _mu = [], _logVar = [];                   // [encCapacity × J]
    private float[] _out = [], _outLogVar = [];               // [decCapacity × D]
    private float[] _dTrunk = [];                             // [max(enc,dec)Capacity × H] scratch for head gradients
    private int _encCapacity, _decCapacity;
    private readonly GaussianDecoder _gaussian;

    /// <summary>Builds the model and its parameter arena (all zeros until <see cref="Initialize"/>).</summary>
    public Vae(ModelConfig config)
    {
        config.Validate();
        Config = config;
        Arena = new ParameterArena();
        int d = config.InputSize, j = config.Latent;
        int[] h = config.Hidden;
        if (h.Length > 0)
            _encoderTrunk = new Mlp(Arena, "encoder.hidden", [d, .. h], config.Activation, config.Activation);
        int encOut = h.Length > 0 ? h[^1] : d;
        EncoderMu = new Linear(Arena, "encoder.mu", encOut, j);
        EncoderLogVar = new Linear(Arena, "encoder.logvar", encOut, j);
        int[] rev = [.. h.Reverse()];
        if (h.Length > 0)
            _decoderTrunk = new Mlp(Arena, "decoder.hidden", [j, .. rev], config.Activation, config.Activation);
        int decOut = h.Length > 0 ? rev[^1] : j;
        if (config.Decoder == DecoderKind.Bernoulli)
            DecoderOut = new Linear(Arena, "decoder.logits", decOut, d);
        else
        {
            DecoderOut = new Linear(Arena, "decoder.mean", decOut, d);
            if (config.HasDecoderLogVar) DecoderLogVar = new Linear(Arena, "decoder.logvar", decOut, d);
        }
        _gaussian = GaussianDecoder.From(config);
        Arena.Seal();
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>All parameters and their gradients.</summary>
    public ParameterArena Arena { get; }

    /// <summary>Head producing μ.</summary>
    public Linear EncoderMu { get; }

    /// <summary>Head producing log σ².</summary>
    public Linear EncoderLogVar { get; }

    /// <summary>Decoder output head: Bernoulli logits, or the Gaussian mean before its link (sigmoid or identity).</summary>
    public Linear DecoderOut { get; }

    /// <summary>Gaussian decoder's log-variance head (null for Bernoulli and for a fixed variance); the log-variance is this
    /// head's output through <see cref="GaussianDecoder.LogVariance"/> (the soft floor, when one is set).</summary>
    public Linear? DecoderLogVar { get; }

    /// <inheritdoc />
    public void AttachProfiler(PhaseProfiler? profiler)
    {
        _encoderTrunk?.AttachProfiler(profiler);
        EncoderMu.AttachProfiler(profiler);
        EncoderLogVar.AttachProfiler(profiler);
        _decoderTrunk?.AttachProfiler(profiler);
        DecoderOut.AttachProfiler(profiler);
        DecoderLogVar?.AttachProfiler(profiler);
    }

    /// <summary>Latent dimension J.</summary>
    public int Latent => Config.Latent;

    /// <summary>Pixels D.</summary>
    public int InputSize => Config.InputSize;

    /// <inheritdoc />
    public void Initialize(Initialization init, Rng rng, float scale = 0.01f) => ParameterInitializer.Initialize(Arena, init, rng, scale);

    /// <inheritdoc />
    public void EncodeMean(ReadOnlySpan<float> x, int rows, Span<float> destination, WorkerPool pool)
    {
        Encode(x, rows, pool, out Span<float> mu, out _);
        mu.CopyTo(destination);
    }

    private void EnsureEncoder(int rows)
    {
        if (rows <= _encCapacity) return;
        _mu = new float[rows * Latent];
        _logVar = new float[rows * Latent];
        _encCapacity = rows;
        EnsureScratch(rows);
    }

    private void EnsureDecoder(int rows)
    {
        if (rows <= _decCapacity) return;
        _out = new float[rows * InputSize];
        _outLogVar = DecoderLogVar is null ? [] : new float[rows * InputSize];
        _decCapacity = rows;
        EnsureScratch(rows);
    }

    private void EnsureScratch(int rows)
    {
        int width = Math.Max(EncoderMu.Inputs, DecoderOut.Inputs);
        if (_dTrunk.Length < rows * width) _dTrunk = new float[rows * width];
    }

    /// <summary>
    /// Encoder forward pass: x [rows × D] → μ, log σ² [rows × J] (owned by the model until the next call).
    /// </summary>
    public void Encode(ReadOnlySpan<float> x, int rows, WorkerPool pool, out Span<float> mu, out Span<float> logVar)
    {
        EnsureEncoder(rows);
        ReadOnlySpan<float> h = _encoderTrunk is null ? x : _encoderTrunk.Forward(x, rows, pool);
        mu = _mu.AsSpan(0, rows * Latent);
        logVar = _logVar.AsSpan(0, rows * Latent);
        EncoderMu.Forward(h, mu, rows, pool);
        EncoderLogVar.Forward(h, logVar, rows, pool);
    }

    /// <summary>
    /// Encoder backward pass for the last <see cref="Encode"/> of <paramref name="x"/>: accumulates parameter gradients
    /// from dL/dμ and dL/dlog σ² (each [rows × J]).
    /// </summary>
    public void EncodeBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dMu, ReadOnlySpan<float> dLogVar, int rows, WorkerPool pool)
    {
        ReadOnlySpan<float> h = _encoderTrunk is null ? x : _encoderTrunk.Output(rows);
        Span<float> dh = _encoderTrunk is null ? default : _dTrunk.AsSpan(0, rows * EncoderMu.Inputs);
        EncoderMu.Backward(h, dMu, dh, rows, pool);
        EncoderLogVar.Backward(h, dLogVar, dh, rows, pool, accumulateDx: true);
        _encoderTrunk?.Backward(x, dh, default, rows, pool);
    }

    /// <summary>
    /// Decoder forward pass: z [rows × J] → output [rows × D] (Bernoulli logits, or Gaussian mean-head outputs before the link)
    /// and, for the Gaussian decoder with learned variance, log-variance-head outputs [rows × D] (before any floor; empty
    /// otherwise). Owned by the model until the next call.
    /// </summary>
    public void Decode(ReadOnlySpan<float> z, int rows, WorkerPool pool, out Span<float> output, out Span<float> logVar)
    {
        EnsureDecoder(rows);
        ReadOnlySpan<float> h = _decoderTrunk is null ? z : _decoderTrunk.Forward(z, rows, pool);
        output = _out.AsSpan(0, rows * InputSize);
        DecoderOut.Forward(h, output, rows, pool);
        logVar = default;
        if (DecoderLogVar is not null)
        {
            logVar = _outLogVar.AsSpan(0, rows * InputSize);
            DecoderLogVar.Forward(h, logVar, rows, pool);
        }
    }

    /// <summary>
    /// Decoder backward pass for the last <see cref="Decode"/> of <paramref name="z"/>: accumulates parameter gradients from
    /// dL/d(output) (and dL/d(log-variance) for the Gaussian decoder), and writes dL/dz [rows × J].
    /// </summary>
    public void DecodeBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> dLogVar, Span<float> dz, int rows, WorkerPool pool)
    {
        ReadOnlySpan<float> h = _decoderTrunk is null ? z : _decoderTrunk.Output(rows);
        Span<float> dh = _decoderTrunk is null ? dz : _dTrunk.AsSpan(0, rows * DecoderOut.Inputs);
        DecoderOut.Backward(h, dOutput, dh, rows, pool);
        DecoderLogVar?.Backward(h, dLogVar, dh, rows, pool, accumulateDx: true);
        _decoderTrunk?.Backward(z, dh, dz, rows, pool);
    }

    /// <summary>
    /// Decodes z [rows × J] into expected pixel values [rows × D]: σ of the logits, or the Gaussian mean through its link
    /// (in [0, 1] but for the identity link), for pictures.
    /// </summary>
    public void DecodeMean(ReadOnlySpan<float> z, int rows, Span<float> destination, WorkerPool pool)
    {
        Decode(z, rows, pool, out Span<float> output, out _);
        bool identity = Config.Decoder == DecoderKind.Gaussian && _gaussian.IdentityMean;
        for (int i = 0; i < rows * InputSize; i++) destination[i] = identity ? output[i] : GaussianPixels.Mean(output[i]);
    }
}
