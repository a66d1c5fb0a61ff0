using VaeSharp.Distributions;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// What Hamiltonian Monte Carlo over z and the appendix-D marginal likelihood estimator need of a generative model
/// p(x, z) = p(z) p(x|z) with a continuous latent z ∈ ℝᴶ: the log joint density of (x, z) pairs and its gradient in z.
/// </summary>
public interface ILatentVariableModel
{
    /// <summary>J, the latent dimension.</summary>
    int Latent { get; }

    /// <summary>D, values per datapoint.</summary>
    int InputSize { get; }

    /// <summary>
    /// For each row r in [0, <paramref name="rows"/>) pairs datapoint x_r (row r of <paramref name="x"/>, [rows × D]) with
    /// z_r (row r of <paramref name="z"/>, [rows × J]) and writes log p(x_r, z_r) = log p(x_r|z_r) + log p(z_r) (nats) into
    /// <paramref name="logJoint"/>[r]; when <paramref name="gradient"/> is not empty, also ∇_z log p(x_r, z_r) into its row r
    /// ([rows × J]). The model's parameters and parameter gradients are left as they were.
    /// </summary>
    void LogJoint(ReadOnlySpan<float> x, ReadOnlySpan<double> z, int rows, Span<double> logJoint, Span<double> gradient);

    /// <summary>
    /// Where chains over z start for the datapoints <paramref name="x"/> ([rows × D]): writes [rows × J] into
    /// <paramref name="destination"/>. The default is z = 0, the prior's mode; a model with an inference network can do better.
    /// </summary>
    void InitialLatents(ReadOnlySpan<float> x, int rows, Span<double> destination) => destination[..(rows * Latent)].Clear();
}

/// <summary>
/// A <see cref="Vae"/>'s generative half as an <see cref="ILatentVariableModel"/>: p(z) = N(0, I) and the decoder's
/// p(x|z) (Bernoulli or Gaussian), in batches on a pool; chains start at the encoder's mean μ(x).
/// </summary>
/// <remarks>
/// The Vae has no backward pass into z alone, so the gradient call runs <see cref="Vae.DecodeBackward"/>, which also
/// accumulates the decoder's parameter gradients; the adapter saves and restores the arena's gradients around it so that the
/// call has no effect on the model (an optimizer step interleaved with sampling, as in Monte Carlo EM, stays correct).
/// </remarks>
public sealed class VaeLatentModel : ILatentVariableModel
{
    private readonly Vae _vae;
    private readonly WorkerPool _pool;
    private float[] _z = [], _dz = [];        // [capacity × J]
    private double[] _rowLogLik = [];         // [capacity]
    private float[] _savedGradients = [];     // [arena length]

    /// <summary>Wraps <paramref name="vae"/>; decoder passes run on <paramref name="pool"/> (default: one thread).</summary>
    public VaeLatentModel(Vae vae, WorkerPool? pool = null)
    {
        _vae = vae;
        _pool = pool ?? WorkerPool.Single;
    }

    /// <summary>The wrapped model.</summary>
    public Vae Model => _vae;

    /// <inheritdoc />
    public int Latent => _vae.Latent;

    /// <inheritdoc />
    public int InputSize => _vae.InputSize;

    private void Ensure(int rows)
    {
        if (_rowLogLik.Length >= rows) return;
        _z = new float[rows * Latent];
        _dz = new float[rows * Latent];
        _rowLogLik = new double[rows];
    }

    /// <inheritdoc />
    public void LogJoint(ReadOnlySpan<float> x, ReadOnlySpan<double> z, int rows, Span<double> logJoint, Span<double> gradient)
    {
        int d = InputSize, j = Latent;
        if (x.Length < (long)rows * d || z.Length < (long)rows * j || logJoint.Length < rows
            || (!gradient.IsEmpty && gradient.Length < (long)rows * j))
            throw new ArgumentException($"Buffers too short for {rows} rows (D = {d}, J = {j}).");
        if (rows == 0) return;
        Ensure(rows);
        Span<float> zf = _z.AsSpan(0, rows * j);
        for (int t = 0; t < zf.Length; t++) zf[t] = (float)z[t];
        bool withGradient = !gradient.IsEmpty;

        _vae.Decode(zf, rows, _pool, out Span<float> output, out Span<float> outLogVar);
        // With gradients, the outputs are overwritten by ∂(−log p(x|z))/∂output (scale 1).
        DecoderLikelihood.RowLogLikelihoods(_vae.Config, x, rows, output, outLogVar, rows, withGradient, 1f, _rowLogLik, _pool);
        for (int r = 0; r < rows; r++)
        {
            double prior = 0;
            for (int t = 0; t < j; t++) prior += z[r * j + t] * z[r * j + t];
            logJoint[r] = _rowLogLik[r] - 0.5 * (prior + j * DiagonalGaussian.Log2Pi);
        }
        if (!withGradient) return;

        float[] grads = _vae.Arena.Gradients;
        if (_savedGradients.Length != grads.Length) _savedGradients = new float[grads.Length];
        grads.CopyTo(_savedGradients, 0);
        Span<float> dz = _dz.AsSpan(0, rows * j);
        _vae.DecodeBackward(zf, output, outLogVar, dz, rows, _pool);   // dz = ∂(−log p(x|z))/∂z
        _savedGradients.CopyTo(grads, 0);
        for (int t = 0; t < rows * j; t++) gradient[t] = -(double)dz[t] - z[t];
    }

    /// <summary>The encoder's mean μ(x): a point near the posterior's bulk when the encoder is trained.</summary>
    public void InitialLatents(ReadOnlySpan<float> x, int rows, Span<double> destination)
    {
        if (rows == 0) return;
        _vae.Encode(x, rows, _pool, out Span<float> mu, out _);
        for (int t = 0; t < rows * Latent; t++) destination[t] = mu[t];
    }
}
