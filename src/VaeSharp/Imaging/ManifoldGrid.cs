using MathNet.Numerics.Distributions;

namespace VaeSharp.Imaging;

/// <summary>
/// Latent points for the "learned manifold" pictures of Kingma &amp; Welling (Figure 4): linearly spaced
/// coordinates on the unit square mapped through the inverse CDF of the standard normal, so that the
/// grid covers the prior p(z) = N(0, I) with equal probability mass per cell.
/// </summary>
public static class ManifoldGrid
{
    /// <summary>
    /// <paramref name="steps"/>² points in 2-D (float[steps·steps·2], (z1, z2) pairs), using the unit-square
    /// coordinates u_i = (i + 0.5) / steps, i = 0..steps−1 (cell centres, so the extremes are
    /// ±Φ⁻¹(1 − 0.5/steps), e.g. ±1.96 for 20 steps).
    /// </summary>
    /// <remarks>
    /// Orientation (the same as a plot with z2 pointing up): points are row-major; row r, column c is point
    /// r·steps + c with z1 = Φ⁻¹(u_c) increasing left to right and z2 = Φ⁻¹(u_{steps−1−r}) decreasing top to
    /// bottom, so the first (top) row has the highest z2. Decoding every point in order and calling
    /// <see cref="ImageGrid.Tile"/> with <c>columns: steps</c> gives the manifold picture.
    /// </remarks>
    public static float[] Points(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        double[] u = new double[steps];
        for (int i = 0; i < steps; i++) u[i] = (i + 0.5) / steps;
        return FromUnitCoordinates(u);
    }

    /// <summary>
    /// As <see cref="Points(int)"/>, with unit-square coordinates spaced linearly from <paramref name="first"/> to
    /// <paramref name="last"/> inclusive (0 &lt; first &lt; last &lt; 1; e.g. 0.05 and 0.95). One step gives the
    /// midpoint.
    /// </summary>
    public static float[] Points(int steps, double first, double last)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (!(first > 0 && first < last && last < 1))
            throw new ArgumentOutOfRangeException(nameof(first), $"Need 0 < first < last < 1, got first={first}, last={last}.");
        double[] u = new double[steps];
        for (int i = 0; i < steps; i++) u[i] = steps == 1 ? 0.5 * (first + last) : first + (last - first) * i / (steps - 1);
        return FromUnitCoordinates(u);
    }

    private static float[] FromUnitCoordinates(double[] u)
    {
        int steps = u.Length;
        double[] z = new double[steps];
        for (int i = 0; i < steps; i++) z[i] = Normal.InvCDF(0, 1, u[i]);
        // Symmetrise exactly: Φ⁻¹(1 − u) = −Φ⁻¹(u) in exact arithmetic; make it so in floating point too.
        for (int i = 0; i < steps / 2; i++)
        {
            if (Math.Abs(u[i] + u[steps - 1 - i] - 1) > 1e-12) continue; // only for mirrored coordinates
            double m = 0.5 * (z[steps - 1 - i] - z[i]);
            z[i] = -m;
            z[steps - 1 - i] = m;
        }
        if (steps % 2 == 1 && Math.Abs(u[steps / 2] - 0.5) < 1e-15) z[steps / 2] = 0;

        var points = new float[steps * steps * 2];
        for (int r = 0; r < steps; r++)
            for (int c = 0; c < steps; c++)
            {
                int p = (r * steps + c) * 2;
                points[p] = (float)z[c];
                points[p + 1] = (float)z[steps - 1 - r];
            }
        return points;
    }
}
