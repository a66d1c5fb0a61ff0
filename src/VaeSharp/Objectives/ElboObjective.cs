using VaeSharp.Distributions;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Objectives;

/// <summary>The SGVB estimators of the ELBO (Kingma &amp; Welling 2014, §2.3).</summary>
public enum Estimator
{
    /// <summary>Estimator A, eq. (6): (1/L) Σₗ [log p(x, zₗ) − log q(zₗ|x)], all by Monte Carlo.</summary>
    A,
    /// <summary>Estimator B, eq. (7): −KL(q(z|x) ‖ p(z)) in closed form + (1/L) Σₗ log p(x|zₗ). The paper's default.</summary>
    B,
}

/// <summary>
/// The evidence lower bound of a <see cref="Vae"/>, estimated with L reparameterized samples per datapoint:
/// zₗ = μ + σ ⊙ εₗ, εₗ ~ N(0, I). The loss minimised is the negative ELBO averaged over the minibatch
/// (per-datapoint mean; the paper's minibatch estimator (8) is this times N, which only rescales the step size).
/// </summary>
public sealed class ElboObjective : IObjective, IProfiled
{
    private readonly Vae _vae;
    private readonly WorkerPool _pool;
    private float[] _eps = [], _z = [], _dz = [];   // [rows·L × J]
    private float[] _dMu = [], _dLogVar = [];       // [rows × J]
    private double[] _rowLogLik = [];               // [rows·L] log p(x|z) per decoded row
    private int _capacity;
    private PhaseProfiler? _profiler;
    private int _reparameterizePhase, _likelihoodPhase, _klPhase, _reparameterizeBackwardPhase;

    /// <summary>Creates the objective.</summary>
    public ElboObjective(Vae vae, Estimator estimator = Estimator.B, int samples = 1, WorkerPool? pool = null)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one sample per datapoint (L ≥ 1).");
        _vae = vae;
        Estimator = estimator;
        Samples = samples;
        _pool = pool ?? WorkerPool.Single;
    }

    /// <summary>The model.</summary>
    public Vae Model => _vae;

    /// <inheritdoc />
    public void AttachProfiler(PhaseProfiler? profiler)
    {
        _profiler = profiler;
        _vae.AttachProfiler(profiler);
        if (profiler is null) return;
        _reparameterizePhase = profiler.Phase("reparameterize: ε ~ N(0, I), z = μ + σ ⊙ ε");
        _likelihoodPhase = profiler.Phase("likelihood log p(x|z) and its gradient");
        _klPhase = profiler.Phase("KL term");
        _reparameterizeBackwardPhase = profiler.Phase("reparameterize backward: dμ, dlog σ² (+ KL gradient)");
    }

    /// <summary>Estimator A or B.</summary>
    public Estimator Estimator { get; }

    /// <summary>L, samples of z per datapoint.</summary>
    public int Samples { get; }

    /// <inheritdoc />
    public ParameterArena Arena => _vae.Arena;

    /// <inheritdoc />
    public int InputSize => _vae.InputSize;

    private void Ensure(int rows)
    {
        if (rows <= _capacity) return;
        int j = _vae.Latent;
        _eps = new float[rows * Samples * j];
        _z = new float[rows * Samples * j];
        _dz = new float[rows * Samples * j];
        _dMu = new float[rows * j];
        _dLogVar = new float[rows * j];
        _capacity = rows;
    }

    /// <summary>
    /// β, the weight of the KL term in the <em>gradient</em> (KL warm-up / annealing: the loss differentiated is
    /// −(E_q[log p(x|z)] − β·KL)). The reported terms are unaffected: <see cref="BatchTerms.Objective"/> stays the true ELBO.
    /// Default 1 (the ELBO's own gradient). Under estimator A the Monte Carlo KL's gradient (the log p(z) and log q(z|x)
    /// parts) is scaled by β.
    /// </summary>
    public float KlWeight
    {
        get => _klWeight;
        set
        {
            if (!(value >= 0) || !float.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The KL weight β must be a finite number ≥ 0.");
            _klWeight = value;
        }
    }

    private float _klWeight = 1f;

    /// <inheritdoc />
    public BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
        => Run(x, rows, rng, accumulateGradients, default, default, default);

    /// <summary>
    /// As <see cref="Evaluate"/> without gradients, also writing each datapoint's terms (nats): its ELBO estimate into
    /// <paramref name="objective"/>, its reconstruction term into <paramref name="reconstruction"/> and its KL (closed form, or
    /// Monte Carlo under estimator A) into <paramref name="kl"/>, each of length ≥ <paramref name="rows"/>. Draws the same
    /// noise as <see cref="Evaluate"/>, so the two give the same figures from the same generator state.
    /// </summary>
    public BatchTerms EvaluateRows(ReadOnlySpan<float> x, int rows, Rng rng, Span<double> objective, Span<double> reconstruction, Span<double> kl)
    {
        if (objective.Length < rows || reconstruction.Length < rows || kl.Length < rows)
            throw new ArgumentException($"Per-datapoint destinations must hold {rows} values.");
        return Run(x, rows, rng, false, objective, reconstruction, kl);
    }

    private BatchTerms Run(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients,
        Span<double> rowObjective, Span<double> rowRecon, Span<double> rowKl)
    {
        int d = _vae.InputSize, j = _vae.Latent, l = Samples, sampled = rows * l;
        if (x.Length < rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {rows * d}.", nameof(x));
        Ensure(rows);
        bool perRow = !rowObjective.IsEmpty;

        // Encoder: μ, log σ² [rows × J].
        _vae.Encode(x, rows, _pool, out Span<float> mu, out Span<float> logVar);

        // Reparameterization: row s = ℓ·rows + i holds zₗ for datapoint i.   ε, z: [rows·L × J]
        Span<float> eps = _eps.AsSpan(0, sampled * j), z = _z.AsSpan(0, sampled * j);
        rng.FillNormal(eps);
        for (int s = 0; s < l; s++)
            DiagonalGaussian.Reparameterize(mu, logVar, eps.Slice(s * rows * j, rows * j), z.Slice(s * rows * j, rows * j));
        _profiler?.Mark(_reparameterizePhase);

        // Decoder and reconstruction term; gradients of the loss w.r.t. the decoder outputs overwrite them in place.
        _vae.Decode(z, sampled, _pool, out Span<float> output, out Span<float> outLogVar);
        if (_rowLogLik.Length < sampled) _rowLogLik = new double[sampled];
        double recon = DecoderLikelihood.RowLogLikelihoods(_vae.Config, x, rows, output, outLogVar, sampled,
            accumulateGradients, 1f / sampled, _rowLogLik, _pool) / l;
        if (perRow)
        {
            rowRecon[..rows].Clear();
            rowKl[..rows].Clear();
            for (int s = 0; s < sampled; s++) rowRecon[s % rows] += _rowLogLik[s];
            for (int i = 0; i < rows; i++) rowRecon[i] /= l;
        }
        _profiler?.Mark(_likelihoodPhase);

        // KL term: closed form (B) or Monte Carlo log q(z|x) − log p(z) (A).
        double kl = 0;
        if (Estimator == Estimator.B)
        {
            kl = DiagonalGaussian.KlToStandardNormal(mu, logVar);
            if (perRow)
                for (int i = 0; i < rows; i++) rowKl[i] = DiagonalGaussian.KlToStandardNormal(mu.Slice(i * j, j), logVar.Slice(i * j, j));
        }
        else
        {
            for (int s = 0; s < sampled; s++)
            {
                int i = s % rows;
                double term = DiagonalGaussian.LogDensity(z.Slice(s * j, j), mu.Slice(i * j, j), logVar.Slice(i * j, j))
                    - DiagonalGaussian.LogStandardNormal(z.Slice(s * j, j));
                kl += term;
                if (perRow) rowKl[i] += term;
            }
            kl /= l;
            if (perRow)
                for (int i = 0; i < rows; i++) rowKl[i] /= l;
        }
        if (perRow)
            for (int i = 0; i < rows; i++) rowObjective[i] = rowRecon[i] - rowKl[i];
        _profiler?.Mark(_klPhase);

        if (accumulateGradients)
            Backward(x, rows, mu, logVar, eps, z, output, outLogVar);

        return new BatchTerms(recon - kl, recon, kl, rows);
    }

    private void Backward(ReadOnlySpan<float> x, int rows, Span<float> mu, Span<float> logVar,
        ReadOnlySpan<float> eps, ReadOnlySpan<float> z, Span<float> dOutput, Span<float> dOutLogVar)
    {
        int j = _vae.Latent, l = Samples, sampled = rows * l;
        Span<float> dz = _dz.AsSpan(0, sampled * j);
        _vae.DecodeBackward(z, dOutput, dOutLogVar, dz, sampled, _pool);

        float perSample = 1f / sampled;
        if (Estimator == Estimator.A)
        {
            // −log p(z) contributes z to dL/dz; log q(z|x) = −½ Σ (log 2π + log σ² + ε²) depends on φ only through log σ².
            float c = KlWeight * perSample;
            for (int t = 0; t < dz.Length; t++) dz[t] += c * z[t];
        }

        // Through z = μ + exp(½ log σ²) ε:  dL/dμ = Σₗ dL/dzₗ,  dL/dlog σ² = Σₗ dL/dzₗ · ½ σ εₗ.
        Span<float> dMu = _dMu.AsSpan(0, rows * j), dLogVar = _dLogVar.AsSpan(0, rows * j);
        dMu.Clear();
        dLogVar.Clear();
        for (int s = 0; s < l; s++)
        {
            int o = s * rows * j;
            for (int t = 0; t < rows * j; t++)
            {
                float g = dz[o + t];
                dMu[t] += g;
                dLogVar[t] += g * 0.5f * MathF.Exp(0.5f * logVar[t]) * eps[o + t];
            }
        }

        if (Estimator == Estimator.B)
            DiagonalGaussian.AddKlGradient(mu, logVar, dMu, dLogVar, KlWeight / rows);
        else
            for (int t = 0; t < dLogVar.Length; t++) dLogVar[t] -= KlWeight * 0.5f / rows;
        _profiler?.Mark(_reparameterizeBackwardPhase);

        _vae.EncodeBackward(x, dMu, dLogVar, rows, _pool);
    }
}
