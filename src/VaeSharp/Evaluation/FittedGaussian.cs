using MathNet.Numerics.LinearAlgebra;

namespace VaeSharp.Evaluation;

/// <summary>N(mean, covariance) fitted to one chain's samples, held as its mean, Cholesky factor and log normalizer.</summary>
internal sealed class FittedGaussian
{
    private readonly double[] _mean;
    private readonly Matrix<double> _lower;
    private readonly double _logNormalizer;

    private FittedGaussian(double[] mean, Matrix<double> lower, double logNormalizer)
    {
        _mean = mean;
        _lower = lower;
        _logNormalizer = logNormalizer;
    }

    /// <summary>Fits chain <paramref name="chain"/>'s samples in <paramref name="samples"/> ([l][n][j]).</summary>
    public static FittedGaussian Fit(double[] samples, int l, int n, int j, int chain, double scale)
    {
        var mean = new double[j];
        for (int s = 0; s < l; s++)
            for (int a = 0; a < j; a++) mean[a] += samples[(s * n + chain) * j + a];
        for (int a = 0; a < j; a++) mean[a] /= l;
        var cov = Matrix<double>.Build.Dense(j, j);
        for (int s = 0; s < l; s++)
            for (int a = 0; a < j; a++)
                for (int b = 0; b <= a; b++)
                    cov[a, b] += (samples[(s * n + chain) * j + a] - mean[a]) * (samples[(s * n + chain) * j + b] - mean[b]);
        double trace = 0;
        for (int a = 0; a < j; a++)
            for (int b = 0; b <= a; b++)
            {
                cov[a, b] *= scale / (l - 1);
                cov[b, a] = cov[a, b];
                if (a == b) trace += cov[a, a];
            }
        // A chain that never moved has a zero covariance; the ridge keeps the factorization defined (the estimate is then poor).
        double ridge = 1e-8 * (trace / j) + 1e-300;
        for (int a = 0; a < j; a++) cov[a, a] += ridge;
        var chol = cov.Cholesky();
        double logDet = chol.DeterminantLn;
        return new FittedGaussian(mean, chol.Factor, -0.5 * (j * Math.Log(2 * Math.PI) + logDet));
    }

    /// <summary>log N(z; mean, covariance).</summary>
    public double LogDensity(ReadOnlySpan<double> z) => LogDensityScaled(z, 1.0);

    /// <summary>log N(z; mean, scale · covariance), by forward substitution with the Cholesky factor.</summary>
    public double LogDensityScaled(ReadOnlySpan<double> z, double scale)
    {
        int j = _mean.Length;
        Span<double> y = stackalloc double[j];
        double q = 0, root = Math.Sqrt(scale);
        for (int a = 0; a < j; a++)
        {
            double v = (z[a] - _mean[a]) / root;
            for (int b = 0; b < a; b++) v -= _lower[a, b] * y[b];
            y[a] = v / _lower[a, a];
            q += y[a] * y[a];
        }
        return _logNormalizer - 0.5 * j * Math.Log(scale) - 0.5 * q;
    }

    /// <summary>Writes mean + √scale · L·e into <paramref name="destination"/>: a draw of N(mean, scale · covariance) from standard normals e.</summary>
    public void Transform(ReadOnlySpan<double> e, double scale, Span<double> destination)
    {
        int j = _mean.Length;
        double root = Math.Sqrt(scale);
        for (int a = 0; a < j; a++)
        {
            double v = 0;
            for (int b = 0; b <= a; b++) v += _lower[a, b] * e[b];
            destination[a] = _mean[a] + root * v;
        }
    }
}
