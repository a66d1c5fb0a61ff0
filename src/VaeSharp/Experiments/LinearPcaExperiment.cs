using System.Globalization;
using System.Text;
using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>One row of the linear-AE-against-PCA table.</summary>
/// <param name="Components">m, the code size.</param>
/// <param name="LargestAngle">Largest principal angle (degrees) between span(W_g) and PCA's top-m subspace.</param>
/// <param name="MeanAngle">Mean of the m principal angles.</param>
/// <param name="AeTrain">The AE's training reconstruction error, mean ½‖x − x̂‖² per image.</param>
/// <param name="PcaTrain">PCA's, on the same images.</param>
/// <param name="AeTest">The AE's test error.</param>
/// <param name="PcaTest">PCA's test error.</param>
/// <param name="LargestDirectionAngle">Largest angle between a direction recovered from W_g (Plaut 2018: its left singular vectors) and the matching principal direction.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Seconds">Training seconds.</param>
public readonly record struct LinearPcaRow(int Components, double LargestAngle, double MeanAngle, double AeTrain, double PcaTrain,
    double AeTest, double PcaTest, double LargestDirectionAngle, int Epochs, double Seconds)
{
    /// <summary>(AE − PCA)/PCA on the training images: PCA is the optimum there (Eckart–Young), so this is ≥ 0 up to rounding.</summary>
    public double TrainGap => (AeTrain - PcaTrain) / PcaTrain;
}

/// <summary>
/// Linear AE ≡ PCA, shown (seed 000: "linear activation functions give you PCA"; Baldi &amp; Hornik 1989). For each code size
/// m, a linear autoencoder (f(x) = W_f x + b_f, g(h) = W_g h + b_g, squared error) is trained with the engine (Adam,
/// minibatch 100, initialization N(0, 0.01²), a small L2 penalty λ on the weights so that its optimum also fixes the rotation, and a cosine decay of the
/// step size to a hundredth of it so that minibatch noise does not blur the subspace at the end), then compared with PCA of the same
/// training images: the principal angles between span(W_g) and the top-m principal subspace, the reconstruction errors,
/// and the principal directions recovered from W_g's left singular vectors (Plaut 2018).
/// </summary>
public static class LinearPcaExperiment
{
    /// <summary>Adam's initial step size.</summary>
    public const float StepSize = 1e-3f;

    /// <summary>σ of the N(0, σ²) initialization.</summary>
    public const float InitScale = 0.01f;

    /// <summary>λ of the L2 penalty ½λ‖θ‖² per image.</summary>
    public const float WeightDecay = 1e-4f;

    /// <summary>Trains (or resumes) the runs, compares each with PCA and writes <c>linear-pca-{dataset}.csv/.md</c>; returns the rows.</summary>
    public static IReadOnlyList<LinearPcaRow> Run(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<int> components,
        int epochs, Action<string>? log = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(o.Out);
        using var pool = new WorkerPool(o.Threads);
        var rows = new List<LinearPcaRow>();
        foreach (int m in components)
        {
            string dir = Path.Combine(o.Out, "runs", $"{dataset}-linear-ae-m{m}");
            var settings = new SessionSettings
            {
                Config = new ModelConfig
                {
                    Kind = ModelKind.LinearAe, InputSize = train.Dimension, ImageWidth = train.Width, ImageHeight = train.Height,
                    Hidden = [], Latent = m, Decoder = DecoderKind.Gaussian,
                },
                Dataset = dataset, Binarization = Binarization.None, BatchSize = 100, Seed = o.Seed,
                Optimizer = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = StepSize, WeightDecay = WeightDecay },
                // Small weights start the linear network near its saddle at 0, from which it escapes along the top principal
                // directions first (Saxe et al. 2014); nn.Linear's default scale starts it far off, and it crawls back.
                Initialization = Initialization.Normal, InitScale = InitScale,
                LrSchedule = $"cosine:{epochs}",
            };
            using var session = EpochRun.Train(dir, settings, train, test, o.Threads, epochs,
                evaluate: e => e == epochs || e % 10 == 0,
                afterEpoch: e =>
                {
                    if (e.Test.Rows > 0)
                        log?.Invoke(string.Format(CultureInfo.InvariantCulture, "m = {0,2}: epoch {1,3}/{2}  test error {3:F4}", m, e.Epoch, epochs, -e.Test.Reconstruction / e.Test.Rows));
                }, cancel: cancel);

            var ae = (Autoencoder)session.Model;
            var pca = Pca.Fit(train.Features, train.Count, train.Dimension, m, pool);
            int d = train.Dimension;
            float[] wg = ae.Arena.Value(ae.Output.Weight).ToArray();            // [m × D]: row j is W_g's column j
            var span = Matrix<double>.Build.Dense(d, m, (a, j) => wg[j * d + a]);
            double[] angles = PrincipalAngles.Degrees(span, pca.Basis());
            var directions = PrincipalAngles.DecoderDirections(wg, m, d);
            double[] directionAngles = PrincipalAngles.DirectionDegrees(directions, pca.Basis());
            var trainTerms = session.EvaluateTrainingSet();
            var testTerms = session.EvaluateTestSet();
            var row = new LinearPcaRow(m, angles.Max(), angles.Average(), -trainTerms.Reconstruction / trainTerms.Rows,
                pca.ReconstructionError(train.Features, train.Count), -testTerms.Reconstruction / testTerms.Rows,
                pca.ReconstructionError(test.Features, test.Count), directionAngles.Max(), session.State.Epoch, session.History.Sum(h => h.Seconds));
            rows.Add(row);
            log?.Invoke(string.Format(CultureInfo.InvariantCulture,
                "m = {0,2}: largest principal angle {1:F3}°, train error AE {2:F4} vs PCA {3:F4} ({4:+0.000%;-0.000%}), largest direction angle {5:F2}°",
                m, row.LargestAngle, row.AeTrain, row.PcaTrain, row.TrainGap, row.LargestDirectionAngle));
        }
        var ci = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("m,largest_angle_deg,mean_angle_deg,ae_train_error,pca_train_error,train_gap,ae_test_error,pca_test_error,largest_direction_angle_deg,epochs,train_seconds\n");
        var md = new StringBuilder($"# Linear autoencoder against PCA, {dataset}\n\n");
        md.Append("| m | largest principal angle | mean angle | train error AE | PCA | AE − PCA | test error AE | PCA | largest direction angle (Plaut) | epochs |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            csv.Append(ci, $"{r.Components},{r.LargestAngle:R},{r.MeanAngle:R},{r.AeTrain:R},{r.PcaTrain:R},{r.TrainGap:R},{r.AeTest:R},{r.PcaTest:R},{r.LargestDirectionAngle:R},{r.Epochs},{r.Seconds:R}\n");
            md.Append(ci, $"| {r.Components} | {r.LargestAngle:F3}° | {r.MeanAngle:F3}° | {r.AeTrain:F4} | {r.PcaTrain:F4} | {r.TrainGap:P3} | {r.AeTest:F4} | {r.PcaTest:F4} | {r.LargestDirectionAngle:F2}° | {r.Epochs} |\n");
        }
        md.Append("\nErrors are the mean of ½‖x − x̂‖² per image (pixels in [0, 1]); angles in degrees.\n");
        AtomicFile.WriteText(Path.Combine(o.Out, $"linear-pca-{dataset}.csv"), csv.ToString());
        AtomicFile.WriteText(Path.Combine(o.Out, $"linear-pca-{dataset}.md"), md.ToString());
        return rows;
    }
}
