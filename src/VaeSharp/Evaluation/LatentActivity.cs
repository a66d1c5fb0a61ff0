using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// How a VAE uses its latent dimensions on a data set. Unit u is <em>active</em> when A_u = Cov_x(E_q(z|x)[z_u]) = Var_x(μ_u(x))
/// exceeds a threshold (0.01 in Burda et al. 2016, §5.2); an inactive unit's posterior does not depend on x, so it carries no
/// information (and usually has KL ≈ 0: q(z_u|x) ≈ p(z_u)).
/// </summary>
/// <param name="Activity">A_u per latent dimension: the variance of μ_u(x) over the datapoints (with n − 1).</param>
/// <param name="Kl">The mean over datapoints of KL(q(z_u|x) ‖ N(0, 1)) per dimension, in closed form (nats); they sum to the KL term of estimator B.</param>
/// <param name="Threshold">The activity threshold.</param>
public sealed record LatentActivity(double[] Activity, double[] Kl, double Threshold)
{
    /// <summary>The number of active units (A_u &gt; <see cref="Threshold"/>).</summary>
    public int ActiveUnits => Activity.Count(a => a > Threshold);

    /// <summary>Active units' indices.</summary>
    public int[] ActiveIndices => [.. Enumerable.Range(0, Activity.Length).Where(u => Activity[u] > Threshold)];

    /// <summary>Burda et al.'s threshold.</summary>
    public const double DefaultThreshold = 0.01;

    /// <summary>
    /// Encodes the <paramref name="rows"/> rows of <paramref name="x"/> (in batches of <paramref name="batch"/>) and returns each
    /// latent unit's activity and mean KL.
    /// </summary>
    public static LatentActivity Compute(Vae vae, ReadOnlySpan<float> x, int rows, WorkerPool? pool = null,
        double threshold = DefaultThreshold, int batch = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        int d = vae.InputSize, j = vae.Latent;
        if (x.Length < (long)rows * d) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {d} need {(long)rows * d}.", nameof(x));
        var p = pool ?? WorkerPool.Single;
        // Welford's update per unit, in double, so the variance is accurate when the means are large.
        var mean = new double[j];
        var m2 = new double[j];
        var kl = new double[j];
        int n = 0;
        for (int start = 0; start < rows; start += batch)
        {
            int r = Math.Min(batch, rows - start);
            vae.Encode(x.Slice(start * d, r * d), r, p, out Span<float> mu, out Span<float> logVar);
            for (int i = 0; i < r; i++)
            {
                n++;
                for (int u = 0; u < j; u++)
                {
                    double m = mu[i * j + u], lv = logVar[i * j + u];
                    double delta = m - mean[u];
                    mean[u] += delta / n;
                    m2[u] += delta * (m - mean[u]);
                    kl[u] += -0.5 * (1 + lv - m * m - Math.Exp(lv));
                }
            }
        }
        var activity = new double[j];
        for (int u = 0; u < j; u++)
        {
            activity[u] = n > 1 ? m2[u] / (n - 1) : double.NaN;
            kl[u] = n > 0 ? kl[u] / n : double.NaN;
        }
        return new LatentActivity(activity, kl, threshold);
    }
}
