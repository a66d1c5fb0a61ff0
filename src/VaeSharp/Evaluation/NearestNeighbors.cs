using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// Exact Euclidean nearest-neighbour queries between two sets of float vectors, for sets too large for a naive loop
/// (10,000 × 60,000 × 784). Distances are screened with the expansion ‖q − r‖² = ‖q‖² + ‖r‖² − 2 q·r, the dot products by
/// <see cref="Gemm"/> in float32 tiles; each screened value carries a rigorous bound on its rounding error
/// (|fl(q·r) − q·r| ≤ γ_D ‖q‖‖r‖, γ_D = D·u / (1 − D·u), u = 2⁻²⁴, for any summation order), and every pair whose bound
/// leaves the answer undecided is recomputed directly in double. So results equal those of the naive double-precision
/// loop (<see cref="KNearestSquaredReference"/>) up to double rounding, whatever the magnitudes; a copy of a reference
/// point is at distance exactly 0.
/// </summary>
/// <remarks>The screening and selection are written by hand; no present library offers k-NN over dense float sets.</remarks>
public static class NearestNeighbors
{
    private const int QueryBlock = 256, ReferenceBlock = 2048;

    /// <summary>
    /// For each query row, the <paramref name="k"/> smallest Euclidean distances to the reference rows, ascending, into
    /// <paramref name="destination"/> [queryRows × k]. With <paramref name="excludeSelf"/> the reference row with the query's own
    /// index is skipped (queries and reference being the same set): the k-th value is then the k-NN radius of Kynkäänniemi et al.
    /// </summary>
    public static void KNearestDistances(ReadOnlySpan<float> queries, int queryRows, ReadOnlySpan<float> reference, int referenceRows,
        int dimension, int k, bool excludeSelf, Span<double> destination, WorkerPool? pool = null)
    {
        KNearestSquared(queries, queryRows, reference, referenceRows, dimension, k, excludeSelf, destination, pool);
        for (long i = 0; i < (long)queryRows * k; i++) destination[(int)i] = Math.Sqrt(destination[(int)i]);
    }

    /// <summary>For each query row, the distance to its nearest reference row, into <paramref name="destination"/> [queryRows].</summary>
    public static void NearestDistances(ReadOnlySpan<float> queries, int queryRows, ReadOnlySpan<float> reference, int referenceRows,
        int dimension, Span<double> destination, WorkerPool? pool = null)
        => KNearestDistances(queries, queryRows, reference, referenceRows, dimension, 1, false, destination, pool);

    internal static void Validate(ReadOnlySpan<float> x, int rows, int dimension, string name)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(name, rows, "The row count cannot be negative.");
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension must be positive.");
        long n = (long)rows * dimension;
        if (x.Length < n) throw new ArgumentException($"{name} holds {x.Length} values; {rows} rows of {dimension} need {n}.", name);
        for (int i = 0; i < n; i++)
            if (!float.IsFinite(x[i])) throw new ArgumentException($"{name} has the value {x[i]} at row {i / dimension}, column {i % dimension}.", name);
    }

    private static double[] SquaredNorms(ReadOnlySpan<float> x, int rows, int dim)
    {
        var n = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            ReadOnlySpan<float> row = x.Slice(i * dim, dim);
            for (int a = 0; a < dim; a++) s += (double)row[a] * row[a];
            n[i] = s;
        }
        return n;
    }

    /// <summary>‖a − b‖² in double (differences of floats are exact in double).</summary>
    internal static double ExactSquared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double d = (double)a[i] - b[i]; s += d * d; }
        return s;
    }

    /// <summary>Coefficients of the screening bound: margin = c1·‖q‖‖r‖ + c2·(‖q‖² + ‖r‖²).</summary>
    private static (double c1, double c2) Bound(int dim)
    {
        double u = 1.0 / (1 << 24), du = (dim + 2) * u;
        // The float dot product: γ_{D} ‖q‖‖r‖ (doubled for the factor 2 in the expansion, and again for headroom);
        // the double arithmetic of norms and the expansion: a few units of 2⁻⁵³ relative to ‖q‖² + ‖r‖².
        return (4 * du / (1 - du), 1e-13);
    }

    /// <summary>
    /// The dot products of a query block with a reference block: dots [bq × br] = Q[qs..qs+bq] · R[rs..rs+br]ᵀ.
    /// </summary>
    private static void Tile(ReadOnlySpan<float> q, int qs, int bq, ReadOnlySpan<float> r, int rs, int br, int dim, Span<float> dots, WorkerPool pool)
        => Gemm.MultiplyNT(q.Slice(qs * dim, bq * dim), r.Slice(rs * dim, br * dim), dots[..(bq * br)], bq, dim, br, false, pool);

    internal static void KNearestSquared(ReadOnlySpan<float> queries, int queryRows, ReadOnlySpan<float> reference, int referenceRows,
        int dimension, int k, bool excludeSelf, Span<double> destination, WorkerPool? pool)
    {
        Validate(queries, queryRows, dimension, nameof(queries));
        Validate(reference, referenceRows, dimension, nameof(reference));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (excludeSelf && queryRows > referenceRows)
            throw new ArgumentException("excludeSelf needs the queries to be (a prefix of) the reference set.", nameof(excludeSelf));
        int available = referenceRows - (excludeSelf ? 1 : 0);
        if (k > available)
            throw new ArgumentException($"k = {k} neighbours asked of a reference set with {available} candidate rows.", nameof(k));
        if (destination.Length < (long)queryRows * k)
            throw new ArgumentException($"The destination holds {destination.Length} values; {queryRows}×{k} are needed.", nameof(destination));
        pool ??= WorkerPool.Single;
        int dim = dimension;
        double[] qn = SquaredNorms(queries, queryRows, dim), rn = SquaredNorms(reference, referenceRows, dim);
        double[] qNorm = [.. qn.Select(Math.Sqrt)], rNorm = [.. rn.Select(Math.Sqrt)];
        (double c1, double c2) = Bound(dim);
        var dots = new float[QueryBlock * Math.Min(ReferenceBlock, referenceRows)];
        var upper = new double[QueryBlock * k];
        var candidates = new List<(int Index, double Lower)>[QueryBlock];
        for (int i = 0; i < QueryBlock; i++) candidates[i] = [];
        var exact = new List<double>();

        for (int qs = 0; qs < queryRows; qs += QueryBlock)
        {
            int bq = Math.Min(QueryBlock, queryRows - qs);
            Array.Fill(upper, double.PositiveInfinity);
            for (int i = 0; i < bq; i++) candidates[i].Clear();
            for (int rs = 0; rs < referenceRows; rs += ReferenceBlock)
            {
                int br = Math.Min(ReferenceBlock, referenceRows - rs);
                Tile(queries, qs, bq, reference, rs, br, dim, dots, pool);
                for (int i = 0; i < bq; i++)
                {
                    int gi = qs + i;
                    Span<double> up = upper.AsSpan(i * k, k);
                    double kth = up[k - 1], qni = qn[gi], qnormi = qNorm[gi];
                    var list = candidates[i];
                    ReadOnlySpan<float> row = dots.AsSpan(i * br, br);
                    for (int j = 0; j < br; j++)
                    {
                        int gj = rs + j;
                        if (excludeSelf && gi == gj) continue;
                        double approx = qni + rn[gj] - 2.0 * row[j];
                        double margin = c1 * qnormi * rNorm[gj] + c2 * (qni + rn[gj]);
                        double lower = approx - margin;
                        if (lower > kth) continue;
                        double hi = approx + margin;
                        if (hi < kth)
                        {
                            int p = k - 1;
                            while (p > 0 && up[p - 1] > hi) { up[p] = up[p - 1]; p--; }
                            up[p] = hi;
                            kth = up[k - 1];
                        }
                        list.Add((gj, lower));
                    }
                    if (list.Count > 8 * k + 64) list.RemoveAll(c => c.Lower > kth);
                }
            }
            for (int i = 0; i < bq; i++)
            {
                int gi = qs + i;
                double kth = upper[i * k + k - 1];
                exact.Clear();
                ReadOnlySpan<float> qi = queries.Slice(gi * dim, dim);
                foreach (var (index, lower) in candidates[i])
                    if (lower <= kth) exact.Add(ExactSquared(qi, reference.Slice(index * dim, dim)));
                exact.Sort();
                for (int t = 0; t < k; t++) destination[gi * k + t] = exact[t];
            }
        }
    }

    /// <summary>
    /// For each query row, whether some reference row j lies within its radius: ‖q − rⱼ‖² ≤ <paramref name="radiiSquared"/>[j].
    /// Returns how many queries do; marks them in <paramref name="inside"/> when it is not empty.
    /// </summary>
    internal static int CountWithin(ReadOnlySpan<float> queries, int queryRows, ReadOnlySpan<float> reference, int referenceRows,
        int dimension, ReadOnlySpan<double> radiiSquared, Span<bool> inside, WorkerPool? pool)
    {
        Validate(queries, queryRows, dimension, nameof(queries));
        Validate(reference, referenceRows, dimension, nameof(reference));
        if (radiiSquared.Length < referenceRows) throw new ArgumentException("One radius per reference row is needed.", nameof(radiiSquared));
        pool ??= WorkerPool.Single;
        int dim = dimension;
        double[] qn = SquaredNorms(queries, queryRows, dim), rn = SquaredNorms(reference, referenceRows, dim);
        double[] qNorm = [.. qn.Select(Math.Sqrt)], rNorm = [.. rn.Select(Math.Sqrt)];
        (double c1, double c2) = Bound(dim);
        var dots = new float[QueryBlock * Math.Max(1, Math.Min(ReferenceBlock, referenceRows))];
        var found = new bool[queryRows];
        int count = 0;
        for (int qs = 0; qs < queryRows; qs += QueryBlock)
        {
            int bq = Math.Min(QueryBlock, queryRows - qs);
            for (int rs = 0; rs < referenceRows; rs += ReferenceBlock)
            {
                int br = Math.Min(ReferenceBlock, referenceRows - rs);
                Tile(queries, qs, bq, reference, rs, br, dim, dots, pool);
                for (int i = 0; i < bq; i++)
                {
                    int gi = qs + i;
                    if (found[gi]) continue;
                    double qni = qn[gi], qnormi = qNorm[gi];
                    ReadOnlySpan<float> row = dots.AsSpan(i * br, br);
                    for (int j = 0; j < br; j++)
                    {
                        int gj = rs + j;
                        double r2 = radiiSquared[gj];
                        double approx = qni + rn[gj] - 2.0 * row[j];
                        double margin = c1 * qnormi * rNorm[gj] + c2 * (qni + rn[gj]);
                        if (approx - margin > r2) continue;
                        if (approx + margin <= r2
                            || ExactSquared(queries.Slice(gi * dim, dim), reference.Slice(gj * dim, dim)) <= r2)
                        {
                            found[gi] = true;
                            count++;
                            break;
                        }
                    }
                }
            }
        }
        if (!inside.IsEmpty) found.AsSpan(0, Math.Min(found.Length, inside.Length)).CopyTo(inside);
        return count;
    }

    /// <summary>The naive oracle: all distances in double, sorted; [queryRows × k] squared distances.</summary>
    internal static double[] KNearestSquaredReference(ReadOnlySpan<float> queries, int queryRows, ReadOnlySpan<float> reference,
        int referenceRows, int dim, int k, bool excludeSelf)
    {
        var result = new double[queryRows * k];
        var all = new List<double>(referenceRows);
        for (int i = 0; i < queryRows; i++)
        {
            all.Clear();
            for (int j = 0; j < referenceRows; j++)
                if (!(excludeSelf && i == j))
                    all.Add(ExactSquared(queries.Slice(i * dim, dim), reference.Slice(j * dim, dim)));
            all.Sort();
            for (int t = 0; t < k; t++) result[i * k + t] = all[t];
        }
        return result;
    }

    /// <summary>The naive oracle of <see cref="CountWithin"/>.</summary>
    internal static int CountWithinReference(ReadOnlySpan<float> queries, int queryRows, ReadOnlySpan<float> reference,
        int referenceRows, int dim, ReadOnlySpan<double> radiiSquared)
    {
        int count = 0;
        for (int i = 0; i < queryRows; i++)
            for (int j = 0; j < referenceRows; j++)
                if (ExactSquared(queries.Slice(i * dim, dim), reference.Slice(j * dim, dim)) <= radiiSquared[j]) { count++; break; }
        return count;
    }
}
