using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

public sealed class FeatureTilesTests
{
    [Fact]
    public void TilesHaveTheGridsShapeZeroIsGreyAndEachTileIsScaledByItsOwnLargestValue()
    {
        // Three 2×3 features in two columns, scale 2, padding 2: width 2 + 2·(3·2 + 2) = 18, height 2 + 2·(2·2 + 2) = 14.
        float[] f =
        [
            0f, 1f, -1f, 0.5f, 0f, 0f,          // largest |v| = 1
            0f, 0f, 0f, 0f, 0f, 0f,             // a dead unit: all grey
            0.01f, -0.02f, 0f, 0f, 0f, 0f,      // tiny, but scaled to full contrast
        ];
        var image = FeatureTiles.Render(f, 3, 2, 3, columns: 2, scale: 2);
        Assert.Equal(18, image.Width);
        Assert.Equal(14, image.Height);
        Assert.Equal(1, image.Channels);
        byte Pixel(int tile, int y, int x) // top-left pixel of the upscaled value (y, x) of a tile
        {
            int x0 = 2 + (tile % 2) * 8, y0 = 2 + (tile / 2) * 6;
            return image.Pixels[(y0 + 2 * y) * image.Width + x0 + 2 * x];
        }
        Assert.Equal(Image.ToByte(0.5f), Pixel(0, 0, 0));
        Assert.Equal(255, Pixel(0, 0, 1));
        Assert.Equal(0, Pixel(0, 0, 2));
        Assert.Equal(Image.ToByte(0.75f), Pixel(0, 1, 0));
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                Assert.Equal(Image.ToByte(0.5f), Pixel(1, y, x));
        Assert.Equal(Image.ToByte(0.75f), Pixel(2, 0, 0));
        Assert.Equal(0, Pixel(2, 0, 1));
        Assert.Equal(255, image.Pixels[0]);   // white padding
        Assert.Equal(255, Pixel(3, 0, 0));     // the empty fourth cell
    }

    [Fact]
    public void AWrongNumberOfValuesIsRefused() =>
        Assert.Throws<ArgumentException>(() => FeatureTiles.Render(new float[11], 2, 2, 3, 2));
}
