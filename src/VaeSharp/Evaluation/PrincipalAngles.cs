using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace VaeSharp.Evaluation;

/// <summary>
/// Principal angles between subspaces, and the recovery of principal directions from a trained linear autoencoder.
/// Subspaces are given as the column span of a D × m matrix (MathNet.Numerics does the QR and SVD).
/// </summary>
public static class PrincipalAngles
{
    /// <summary>
    /// The min(m, m′) principal angles between span(<paramref name="a"/>) and span(<paramref name="b"/>) (D × m and D × m′), in
    /// degrees, ascending. Both are orthonormalised by a thin QR; the singular values σᵢ of Q_aᵀQ_b are the cosines. Small
    /// angles are taken from sines instead (Björck &amp; Golub 1973): the singular values of Q_b − Q_a(Q_aᵀQ_b) are sin θᵢ, which
    /// keeps angles of 1e-6° accurate where arccos of a cosine near 1 would not; arcsin is used below 45°, arccos above.
    /// </summary>
    /// <exception cref="ArgumentException">The row counts differ, or a matrix's columns are linearly dependent (or not finite).</exception>
    public static double[] Degrees(Matrix<double> a, Matrix<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.RowCount != b.RowCount) throw new ArgumentException($"The subspaces live in {a.RowCount} and {b.RowCount} dimensions.", nameof(b));
        if (a.ColumnCount > b.ColumnCount) (a, b) = (b, a);
        var qa = Orthonormal(a, nameof(a));
        var qb = Orthonormal(b, nameof(b));
        var m = qa.TransposeThisAndMultiply(qb);                     // p × q, p ≤ q
        var cosSvd = m.Svd(computeVectors: true);
        int p = qa.ColumnCount;
        var cos = cosSvd.S;                                         // descending: angles ascending
        // Sines: the part of Q_b's principal vectors (Q_b V) outside span(Q_a), column by column.
        var qbv = qb * cosSvd.VT.Transpose();
        var residual = qbv - qa * (qa.TransposeThisAndMultiply(qbv));
        var angles = new double[p];
        for (int i = 0; i < p; i++)
        {
            double c = Math.Clamp(cos[i], -1, 1);
            double s = Math.Min(residual.Column(i).L2Norm(), 1);
            angles[i] = (c >= Math.Sqrt(0.5) ? Math.Asin(s) : Math.Acos(c)) * 180 / Math.PI;
        }
        Array.Sort(angles);
        return angles;
    }

    /// <summary>
    /// The principal angles between the column spans of <paramref name="a"/> [D × ma] and <paramref name="b"/> [D × mb], both
    /// row-major, in degrees, ascending (see <see cref="Degrees(Matrix{double}, Matrix{double})"/>).
    /// </summary>
    public static double[] Degrees(ReadOnlySpan<double> a, int columnsA, ReadOnlySpan<double> b, int columnsB, int dimension)
        => Degrees(FromRowMajor(a, dimension, columnsA, nameof(a)), FromRowMajor(b, dimension, columnsB, nameof(b)));

    /// <summary>
    /// The angle in degrees, in [0°, 90°], between each column of <paramref name="a"/> and the same column of <paramref name="b"/>,
    /// ignoring sign (directions, not vectors): for comparing recovered principal directions one by one.
    /// </summary>
    public static double[] DirectionDegrees(Matrix<double> a, Matrix<double> b)
    {
        if (a.RowCount != b.RowCount || a.ColumnCount != b.ColumnCount)
            throw new ArgumentException($"The matrices are {a.RowCount}×{a.ColumnCount} and {b.RowCount}×{b.ColumnCount}.", nameof(b));
        var result = new double[a.ColumnCount];
        for (int i = 0; i < result.Length; i++)
        {
            var u = a.Column(i).Normalize(2);
            var v = b.Column(i).Normalize(2);
            // atan2(‖u − (u·v)v‖, |u·v|) is accurate at every angle, unlike arccos near 0.
            double dot = u.DotProduct(v);
            double sin = (u - dot * v).L2Norm();
            result[i] = Math.Atan2(sin, Math.Abs(dot)) * 180 / Math.PI;
        }
        return result;
    }

    /// <summary>
    /// The principal directions recovered from a trained linear autoencoder's decoder (Plaut 2018, "From principal subspaces to
    /// principal components with linear autoencoders"): the left singular vectors of W_g, ordered by decreasing singular value,
    /// as the columns of a D × m matrix (each with its largest-magnitude coordinate made positive, the sign <see cref="Pca"/> uses).
    /// A linear AE x̂ = W_g W_f x at its optimum spans the principal subspace with W_g = U_m C for some invertible C; the left
    /// singular vectors equal U_m themselves when C = S Oᵀ with S diagonal (weight decay makes it so, Plaut's theorem); otherwise
    /// they are some basis of the same subspace and only the principal angles of the whole span are meaningful.
    /// </summary>
    /// <param name="weight">W_g in the layout <see cref="Layers.Linear"/> stores it: [in × out] = [m × D] row-major (that is W_gᵀ).</param>
    /// <param name="latent">m, the code size (the decoder's inputs).</param>
    /// <param name="dimension">D, the decoder's outputs.</param>
    /// <param name="singularValues">Receives the m singular values of W_g, descending, when not empty.</param>
    public static Matrix<double> DecoderDirections(ReadOnlySpan<float> weight, int latent, int dimension, Span<double> singularValues = default)
    {
        if (latent < 1 || dimension < latent)
            throw new ArgumentException($"A decoder from {latent} to {dimension} values has no principal directions to recover (need 1 ≤ m ≤ D).", nameof(latent));
        if (weight.Length != (long)latent * dimension)
            throw new ArgumentException($"The decoder weight holds {weight.Length} values; {latent}×{dimension} needs {(long)latent * dimension}.", nameof(weight));
        var wg = Matrix<double>.Build.Dense(dimension, latent);
        for (int j = 0; j < latent; j++)
            for (int a = 0; a < dimension; a++)
            {
                float v = weight[j * dimension + a];
                if (!float.IsFinite(v)) throw new ArgumentException($"The decoder weight has the value {v} at ({j}, {a}).", nameof(weight));
                wg[a, j] = v;
            }
        var svd = wg.Svd(computeVectors: true);
        var u = svd.U.SubMatrix(0, dimension, 0, latent);
        for (int j = 0; j < latent; j++)
        {
            var col = u.Column(j);
            int big = col.AbsoluteMaximumIndex();
            if (col[big] < 0) u.SetColumn(j, -col);
        }
        if (!singularValues.IsEmpty)
            for (int j = 0; j < Math.Min(latent, singularValues.Length); j++) singularValues[j] = svd.S[j];
        return u;
    }

    private static Matrix<double> Orthonormal(Matrix<double> x, string name)
    {
        if (x.ColumnCount == 0) throw new ArgumentException("A subspace needs at least one column.", name);
        if (x.ColumnCount > x.RowCount) throw new ArgumentException($"{x.ColumnCount} columns in {x.RowCount} dimensions are linearly dependent.", name);
        foreach (double v in x.Enumerate())
            if (!double.IsFinite(v)) throw new ArgumentException($"The matrix holds the value {v}.", name);
        var qr = x.QR(QRMethod.Thin);
        double scale = x.Enumerate().Max(Math.Abs);
        for (int i = 0; i < x.ColumnCount; i++)
            if (!(Math.Abs(qr.R[i, i]) > 1e-12 * scale * x.RowCount))
                throw new ArgumentException($"The columns of {name} are linearly dependent (column {i} adds nothing new).", name);
        return qr.Q;
    }

    private static Matrix<double> FromRowMajor(ReadOnlySpan<double> x, int rows, int cols, string name)
    {
        if (rows < 1 || cols < 1) throw new ArgumentException($"A {rows}×{cols} matrix is empty.", name);
        if (x.Length != (long)rows * cols) throw new ArgumentException($"{name} holds {x.Length} values; {rows}×{cols} needs {(long)rows * cols}.", name);
        var m = Matrix<double>.Build.Dense(rows, cols);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) m[i, j] = x[i * cols + j];
        return m;
    }
}
