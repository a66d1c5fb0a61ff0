using System.CommandLine;
using System.Globalization;
using VaeSharp.Experiments;

namespace VaeSharp.Cli;

/// <summary><c>vae experiment ae-vs-vae</c>: the same network trained as an autoencoder and as a VAE, sampled and scored.</summary>
internal static class AeVsVaeCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "mnist, or mnist-sample (the bundled digits) for a quick try.", DefaultValueFactory = _ => "mnist" };
        dataset.AcceptOnlyFromAmong("mnist", "mnist-sample", "fashion-mnist");
        var dataDir = CommonOptions.DataDir();
        var latent = new Option<int>("--latent") { Description = "Code size J of both models.", DefaultValueFactory = _ => 2 };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths of encoder and decoder, e.g. 500 or 500,500.", DefaultValueFactory = _ => "500" };
        var budget = new Option<long>("--budget-samples", "--budget")
        {
            Description = "Training samples per run (a finished run is extended when the budget grows).",
            DefaultValueFactory = _ => 3_000_000,
        };
        var output = new Option<string>("--out") { Description = "Experiment folder (runs under OUT/runs).", DefaultValueFactory = _ => "runs/ae-vs-vae" };
        var count = new Option<int>("--count") { Description = "Images generated per model and sampler for the scores.", DefaultValueFactory = _ => 10_000 };
        var components = new Option<int>("--components") { Description = "Components of the mixture fitted to each model's training codes.", DefaultValueFactory = _ => 10 };
        var classifier = new Option<string?>("--classifier") { Description = "Folder of the feature classifier (default: in the data cache); trained there on first use." };
        var threads = CommonOptions.Threads();
        var seed = CommonOptions.Seed();
        var cmd = new Command("ae-vs-vae", "The same architecture trained as an autoencoder and as a VAE: prior and GMM samples, interpolations, latent maps " +
            "side by side, and the sample-quality table (Fréchet distance, k-NN precision/recall, nearest-training distances).")
        {
            dataset, dataDir, latent, hidden, budget, output, count, components, classifier, threads, seed,
        };
        cmd.SetAction((pr, cancel) => Task.FromResult(Program.Guard(() =>
        {
            long b = pr.GetValue(budget);
            if (b < 1) throw new UsageException($"--budget-samples must be positive (got {b}).");
            int j = pr.GetValue(latent), n = pr.GetValue(count), k = pr.GetValue(components), t = pr.GetValue(threads);
            if (j is < 1 or > 4096) throw new UsageException($"--latent must be between 1 and 4096 (got {j}).");
            if (n < 4) throw new UsageException($"--count must be at least 4 (got {n}).");
            if (k is < 1 or > VaeSharp.Evaluation.LatentSamplerSpec.MaxComponents) throw new UsageException($"--components must be between 1 and {VaeSharp.Evaluation.LatentSamplerSpec.MaxComponents} (got {k}).");
            if (t < 1) throw new UsageException($"--threads must be positive (got {t}).");
            string outDir = pr.GetValue(output)!;
            RunFolders.CheckWritableFolder(outDir);
            var o = new ExperimentOptions { Out = outDir, BudgetSamples = b, Threads = t, Seed = pr.GetValue(seed) };
            var s = new AeVsVaeSettings { Hidden = TrainCommand.ParseHidden(pr.GetValue(hidden)!), Latent = j, Count = n, Components = k };
            string name = pr.GetValue(dataset)!;
            var train = CommonOptions.Load(name, "train", pr.GetValue(dataDir));
            var test = CommonOptions.Load(name, "test", pr.GetValue(dataDir));
            Console.WriteLine($"AE vs VAE on {name}: {train.Dimension}-{string.Join("-", s.Hidden)}-{j}, tanh, Bernoulli decoder, {b:N0} training samples per run; " +
                $"{n:N0} generated images per row, GMM with {k} components; {t} thread(s); into {outDir}");
            using var pool = new VaeSharp.Numerics.WorkerPool(t);
            var cls = ScoreCommand.Classifier(name, pr.GetValue(classifier), () => (train, test), pool);
            var (rows, written) = AeVsVae.Run(o, name, train, test, s, cls, p =>
            {
                if (p.Point is { } q)
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-30} {1,13:N0} samples  train {2,9:F2}  test {3,9:F2}  ({4:F0} s training)",
                        p.Run, q.Samples, q.Train, q.Test, q.Seconds));
            }, Console.WriteLine, cancel);
            Console.WriteLine(ScoreCommand.Header);
            foreach (var r in rows) Console.WriteLine(ScoreCommand.Row(r.Score));
            Console.WriteLine("wrote " + string.Join(", ", written));
            return 0;
        })));
        return cmd;
    }
}
