using VaeSharp.Distributions;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Objectives;

/// <summary>
/// The autoencoders' objectives of seed 002, per datapoint:
/// <list type="bullet">
/// <item>squared error ½‖g(f(x̃)) − x‖² (the linear, deep and denoising AEs), or Bernoulli cross-entropy
/// −Σ [x log x̂ + (1 − x) log(1 − x̂)] with x̂ = σ(logits) when the model's decoder is Bernoulli;</item>
/// <item>plus λ‖f(x̃)‖₁ for the sparse AE, whose subgradient at 0 is taken as 0;</item>
/// <item>x̃ = x, or x corrupted anew for every minibatch from the trainer's noise stream (denoising AE).</item>
/// </list>
/// The loss minimised is the mean over the minibatch; <see cref="BatchTerms"/> reports the objective −loss (higher is
/// better, as for the ELBO), the reconstruction term −error, and the L1 penalty.
/// </summary>
public sealed class AutoencoderObjective : IObjective
{
    private readonly Autoencoder _model;
    private readonly WorkerPool _pool;
    private float[] _input = [], _dCode = [];
    private double[] _rowLogLik = [];

    /// <summary>Creates the objective.</summary>
    /// <param name="model">The autoencoder.</param>
    /// <param name="l1">λ of the sparse AE's λ‖f(x)‖₁ (0: none).</param>
    /// <param name="corruption">The denoising AE's corruption of the input (none for the others).</param>
    /// <param name="pool">Worker threads.</param>
    public AutoencoderObjective(Autoencoder model, float l1 = 0f, Corruption corruption = default, WorkerPool? pool = null)
    {
        if (!(l1 >= 0) || !float.IsFinite(l1)) throw new ArgumentOutOfRangeException(nameof(l1), l1, "λ must be a finite number ≥ 0.");
        _model = model;
        L1 = l1;
        Corruption = corruption;
        _pool = pool ?? WorkerPool.Single;
    }

    /// <summary>λ of the L1 penalty on the code.</summary>
    public float L1 { get; }

    /// <summary>The input corruption.</summary>
    public Corruption Corruption { get; }

    /// <inheritdoc />
    public ParameterArena Arena => _model.Arena;

    /// <inheritdoc />
    public int InputSize => _model.InputSize;

    /// <inheritdoc />
    public ObjectiveTerms Terms => ObjectiveTerms.Autoencoder;

    /// <inheritdoc />
    public BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
    {
        int d = _model.InputSize, j = _model.Latent;
        if (x.Length < rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {rows * d}.", nameof(x));
        ReadOnlySpan<float> input = x[..(rows * d)];
        if (Corruption.Kind != CorruptionKind.None)
        {
            if (_input.Length < rows * d) _input = new float[rows * d];
            Corruption.Apply(input, _input, rng);
            input = _input.AsSpan(0, rows * d);
        }

        Span<float> code = _model.Encode(input, rows, _pool);                 // [rows × J]
        Span<float> output = _model.Decode(code, rows, _pool);                // [rows × D]
        float scale = 1f / rows;

        // Reconstruction error; with gradients, the outputs are overwritten by scale · ∂error/∂output.
        double error;
        if (_model.Config.Decoder == DecoderKind.Bernoulli)
        {
            if (_rowLogLik.Length < rows) _rowLogLik = new double[rows];
            error = -DecoderLikelihood.RowLogLikelihoods(DecoderKind.Bernoulli, x, rows, output, default, rows,
                accumulateGradients, scale, _rowLogLik, _pool);
        }
        else error = SquaredError(x, output, accumulateGradients, scale);

        double penalty = 0;
        if (L1 > 0)
            for (int t = 0; t < rows * j; t++) penalty += MathF.Abs(code[t]);
        penalty *= L1;

        if (accumulateGradients)
        {
            if (_dCode.Length < rows * j) _dCode = new float[rows * j];
            Span<float> dCode = _dCode.AsSpan(0, rows * j);
            _model.DecodeBackward(code, output, dCode, rows, _pool);
            if (L1 > 0)
                for (int t = 0; t < dCode.Length; t++) dCode[t] += scale * L1 * MathF.Sign(code[t]);
            _model.EncodeBackward(input, dCode, rows, _pool);
        }
        return new BatchTerms(-(error + penalty), -error, penalty, rows);
    }

    /// <summary>Σ ½(x̂ − x)² with x̂ = the model's reconstruction of each output; writes scale · ∂/∂output in place.</summary>
    private double SquaredError(ReadOnlySpan<float> x, Span<float> output, bool gradients, float scale)
    {
        bool sigmoid = _model.SigmoidMean;
        double sum = 0;
        for (int i = 0; i < output.Length; i++)
        {
            float a = output[i];
            float xhat = sigmoid ? GaussianPixels.Mean(a) : a;
            float diff = xhat - x[i];
            sum += 0.5 * diff * (double)diff;
            if (gradients) output[i] = scale * diff * (sigmoid ? xhat * (1f - xhat) : 1f);
        }
        return sum;
    }
}
