using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>Mean and covariance of a set of feature vectors, the sufficient statistics of the Fréchet distance.</summary>
/// <param name="Count">Rows they were computed from.</param>
/// <param name="Dimension">D.</param>
/// <param name="Mean">[D].</param>
/// <param name="Covariance">[D × D] row-major, the unbiased sample covariance (divisor N − 1, as <c>numpy.cov</c> and pytorch-fid).</param>
public sealed record FeatureMoments(int Count, int Dimension, double[] Mean, double[] Covariance);

/// <summary>k-NN precision and recall of a generated set against a real one.</summary>
/// <param name="Precision">Fraction of generated samples inside the real manifold estimate.</param>
/// <param name="Recall">Fraction of real samples inside the generated manifold estimate.</param>
/// <param name="K">The k of the k-NN radii.</param>
public readonly record struct PrecisionRecall(double Precision, double Recall, int K);

/// <summary>
/// Nearest-neighbour distances from generated samples and from real held-out images to the training set.
/// A model that copies its training data has generated distances far below the test images' (ratio ≪ 1).
/// </summary>
/// <param name="GeneratedMean">Mean distance from a generated sample to its nearest training point.</param>
/// <param name="GeneratedMedian">Median of the same.</param>
/// <param name="TestMean">Mean distance from a real test image to its nearest training point.</param>
/// <param name="TestMedian">Median of the same.</param>
public readonly record struct MemorisationSummary(double GeneratedMean, double GeneratedMedian, double TestMean, double TestMedian)
{
    /// <summary>GeneratedMean / TestMean: about 1 for a model that generalises like held-out data, near 0 for one that copies.</summary>
    public double MeanRatio => GeneratedMean / TestMean;

    /// <summary>GeneratedMedian / TestMedian.</summary>
    public double MedianRatio => GeneratedMedian / TestMedian;
}

/// <summary>
/// Sample-quality metrics for generative models, computed on feature vectors (a classifier's penultimate activations, or
/// pixels): the Fréchet distance (Heusel et al. 2017, FID when the features are Inception's), k-NN precision and recall
/// (Kynkäänniemi et al. 2019), and nearest-neighbour distances to the training set (memorisation).
/// </summary>
public static class GenerationMetrics
{
    private const int RowBlock = 1024;

    /// <summary>
    /// Mean (double) and covariance of the rows of <paramref name="x"/> [rows × dimension]. The covariance is
    /// Σ (x − x̄)(x − x̄)ᵀ / (N − 1): rows are centred in double and rounded to float, then multiplied with <see cref="Gemm"/> in
    /// blocks of 1024 rows whose float products are summed in double (relative error about 1e-6, far below sampling error).
    /// </summary>
    public static FeatureMoments Moments(ReadOnlySpan<float> x, int rows, int dimension, WorkerPool? pool = null)
    {
        NearestNeighbors.Validate(x, rows, dimension, nameof(x));
        if (rows < 2) throw new ArgumentException($"A covariance needs at least 2 rows; {rows} given.", nameof(rows));
        if ((long)dimension * dimension > Array.MaxLength) throw new ArgumentException($"A {dimension}×{dimension} covariance does not fit in one array.", nameof(dimension));
        pool ??= WorkerPool.Single;
        int d = dimension;
        var mean = new double[d];
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * d, d);
            for (int a = 0; a < d; a++) mean[a] += row[a];
        }
        for (int a = 0; a < d; a++) mean[a] /= rows;
        var cov = new double[d * d];
        var block = new float[Math.Min(RowBlock, rows) * d];
        var product = new float[d * d];
        for (int start = 0; start < rows; start += RowBlock)
        {
            int b = Math.Min(RowBlock, rows - start);
            for (int i = 0; i < b; i++)
                for (int a = 0; a < d; a++) block[i * d + a] = (float)(x[(start + i) * d + a] - mean[a]);
            Gemm.MultiplyTN(block, block, product, d, b, d, false, pool);
            for (int t = 0; t < cov.Length; t++) cov[t] += product[t];
        }
        for (int a = 0; a < d; a++)
            for (int c = 0; c <= a; c++)
            {
                double v = 0.5 * (cov[a * d + c] + cov[c * d + a]) / (rows - 1);
                cov[a * d + c] = v;
                cov[c * d + a] = v;
            }
        return new FeatureMoments(rows, d, mean, cov);
    }

    /// <summary>The naive oracle of <see cref="Moments"/>: every sum in double.</summary>
    internal static FeatureMoments MomentsReference(ReadOnlySpan<float> x, int rows, int d)
    {
        var mean = new double[d];
        for (int i = 0; i < rows; i++) for (int a = 0; a < d; a++) mean[a] += x[i * d + a];
        for (int a = 0; a < d; a++) mean[a] /= rows;
        var cov = new double[d * d];
        for (int i = 0; i < rows; i++)
            for (int a = 0; a < d; a++)
                for (int c = 0; c < d; c++) cov[a * d + c] += (x[i * d + a] - mean[a]) * (x[i * d + c] - mean[c]);
        for (int t = 0; t < cov.Length; t++) cov[t] /= rows - 1;
        return new FeatureMoments(rows, d, mean, cov);
    }

    /// <summary>
    /// The Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂):
    /// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½).
    /// Numerically: Σ₁^½ = V diag(√max(λ, 0)) Vᵀ from the symmetric eigendecomposition of Σ₁ (MathNet.Numerics); then
    /// M = Σ₁^½ Σ₂ Σ₁^½ is symmetrised and its eigenvalues give tr M^½ = Σ √max(λ, 0). Both matrices are symmetric positive
    /// semi-definite, so no complex square root arises (pytorch-fid's <c>scipy.linalg.sqrtm</c> of the non-symmetric Σ₁Σ₂ has the
    /// same trace). Rounding can leave a result of order −1e-12·tr Σ instead of 0; it is returned as computed.
    /// </summary>
    public static double FrechetDistance(FeatureMoments a, FeatureMoments b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimension != b.Dimension) throw new ArgumentException($"The feature sets have dimensions {a.Dimension} and {b.Dimension}.", nameof(b));
        int d = a.Dimension;
        double meanTerm = 0;
        for (int i = 0; i < d; i++) { double t = a.Mean[i] - b.Mean[i]; meanTerm += t * t; }
        var s1 = Matrix<double>.Build.Dense(d, d, (i, j) => a.Covariance[i * d + j]);
        var s2 = Matrix<double>.Build.Dense(d, d, (i, j) => b.Covariance[i * d + j]);
        var evd = s1.Evd(Symmetricity.Symmetric);
        var roots = evd.EigenValues.Map(l => Math.Sqrt(Math.Max(l.Real, 0)), MathNet.Numerics.LinearAlgebra.Zeros.Include);
        var v = evd.EigenVectors;
        var sqrt1 = v * Matrix<double>.Build.DiagonalOfDiagonalVector(roots) * v.Transpose();
        var m = sqrt1 * s2 * sqrt1;
        m = 0.5 * (m + m.Transpose());
        double traceSqrt = 0;
        foreach (var l in m.Evd(Symmetricity.Symmetric).EigenValues) traceSqrt += Math.Sqrt(Math.Max(l.Real, 0));
        return meanTerm + s1.Trace() + s2.Trace() - 2 * traceSqrt;
    }

    /// <summary>The Fréchet distance between the Gaussians fitted (<see cref="Moments"/>) to two feature sets [rows × dimension].</summary>
    public static double FrechetDistance(ReadOnlySpan<float> first, int firstRows, ReadOnlySpan<float> second, int secondRows, int dimension, WorkerPool? pool = null)
        => FrechetDistance(Moments(first, firstRows, dimension, pool), Moments(second, secondRows, dimension, pool));

    /// <summary>
    /// k-NN precision and recall (Kynkäänniemi et al. 2019). Each real feature vector gets the radius of a ball reaching its
    /// k-th nearest other real vector; the union of the balls estimates the real manifold, and likewise for the generated set.
    /// Precision is the fraction of generated vectors inside the real manifold (distance ≤ some real point's radius), recall
    /// the fraction of real vectors inside the generated one. The paper uses k = 3. Distances are exact (see
    /// <see cref="NearestNeighbors"/>).
    /// </summary>
    public static PrecisionRecall KnnPrecisionRecall(ReadOnlySpan<float> real, int realRows, ReadOnlySpan<float> generated, int generatedRows,
        int dimension, int k = 3, WorkerPool? pool = null)
    {
        if (realRows < 1 || generatedRows < 1) throw new ArgumentException("Both feature sets need at least one row.", nameof(realRows));
        double[] realRadii = Radii(real, realRows, dimension, k, pool);
        double[] genRadii = Radii(generated, generatedRows, dimension, k, pool);
        int precise = NearestNeighbors.CountWithin(generated, generatedRows, real, realRows, dimension, realRadii, default, pool);
        int recalled = NearestNeighbors.CountWithin(real, realRows, generated, generatedRows, dimension, genRadii, default, pool);
        return new PrecisionRecall((double)precise / generatedRows, (double)recalled / realRows, k);
    }

    /// <summary>Squared k-NN radii of a set within itself (each row's own copy excluded).</summary>
    private static double[] Radii(ReadOnlySpan<float> x, int rows, int dim, int k, WorkerPool? pool)
    {
        var all = new double[(long)rows * k];
        NearestNeighbors.KNearestSquared(x, rows, x, rows, dim, k, true, all, pool);
        var radii = new double[rows];
        for (int i = 0; i < rows; i++) radii[i] = all[(long)i * k + k - 1];
        return radii;
    }

    /// <summary>
    /// Nearest-neighbour distances to <paramref name="train"/> from each generated sample and from each real test image,
    /// summarised by mean and median (see <see cref="MemorisationSummary"/>).
    /// </summary>
    public static MemorisationSummary Memorisation(ReadOnlySpan<float> generated, int generatedRows, ReadOnlySpan<float> test, int testRows,
        ReadOnlySpan<float> train, int trainRows, int dimension, WorkerPool? pool = null)
    {
        if (generatedRows < 1 || testRows < 1 || trainRows < 1) throw new ArgumentException("Every set needs at least one row.", nameof(generatedRows));
        var g = new double[generatedRows];
        var t = new double[testRows];
        NearestNeighbors.NearestDistances(generated, generatedRows, train, trainRows, dimension, g, pool);
        NearestNeighbors.NearestDistances(test, testRows, train, trainRows, dimension, t, pool);
        return new MemorisationSummary(g.Average(), Median(g), t.Average(), Median(t));
    }

    /// <summary>The median (mean of the two middle values for an even count).</summary>
    internal static double Median(double[] values)
    {
        var s = (double[])values.Clone();
        Array.Sort(s);
        int n = s.Length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
