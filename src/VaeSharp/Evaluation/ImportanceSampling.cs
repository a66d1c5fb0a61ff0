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
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        int d = _vae.InputSize, j = _vae.Latent;
        if (x.Length < rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {rows * d}.", nameof(x));
        if (destination.Length < rows) throw new ArgumentException("Destination too short.", nameof(destination));
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> xi = x.Slice(i * d, d);
            _vae.Encode(xi, 1, _pool, out Span<float> mu, out Span<float> logVar);
            mu.CopyTo(_mu);
            logVar.CopyTo(_logVar);
            // Running log-sum-exp over the K log-weights, in double.
            double max = double.NegativeInfinity, sum = 0;
            for (int done = 0; done < samples; done += _chunk)
            {
                int c = Math.Min(_chunk, samples - done);
                Span<float> eps = _eps.AsSpan(0, c * j), z = _z.AsSpan(0, c * j);
                rng.FillNormal(eps);
                for (int k = 0; k < c; k++)
                    DiagonalGaussian.Reparameterize(_mu, _logVar, eps.Slice(k * j, j), z.Slice(k * j, j));
                _vae.Decode(z, c, _pool, out Span<float> output, out Span<float> outLogVar);
                DecoderLikelihood.RowLogLikelihoods(_vae.Config.Decoder, xi, 1, output, outLogVar, c, false, 0f, _rowLogLik, _pool);
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
                        sum = sum * Math.Exp(max - lw) + 1.0;
                        max = lw;
                    }
                    else sum += Math.Exp(lw - max);
                }
            }
            destination[i] = max + Math.Log(sum) - Math.Log(samples);
            Progress?.Invoke(i + 1, rows);
        }
    }
}
