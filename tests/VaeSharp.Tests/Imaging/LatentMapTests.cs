using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

public class LatentMapTests
{
    private static int CountNear(Image img, (int R, int G, int B) c, int tol = 40)
    {
        int n = 0;
        for (int i = 0; i < img.Pixels.Length; i += 3)
            if (Math.Abs(img.Pixels[i] - c.R) + Math.Abs(img.Pixels[i + 1] - c.G) + Math.Abs(img.Pixels[i + 2] - c.B) < tol) n++;
        return n;
    }

    [Fact]
    public void DrawsEachClassInItsColourWithALegend()
    {
        // Class 0 (tab10 blue #1f77b4) on the left, class 1 (orange #ff7f0e) on the right.
        var points = new List<float>();
        var labels = new List<byte>();
        for (int i = 0; i < 20; i++) // 0.15 apart: about 5 px at this size, so the dots do not overlap
        {
            points.AddRange([-3.5f + i * 0.15f, 0.5f]); labels.Add(0);
            points.AddRange([3.5f - i * 0.15f, -0.5f]); labels.Add(1);
        }
        Image img = LatentMap.Render(points.ToArray(), labels.ToArray(), 2, ["a", "b"], size: 400, axisLimit: 4);
        Assert.Equal(3, img.Channels);
        Assert.Equal(400, img.Width);
        Assert.True(img.Height <= 400);
        // Blended at 0.7 over white: 0.7·c + 0.3·255; full colour in the legend swatches.
        Assert.True(CountNear(img, (0x1f, 0x77, 0xb4)) > 20);
        Assert.True(CountNear(img, (0xff, 0x7f, 0x0e)) > 20);
        Assert.True(CountNear(img, (98, 160, 203)) > 20);
        // Blue dots sit left of the orange ones.
        (double blueX, double orangeX) = (MeanX(img, (98, 160, 203)), MeanX(img, (255, 165, 86)));
        Assert.True(blueX < orangeX, $"{blueX} vs {orangeX}");
    }

    private static double MeanX(Image img, (int R, int G, int B) c)
    {
        double sum = 0; int n = 0;
        for (int i = 0; i < img.Pixels.Length; i += 3)
            if (Math.Abs(img.Pixels[i] - c.R) + Math.Abs(img.Pixels[i + 1] - c.G) + Math.Abs(img.Pixels[i + 2] - c.B) < 30)
            { sum += i / 3 % img.Width; n++; }
        return sum / n;
    }

    [Fact]
    public void HandlesNaNOutliersManyClassesAndNoLabels()
    {
        float[] pts = [0f, 0f, float.NaN, 1f, 1e30f, 2f, 1f, -1f];
        Image a = LatentMap.Render(pts, [0, 1, 2, 11], 12, null, size: 300);
        Image b = LatentMap.Render(pts, [], 1, null, size: 300);
        Assert.Equal(300, a.Width);
        Assert.Equal(300, b.Width);
        Image empty = LatentMap.Render([], [], 10);
        Assert.Equal(800, empty.Width);
    }

    [Fact]
    public void RejectsInconsistentArguments()
    {
        Assert.Throws<ArgumentException>(() => LatentMap.Render([0f, 0f, 1f], [], 1));
        Assert.Throws<ArgumentException>(() => LatentMap.Render([0f, 0f], [3], 3));
        Assert.Throws<ArgumentException>(() => LatentMap.Render([0f, 0f], [0, 0], 3));
        Assert.Throws<ArgumentException>(() => LatentMap.Render([0f, 0f], [0], 2, ["only one"]));
    }
}
