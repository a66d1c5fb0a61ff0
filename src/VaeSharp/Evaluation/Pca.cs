using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// Principal component analysis of an N × D float matrix, the baseline the linear autoencoder is measured against
/// (Baldi &amp; Hornik 1989; Plaut 2018). Fitted through the D × D covariance (the product by <see cref="Gemm"/>, see
/// <see cref="GenerationMetrics.Moments"/>) and its symmetric eigendecomposition (MathNet.Numerics), which for D = 784 is
/// cheaper than an SVD of the data.
/// </summary>
/// <remarks>
/// Conventions. Eigenvalues are variances with divisor N (the maximum-likelihood covariance), so on the training data the
/// reconstruction error equals half the sum of the discarded eigenvalues exactly. Components are unit rows, sorted by
/// decreasing eigenvalue, each with its largest-magnitude coordinate made positive (a fixed sign). The reconstruction error
/// is the autoencoders' loss: the mean over datapoints of ½‖x − x̂‖², the squared error summed over the D coordinates.
/// </remarks>
public sealed class Pca
{
    private readonly double[] _mean;        // [D]
    private readonly double[] _components;  // [m × D]
    private readonly double[] _eigenvalues; // [m]
    private readonly float[] _componentsF;  // [m × D]
    private readonly float[] _meanF;        // [D]
    private readonly double[] _meanProjection; // [m]: W μ

    private Pca(double[] mean, double[] components, double[] eigenvalues, double totalVariance)
    {
        _mean = mean;
        _components = components;
        _eigenvalues = eigenvalues;
        TotalVariance = totalVariance;
        Dimension = mean.Length;
        Components = eigenvalues.Length;
        _componentsF = [.. components.Select(v => (float)v)];
        _meanF = [.. mean.Select(v => (float)v)];
        _meanProjection = new double[Components];
        for (int i = 0; i < Components; i++)
            for (int a = 0; a < Dimension; a++) _meanProjection[i] += _componentsF[i * Dimension + a] * (double)_meanF[a];
    }

    /// <summary>D, values per datapoint.</summary>
    public int Dimension { get; }

    /// <summary>m, principal components kept.</summary>
    public int Components { get; }

    /// <summary>The data mean, [D].</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>The principal directions as orthonormal rows, [m × D], by decreasing variance.</summary>
    public ReadOnlySpan<double> ComponentRows => _components;

    /// <summary>Principal direction <paramref name="i"/>, [D].</summary>
    public ReadOnlySpan<double> Component(int i) => _components.AsSpan(i * Dimension, Dimension);

    /// <summary>The variance along each kept direction (covariance eigenvalues, divisor N), decreasing, [m].</summary>
    public ReadOnlySpan<double> Eigenvalues => _eigenvalues;

    /// <summary>The total variance, tr Σ (divisor N): the sum of all D eigenvalues.</summary>
    public double TotalVariance { get; }

    /// <summary>Each kept eigenvalue over the total variance, [m] (all 0 for constant data).</summary>
    public double[] ExplainedVarianceRatio => [.. _eigenvalues.Select(l => TotalVariance > 0 ? l / TotalVariance : 0)];

    /// <summary>The principal directions as the columns of a D × m matrix (for <see cref="PrincipalAngles"/>).</summary>
    public Matrix<double> Basis() => Matrix<double>.Build.Dense(Dimension, Components, (a, i) => _components[i * Dimension + a]);

    /// <summary>Fits the mean and the top <paramref name="components"/> principal directions of the rows of <paramref name="x"/> [rows × dimension].</summary>
    public static Pca Fit(ReadOnlySpan<float> x, int rows, int dimension, int components, WorkerPool? pool = null)
    {
        if (components < 1 || components > dimension)
            throw new ArgumentOutOfRangeException(nameof(components), components, $"Between 1 and the dimension {dimension} components can be kept.");
        var moments = GenerationMetrics.Moments(x, rows, dimension, pool);
        int d = dimension;
        double scale = (rows - 1.0) / rows;   // divisor N − 1 → N
        var cov = Matrix<double>.Build.Dense(d, d, (a, b) => moments.Covariance[a * d + b] * scale);
        var evd = cov.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(c => c.Real).ToArray();
        var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
        var vectors = evd.EigenVectors;
        var result = new double[components * d];
        var eig = new double[components];
        for (int i = 0; i < components; i++)
        {
            int c = order[i];
            eig[i] = Math.Max(values[c], 0);
            int big = 0;
            for (int a = 1; a < d; a++) if (Math.Abs(vectors[a, c]) > Math.Abs(vectors[big, c])) big = a;
            double sign = vectors[big, c] < 0 ? -1 : 1;
            for (int a = 0; a < d; a++) result[i * d + a] = sign * vectors[a, c];
        }
        return new Pca(moments.Mean, result, eig, cov.Trace());
    }

    /// <summary>Codes (x − μ)Wᵀ of the rows of <paramref name="x"/> [rows × D] into <paramref name="destination"/> [rows × m].</summary>
    public void Project(ReadOnlySpan<float> x, int rows, Span<float> destination, WorkerPool? pool = null)
    {
        Check(x, rows, Dimension, nameof(x));
        Check(destination, rows, Components, nameof(destination));
        Gemm.MultiplyNT(x, _componentsF, destination, rows, Dimension, Components, false, pool);
        for (int n = 0; n < rows; n++)
            for (int i = 0; i < Components; i++)
                destination[n * Components + i] = (float)(destination[n * Components + i] - _meanProjection[i]);
    }

    /// <summary>Reconstructions μ + code·W of <paramref name="codes"/> [rows × m] into <paramref name="destination"/> [rows × D].</summary>
    public void Reconstruct(ReadOnlySpan<float> codes, int rows, Span<float> destination, WorkerPool? pool = null)
    {
        Check(codes, rows, Components, nameof(codes));
        Check(destination, rows, Dimension, nameof(destination));
        Gemm.MultiplyNNBias(codes, _componentsF, _meanF, destination, rows, Components, Dimension, pool);
    }

    /// <summary>Mean over the rows of ½‖x − x̂‖² (summed over D) with x̂ the projection onto the kept components.</summary>
    public double ReconstructionError(ReadOnlySpan<float> x, int rows)
        => SubspaceReconstructionError(x, rows, Dimension, _mean, _components, Components);

    /// <summary>
    /// Mean over the rows of ½‖x − x̂‖² where x̂ = μ + WᵀW(x − μ) projects onto the span of the orthonormal rows of
    /// <paramref name="basis"/> [m × D] through <paramref name="mean"/>, as ½(‖x − μ‖² − ‖W(x − μ)‖²). Computed in double,
    /// row by row (Eckart–Young comparisons need more than float's digits; O(N·m·D), no large buffers).
    /// </summary>
    internal static double SubspaceReconstructionError(ReadOnlySpan<float> x, int rows, int d, ReadOnlySpan<double> mean,
        ReadOnlySpan<double> basis, int m)
    {
        Check(x, rows, d, nameof(x));
        if (rows < 1) throw new ArgumentException("At least one row is needed.", nameof(rows));
        double total = 0;
        var diff = new double[d];
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<float> row = x.Slice(n * d, d);
            double norm2 = 0;
            for (int a = 0; a < d; a++) { diff[a] = row[a] - mean[a]; norm2 += diff[a] * diff[a]; }
            // ‖x − μ‖² − ‖W(x − μ)‖² for orthonormal rows W: the squared distance to the subspace.
            double kept = 0;
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<double> w = basis.Slice(i * d, d);
                double c = 0;
                for (int a = 0; a < d; a++) c += w[a] * diff[a];
                kept += c * c;
            }
            total += 0.5 * Math.Max(norm2 - kept, 0);
        }
        return total / rows;
    }

    private static void Check(ReadOnlySpan<float> x, int rows, int cols, string name)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "The row count cannot be negative.");
        if (x.Length < (long)rows * cols) throw new ArgumentException($"{name} holds {x.Length} values; {rows} rows of {cols} need {(long)rows * cols}.", name);
    }
}
