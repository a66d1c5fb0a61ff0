using System.CommandLine;
using System.Globalization;
using System.Text;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Numerics;

namespace VaeSharp.Cli;

/// <summary><c>vae pca</c>: principal component analysis of a data set, saved as the linear autoencoder it is optimal for.</summary>
internal static class PcaCommand
{
    public static Command Create()
    {
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var components = new Option<int>("--components") { Description = "m, principal components kept.", DefaultValueFactory = _ => 30 };
        var output = new Option<string>("--out") { Description = "Model folder to write.", DefaultValueFactory = _ => "runs/pca" };
        var threads = CommonOptions.Threads();
        var cmd = new Command("pca", "PCA of the training split (covariance eigendecomposition, MathNet.Numerics), saved as a linear-ae model " +
            "(f(x) = U(x − μ), g(h) = Uᵀh + μ) with components.png, explained-variance.svg, reconstructions.png and pca.csv.")
        {
            dataset, dataDir, components, output, threads,
        };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            string name = pr.GetValue(dataset)!, outDir = pr.GetValue(output)!;
            int m = pr.GetValue(components), threadCount = Math.Max(1, pr.GetValue(threads));
            RunFolders.CheckWritableFolder(outDir);
            RunFolders.RequireNoRun(outDir);
            var train = CommonOptions.Load(name, "train", pr.GetValue(dataDir));
            var test = CommonOptions.Load(name, "test", pr.GetValue(dataDir));
            if (m < 1 || m > train.Dimension)
                throw new UsageException($"--components must be between 1 and {train.Dimension}, the values per image (got {m}).");
            using var pool = new WorkerPool(threadCount);
            var pca = Pca.Fit(train.Features, train.Count, train.Dimension, m, pool);
            var model = PcaModel.ToAutoencoder(pca, train.Width, train.Height);
            var state = new TrainingState { Dataset = name, Binarization = "none", Method = "pca", Epoch = 0 };
            Directory.CreateDirectory(outDir);
            ModelFile.Save(outDir, model, state, null);

            var ratio = pca.ExplainedVarianceRatio;
            var csv = new StringBuilder("component,eigenvalue,explained_variance_ratio,cumulative\n");
            double cumulative = 0;
            for (int i = 0; i < m; i++)
            {
                cumulative += ratio[i];
                csv.Append(CultureInfo.InvariantCulture, $"{i + 1},{pca.Eigenvalues[i]:R},{ratio[i]:R},{cumulative:R}\n");
            }
            File.WriteAllText(Path.Combine(outDir, "pca.csv"), csv.ToString());
            var chart = new SvgChart { Title = $"PCA of {name}: cumulative explained variance", XLabel = "components", YLabel = "fraction of the variance" };
            double c = 0;
            chart.AddSeries("cumulative", ratio.Select((r, i) => ((double)(i + 1), c += r)).ToList());
            chart.Save(Path.Combine(outDir, "explained-variance.svg"));

            // Each component drawn with its own range mapped to [0, 1] (a component has both signs).
            int shown = Math.Min(m, 64), d = train.Dimension;
            var tiles = new float[shown * d];
            for (int i = 0; i < shown; i++)
            {
                var u = pca.Component(i);
                double lo = double.MaxValue, hi = double.MinValue;
                foreach (double v in u) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
                for (int a = 0; a < d; a++) tiles[i * d + a] = hi > lo ? (float)((u[a] - lo) / (hi - lo)) : 0.5f;
            }
            ImageGrid.Tile(tiles, shown, train.Height, train.Width, Math.Min(shown, 8), scale: 2).SavePng(Path.Combine(outDir, "components.png"));
            Pictures.Reconstructions(model, test.Features, Math.Min(30, test.Count), pool: pool).SavePng(Path.Combine(outDir, "reconstructions.png"));

            var ci = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(ci, "PCA of {0} ({1} training images, {2} values each): {3} components explain {4:P2} of the variance (the first {5:P2})",
                name, train.Count, d, m, cumulative, ratio[0]));
            Console.WriteLine(string.Format(ci, "reconstruction error ½‖x − x̂‖² per image: train {0:F4}, test {1:F4}",
                pca.ReconstructionError(train.Features, train.Count), pca.ReconstructionError(test.Features, test.Count)));
            Console.WriteLine($"wrote {outDir}: model.safetensors, model.json (linear-ae), pca.csv, explained-variance.svg, components.png, reconstructions.png");
            return 0;
        }));
        return cmd;
    }
}
