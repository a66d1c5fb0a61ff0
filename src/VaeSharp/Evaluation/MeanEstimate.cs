namespace VaeSharp.Evaluation;

/// <summary>A mean with its standard error: the sample mean of <see cref="Count"/> values and s/√n (s with n − 1).</summary>
/// <param name="Mean">The mean.</param>
/// <param name="StandardError">Standard error of the mean (NaN for fewer than two values).</param>
/// <param name="Count">Values averaged.</param>
public readonly record struct MeanEstimate(double Mean, double StandardError, int Count)
{
    /// <summary>The mean and standard error of <paramref name="values"/> (two passes, in double).</summary>
    public static MeanEstimate Of(ReadOnlySpan<double> values)
    {
        int n = values.Length;
        if (n == 0) return new(double.NaN, double.NaN, 0);
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= n;
        if (n < 2) return new(mean, double.NaN, n);
        double ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        return new(mean, Math.Sqrt(ss / (n - 1) / n), n);
    }

    /// <summary>
    /// The mean of the paired differences aᵢ − bᵢ with its standard error: far smaller than either figure's own when a and b
    /// vary together over the datapoints (as two bounds on the same images do).
    /// </summary>
    public static MeanEstimate OfDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Paired values must be as many ({a.Length} vs {b.Length}).", nameof(b));
        var d = new double[a.Length];
        for (int i = 0; i < d.Length; i++) d[i] = a[i] - b[i];
        return Of(d);
    }

    /// <summary>The sample standard deviation of the values (s = s.e.·√n).</summary>
    public double StandardDeviation => StandardError * Math.Sqrt(Count);
}
