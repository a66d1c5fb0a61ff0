using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

public class ImageGridTests
{
    // count images of h×w where image k has every pixel (k+1)/10, except pixel (y, x) = (0, 1) which is 1.
    private static float[] Known(int count, int h, int w)
    {
        var v = new float[count * h * w];
        for (int k = 0; k < count; k++)
        {
            v.AsSpan(k * h * w, h * w).Fill((k + 1) / 10f);
            v[k * h * w + 1] = 1f;
        }
        return v;
    }

    [Fact]
    public void TilePutsEachImageInItsCell()
    {
        const int count = 5, h = 2, w = 3, columns = 3, pad = 1;
        Image grid = ImageGrid.Tile(Known(count, h, w), count, h, w, columns, padding: pad, background: 0f);
        Assert.Equal(1, grid.Channels);
        Assert.Equal(pad + columns * (w + pad), grid.Width);   // 13
        Assert.Equal(pad + 2 * (h + pad), grid.Height);        // 7
        for (int k = 0; k < count; k++)
        {
            int x0 = pad + (k % columns) * (w + pad), y0 = pad + (k / columns) * (h + pad);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    byte expected = y == 0 && x == 1 ? (byte)255 : Image.ToByte((k + 1) / 10f);
                    Assert.Equal(expected, grid.Pixels[(y0 + y) * grid.Width + x0 + x]);
                }
        }
        // Padding and the empty sixth cell are background.
        Assert.Equal(0, grid.Pixels[0]);
        Assert.All(Enumerable.Range(0, grid.Width), x => Assert.Equal(0, grid.Pixels[3 * grid.Width + x])); // row between the blocks
        int emptyX = pad + 2 * (w + pad), emptyY = pad + (h + pad);
        Assert.Equal(0, grid.Pixels[emptyY * grid.Width + emptyX]);
        Assert.Equal(0, grid.Pixels[(emptyY + 1) * grid.Width + emptyX + w - 1]);
    }

    [Fact]
    public void TileUpscalesEachPixelIntoABlock()
    {
        Image grid = ImageGrid.Tile([0f, 1f, 1f, 0f], 1, 2, 2, columns: 4, padding: 0, scale: 3);
        Assert.Equal((6, 6), (grid.Width, grid.Height));
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 6; x++)
                Assert.Equal((x / 3 + y / 3) % 2 == 1 ? 255 : 0, grid.Pixels[y * 6 + x]);
    }

    [Fact]
    public void BackgroundFillsThePadding()
    {
        Image grid = ImageGrid.Tile([0f], 1, 1, 1, 1, padding: 2, background: 1f);
        Assert.Equal(25, grid.Pixels.Length);
        Assert.Equal(24, grid.Pixels.Count(p => p == 255));
        Assert.Equal(0, grid.Pixels[2 * 5 + 2]);
    }

    [Fact]
    public void StackPutsOriginalsAboveReconstructions()
    {
        const int count = 4, h = 2, w = 2;
        float[] top = new float[count * h * w], bottom = new float[count * h * w];
        Array.Fill(top, 1f);
        Image stacked = ImageGrid.Stack(top, bottom, count, h, w, columns: 2, padding: 1, background: 0.5f);
        Image tile = ImageGrid.Tile(top, count, h, w, 2, padding: 1, background: 0.5f);
        Assert.Equal(tile.Width, stacked.Width);
        int gap = 4 - 1; // max(2·padding, 4) between blocks, one padding row already belongs to each block
        Assert.Equal(2 * tile.Height + gap, stacked.Height);
        Assert.Equal(tile.Pixels, stacked.Pixels[..tile.Pixels.Length]);
        // First reconstruction pixel: below the top block, the gap and its own padding.
        int y = tile.Height + gap + 1;
        Assert.Equal(0, stacked.Pixels[y * stacked.Width + 1]);
        Assert.Equal(128, stacked.Pixels[(tile.Height + 1) * stacked.Width + 1]); // inside the gap
    }

    [Fact]
    public void RejectsWrongLengths()
    {
        Assert.Throws<ArgumentException>(() => ImageGrid.Tile(new float[7], 2, 2, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Tile(new float[8], 2, 2, 2, 0));
        Assert.Throws<ArgumentException>(() => ImageGrid.StackVertical([new Image(2, 2, 1), new Image(3, 2, 1)]));
    }
}
