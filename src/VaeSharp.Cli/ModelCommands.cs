using System.CommandLine;
using System.Globalization;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary>Commands that use a trained model folder.</summary>
internal static class ModelCommands
{
    public static Command Eval()
    {
        var model = CommonOptions.Model();
        var dataset = CommonOptions.ModelDataset();
        var dataDir = CommonOptions.DataDir();
        var split = new Option<string>("--split") { Description = "Split to evaluate (valid: binarized-mnist only).", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("train", "valid", "test");
        var threads = CommonOptions.Threads();
        var importance = new Option<int>("--importance-samples")
        {
            Description = "Also estimate log p(x) by importance sampling with K samples per image (0: off; 5000 is usual).",
            DefaultValueFactory = _ => 0,
        };
        var limit = new Option<int>("--limit") { Description = "Evaluate only the first N images (0: all).", DefaultValueFactory = _ => 0 };
        var (marginal, hmcSamples) = MarginalLikelihoodOptions();
        var draws = new Option<int>("--draws")
        {
            Description = "Average N evaluations, each with fresh noise and (dynamic binarization) a fresh binarization; the spread between draws is printed too.",
            DefaultValueFactory = _ => 1,
        };
        var cmd = new Command("eval", "Print the ELBO, reconstruction term, KL, optionally log p(x) and IWAE bounds, each as mean ± standard error over the images, and the active latent units.")
        {
            model, dataset, dataDir, split, threads, importance, limit, draws, marginal, hmcSamples,
        };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            string dir = pr.GetValue(model)!;
            var loaded = RunFolders.LoadModel(dir);
            string name = pr.GetValue(dataset) ?? loaded.State.Dataset;
            var data = ModelData.Load(dir, loaded.State, pr.GetValue(dataset), pr.GetValue(split)!, pr.GetValue(dataDir));
            int k = pr.GetValue(importance), n = pr.GetValue(limit), drawCount = pr.GetValue(draws);
            if (k < 0) throw new UsageException($"--importance-samples must be ≥ 0 (got {k}).");
            if (n < 0) throw new UsageException($"--limit must be ≥ 0 (got {n}).");
            if (drawCount < 1) throw new UsageException($"--draws must be a positive whole number (got {drawCount}).");
            if (n > 0 && n < data.Count) data = data.Subset([.. Enumerable.Range(0, n)]);
            MemoryBudget.Require(MemoryBudget.EvaluationBytes(loaded.Model.Config, loaded.State.BatchSize, loaded.State.Samples, data.Count, k),
                $"evaluating {data.Count} images{(k > 0 ? $" with --importance-samples {k}" : "")}");
            var ci = CultureInfo.InvariantCulture;
            int threadCount = Math.Max(1, pr.GetValue(threads));
            if (loaded.Model is not VaeSharp.Models.Vae vae)
            {
                if (drawCount > 1) throw new ArgumentException("--draws averages a VAE's stochastic estimates; an autoencoder's evaluation is deterministic.");
                if (pr.GetValue(marginal) is not null)
                    throw new ArgumentException("--marginal-likelihood estimates log p(x) of a latent-variable model; an autoencoder has no likelihood.");
                var t = TrainingSession.Evaluate(loaded, data, threadCount, k, out _);
                var kind = loaded.Model.Config.Kind;
                bool bce = loaded.Model.Config.Decoder == VaeSharp.Models.DecoderKind.Bernoulli;
                Console.WriteLine(string.Format(ci, "{0} {1} ({2} images, binarization {3}, {4}, noise {5}):",
                    name, pr.GetValue(split), data.Count, loaded.State.Binarization, VaeSharp.Models.ModelKinds.Name(kind), loaded.State.Noise));
                Console.WriteLine(string.Format(ci, "  reconstruction error {0,10:F4} per datapoint ({1})", -t.Reconstruction / t.Rows,
                    bce ? "Bernoulli cross-entropy, nats" : "½‖g(f(x)) − x‖²"));
                if (loaded.State.L1 > 0) Console.WriteLine(string.Format(ci, "  L1 penalty           {0,10:F4}", t.Kl / t.Rows));
                return 0;
            }
            var st = loaded.State;
            var settings = new EvaluationSettings
            {
                Binarization = Enum.Parse<VaeSharp.Data.Binarization>(st.Binarization, ignoreCase: true),
                Estimator = Enum.Parse<VaeSharp.Objectives.Estimator>(st.Estimator, ignoreCase: true),
                Samples = st.Samples, BatchSize = st.BatchSize, Seed = st.Seed, Draws = drawCount, ImportanceSamples = k,
                ImportanceProgress = k > 0 ? EvalProgress.Reporter(k) : null,
            };
            using var pool = new WorkerPool(threadCount);
            var r = DatasetEvaluation.Run(vae, data, settings, pool);
            string Pm(MeanEstimate e) => string.Format(ci, "{0,10:F3} ± {1:F3}", e.Mean, e.StandardError);
            Console.WriteLine(string.Format(ci, "{0} {1} ({2} images, binarization {3}, estimator {4}, L={5}, {6} draw{7}); mean ± standard error over images:",
                name, pr.GetValue(split), data.Count, st.Binarization, st.Estimator, st.Samples, drawCount, drawCount == 1 ? "" : "s"));
            Console.WriteLine($"  ELBO            {Pm(r.ElboEstimate)} nats per datapoint");
            Console.WriteLine($"  reconstruction  {Pm(r.ReconstructionEstimate)}");
            Console.WriteLine($"  KL              {Pm(r.KlEstimate)}");
            if (drawCount > 1)
                Console.WriteLine(string.Format(ci, "  between draws   ELBO {0:F3} ± {1:F3} (mean ± sd of the {2} draws' means)",
                    r.ElboBetweenDraws.Mean, r.ElboBetweenDraws.StandardDeviation, drawCount));
            if (k > 0)
            {
                Console.WriteLine(string.Format(ci, "  log p(x)        {0} nats per datapoint (importance sampling, K = {1}; mean per-image s.e. of the estimate {2:F3}; {3:F1} s)",
                    Pm(r.LogLikelihoodEstimate), k, k > 1 ? r.LogLikelihoodStandardError.Average() : double.NaN, r.ImportanceSeconds));
                if (drawCount > 1)
                    Console.WriteLine(string.Format(ci, "  between draws   log p(x) {0:F3} ± {1:F3} (mean ± sd of the {2} draws' means)",
                        r.LogLikelihoodBetweenDraws.Mean, r.LogLikelihoodBetweenDraws.StandardDeviation, drawCount));
                for (int b = 0; b < r.BoundSizes.Length; b++)
                    Console.WriteLine(string.Format(ci, "  IWAE bound      {0} (K' = {1}, the first K' of the same samples{2})", Pm(r.BoundEstimate(b)), r.BoundSizes[b],
                        b == 0 ? "" : string.Format(ci, "; L_K' − L_1 = {0:F3} ± {1:F3} paired", r.BoundGain(b).Mean, r.BoundGain(b).StandardError)));
            }
            var a = r.Activity;
            Console.WriteLine(string.Format(ci, "  active units    {0} of {1} (Cov_x E_q[z_u] > {2})", a.ActiveUnits, a.Activity.Length, a.Threshold));
            Console.WriteLine("  KL per unit     " + string.Join(" ", a.Kl.Select(v => v.ToString("F2", ci))));
            Console.WriteLine("  activity        " + string.Join(" ", a.Activity.Select(v => v.ToString("F3", ci))));
            if (pr.GetValue(marginal) is not null)
                PrintHmcMarginalLikelihood(loaded, data, pr.GetValue(marginal)!, pr.GetValue(hmcSamples), threadCount);
            return 0;
        }));
        return cmd;
    }

    private static (Option<string?> Method, Option<int> Samples) MarginalLikelihoodOptions()
    {
        var method = new Option<string?>("--marginal-likelihood")
        {
            Description = "Also estimate log p(x) for a latent space of at most 5 dimensions: hmc, the paper's appendix-D estimator (HMC " +
                "posterior samples and a fitted density); posterior-is, importance sampling from a mixture fitted to HMC samples of each " +
                "posterior (a reference: K = 20,000, with its effective sample size); all, both. Slow: use --limit.",
        };
        method.AcceptOnlyFromAmong("hmc", "posterior-is", "all");
        var samples = new Option<int>("--hmc-samples") { Description = "L, HMC posterior samples per image (the paper: 50).", DefaultValueFactory = _ => 50 };
        return (method, samples);
    }

    private static void PrintHmcMarginalLikelihood(LoadedModel loaded, VaeSharp.Data.Dataset data, string method, int samples, int threads)
    {
        if (samples < 2 || samples > 100_000) throw new ArgumentException($"--hmc-samples must lie between 2 and 100,000 (got {samples}).");
        if (loaded.Model is not VaeSharp.Models.Vae vae)
            throw new ArgumentException($"--marginal-likelihood hmc estimates log p(x) of a latent-variable model; a {VaeSharp.Models.ModelKinds.Name(loaded.Model.Config.Kind)} has no likelihood.");
        if (vae.Latent > MarginalLikelihood.MaxLatent)
            throw new ArgumentException($"--marginal-likelihood hmc: the model has {vae.Latent} latent dimensions; the estimator " +
                $"is reliable for at most {MarginalLikelihood.MaxLatent} (its fitted density and the samples it needs grow exponentially with J). Use --importance-samples.");
        float[] inputs = TrainingSession.EvaluationInputs(loaded, data);
        using var pool = new WorkerPool(threads);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ci = CultureInfo.InvariantCulture;
        if (method is "hmc" or "all")
        {
            var settings = new MarginalLikelihoodSettings { Samples = samples, Seed = loaded.State.Seed };
            var estimate = new MarginalLikelihood(new VaeLatentModel(vae, pool), settings).Estimate(inputs, data.Count, new double[data.Count]);
            Console.WriteLine(string.Format(ci,
                "  log p(x)        {0,10:F3} ± {1:F3} nats per datapoint (HMC estimator, appendix D: L = {2}, {3} leapfrog steps, acceptance {4:F2}; {5:F1} s)",
                estimate.Mean, estimate.StandardError, samples, settings.Hmc.LeapfrogSteps, estimate.AcceptanceRate, watch.Elapsed.TotalSeconds));
        }
        if (method is "posterior-is" or "all")
        {
            watch.Restart();
            var settings = new PosteriorImportanceSettings { Seed = loaded.State.Seed };
            var r = new PosteriorImportanceSampling(new VaeLatentModel(vae, pool), settings).Estimate(inputs, data.Count, new double[data.Count]);
            Console.WriteLine(string.Format(ci,
                "  log p(x)        {0,10:F3} ± {1:F3} nats per datapoint (importance sampling from the fitted posterior: {2} HMC chains, K = {3:N0}; " +
                "median ESS {4:N0}, {5} of {6} datapoints with ESS < 100; {7:F1} s)",
                r.Estimate.Mean, r.Estimate.StandardError, settings.Chains, settings.ImportanceSamples, r.MedianEffectiveSamples, r.LowEffectiveSamples,
                data.Count, watch.Elapsed.TotalSeconds));
        }
    }

    public static Command Sample()
    {
        var model = CommonOptions.Model();
        var output = CommonOptions.OutFile("samples.png");
        var count = new Option<int>("--count") { Description = "Images to draw.", DefaultValueFactory = _ => 100 };
        var seed = CommonOptions.Seed();
        var (sampler, dataset, dataDir, threads) = ScoreCommand.SamplerOptions();
        var cmd = new Command("sample", "Decode codes drawn from N(0, I) (--sampler prior) or from a Gaussian or mixture fitted to the training codes into a grid of images.")
        {
            model, output, count, seed, sampler, dataset, dataDir, threads,
        };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            string dir = pr.GetValue(model)!;
            var loaded = RunFolders.LoadModel(dir);
            int n = pr.GetValue(count);
            if (n < 1) throw new UsageException($"--count must be positive (got {n}).");
            RunFolders.CheckPicture(loaded.Model.Config, n, Math.Min(n, 10), "--count");
            using var pool = new WorkerPool(Math.Max(1, pr.GetValue(threads)));
            var s = ScoreCommand.SamplerFor(dir, loaded, pr.GetValue(sampler)!, pr.GetValue(dataset), pr.GetValue(dataDir), pr.GetValue(seed), pool);
            Save(ScoreCommand.SampleGrid(loaded.Model, s, n, pr.GetValue(seed), pool), pr.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    public static Command Reconstruct()
    {
        var model = CommonOptions.Model();
        var output = CommonOptions.OutFile("reconstructions.png");
        var dataset = CommonOptions.ModelDataset();
        var dataDir = CommonOptions.DataDir();
        var count = new Option<int>("--count") { Description = "Test images to reconstruct.", DefaultValueFactory = _ => 30 };
        var cmd = new Command("reconstruct", "Test images above their reconstructions (decoded from z = μ(x)).") { model, output, dataset, dataDir, count };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            var loaded = RunFolders.LoadModel(pr.GetValue(model)!);
            var data = TestSplitFor(pr.GetValue(model)!, loaded, pr.GetValue(dataset), pr.GetValue(dataDir));
            int n = Math.Min(pr.GetValue(count), data.Count);
            if (n < 1) throw new UsageException($"--count must be positive (got {pr.GetValue(count)}).");
            Save(Pictures.Reconstructions(loaded.Model, data.Features, n), pr.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    public static Command Manifold()
    {
        var model = CommonOptions.Model();
        var output = CommonOptions.OutFile("manifold.png");
        var steps = new Option<int>("--steps") { Description = "Grid points per axis.", DefaultValueFactory = _ => 20 };
        var cmd = new Command("manifold", "The learned 2-D manifold: a grid of z through the inverse normal CDF, decoded (paper Figure 4).") { model, output, steps };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            var vae = RunFolders.LoadModel(pr.GetValue(model)!).Model;
            int s = pr.GetValue(steps);
            if (s < 2) throw new UsageException($"--steps must be at least 2 (got {s}).");
            if (vae.Latent == 2) RunFolders.CheckPicture(vae.Config, (long)s * s, s, "--steps");
            Save(Pictures.Manifold(vae, s), pr.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    public static Command LatentMap()
    {
        var model = CommonOptions.Model();
        var output = CommonOptions.OutFile("latent-map.png");
        var dataset = CommonOptions.ModelDataset();
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var cmd = new Command("latent-map", "Test-set means μ(x) in a 2-D latent space, coloured by label.") { model, output, dataset, dataDir, threads };
        cmd.SetAction(pr => Program.Guard(() =>
        {
            var loaded = RunFolders.LoadModel(pr.GetValue(model)!);
            var data = TestSplitFor(pr.GetValue(model)!, loaded, pr.GetValue(dataset), pr.GetValue(dataDir));
            using var pool = new WorkerPool(Math.Max(1, pr.GetValue(threads)));
            Save(Pictures.LatentMap(loaded.Model, data, pool), pr.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The test split of <paramref name="name"/> (default: the model's data set), checked against the model's input size.</summary>
    private static VaeSharp.Data.Dataset TestSplitFor(string modelDir, LoadedModel loaded, string? name, string? dataDir)
    {
        var data = ModelData.Load(modelDir, loaded.State, name, "test", dataDir);
        if (data.Dimension != loaded.Model.InputSize)
            throw new ArgumentException($"{data.Name} has {data.Dimension} values per image; the model expects {loaded.Model.InputSize}.");
        return data;
    }

    private static void Save(VaeSharp.Imaging.Image image, string path)
    {
        image.SavePng(path);
        Console.WriteLine($"wrote {path} ({image.Width}×{image.Height})");
    }
}
