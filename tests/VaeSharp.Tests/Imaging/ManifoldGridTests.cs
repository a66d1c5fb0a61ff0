using MathNet.Numerics.Distributions;
using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

public class ManifoldGridTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(20)]
    public void GridIsSymmetricMonotoneAndCentred(int steps)
    {
        float[] p = ManifoldGrid.Points(steps);
        Assert.Equal(steps * steps * 2, p.Length);
        float Z1(int r, int c) => p[(r * steps + c) * 2];
        float Z2(int r, int c) => p[(r * steps + c) * 2 + 1];
        for (int r = 0; r < steps; r++)
            for (int c = 0; c < steps; c++)
            {
                Assert.Equal(Z1(0, c), Z1(r, c));                      // z1 depends on the column only
                Assert.Equal(Z2(r, 0), Z2(r, c));                      // z2 on the row only
                Assert.Equal(-Z1(r, c), Z1(r, steps - 1 - c));         // exact symmetry
                Assert.Equal(-Z2(r, c), Z2(steps - 1 - r, c));
                if (c > 0) Assert.True(Z1(r, c) > Z1(r, c - 1));       // z1 grows left to right
                if (r > 0) Assert.True(Z2(r, c) < Z2(r - 1, c));       // first row is the highest z2
            }
        if (steps % 2 == 1) Assert.Equal(0f, Z1(0, steps / 2));
        double edge = Normal.InvCDF(0, 1, 1 - 0.5 / steps);
        Assert.Equal(edge, Z1(0, steps - 1), 5);
        Assert.Equal(edge, Z2(0, 0), 5);
    }

    [Fact]
    public void TwentyStepsReachAbout1Point96()
    {
        float[] p = ManifoldGrid.Points(20);
        Assert.Equal(-1.95996, p[0], 4);
        Assert.Equal(1.95996, p[1], 4);
    }

    [Fact]
    public void ExplicitEndpointsMapThroughTheInverseCdf()
    {
        float[] p = ManifoldGrid.Points(10, 0.05, 0.95);
        Assert.Equal(Normal.InvCDF(0, 1, 0.05), p[0], 5);                 // top-left: lowest z1
        Assert.Equal(Normal.InvCDF(0, 1, 0.95), p[1], 5);                 // top-left: highest z2
        Assert.Equal(Normal.InvCDF(0, 1, 0.95), p[(10 - 1) * 2], 5);       // top-right z1
        Assert.Equal(-p[0], p[(10 - 1) * 2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ManifoldGrid.Points(3, 0, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => ManifoldGrid.Points(0));
    }
}
