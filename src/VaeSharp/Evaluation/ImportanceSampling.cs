using VaeSharp.Distributions;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// Importance-sampled estimate of the marginal log-likelihood with the encoder as proposal (Rezende et al. 2014; Burda et al. 2016):
/// log p(x) ≈ log (1/K) Σₖ p(x|zₖ) p(zₖ) / q(zₖ|x), zₖ ~ q(z|x). Its expectation is a lower bound that rises to log p(x) as K grows
/// (K = 1 is the ELBO). Samples are decoded in batches, so the decoder runs as large matrix products.
/// </summary>
public sealed class ImportanceSampling
{
    private readonly Vae _vae;
    private readonly WorkerPool _pool;
    private readonly int _chunk;
    private readonly float[] _eps, _z;    // [chunk × J]
    private readonly double[] _rowLogLik; // [chunk]
    private readonly float[] _mu, _logVar; // [J]

    /// <summary>Creates an estimator that decodes up to <paramref name="chunk"/> samples per batch.</summary>
    public ImportanceSampling(Vae vae, WorkerPool? pool = null, int chunk = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        _vae = vae;
        _pool = pool ?? WorkerPool.Single;
        _chunk = chunk;
        _eps = new float[chunk * vae.Latent];
        _z = new float[chunk * vae.Latent];
        _rowLogLik = new double[chunk];
        _mu = new float[vae.Latent];
        _logVar = new float[vae.Latent];
    }

    /// <summary>Called after each row with (rows done, rows in all), for progress displays of long evaluations.</summary>
    public Action<int, int>? Progress { get; set; }

    /// <summary>
    /// Writes the estimate of log p(xᵢ) (nats) for each of the <paramref name="rows"/> rows of <paramref name="x"/> into
    /// <paramref name="destination"/>, with <paramref name="samples"/> importance samples each, noise from <paramref name="rng"/>.
    /// </summary>
    public void LogLikelihood(ReadOnlySpan<float> x, int rows, int samples, Rng rng, Span<double> destination)
    {
        if (destination.Length < rows) throw new ArgumentException("Destination too short.", nameof(destination));
        Run(x, rows, samples, rng, destination, default, [], default);
    }

    /// <summary>
    /// The bound sizes K' reported beside a K-sample estimate: 1, 5, 50, 500, … below K, and K itself.
    /// </summary>
    public static int[] BoundSizes(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var sizes = new List<int> { 1 };
        for (long k = 5; k < samples; k *= 10) sizes.Add((int)k);
        if (samples > 1) sizes.Add(samples);
        return [.. sizes];
    }

    /// <summary>
    /// Estimates log p(xᵢ) for each row with <paramref name="samples"/> (K) importance samples, and from the same samples the
    /// importance-weighted bounds L_K' = log (1/K') Σ_{k ≤ K'} wₖ over the first K' samples for each K' in
    /// <see cref="BoundSizes"/> (L_1 is a one-sample ELBO estimate, L_K the log p(x) estimate itself). Also returns each estimate's
    /// standard error by the delta method, s.e.(log p̂) ≈ sd(w) / (√K · mean w), and the wall-clock time.
    /// </summary>
    public ImportanceSamplingResult Estimate(ReadOnlySpan<float> x, int rows, int samples, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int[] sizes = BoundSizes(samples);
        var logLik = new double[rows];
        var se = new double[rows];
        var bounds = new double[sizes.Length][];
        for (int b = 0; b < sizes.Length; b++) bounds[b] = new double[rows];
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Run(x, rows, samples, rng, logLik, se, sizes, bounds);
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ImportanceSamplingResult(samples, logLik, se, sizes, bounds, seconds);
    }

    private void Run(ReadOnlySpan<float> x, int rows, int samples, Rng rng, Span<double> destination, Span<double> standardError,
        int[] sizes, double[][]? bounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        int d = _vae.InputSize, j = _vae.Latent;
        if (x.Length < rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {rows * d}.", nameof(x));
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> xi = x.Slice(i * d, d);
            _vae.Encode(xi, 1, _pool, out Span<float> mu, out Span<float> logVar);
            mu.CopyTo(_mu);
            logVar.CopyTo(_logVar);
            // Running log-sum-exp over the K log-weights, in double: Σ wₖ = e^max · sum, Σ wₖ² = e^(2 max) · sum2.
            double max = double.NegativeInfinity, sum = 0, sum2 = 0;
            int next = 0, seen = 0;
            for (int done = 0; done < samples; done += _chunk)
            {
                int c = Math.Min(_chunk, samples - done);
                Span<float> eps = _eps.AsSpan(0, c * j), z = _z.AsSpan(0, c * j);
                rng.FillNormal(eps);
                for (int k = 0; k < c; k++)
                    DiagonalGaussian.Reparameterize(_mu, _logVar, eps.Slice(k * j, j), z.Slice(k * j, j));
                _vae.Decode(z, c, _pool, out Span<float> output, out Span<float> outLogVar);
                DecoderLikelihood.RowLogLikelihoods(_vae.Config, xi, 1, output, outLogVar, c, false, 0f, _rowLogLik, _pool);
                for (int k = 0; k < c; k++)
                {
                    // log p(z) − log q(z|x) = Σⱼ [−½ zⱼ² + ½ log σⱼ² + ½ εⱼ²]  (the log 2π terms cancel).
                    double lw = _rowLogLik[k];
                    for (int t = 0; t < j; t++)
                    {
                        double zt = z[k * j + t], et = eps[k * j + t];
                        lw += 0.5 * (_logVar[t] + et * et - zt * zt);
                    }
                    if (lw > max)
                    {
                        double f = Math.Exp(max - lw);
                        sum = sum * f + 1.0;
                        sum2 = sum2 * f * f + 1.0;
                        max = lw;
                    }
                    else
                    {
                        double e = Math.Exp(lw - max);
                        sum += e;
                        sum2 += e * e;
                    }
                    seen++;
                    if (bounds is not null && next < sizes.Length && seen == sizes[next])
                        bounds[next++][i] = max + Math.Log(sum) - Math.Log(seen);
                }
            }
            destination[i] = max + Math.Log(sum) - Math.Log(samples);
            if (!standardError.IsEmpty)
            {
                // s.e.(log mean w) ≈ √(s²/K) / mean w with s² = (Σw² − (Σw)²/K)/(K − 1):  √((K Σw²/(Σw)² − 1)/(K − 1)).
                standardError[i] = samples < 2 ? double.NaN
                    : Math.Sqrt(Math.Max(0, samples * sum2 / (sum * sum) - 1) / (samples - 1));
            }
            Progress?.Invoke(i + 1, rows);
        }
    }
}

/// <summary>What <see cref="ImportanceSampling.Estimate"/> returns; per-datapoint arrays are indexed by row.</summary>
/// <param name="Samples">K, importance samples per datapoint.</param>
/// <param name="LogLikelihood">The K-sample estimate of log p(xᵢ) (nats).</param>
/// <param name="StandardError">Its delta-method standard error (from the spread of the K weights; NaN for K = 1).</param>
/// <param name="BoundSizes">The K' of <paramref name="Bounds"/> (1, 5, 50, … and K).</param>
/// <param name="Bounds">Bounds[b][i]: L_K' for K' = BoundSizes[b] from the first K' of the same samples.</param>
/// <param name="Seconds">Wall-clock time of the estimate.</param>
public sealed record ImportanceSamplingResult(int Samples, double[] LogLikelihood, double[] StandardError, int[] BoundSizes,
    double[][] Bounds, double Seconds);
