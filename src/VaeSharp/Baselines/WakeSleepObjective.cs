using VaeSharp.Distributions;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Baselines;

/// <summary>
/// The wake-sleep algorithm (Hinton, Dayan, Frey &amp; Neal 1995), the paper's baseline, on the same encoder, decoder and
/// optimizer as AEVB. One training step accumulates two gradients into the one arena, each touching only its own half:
/// <list type="bullet">
/// <item><b>wake</b>: z ~ q_φ(z|x) for the minibatch, then ascend (1/M) Σ [log p_θ(x|z) + log p(z)] in θ (z held fixed: no
/// gradient reaches φ);</item>
/// <item><b>sleep</b>: M fantasies z ~ p(z), x ~ p_θ(x|z) (a binary draw for the Bernoulli decoder, a Gaussian draw for
/// the Gaussian one), then ascend (1/M) Σ log q_φ(z|x) in φ.</item>
/// </list>
/// The bound it reports while training is the wake batch's ELBO (its z, closed-form KL); evaluation
/// (<c>accumulateGradients</c> false) is delegated to <see cref="ElboObjective"/> with AEVB's estimator, so the two methods'
/// lower bounds are measured by exactly the same estimator on the same data.
/// </summary>
public sealed class WakeSleepObjective : IObjective
{
    private readonly Vae _vae;
    private readonly WorkerPool _pool;
    private readonly ElboObjective _evaluation;
    private float[] _eps = [], _z = [], _dz = [], _fantasy = [], _dMu = [], _dLogVar = [];
    private double[] _rowLogLik = [];

    /// <summary>Creates the objective; <paramref name="estimator"/> and <paramref name="samples"/> are those evaluation uses.</summary>
    public WakeSleepObjective(Vae vae, Estimator estimator = Estimator.B, int samples = 1, WorkerPool? pool = null)
    {
        _vae = vae;
        _pool = pool ?? WorkerPool.Single;
        _evaluation = new ElboObjective(vae, estimator, samples, _pool);
    }

    /// <inheritdoc />
    public ParameterArena Arena => _vae.Arena;

    /// <inheritdoc />
    public int InputSize => _vae.InputSize;

    private static void Grow(ref float[] a, int n) { if (a.Length < n) a = new float[n]; }

    /// <inheritdoc />
    public BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
    {
        if (!accumulateGradients) return _evaluation.Evaluate(x, rows, rng, false);
        var wake = WakePhase(x, rows, rng, accumulateGradients: true);
        SleepPhase(rows, rng, accumulateGradients: true);
        return wake;
    }

    /// <summary>
    /// The wake phase: z ~ q(z|x) by reparameterization, then (with gradients) adds ∂/∂θ of −(1/M) Σ log p_θ(x|z) to the
    /// decoder's gradients. Returns the batch's ELBO terms at that z (closed-form KL).
    /// </summary>
    public BatchTerms WakePhase(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
    {
        int j = _vae.Latent;
        Grow(ref _eps, rows * j); Grow(ref _z, rows * j); Grow(ref _dz, rows * j);
        if (_rowLogLik.Length < rows) _rowLogLik = new double[rows];
        _vae.Encode(x, rows, _pool, out Span<float> mu, out Span<float> logVar);
        Span<float> eps = _eps.AsSpan(0, rows * j), z = _z.AsSpan(0, rows * j);
        rng.FillNormal(eps);
        DiagonalGaussian.Reparameterize(mu, logVar, eps, z);
        double kl = DiagonalGaussian.KlToStandardNormal(mu, logVar);
        _vae.Decode(z, rows, _pool, out Span<float> output, out Span<float> outLogVar);
        double recon = DecoderLikelihood.RowLogLikelihoods(_vae.Config, x, rows, output, outLogVar, rows,
            accumulateGradients, 1f / rows, _rowLogLik, _pool);
        // log p(z) does not depend on θ; dL/dz is computed by the decoder's backward pass and discarded (z is held fixed).
        if (accumulateGradients) _vae.DecodeBackward(z, output, outLogVar, _dz.AsSpan(0, rows * j), rows, _pool);
        return new BatchTerms(recon - kl, recon, kl, rows);
    }

    /// <summary>
    /// The sleep phase: <paramref name="rows"/> fantasies z ~ N(0, I), x ~ p_θ(x|z); with gradients, adds ∂/∂φ of
    /// −(1/M) Σ log q_φ(z|x) to the encoder's gradients. Returns −(1/M) Σ log q_φ(z|x).
    /// </summary>
    public double SleepPhase(int rows, Rng rng, bool accumulateGradients)
    {
        int j = _vae.Latent, d = _vae.InputSize;
        Grow(ref _z, rows * j); Grow(ref _fantasy, rows * d); Grow(ref _dMu, rows * j); Grow(ref _dLogVar, rows * j);
        Span<float> z = _z.AsSpan(0, rows * j), x = _fantasy.AsSpan(0, rows * d);
        rng.FillNormal(z);
        _vae.Decode(z, rows, _pool, out Span<float> output, out Span<float> outLogVar);
        if (_vae.Config.Decoder == DecoderKind.Bernoulli)
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat() < GaussianPixels.Mean(output[i]) ? 1f : 0f;
        else
        {
            rng.FillNormal(x);
            for (int i = 0; i < x.Length; i++) x[i] = GaussianPixels.Mean(output[i]) + MathF.Exp(0.5f * outLogVar[i]) * x[i];
        }

        _vae.Encode(x, rows, _pool, out Span<float> mu, out Span<float> logVar);
        // −log q(z|x) = ½ Σ (log 2π + s + (z − μ)² e^−s):  ∂/∂μ = −(z − μ) e^−s,  ∂/∂s = ½ (1 − (z − μ)² e^−s).
        double loss = 0;
        float scale = 1f / rows;
        Span<float> dMu = _dMu.AsSpan(0, rows * j), dLogVar = _dLogVar.AsSpan(0, rows * j);
        for (int t = 0; t < rows * j; t++)
        {
            float diff = z[t] - mu[t], inv = MathF.Exp(-logVar[t]);
            loss += 0.5 * (DiagonalGaussian.Log2Pi + logVar[t] + diff * diff * inv);
            dMu[t] = -scale * diff * inv;
            dLogVar[t] = scale * 0.5f * (1f - diff * diff * inv);
        }
        if (accumulateGradients) _vae.EncodeBackward(x, dMu, dLogVar, rows, _pool);
        return loss / rows;
    }
}
