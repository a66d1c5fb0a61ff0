using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Evaluation;
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
/// <param name="NoisyStandardError">Standard error of <paramref name="NoisyPsnr"/> over the test images.</param>
/// <param name="DenoisedStandardError">Standard error of <paramref name="DenoisedPsnr"/>.</param>
public readonly record struct DenoisingRow(string Noise, double NoisyPsnr, double DenoisedPsnr, double Gain, double GainStandardError, int Images,
    double NoisyStandardError, double DenoisedStandardError);

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

    /// <summary>The run folder of one corruption (shared by <see cref="Run"/> and <see cref="RunLevels"/>).</summary>
    public static string RunDirectory(string outDir, string dataset, Corruption noise) =>
        Path.Combine(outDir, "runs", $"{dataset}-dae-{noise.ToString().Replace(':', '-')}");

    /// <summary>Trains (or resumes) one denoising AE per corruption and scores it; returns the rows.</summary>
    public static IReadOnlyList<DenoisingRow> Run(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<Corruption> noises,
        int[] hidden, int latent, int epochs, Action<string>? log = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(o.Out);
        using var pool = new WorkerPool(o.Threads);
        var rows = new List<DenoisingRow>();
        var panels = new List<(string, Image)>();
        foreach (var noise in noises)
        {
            var (row, grid) = TrainAndScore(o, dataset, train, test, noise, hidden, latent, epochs, pool, log, cancel);
            rows.Add(row);
            panels.Add((row.Noise, grid));
        }
        Panels.SideBySide(panels).SavePng(Path.Combine(o.Out, $"denoising-{dataset}.png"));
        WriteTable(Path.Combine(o.Out, $"denoising-{dataset}"), $"# Denoising autoencoders, {dataset}", rows,
            "The picture shows, per noise, noisy (top), denoised (middle) and clean (bottom) test images.");
        return rows;
    }

    /// <summary>The files <see cref="RunLevels"/> writes into <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<string> LevelOutputs(string outDir, string dataset, IReadOnlyList<Corruption> noises) =>
        [Path.Combine(outDir, $"denoising-levels-{dataset}.md"), Path.Combine(outDir, $"denoising-levels-{dataset}.csv"),
         .. noises.Select(n => n.Kind).Distinct().SelectMany(k => new[]
            {
                Path.Combine(outDir, $"denoising-levels-{dataset}-{KindName(k)}.svg"), Path.Combine(outDir, $"denoising-levels-{dataset}-{KindName(k)}.png"),
            })];

    /// <summary>
    /// PSNR against the corruption level: one denoising AE per (kind, level), each trained and tested at its level (runs
    /// shared with <see cref="Run"/>), and per kind a chart of the mean PSNR of the noisy and the denoised test images
    /// against the level (<c>denoising-levels-{dataset}-{kind}.svg</c>) and the noisy / denoised / clean grids per level
    /// (<c>.png</c>); the table of all in <c>denoising-levels-{dataset}.csv/.md</c>. Returns the rows.
    /// </summary>
    public static IReadOnlyList<DenoisingRow> RunLevels(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<Corruption> noises,
        int[] hidden, int latent, int epochs, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (noises.Count == 0 || noises.Any(n => n.Kind == CorruptionKind.None)) throw new ArgumentException("Every level needs a corruption.", nameof(noises));
        Directory.CreateDirectory(o.Out);
        using var pool = new WorkerPool(o.Threads);
        var rows = new List<DenoisingRow>();
        foreach (var group in noises.GroupBy(n => n.Kind))
        {
            var panels = new List<(string, Image)>();
            var kindRows = new List<(float Level, DenoisingRow Row)>();
            foreach (var noise in group.OrderBy(n => n.Level))
            {
                var (row, grid) = TrainAndScore(o, dataset, train, test, noise, hidden, latent, epochs, pool, log, cancel);
                rows.Add(row);
                kindRows.Add((noise.Level, row));
                panels.Add((row.Noise, grid));
            }
            string kind = KindName(group.Key);
            new SvgChart
            {
                Title = $"Denoising AEs on {dataset}: PSNR of the test images against the {kind} noise level",
                XLabel = group.Key == CorruptionKind.Gaussian ? "σ" : "p", YLabel = "mean PSNR (dB)",
            }
                .AddSeries("noisy x̃", kindRows.Select(r => ((double)r.Level, r.Row.NoisyPsnr)))
                .AddSeries("denoised g(f(x̃))", kindRows.Select(r => ((double)r.Level, r.Row.DenoisedPsnr)))
                .Save(Path.Combine(o.Out, $"denoising-levels-{dataset}-{kind}.svg"));
            Panels.SideBySide(panels).SavePng(Path.Combine(o.Out, $"denoising-levels-{dataset}-{kind}.png"));
        }
        WriteTable(Path.Combine(o.Out, $"denoising-levels-{dataset}"), $"# Denoising autoencoders against the noise level, {dataset}", rows,
            "Each row is its own model, trained and tested at that level. The pictures (denoising-levels-" + dataset + "-KIND.png) show, per level, " +
            "noisy (top), denoised (middle) and clean (bottom) test images; the charts (.svg) the two PSNR columns against the level.");
        return rows;
    }

    private static string KindName(CorruptionKind k) => new Corruption(k, 0.5f).ToString().Split(':')[0];

    /// <summary>Trains (or resumes) the denoising AE of one corruption and scores it on the test images; returns its row and grid.</summary>
    private static (DenoisingRow Row, Image Grid) TrainAndScore(ExperimentOptions o, string dataset, Dataset train, Dataset test, Corruption noise,
        int[] hidden, int latent, int epochs, WorkerPool pool, Action<string>? log, CancellationToken cancel)
    {
        int d = test.Dimension, n = test.Count;
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
        using var session = EpochRun.Train(RunDirectory(o.Out, dataset, noise), settings, train, test, o.Threads, epochs,
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
        var before = new double[n];
        var after = new double[n];
        for (int i = 0; i < n; i++)
        {
            before[i] = Psnr(noisy.AsSpan(i * d, d), test.Features.AsSpan(i * d, d));
            after[i] = Psnr(denoised.AsSpan(i * d, d), test.Features.AsSpan(i * d, d));
        }
        var pn = MeanEstimate.Of(before);
        var pd = MeanEstimate.Of(after);
        var gain = MeanEstimate.OfDifference(after, before);
        var row = new DenoisingRow(noise.ToString(), pn.Mean, pd.Mean, gain.Mean, n > 1 ? gain.StandardError : 0, n,
            n > 1 ? pn.StandardError : 0, n > 1 ? pd.StandardError : 0);
        log?.Invoke(string.Format(CultureInfo.InvariantCulture, "{0}: PSNR noisy {1:F2} ± {2:F2} dB, denoised {3:F2} ± {4:F2} dB, gain {5:F2} ± {6:F2} dB over {7} test images",
            row.Noise, row.NoisyPsnr, row.NoisyStandardError, row.DenoisedPsnr, row.DenoisedStandardError, row.Gain, row.GainStandardError, n));

        int shown = Math.Min(10, n);
        var clipped = noisy.AsSpan(0, shown * d).ToArray();
        for (int i = 0; i < clipped.Length; i++) clipped[i] = Math.Clamp(clipped[i], 0f, 1f);
        var grid = ImageGrid.StackVertical([
            ImageGrid.Tile(clipped, shown, test.Height, test.Width, shown, scale: 2),
            ImageGrid.Tile(denoised.AsSpan(0, shown * d), shown, test.Height, test.Width, shown, scale: 2),
            ImageGrid.Tile(test.Features.AsSpan(0, shown * d), shown, test.Height, test.Width, shown, scale: 2)], gap: 4);
        return (row, grid);
    }

    private static void WriteTable(string pathWithoutExtension, string title, IReadOnlyList<DenoisingRow> rows, string note)
    {
        var ci = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("noise,noisy_psnr_db,denoised_psnr_db,gain_db,gain_se_db,images,noisy_psnr_se_db,denoised_psnr_se_db\n");
        var md = new StringBuilder($"{title}\n\n| noise | PSNR noisy (dB) | PSNR denoised (dB) | gain (dB) | images |\n|---|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            csv.Append(ci, $"{r.Noise},{r.NoisyPsnr:R},{r.DenoisedPsnr:R},{r.Gain:R},{r.GainStandardError:R},{r.Images},{r.NoisyStandardError:R},{r.DenoisedStandardError:R}\n");
            md.Append(ci, $"| {r.Noise} | {r.NoisyPsnr:F2} ± {r.NoisyStandardError:F2} | {r.DenoisedPsnr:F2} ± {r.DenoisedStandardError:F2} | {r.Gain:F2} ± {r.GainStandardError:F2} | {r.Images} |\n");
        }
        md.Append("\nPSNR per test image against the clean image, averaged; ± is the standard error of the mean (for the gain, of the paired per-image differences). ");
        md.Append(note).Append('\n');
        AtomicFile.WriteText(pathWithoutExtension + ".csv", csv.ToString());
        AtomicFile.WriteText(pathWithoutExtension + ".md", md.ToString());
    }

    /// <summary>10 log₁₀(1 / mean squared difference), pixels in [0, 1]; +∞ for identical images.</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) { double e = a[i] - b[i]; sum += e * e; }
        return 10 * Math.Log10(a.Length / sum);
    }
}
