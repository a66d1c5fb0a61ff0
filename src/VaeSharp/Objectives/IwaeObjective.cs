using System.Numerics.Tensors;
using VaeSharp.Distributions;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Objectives;

/// <summary>
/// The importance-weighted bound of Burda, Grosse &amp; Salakhutdinov (2016) on a <see cref="Vae"/>:
/// L_K(x) = log (1/K) Σₖ wₖ, wₖ = p(x, zₖ) / q(zₖ|x), zₖ = μ + σ ⊙ εₖ, εₖ ~ N(0, I). K = 1 is the ELBO (estimator A);
/// L_K rises towards log p(x) as K grows. The loss minimised is −(1/M) Σᵢ L_K(xᵢ) over a minibatch of M rows.
/// <para>
/// Gradients: ∇ L_K = Σₖ w̃ₖ ∇ log wₖ with the normalised weights w̃ₖ = wₖ / Σₗ wₗ (computed from the log-weights by a
/// log-sum-exp in double). With <see cref="DoublyReparameterized"/>, the encoder's gradient is instead the DReG estimator of
/// Tucker et al. (2019), Σₖ w̃ₖ² (∂ log wₖ / ∂zₖ)(∂zₖ/∂φ), which drops the score-function term of q and has the same expectation;
/// the decoder's gradient is unchanged.
/// </para>
/// <para>
/// The K samples of all M rows are decoded as one batch of M·K rows (row s = k·M + i holds zₖ for datapoint i, as
/// <see cref="ElboObjective"/> lays out its L samples), so the decoder runs as one matrix product.
/// </para>
/// <para>
/// <see cref="BatchTerms"/>: <c>Objective</c> is Σᵢ L_K(xᵢ); <c>Reconstruction</c> and <c>Kl</c> are the ELBO's two terms estimated
/// by plain averages over the same K samples, (1/K) Σₖ log p(x|zₖ) and (1/K) Σₖ [log q(zₖ|x) − log p(zₖ)], so
/// Reconstruction − Kl is the K-sample ELBO estimate (estimator A) and Objective − (Reconstruction − Kl) ≥ 0 is what the
/// importance-weighted bound gains over it on these samples (log-mean-exp ≥ mean).
/// </para>
/// </summary>
public sealed class IwaeObjective : IObjective
{
    private readonly Vae _vae;
    private readonly WorkerPool _pool;
    private float[] _eps = [], _z = [], _dz = [];          // [rows·K × J]
    private float[] _dMu = [], _dLogVar = [];              // [rows × J]
    private double[] _rowLogLik = [], _logW = [];          // [rows·K]
    private float[] _weights = [];                         // [rows·K] normalised weights w̃
    private double[] _bounds = [];                         // [rows] L_K(xᵢ) of the last call
    private int _capacity, _lastRows;

    /// <summary>Creates the objective with <paramref name="samples"/> (K) importance samples per datapoint.</summary>
    public IwaeObjective(Vae vae, int samples, bool doublyReparameterized = false, WorkerPool? pool = null)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one importance sample per datapoint (K ≥ 1).");
        _vae = vae;
        Samples = samples;
        DoublyReparameterized = doublyReparameterized;
        _pool = pool ?? WorkerPool.Single;
    }

    /// <summary>The model.</summary>
    public Vae Model => _vae;

    /// <summary>K, importance samples per datapoint.</summary>
    public int Samples { get; }

    /// <summary>Whether the encoder's gradient is the DReG estimator (Tucker et al. 2019).</summary>
    public bool DoublyReparameterized { get; }

    /// <inheritdoc />
    public ParameterArena Arena => _vae.Arena;

    /// <inheritdoc />
    public int InputSize => _vae.InputSize;

    /// <summary>
    /// <c>iwae</c> (the bound L_K), <c>recon</c> and <c>kl</c>: the last two are the ELBO's terms on the same samples, so
    /// recon − kl is the K-sample ELBO, not the objective (see the class remarks).
    /// </summary>
    public ObjectiveTerms Terms => new("iwae", "recon", "kl");

    /// <summary>L_K(xᵢ) for each row of the last <see cref="Evaluate"/> call.</summary>
    public ReadOnlySpan<double> LastBounds => _bounds.AsSpan(0, _lastRows);

    private void Ensure(int rows)
    {
        if (rows <= _capacity) return;
        int j = _vae.Latent, k = Samples;
        _eps = new float[rows * k * j];
        _z = new float[rows * k * j];
        _dz = new float[rows * k * j];
        _dMu = new float[rows * j];
        _dLogVar = new float[rows * j];
        _rowLogLik = new double[rows * k];
        _logW = new double[rows * k];
        _weights = new float[rows * k];
        _bounds = new double[rows];
        _capacity = rows;
    }

    /// <inheritdoc />
    public BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
    {
        int d = _vae.InputSize, j = _vae.Latent, k = Samples, sampled = rows * k;
        if (x.Length < rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {rows * d}.", nameof(x));
        if ((long)rows * k * Math.Max(d, j) > Array.MaxLength)
            throw new ArgumentException($"{rows} rows × K = {k} samples do not fit in one batch; use smaller minibatches.", nameof(rows));
        Ensure(rows);
        _lastRows = rows;

        _vae.Encode(x, rows, _pool, out Span<float> mu, out Span<float> logVar);

        Span<float> eps = _eps.AsSpan(0, sampled * j), z = _z.AsSpan(0, sampled * j);
        rng.FillNormal(eps);
        for (int s = 0; s < k; s++)
            DiagonalGaussian.Reparameterize(mu, logVar, eps.Slice(s * rows * j, rows * j), z.Slice(s * rows * j, rows * j));

        // log p(x|zₖ) per decoded row; with gradients the outputs are overwritten by ∂(−log p)/∂output (scale 1, reweighted below).
        _vae.Decode(z, sampled, _pool, out Span<float> output, out Span<float> outLogVar);
        double recon = DecoderLikelihood.RowLogLikelihoods(_vae.Config, x, rows, output, outLogVar, sampled,
            accumulateGradients, 1f, _rowLogLik, _pool) / k;

        // log wₖ = log p(x|zₖ) + log p(zₖ) − log q(zₖ|x);  log p(z) − log q(z|x) = Σⱼ ½(log σⱼ² + εⱼ² − zⱼ²) (log 2π cancels).
        Span<double> logW = _logW.AsSpan(0, sampled);
        double kl = 0;
        for (int s = 0; s < sampled; s++)
        {
            int i = s % rows;
            double prior = 0;
            for (int t = 0; t < j; t++)
            {
                double e = eps[s * j + t], zt = z[s * j + t];
                prior += 0.5 * (logVar[i * j + t] + e * e - zt * zt);
            }
            kl -= prior;
            logW[s] = _rowLogLik[s] + prior;
        }
        kl /= k;

        // L_K(xᵢ) = log-mean-exp over k of log wₖ (stable: shift by the row's maximum); w̃ₖ = exp(log wₖ − max) / Σ.
        double objective = 0;
        Span<float> weights = _weights.AsSpan(0, sampled);
        for (int i = 0; i < rows; i++)
        {
            double max = double.NegativeInfinity;
            for (int s = i; s < sampled; s += rows) max = Math.Max(max, logW[s]);
            double sum = 0;
            for (int s = i; s < sampled; s += rows) sum += Math.Exp(logW[s] - max);
            for (int s = i; s < sampled; s += rows) weights[s] = (float)(Math.Exp(logW[s] - max) / sum);
            _bounds[i] = max + Math.Log(sum) - Math.Log(k);
            objective += _bounds[i];
        }

        if (accumulateGradients && double.IsFinite(objective))
            Backward(x, rows, mu, logVar, eps, z, output, outLogVar, weights);

        return new BatchTerms(objective, recon, kl, rows);
    }

    private void Backward(ReadOnlySpan<float> x, int rows, Span<float> mu, Span<float> logVar, ReadOnlySpan<float> eps,
        ReadOnlySpan<float> z, Span<float> dOutput, Span<float> dOutLogVar, ReadOnlySpan<float> weights)
    {
        int d = _vae.InputSize, j = _vae.Latent, k = Samples, sampled = rows * k;
        float invRows = 1f / rows;

        // dL/d(output of row s) = (w̃ₛ / M) · ∂(−log p(x|zₛ))/∂output.
        for (int s = 0; s < sampled; s++)
        {
            float c = weights[s] * invRows;
            Span<float> o = dOutput.Slice(s * d, d);
            TensorPrimitives.Multiply(o, c, o);
            if (!dOutLogVar.IsEmpty)
            {
                Span<float> v = dOutLogVar.Slice(s * d, d);
                TensorPrimitives.Multiply(v, c, v);
            }
        }
        Span<float> dz = _dz.AsSpan(0, sampled * j);
        _vae.DecodeBackward(z, dOutput, dOutLogVar, dz, sampled, _pool);

        // dz now holds (w̃ₛ/M)·(−∂ log p(x|z)/∂z). Add the prior's part (−log p(z) contributes z), and for DReG weight once more
        // by w̃ₛ and add −∂ log q(z|x)/∂z at fixed φ, which is −(z − μ)/σ² = −ε/σ.
        for (int s = 0; s < sampled; s++)
        {
            int i = s % rows;
            float w = weights[s], c = w * invRows;
            for (int t = 0; t < j; t++)
            {
                int u = s * j + t;
                if (!DoublyReparameterized) dz[u] += c * z[u];
                else
                {
                    float invSigma = MathF.Exp(-0.5f * logVar[i * j + t]);
                    dz[u] = w * dz[u] + w * c * (z[u] - eps[u] * invSigma);
                }
            }
        }

        // Through z = μ + exp(½ log σ²) ε:  dL/dμ = Σₖ dL/dzₖ,  dL/dlog σ² = Σₖ dL/dzₖ · ½ σ εₖ.
        Span<float> dMu = _dMu.AsSpan(0, rows * j), dLogVar = _dLogVar.AsSpan(0, rows * j);
        dMu.Clear();
        dLogVar.Clear();
        for (int s = 0; s < k; s++)
        {
            int o = s * rows * j;
            for (int t = 0; t < rows * j; t++)
            {
                float g = dz[o + t];
                dMu[t] += g;
                dLogVar[t] += g * 0.5f * MathF.Exp(0.5f * logVar[t]) * eps[o + t];
            }
        }
        // The standard estimator also differentiates log q(z|x) = −½ Σ (log 2π + log σ² + ε²) in log σ² at fixed ε:
        // −∂/∂log σ² of −Σₖ w̃ₖ log q / M is −½ Σₖ w̃ₖ / M = −½ / M. DReG drops this score term.
        if (!DoublyReparameterized)
            for (int t = 0; t < dLogVar.Length; t++) dLogVar[t] -= 0.5f * invRows;

        _vae.EncodeBackward(x, dMu, dLogVar, rows, _pool);
    }
}
