using VaeSharp.Data;
using VaeSharp.Imaging;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// The pictures a trained model is judged by, for any model kind: prior samples, reconstructions, the 2-D manifold and the
/// latent map. For an autoencoder, "prior samples" decode z ~ N(0, I) all the same: that is how its lack of a prior shows.
/// </summary>
public static class Pictures
{
    private static int ScaleFor(IModel model) => model.Config.ImageWidth * 10 < 400 ? 2 : 1;

    /// <summary>A grid of <paramref name="count"/> images decoded (as expected pixel values) from z ~ N(0, I).</summary>
    public static Image Samples(IModel model, int count = 100, int columns = 10, ulong seed = 1, WorkerPool? pool = null)
    {
        var z = new float[count * model.Latent];           // [count × J]
        new Rng(seed).FillNormal(z);
        var x = new float[count * model.InputSize];         // [count × D]
        model.DecodeMean(z, count, x, pool ?? WorkerPool.Single);
        return ImageGrid.Tile(x, count, model.Config.ImageHeight, model.Config.ImageWidth, columns, scale: ScaleFor(model));
    }

    /// <summary>
    /// Inputs (the first <paramref name="count"/> rows of <paramref name="data"/>) above their reconstructions, decoded from z = μ(x).
    /// </summary>
    public static Image Reconstructions(IModel model, ReadOnlySpan<float> data, int count, int columns = 10, WorkerPool? pool = null)
    {
        var p = pool ?? WorkerPool.Single;
        var x = data[..(count * model.InputSize)];
        var z = new float[count * model.Latent];
        model.EncodeMean(x, count, z, p);
        var recon = new float[count * model.InputSize];
        model.DecodeMean(z, count, recon, p);
        return ImageGrid.Stack(x, recon, count, model.Config.ImageHeight, model.Config.ImageWidth, columns, scale: ScaleFor(model));
    }

    /// <summary>The learned 2-D manifold (paper Figure 4): a steps × steps grid of z through Φ⁻¹, decoded.</summary>
    public static Image Manifold(IModel model, int steps = 20, WorkerPool? pool = null)
    {
        RequireTwoD(model, "manifold");
        float[] z = ManifoldGrid.Points(steps);          // [steps² × 2]
        var x = new float[steps * steps * model.InputSize];
        model.DecodeMean(z, steps * steps, x, pool ?? WorkerPool.Single);
        return ImageGrid.Tile(x, steps * steps, model.Config.ImageHeight, model.Config.ImageWidth, steps, padding: 0);
    }

    /// <summary>The codes (encoder means μ(x) of a VAE, f(x) of an AE) of every row of <paramref name="data"/>, [rows × J].</summary>
    public static float[] EncodeMeans(IModel model, Dataset data, WorkerPool? pool = null, int batch = 500)
    {
        var p = pool ?? WorkerPool.Single;
        var means = new float[data.Count * model.Latent];
        for (int start = 0; start < data.Count; start += batch)
        {
            int rows = Math.Min(batch, data.Count - start);
            model.EncodeMean(data.Features.AsSpan(start * data.Dimension, rows * data.Dimension), rows, means.AsSpan(start * model.Latent, rows * model.Latent), p);
        }
        return means;
    }

    /// <summary>Test-set means in a 2-D latent space, coloured by label.</summary>
    public static Image LatentMap(IModel model, Dataset data, WorkerPool? pool = null)
    {
        RequireTwoD(model, "latent map");
        if (data.Labels is null) throw new ArgumentException($"The latent map colours points by label, and {data.Name} has no labels.");
        float[] means = EncodeMeans(model, data, pool);
        return Imaging.LatentMap.Render(means, data.Labels, Math.Max(1, data.ClassCount), data.ClassNames);
    }

    private static void RequireTwoD(IModel model, string what)
    {
        if (model.Latent != 2)
            throw new ArgumentException($"The {what} needs a 2-D latent space; this model has {model.Latent} latent dimensions (train with --latent 2).");
    }
}
