using VaeSharp.Data;
using VaeSharp.Imaging;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>The pictures a trained VAE is judged by: prior samples, reconstructions, the 2-D manifold and the latent map.</summary>
public static class Pictures
{
    private static int ScaleFor(Vae vae) => vae.Config.ImageWidth * 10 < 400 ? 2 : 1;

    /// <summary>A grid of <paramref name="count"/> images decoded (as expected pixel values) from z ~ N(0, I).</summary>
    public static Image Samples(Vae vae, int count = 100, int columns = 10, ulong seed = 1, WorkerPool? pool = null)
    {
        var z = new float[count * vae.Latent];           // [count × J]
        new Rng(seed).FillNormal(z);
        var x = new float[count * vae.InputSize];         // [count × D]
        vae.DecodeMean(z, count, x, pool ?? WorkerPool.Single);
        return ImageGrid.Tile(x, count, vae.Config.ImageHeight, vae.Config.ImageWidth, columns, scale: ScaleFor(vae));
    }

    /// <summary>
    /// Inputs (the first <paramref name="count"/> rows of <paramref name="data"/>) above their reconstructions, decoded from z = μ(x).
    /// </summary>
    public static Image Reconstructions(Vae vae, ReadOnlySpan<float> data, int count, int columns = 10, WorkerPool? pool = null)
    {
        var p = pool ?? WorkerPool.Single;
        var x = data[..(count * vae.InputSize)];
        vae.Encode(x, count, p, out Span<float> mu, out _);
        var z = mu.ToArray();
        var recon = new float[count * vae.InputSize];
        vae.DecodeMean(z, count, recon, p);
        return ImageGrid.Stack(x, recon, count, vae.Config.ImageHeight, vae.Config.ImageWidth, columns, scale: ScaleFor(vae));
    }

    /// <summary>The learned 2-D manifold (paper Figure 4): a steps × steps grid of z through Φ⁻¹, decoded.</summary>
    public static Image Manifold(Vae vae, int steps = 20, WorkerPool? pool = null)
    {
        RequireTwoD(vae, "manifold");
        float[] z = ManifoldGrid.Points(steps);          // [steps² × 2]
        var x = new float[steps * steps * vae.InputSize];
        vae.DecodeMean(z, steps * steps, x, pool ?? WorkerPool.Single);
        return ImageGrid.Tile(x, steps * steps, vae.Config.ImageHeight, vae.Config.ImageWidth, steps, padding: 0);
    }

    /// <summary>The encoder means μ(x) of every row of <paramref name="data"/>, [rows × J].</summary>
    public static float[] EncodeMeans(Vae vae, Dataset data, WorkerPool? pool = null, int batch = 500)
    {
        var p = pool ?? WorkerPool.Single;
        var means = new float[data.Count * vae.Latent];
        for (int start = 0; start < data.Count; start += batch)
        {
            int rows = Math.Min(batch, data.Count - start);
            vae.Encode(data.Features.AsSpan(start * data.Dimension, rows * data.Dimension), rows, p, out Span<float> mu, out _);
            mu.CopyTo(means.AsSpan(start * vae.Latent));
        }
        return means;
    }

    /// <summary>Test-set means in a 2-D latent space, coloured by label.</summary>
    public static Image LatentMap(Vae vae, Dataset data, WorkerPool? pool = null)
    {
        RequireTwoD(vae, "latent map");
        if (data.Labels is null) throw new ArgumentException($"The latent map colours points by label, and {data.Name} has no labels.");
        float[] means = EncodeMeans(vae, data, pool);
        return Imaging.LatentMap.Render(means, data.Labels, Math.Max(1, data.ClassCount), data.ClassNames);
    }

    private static void RequireTwoD(Vae vae, string what)
    {
        if (vae.Latent != 2)
            throw new ArgumentException($"The {what} needs a 2-D latent space; this model has {vae.Latent} latent dimensions (train with --latent 2).");
    }
}
