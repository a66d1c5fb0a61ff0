using VaeSharp.Evaluation;

namespace VaeSharp.Tests.Evaluation;

public sealed class CodeSparsityTests
{
    // Three images, four units, τ = 0.1:
    //   image 0: ( 0,    0.05, -2,   0 )   near zero: units 0, 1, 3 → 3/4; Σ|h| = 2.05
    //   image 1: ( 0.5, -0.1,   1,   0 )   near zero: unit 3 (|−0.1| is not < 0.1) → 1/4; Σ|h| = 1.6
    //   image 2: ( 0,    0,     0,   0 )   all near zero → 4/4; Σ|h| = 0
    // Unit 3 is never active (dead); units 0 and 1 are active on one image, unit 2 on two.
    private static readonly float[] Codes = [0f, 0.05f, -2f, 0f, 0.5f, -0.1f, 1f, 0f, 0f, 0f, 0f, 0f];

    [Fact]
    public void NearZeroSharesMeanAbsoluteValuesAndDeadUnitsOfAHandMadeCode()
    {
        var s = CodeSparsity.Measure(Codes, rows: 3, units: 4, threshold: 0.1f);
        Assert.Equal(0.1f, s.Threshold);
        double[] share = [0.75, 0.25, 1.0];
        Assert.Equal(share.Average(), s.NearZeroShare.Mean, 12);
        Assert.Equal(StandardError(share), s.NearZeroShare.StandardError, 12);
        double[] meanAbs = [2.05 / 4, 1.6 / 4, 0];
        Assert.Equal(meanAbs.Average(), s.MeanAbsolute.Mean, 6);   // the codes are floats: 0.05f, 0.1f are not exact
        Assert.Equal(StandardError(meanAbs), s.MeanAbsolute.StandardError, 6);
        Assert.Equal(1, s.DeadUnits);
        Assert.Equal([1.0 / 3, 1.0 / 3, 2.0 / 3, 0.0], s.ActivationFrequency);
        Assert.Equal(3, s.NearZeroShare.Count);
    }

    [Fact]
    public void HoyerSparsityIsOneForAOneHotCodeZeroForAFlatOneAndDoesNotSeeTheScale()
    {
        float[] codes = [0f, 3f, 0f, 0f, /**/ 1f, -1f, 1f, -1f, /**/ 0f, 0f, 0f, 0f];
        var s = CodeSparsity.Measure(codes, 3, 4, 0.5f);
        // (√4 − ‖h‖₁/‖h‖₂)/(√4 − 1): one-hot 1, flat 0, all-zero counted as 1.
        Assert.Equal((1.0 + 0.0 + 1.0) / 3, s.Hoyer.Mean, 12);

        float[] h = [0.3f, -1.2f, 0.05f, 2f, 0f, 0.7f];
        var a = CodeSparsity.Measure(h, 1, 6, 0.01f);
        var b = CodeSparsity.Measure(h.Select(v => v * 16f).ToArray(), 1, 6, 0.01f);   // ×16 is exact in binary
        Assert.Equal(a.Hoyer.Mean, b.Hoyer.Mean, 12);
        double l1 = h.Sum(v => Math.Abs((double)v)), l2 = Math.Sqrt(h.Sum(v => (double)v * v));
        Assert.Equal((Math.Sqrt(6) - l1 / l2) / (Math.Sqrt(6) - 1), a.Hoyer.Mean, 12);
    }

    [Fact]
    public void BadShapesAndThresholdsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => CodeSparsity.Measure(Codes, 3, 5, 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => CodeSparsity.Measure(Codes, 3, 4, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => CodeSparsity.Measure(Codes, 3, 4, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => CodeSparsity.Measure(Codes, 0, 4, 0.1f));
    }

    private static double StandardError(double[] v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1) / v.Length);
    }
}
