namespace VaeSharp.Evaluation;

/// <summary>
/// How sparse an autoencoder's code h = f(x) is over a set of images (the sparse AE of seed 002): per image, the share of
/// the J code units that are near zero (|h_j| &lt; <see cref="Threshold"/>), the mean |h_j| and Hoyer's (2004) sparsity; over
/// the set, each unit's activation frequency (the share of images where |h_j| ≥ the threshold) and the dead units, never
/// active on any image. The per-image figures carry the standard error of their mean over the images.
/// </summary>
/// <param name="Threshold">τ: a unit is near zero (inactive) on an image when |h_j| &lt; τ.</param>
/// <param name="NearZeroShare">Mean over images of #{j : |h_j| &lt; τ} / J.</param>
/// <param name="MeanAbsolute">Mean over images of (1/J) Σ_j |h_j|.</param>
/// <param name="Hoyer">
/// Mean over images of Hoyer's sparsity (√J − ‖h‖₁/‖h‖₂)/(√J − 1): 0 when all |h_j| are equal, 1 for a single non-zero
/// unit; unchanged when the whole code is scaled, so it shows a sparser code, not just a smaller one (an image whose
/// code is exactly 0 counts as 1; J = 1 gives 0).
/// </param>
/// <param name="DeadUnits">Units with |h_j| &lt; τ on every image.</param>
/// <param name="ActivationFrequency">Per unit j, the share of images with |h_j| ≥ τ.</param>
public sealed record CodeSparsity(float Threshold, MeanEstimate NearZeroShare, MeanEstimate MeanAbsolute, MeanEstimate Hoyer, int DeadUnits,
    double[] ActivationFrequency)
{
    /// <summary>The measures of <paramref name="rows"/> codes of <paramref name="units"/> values each (row-major) at threshold τ.</summary>
    public static CodeSparsity Measure(ReadOnlySpan<float> codes, int rows, int units, float threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        if (!(threshold > 0) || !float.IsFinite(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a positive number.");
        if (codes.Length != (long)rows * units)
            throw new ArgumentException($"Expected {rows}×{units} = {(long)rows * units} code values, got {codes.Length}.", nameof(codes));
        var share = new double[rows];
        var meanAbs = new double[rows];
        var hoyer = new double[rows];
        var active = new long[units];
        double sqrtJ = Math.Sqrt(units);
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> h = codes.Slice(i * units, units);
            int near = 0;
            double l1 = 0, l2 = 0;
            for (int j = 0; j < units; j++)
            {
                double a = Math.Abs((double)h[j]);
                if (a < threshold) near++;
                else active[j]++;
                l1 += a;
                l2 += a * a;
            }
            share[i] = (double)near / units;
            meanAbs[i] = l1 / units;
            hoyer[i] = units == 1 ? 0 : l2 == 0 ? 1 : (sqrtJ - l1 / Math.Sqrt(l2)) / (sqrtJ - 1);
        }
        var frequency = new double[units];
        int dead = 0;
        for (int j = 0; j < units; j++)
        {
            frequency[j] = (double)active[j] / rows;
            if (active[j] == 0) dead++;
        }
        return new CodeSparsity(threshold, MeanEstimate.Of(share), MeanEstimate.Of(meanAbs), MeanEstimate.Of(hoyer), dead, frequency);
    }
}
