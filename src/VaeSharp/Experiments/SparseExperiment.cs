using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>One row of the sparse-autoencoder table: one λ, its test reconstruction error and the sparsity of its code.</summary>
/// <param name="L1">λ of λ‖f(x)‖₁ (0: the plain autoencoder).</param>
/// <param name="Error">Test reconstruction error ½‖g(f(x)) − x‖² per image, mean ± s.e.</param>
/// <param name="Sparsity">The code's sparsity on the test images.</param>
/// <param name="Features">The decoder's features g(a_j e_j) − g(0), [J × D].</param>
/// <param name="Epochs">Epochs trained.</param>
public sealed record SparseRow(float L1, MeanEstimate Error, CodeSparsity Sparsity, float[] Features, int Epochs);

/// <summary>
/// Sparsity, shown (seed 002: with λ‖f(x)‖₁ added, "f(x_i) will be sparse"): one autoencoder per λ on the same engine
/// and data (λ = 0 is the plain deep AE, λ &gt; 0 the sparse AE; tanh hidden layers, a linear code, squared error with a
/// sigmoid output, Adam 10⁻³, minibatch 100), each a resumable run folder. On the test images: the reconstruction error,
/// the code's sparsity (<see cref="CodeSparsity"/>) and the decoder's features as tiles. Writes
/// <c>sparse-{dataset}.csv/.md</c>, <c>sparse-{dataset}-features-l1-{λ}.png</c> per λ and
/// <c>sparse-{dataset}-activity.svg</c> (each unit's activation frequency, units sorted by it, one line per λ).
/// </summary>
public static class SparseExperiment
{
    /// <summary>Default τ of "near zero": |h_j| &lt; 0.05.</summary>
    public const float DefaultThreshold = 0.05f;

    /// <summary>The run folder of one λ.</summary>
    public static string RunDirectory(string outDir, string dataset, float l1) =>
        Path.Combine(outDir, "runs", $"{dataset}-sparse-ae-l1-{Format(l1)}");

    private static string Format(float l1) => l1.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The files the experiment writes into <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<string> Outputs(string outDir, string dataset, IReadOnlyList<float> l1s) =>
        [Path.Combine(outDir, $"sparse-{dataset}.md"), Path.Combine(outDir, $"sparse-{dataset}.csv"), Path.Combine(outDir, $"sparse-{dataset}-activity.svg"),
         .. l1s.Select(l => Path.Combine(outDir, $"sparse-{dataset}-features-l1-{Format(l)}.png"))];

    /// <summary>Trains (or resumes) one autoencoder per λ to <paramref name="epochs"/>, measures each on the test split and writes the outputs.</summary>
    public static IReadOnlyList<SparseRow> Run(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<float> l1s,
        int[] hidden, int latent, int epochs, float threshold = DefaultThreshold, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (l1s.Count == 0) throw new ArgumentException("At least one λ is needed.", nameof(l1s));
        foreach (float l in l1s)
            if (!(l >= 0) || !float.IsFinite(l)) throw new ArgumentOutOfRangeException(nameof(l1s), l, "λ must be a finite number ≥ 0.");
        if (!(threshold > 0) || !float.IsFinite(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "τ must be positive.");
        Directory.CreateDirectory(o.Out);
        using var pool = new WorkerPool(o.Threads);
        var rows = new List<SparseRow>();
        int d = test.Dimension, n = test.Count;
        foreach (float l1 in l1s)
        {
            var settings = new SessionSettings
            {
                Config = new ModelConfig
                {
                    Kind = l1 > 0 ? ModelKind.SparseAe : ModelKind.Ae, InputSize = d, ImageWidth = test.Width, ImageHeight = test.Height,
                    Hidden = hidden, Latent = latent, Decoder = DecoderKind.Gaussian,
                },
                Dataset = dataset, Binarization = Binarization.None, BatchSize = 100, Seed = o.Seed, L1 = l1,
                Optimizer = OptimizerSettings.Default(OptimizerKind.Adam),
            };
            using var session = EpochRun.Train(RunDirectory(o.Out, dataset, l1), settings, train, test, o.Threads, epochs,
                afterEpoch: e => log?.Invoke(string.Format(CultureInfo.InvariantCulture, "λ = {0}: epoch {1}/{2}  test ½‖g(f(x)) − x‖² {3:F3}  λ‖f(x)‖₁ {4:F3}",
                    Format(l1), e.Epoch, epochs, -e.Test.Reconstruction / e.Test.Rows, e.Test.Kl / e.Test.Rows)), cancel: cancel);
            var model = (Autoencoder)session.Model;
            var row = Measure(model, test, threshold, pool, l1, session.State.Epoch);
            rows.Add(row);
            log?.Invoke(string.Format(CultureInfo.InvariantCulture,
                "λ = {0}: test error {1:F3} ± {2:F3}; near zero (|h| < {3}) {4:P1} ± {5:P1} of units; mean |h| {6:F4} ± {7:F4}; Hoyer {8:F3} ± {9:F3}; {10} dead of {11}",
                Format(l1), row.Error.Mean, row.Error.StandardError, threshold, row.Sparsity.NearZeroShare.Mean, row.Sparsity.NearZeroShare.StandardError,
                row.Sparsity.MeanAbsolute.Mean, row.Sparsity.MeanAbsolute.StandardError, row.Sparsity.Hoyer.Mean, row.Sparsity.Hoyer.StandardError,
                row.Sparsity.DeadUnits, latent));
            int columns = (int)Math.Ceiling(Math.Sqrt(latent));
            FeatureTiles.Render(row.Features, latent, test.Height, test.Width, columns, scale: 2)
                .SavePng(Path.Combine(o.Out, $"sparse-{dataset}-features-l1-{Format(l1)}.png"));
        }
        Write(o.Out, dataset, rows, threshold, n);
        return rows;
    }

    /// <summary>
    /// Scores a trained autoencoder on <paramref name="test"/>: the reconstruction error per image, the code's sparsity at
    /// τ = <paramref name="threshold"/>, and the decoder's features.
    /// </summary>
    /// <remarks>
    /// The features: the decoder here is a tanh MLP from the code with a sigmoid output, so no weight matrix maps a code
    /// unit to pixels (W_g's rows map it to the first hidden layer). What unit j draws is the decoder's response to it
    /// alone: g(a_j e_j) − g(0), a_j a typical active value of h_j on the test images (the root mean square of h_j over the
    /// images where |h_j| ≥ τ, with the sign of their sum). With no hidden layers g(a e_j) − g(0) = σ(b + a w_j) − σ(b),
    /// a monotone image of the column w_j, so the same picture serves that stack too. A dead unit draws grey.
    /// </remarks>
    public static SparseRow Measure(Autoencoder model, Dataset test, float threshold, WorkerPool pool, float l1 = 0, int epochs = 0)
    {
        int d = test.Dimension, n = test.Count, j = model.Latent;
        var codes = new float[(long)n * j];
        var recon = new float[500 * d];
        var errors = new double[n];
        for (int start = 0; start < n; start += 500)
        {
            int rows = Math.Min(500, n - start);
            ReadOnlySpan<float> x = test.Features.AsSpan(start * d, rows * d);
            var code = codes.AsSpan(start * j, rows * j);
            model.Encode(x, rows, pool).CopyTo(code);
            // The squared error of the training objective: the sigmoid output, unclamped (DecodeMean clamps, a no-op for σ).
            var output = model.Decode(code, rows, pool);
            for (int i = 0; i < rows; i++)
            {
                double e = 0;
                for (int p = 0; p < d; p++)
                {
                    double diff = model.Reconstruction(output[i * d + p]) - x[i * d + p];
                    e += 0.5 * diff * diff;
                }
                errors[start + i] = e;
            }
        }
        var sparsity = CodeSparsity.Measure(codes, n, j, threshold);

        // a_j: the RMS of h_j over the images where unit j is active, signed by their sum.
        var sum = new double[j];
        var sumSq = new double[j];
        var count = new long[j];
        for (int i = 0; i < n; i++)
            for (int u = 0; u < j; u++)
            {
                double h = codes[(long)i * j + u];
                if (Math.Abs(h) < threshold) continue;
                sum[u] += h; sumSq[u] += h * h; count[u]++;
            }
        var probes = new float[(j + 1) * j];          // row 0: the zero code; row u + 1: a_u e_u
        for (int u = 0; u < j; u++)
            if (count[u] > 0) probes[(u + 1) * j + u] = (float)(Math.Sign(sum[u]) is 0 ? 1 : Math.Sign(sum[u]) * Math.Sqrt(sumSq[u] / count[u]));
        var decoded = new float[(j + 1) * d];
        model.DecodeMean(probes, j + 1, decoded, pool);
        var features = new float[j * d];
        for (int u = 0; u < j; u++)
            for (int p = 0; p < d; p++)
                features[u * d + p] = count[u] > 0 ? decoded[(u + 1) * d + p] - decoded[p] : 0f;
        return new SparseRow(l1, MeanEstimate.Of(errors), sparsity, features, epochs);
    }

    private static void Write(string outDir, string dataset, IReadOnlyList<SparseRow> rows, float threshold, int images)
    {
        var ci = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("l1,epochs,test_images,latent,threshold,error,error_se,near_zero_share,near_zero_share_se,mean_abs_code,mean_abs_code_se,hoyer,hoyer_se,dead_units\n");
        string t = threshold.ToString("R", ci);
        var md = new StringBuilder($"# Sparse autoencoders, {dataset}\n\n" +
            $"| λ | epochs | test error ½‖g(f(x)) − x‖² | units near zero (\\|h_j\\| < {t}) | mean \\|h_j\\| | Hoyer sparsity | dead units |\n" +
            "|---:|---:|---:|---:|---:|---:|---:|\n");
        var chart = new SvgChart
        {
            Title = $"Sparse AEs on {dataset}: how often each code unit is active (|h_j| ≥ {t}) on the test images",
            XLabel = "code unit, most active first", YLabel = "share of test images where the unit is active",
        };
        foreach (var r in rows)
        {
            var s = r.Sparsity;
            int latent = s.ActivationFrequency.Length;
            csv.Append(ci, $"{Format(r.L1)},{r.Epochs},{images},{latent},{t},{r.Error.Mean:R},{r.Error.StandardError:R},{s.NearZeroShare.Mean:R},{s.NearZeroShare.StandardError:R}," +
                $"{s.MeanAbsolute.Mean:R},{s.MeanAbsolute.StandardError:R},{s.Hoyer.Mean:R},{s.Hoyer.StandardError:R},{s.DeadUnits}\n");
            md.Append(ci, $"| {Format(r.L1)} | {r.Epochs} | {r.Error.Mean:F3} ± {r.Error.StandardError:F3} | {100 * s.NearZeroShare.Mean:F1} % ± {100 * s.NearZeroShare.StandardError:F1} | " +
                $"{s.MeanAbsolute.Mean:F4} ± {s.MeanAbsolute.StandardError:F4} | {s.Hoyer.Mean:F3} ± {s.Hoyer.StandardError:F3} | {s.DeadUnits} of {latent} |\n");
            var sorted = s.ActivationFrequency.OrderDescending().ToArray();
            chart.AddSeries($"λ = {Format(r.L1)}", sorted.Select((f, k) => ((double)(k + 1), f)));
        }
        md.Append(ci, $"\nOn the {images} test images; ± is the standard error of the mean over the images. A unit is near zero on an image when |h_j| < {t}; ");
        md.Append("a dead unit is near zero on every test image. Hoyer sparsity (√J − ‖h‖₁/‖h‖₂)/(√J − 1) per image is 0 for a flat code and 1 for a one-hot one, " +
            "and does not change when the code is scaled. The features (sparse-" + dataset + "-features-l1-λ.png) are g(a_j e_j) − g(0) for a typical active value a_j " +
            "of each unit, grey = 0, scaled per tile.\n");
        AtomicFile.WriteText(Path.Combine(outDir, $"sparse-{dataset}.csv"), csv.ToString());
        AtomicFile.WriteText(Path.Combine(outDir, $"sparse-{dataset}.md"), md.ToString());
        chart.Save(Path.Combine(outDir, $"sparse-{dataset}-activity.svg"));
    }
}
