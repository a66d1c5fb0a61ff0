using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Imaging;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>One row of the denoising table: the PSNR of the corrupted and of the denoised test images against the clean ones.</summary>
/// <param name="Noise">The corruption, e.g. mask:0.3.</param>
/// <param name="NoisyPsnr">Mean per-image PSNR (dB) of x̃ against x.</param>
/// <param name="DenoisedPsnr">Mean per-image PSNR of g(f(x̃)) against x.</param>
/// <param name="Gain">Mean per-image gain DenoisedPsnr − NoisyPsnr (dB).</param>
/// <param name="GainStandardError">Its standard error over the test images.</param>
/// <param name="Images">Test images scored.</param>
public readonly record struct DenoisingRow(string Noise, double NoisyPsnr, double DenoisedPsnr, double Gain, double GainStandardError, int Images);

/// <summary>
/// Denoising, shown (seed 002; Vincent et al. 2008): for each corruption process, a denoising autoencoder (squared error,
/// sigmoid output, Adam 10⁻³, minibatch 100) is trained to map x̃ to x, and the test images are corrupted once with a
/// fixed stream and scored by PSNR = 10 log₁₀(1 / mean (· − x)²) per image (pixels in [0, 1]; Gaussian-noised inputs are
/// not clipped), before and after the autoencoder. Writes <c>denoising-{dataset}.csv/.md</c> and a noisy / denoised / clean
/// grid per corruption.
/// </summary>
public static class DenoisingExperiment
{
    /// <summary>The stream of the test images' corruption (fixed, so every model sees the same x̃).</summary>
    public const ulong TestNoiseStream = 0xD0;

    /// <summary>Trains (or resumes) one denoising AE per corruption and scores it; returns the rows.</summary>
    public static IReadOnlyList<DenoisingRow> Run(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<Corruption> noises,
        int[] hidden, int latent, int epochs, Action<string>? log = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(o.Out);
        using var pool = new WorkerPool(o.Threads);
        var rows = new List<DenoisingRow>();
        var panels = new List<(string, Image)>();
        int d = test.Dimension, n = test.Count;
        foreach (var noise in noises)
        {
            string dir = Path.Combine(o.Out, "runs", $"{dataset}-dae-{noise.ToString().Replace(':', '-')}");
            var settings = new SessionSettings
            {
                Config = new ModelConfig
                {
                    Kind = ModelKind.DenoisingAe, InputSize = d, ImageWidth = test.Width, ImageHeight = test.Height,
                    Hidden = hidden, Latent = latent, Decoder = DecoderKind.Gaussian,
                },
                Dataset = dataset, Binarization = Binarization.None, BatchSize = 100, Seed = o.Seed, Noise = noise,
                Optimizer = OptimizerSettings.Default(OptimizerKind.Adam),
            };
            using var session = EpochRun.Train(dir, settings, train, test, o.Threads, epochs,
                afterEpoch: e => log?.Invoke(string.Format(CultureInfo.InvariantCulture, "{0}: epoch {1}/{2}  test ½‖g(f(x̃)) − x‖² {3:F3}",
                    noise, e.Epoch, epochs, -e.Test.Reconstruction / e.Test.Rows)), cancel: cancel);

            var noisy = new float[n * d];
            noise.Apply(test.Features, noisy, Rng.ForStream(o.Seed, TestNoiseStream));
            var model = (Autoencoder)session.Model;
            var denoised = new float[n * d];
            for (int start = 0; start < n; start += 500)
            {
                int rowsHere = Math.Min(500, n - start);
                var code = model.Encode(noisy.AsSpan(start * d, rowsHere * d), rowsHere, pool).ToArray();
                model.DecodeMean(code, rowsHere, denoised.AsSpan(start * d, rowsHere * d), pool);
            }
            double sumNoisy = 0, sumDenoised = 0, sumGain = 0, sumGain2 = 0;
            for (int i = 0; i < n; i++)
            {
                double pn = Psnr(noisy.AsSpan(i * d, d), test.Features.AsSpan(i * d, d));
                double pd = Psnr(denoised.AsSpan(i * d, d), test.Features.AsSpan(i * d, d));
                sumNoisy += pn; sumDenoised += pd; sumGain += pd - pn; sumGain2 += (pd - pn) * (pd - pn);
            }
            double mean = sumGain / n, variance = n > 1 ? (sumGain2 - n * mean * mean) / (n - 1) : 0;
            var row = new DenoisingRow(noise.ToString(), sumNoisy / n, sumDenoised / n, mean, Math.Sqrt(Math.Max(0, variance) / n), n);
            rows.Add(row);
            log?.Invoke(string.Format(CultureInfo.InvariantCulture, "{0}: PSNR noisy {1:F2} dB, denoised {2:F2} dB, gain {3:F2} ± {4:F2} dB over {5} test images",
                row.Noise, row.NoisyPsnr, row.DenoisedPsnr, row.Gain, row.GainStandardError, n));

            int shown = Math.Min(10, n);
            var clipped = noisy.AsSpan(0, shown * d).ToArray();
            for (int i = 0; i < clipped.Length; i++) clipped[i] = Math.Clamp(clipped[i], 0f, 1f);
            var grid = ImageGrid.StackVertical([
                ImageGrid.Tile(clipped, shown, test.Height, test.Width, shown, scale: 2),
                ImageGrid.Tile(denoised.AsSpan(0, shown * d), shown, test.Height, test.Width, shown, scale: 2),
                ImageGrid.Tile(test.Features.AsSpan(0, shown * d), shown, test.Height, test.Width, shown, scale: 2)], gap: 4);
            panels.Add((row.Noise, grid));
        }
        Panels.SideBySide(panels).SavePng(Path.Combine(o.Out, $"denoising-{dataset}.png"));
        var ci = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("noise,noisy_psnr_db,denoised_psnr_db,gain_db,gain_se_db,images\n");
        var md = new StringBuilder($"# Denoising autoencoders, {dataset}\n\n| noise | PSNR noisy (dB) | PSNR denoised (dB) | gain (dB) | images |\n|---|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            csv.Append(ci, $"{r.Noise},{r.NoisyPsnr:R},{r.DenoisedPsnr:R},{r.Gain:R},{r.GainStandardError:R},{r.Images}\n");
            md.Append(ci, $"| {r.Noise} | {r.NoisyPsnr:F2} | {r.DenoisedPsnr:F2} | {r.Gain:F2} ± {r.GainStandardError:F2} | {r.Images} |\n");
        }
        md.Append("\nPSNR per test image against the clean image, averaged; ± is the standard error of the mean gain. The picture shows, per noise, noisy (top), denoised (middle) and clean (bottom) test images.\n");
        AtomicFile.WriteText(Path.Combine(o.Out, $"denoising-{dataset}.csv"), csv.ToString());
        AtomicFile.WriteText(Path.Combine(o.Out, $"denoising-{dataset}.md"), md.ToString());
        return rows;
    }

    /// <summary>10 log₁₀(1 / mean squared difference), pixels in [0, 1]; +∞ for identical images.</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) { double e = a[i] - b[i]; sum += e * e; }
        return 10 * Math.Log10(a.Length / sum);
    }
}
