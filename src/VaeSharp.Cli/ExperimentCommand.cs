using System.CommandLine;
using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Experiments;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary><c>vae experiment</c>: the paper's experiments (and later ones), each one command, resumable, writing into --out.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var cmd = new Command("experiment", "Reproduce an experiment: trains (or resumes) its runs under --out/runs and writes its tables and figures into --out.");
        cmd.Subcommands.Add(Figure2());
        cmd.Subcommands.Add(Figure3Command.Create());
        cmd.Subcommands.Add(Figure4());
        cmd.Subcommands.Add(Figure5());
        cmd.Subcommands.Add(LinearPca());
        cmd.Subcommands.Add(Denoising());
        cmd.Subcommands.Add(Sparse());
        cmd.Subcommands.Add(AeVsVaeCommand.Create());
        cmd.Subcommands.Add(NllCommand.Create());
        return cmd;
    }

    internal sealed record Common(Option<string> Dataset, Option<string?> DataDir, Option<long> Budget, Option<string> Out,
        Option<int> Threads, Option<ulong> Seed)
    {
        public Option[] All => [Dataset, DataDir, Budget, Out, Threads, Seed];

        public ExperimentOptions Options(ParseResult pr)
        {
            long budget = pr.GetValue(Budget);
            if (budget < 1) throw new ArgumentException($"--budget-samples must be positive (got {budget}).");
            int threads = pr.GetValue(Threads);
            if (threads < 1) throw new ArgumentException($"--threads must be positive (got {threads}).");
            string outDir = pr.GetValue(Out)!;
            if (string.IsNullOrWhiteSpace(outDir)) throw new ArgumentException("--out must name a folder.");
            return new ExperimentOptions { Out = outDir, BudgetSamples = budget, Threads = threads, Seed = pr.GetValue(Seed) };
        }
    }

    internal static Common MakeCommon(string defaultDataset, long defaultBudget)
    {
        var dataset = new Option<string>("--dataset") { Description = "mnist or frey-face (mnist-sample, the bundled digits, for a quick try).", DefaultValueFactory = _ => defaultDataset };
        dataset.AcceptOnlyFromAmong("mnist", "frey-face", "mnist-sample");
        var budget = new Option<long>("--budget-samples")
        {
            Description = "Training samples per run (the paper: 10^8). A finished run is extended when the budget grows.",
            DefaultValueFactory = _ => defaultBudget,
        };
        var output = new Option<string>("--out") { Description = "Experiment folder (runs are shared between figures).", DefaultValueFactory = _ => "runs/paper" };
        return new Common(dataset, CommonOptions.DataDir(), budget, output, CommonOptions.Threads(), CommonOptions.Seed());
    }

    private static int[] ParseLatents(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1 || values[i] > 4096)
                throw new ArgumentException($"{option} takes latent sizes from 1 to 4096 separated by commas, like 3,5,10 (got '{text}').");
        if (values.Length == 0) throw new ArgumentException($"{option} needs at least one latent size.");
        return values;
    }

    internal static (Dataset Train, Dataset Test) Load(string name, string? dataDir) =>
        (CommonOptions.Load(name, "train", dataDir), CommonOptions.Load(name, "test", dataDir));

    internal static void Report(CurveProgress p)
    {
        if (p.Point is not { } q) return;
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-26} {1,13:N0} samples  train {2,9:F2}  test {3,9:F2}  ({4:F0} s training)",
            p.Run, q.Samples, q.Train, q.Test, q.Seconds));
    }

    private static Command Figure2()
    {
        var c = MakeCommon("mnist", 10_000_000);
        var latents = new Option<string?>("--latents") { Description = "Latent sizes (default: the paper's, MNIST 3,5,10,20,200; Frey Face 2,5,10,20)." };
        var methods = new Option<string>("--methods") { Description = "Methods compared.", DefaultValueFactory = _ => "aevb,wake-sleep" };
        var cmd = new Command("fig2", "Figure 2: AEVB against wake-sleep, train and test lower bound against training samples, one panel per latent size.");
        foreach (var o in c.All) cmd.Options.Add(o);
        cmd.Options.Add(latents);
        cmd.Options.Add(methods);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            var o = c.Options(pr);
            string dataset = pr.GetValue(c.Dataset)!;
            int[] js = pr.GetValue(latents) is { } l ? ParseLatents(l, "--latents") : [.. PaperExperiments.Figure2Latents(dataset)];
            var ms = pr.GetValue(methods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(m => ObjectiveFactory.ParseMethod(m, "--methods")).Distinct().ToArray();
            var (train, test) = Load(dataset, pr.GetValue(c.DataDir));
            Console.WriteLine($"Figure 2 on {dataset}: N_z = {string.Join(", ", js)}; {string.Join(" and ", ms.Select(ObjectiveFactory.MethodName))}; " +
                $"{o.BudgetSamples:N0} training samples per run; {o.Threads} thread(s); into {o.Out}");
            var written = PaperExperiments.Figure2(o, dataset, train, test, js, ms, Report, Console.WriteLine, cancel);
            Console.WriteLine("wrote " + string.Join(", ", written));
            return 0;
        })));
        return cmd;
    }

    private static Command Figure4()
    {
        var c = MakeCommon("mnist", 10_000_000);
        var steps = new Option<int>("--steps") { Description = "Grid points per axis.", DefaultValueFactory = _ => 20 };
        var cmd = new Command("fig4", "Figure 4: the learned 2-D manifold (trains the 2-D AEVB run if it is not there yet).");
        foreach (var o in c.All) cmd.Options.Add(o);
        cmd.Options.Add(steps);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            var o = c.Options(pr);
            int s = pr.GetValue(steps);
            if (s is < 2 or > 100) throw new ArgumentException($"--steps must be between 2 and 100 (got {s}).");
            string dataset = pr.GetValue(c.Dataset)!;
            var (train, test) = Load(dataset, pr.GetValue(c.DataDir));
            string path = PaperExperiments.Figure4(o, dataset, train, test, s, Report, Console.WriteLine, cancel);
            Console.WriteLine($"wrote {path}");
            return 0;
        })));
        return cmd;
    }

    private static Command Figure5()
    {
        var c = MakeCommon("mnist", 10_000_000);
        var latents = new Option<string>("--latents") { Description = "Latent sizes.", DefaultValueFactory = _ => "2,5,10,20" };
        var cmd = new Command("fig5", "Figure 5: samples from AEVB models with 2-, 5-, 10- and 20-D latent spaces, side by side.");
        foreach (var o in c.All) cmd.Options.Add(o);
        cmd.Options.Add(latents);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            var o = c.Options(pr);
            string dataset = pr.GetValue(c.Dataset)!;
            var (train, test) = Load(dataset, pr.GetValue(c.DataDir));
            string path = PaperExperiments.Figure5(o, dataset, train, test, ParseLatents(pr.GetValue(latents)!, "--latents"), Report, Console.WriteLine, cancel);
            Console.WriteLine($"wrote {path}");
            return 0;
        })));
        return cmd;
    }

    private static Command LinearPca()
    {
        var c = MakeCommon("mnist", 0);
        var components = new Option<string>("--components") { Description = "Code sizes m.", DefaultValueFactory = _ => "2,10,30" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per linear autoencoder (cosine step-size decay from 1e-3 to 1e-5 over them).", DefaultValueFactory = _ => 100 };
        var cmd = new Command("linear-pca", "Linear AE ≡ PCA: principal angles between span(W_g) and PCA's subspace, reconstruction errors, directions recovered from W_g (Plaut 2018).");
        foreach (var o in c.All.Where(o => o != c.Budget)) cmd.Options.Add(o);
        cmd.Options.Add(components);
        cmd.Options.Add(epochs);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            int threads = pr.GetValue(c.Threads);
            if (threads < 1) throw new UsageException($"--threads must be positive (got {threads}).");
            int e = pr.GetValue(epochs);
            if (e is < 1 or > 100_000) throw new UsageException($"--epochs must be between 1 and 100000 (got {e}).");
            var o = new ExperimentOptions { Out = pr.GetValue(c.Out)!, Threads = threads, Seed = pr.GetValue(c.Seed) };
            string dataset = pr.GetValue(c.Dataset)!;
            var (train, test) = Load(dataset, pr.GetValue(c.DataDir));
            var ms = ParseLatents(pr.GetValue(components)!, "--components");
            LinearPcaExperiment.Run(o, dataset, train, test, ms, e, Console.WriteLine, cancel);
            Console.WriteLine($"wrote {Path.Combine(o.Out, $"linear-pca-{dataset}.csv")} and .md");
            return 0;
        })));
        return cmd;
    }

    private static Command Denoising()
    {
        var c = MakeCommon("mnist", 0);
        var noises = new Option<string>("--noises") { Description = "Corruptions, comma-separated.", DefaultValueFactory = _ => "gaussian:0.3,mask:0.3,salt-pepper:0.2" };
        var levels = new Option<string[]>("--levels")
        {
            Description = "PSNR against the noise level instead: KIND:l1,l2,… (e.g. gaussian:0.1,0.2,0.3,0.5), repeatable for more kinds; one model per level, a chart per kind.",
        };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per denoising autoencoder.", DefaultValueFactory = _ => 10 };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths.", DefaultValueFactory = _ => "500" };
        var latent = new Option<int>("--latent") { Description = "Code width.", DefaultValueFactory = _ => 64 };
        var cmd = new Command("denoising", "Denoising autoencoders, one per corruption: PSNR of the test images before and after, and noisy / denoised / clean grids; with --levels, PSNR against the noise level.");
        foreach (var o in c.All.Where(o => o != c.Budget)) cmd.Options.Add(o);
        cmd.Options.Add(noises);
        cmd.Options.Add(levels);
        cmd.Options.Add(epochs);
        cmd.Options.Add(hidden);
        cmd.Options.Add(latent);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            int threads = pr.GetValue(c.Threads), e = pr.GetValue(epochs), j = pr.GetValue(latent);
            CheckAutoencoderSizes(threads, e, j);
            string[]? sweep = pr.GetValue(levels) is { Length: > 0 } given ? given : null;
            if (sweep is not null && pr.GetResult(noises) is { Implicit: false })
                throw new UsageException("--levels and --noises do not go together: --levels sweeps the levels of each kind it names.");
            var corruptions = sweep is not null ? ParseLevels(sweep) : pr.GetValue(noises)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => { try { return VaeSharp.Objectives.Corruption.Parse(t, "--noises"); } catch (ArgumentException x) { throw new UsageException(x.Message); } })
                .ToArray();
            if (corruptions.Length == 0 || corruptions.Any(n => n.Kind == VaeSharp.Objectives.CorruptionKind.None))
                throw new UsageException("--noises needs at least one of gaussian:σ, mask:p, salt-pepper:p (and no 'none').");
            var hiddenSizes = TrainCommand.ParseHidden(pr.GetValue(hidden)!);
            var o = new ExperimentOptions { Out = pr.GetValue(c.Out)!, Threads = threads, Seed = pr.GetValue(c.Seed) };
            string dataset = pr.GetValue(c.Dataset)!;
            var (train, test) = Load(dataset, pr.GetValue(c.DataDir));
            if (sweep is not null)
            {
                DenoisingExperiment.RunLevels(o, dataset, train, test, corruptions, hiddenSizes, j, e, Console.WriteLine, cancel);
                Console.WriteLine("wrote " + string.Join(", ", DenoisingExperiment.LevelOutputs(o.Out, dataset, corruptions)));
            }
            else
            {
                DenoisingExperiment.Run(o, dataset, train, test, corruptions, hiddenSizes, j, e, Console.WriteLine, cancel);
                Console.WriteLine($"wrote {Path.Combine(o.Out, $"denoising-{dataset}.md")}, .csv and .png");
            }
            Console.WriteLine("runs in " + Path.Combine(o.Out, "runs"));
            return 0;
        })));
        return cmd;
    }

    /// <summary>
    /// Parses <c>--levels</c> values, each KIND:l1,l2,… (a kind at most once): the corruptions in order; an error names the option.
    /// </summary>
    internal static VaeSharp.Objectives.Corruption[] ParseLevels(IReadOnlyList<string> values)
    {
        var result = new List<VaeSharp.Objectives.Corruption>();
        foreach (string text in values)
        {
            int colon = text.IndexOf(':');
            var parts = colon < 0 ? [] : text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (colon < 1 || parts.Length == 0)
                throw new UsageException($"--levels takes KIND:l1,l2,… with KIND gaussian, mask or salt-pepper, like gaussian:0.1,0.2,0.3 (got '{text}').");
            string kind = text[..colon].Trim();
            var here = new List<VaeSharp.Objectives.Corruption>();
            foreach (string level in parts)
            {
                VaeSharp.Objectives.Corruption n;
                try { n = VaeSharp.Objectives.Corruption.Parse($"{kind}:{level}", "--levels"); }
                catch (ArgumentException x) { throw new UsageException(x.Message); }
                if (n.Kind == VaeSharp.Objectives.CorruptionKind.None) throw new UsageException($"--levels needs a corruption kind (got '{text}').");
                if (here.Contains(n)) throw new UsageException($"--levels lists {n} twice.");
                here.Add(n);
            }
            if (result.Any(r => r.Kind == here[0].Kind))
                throw new UsageException($"--levels names {kind} twice; list all its levels in one value.");
            result.AddRange(here);
        }
        return [.. result];
    }

    /// <summary>Parses λ values ≥ 0 separated by commas (no repeats); an error names <paramref name="option"/>.</summary>
    internal static float[] ParseL1s(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]) || values[i] < 0)
                throw new UsageException($"{option} takes λ values ≥ 0 separated by commas, like 0,0.01,0.1 (got '{text}').");
        if (values.Length == 0) throw new UsageException($"{option} needs at least one λ.");
        if (values.Distinct().Count() != values.Length) throw new UsageException($"{option} lists a λ twice (got '{text}').");
        return values;
    }

    private static Command Sparse()
    {
        var c = MakeCommon("mnist", 0);
        var l1 = new Option<string>("--l1") { Description = "λ values of λ‖f(x)‖₁, comma-separated; 0 is the plain autoencoder.", DefaultValueFactory = _ => "0,0.03,0.1,0.3" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per autoencoder.", DefaultValueFactory = _ => 10 };
        var hidden = new Option<string>("--hidden") { Description = "Hidden widths.", DefaultValueFactory = _ => "500" };
        var latent = new Option<int>("--latent") { Description = "Code width J.", DefaultValueFactory = _ => 64 };
        var threshold = new Option<float>("--threshold") { Description = "τ: a code unit is near zero on an image when |h_j| < τ.", DefaultValueFactory = _ => SparseExperiment.DefaultThreshold };
        var cmd = new Command("sparse", "Sparse autoencoders, one per λ: test reconstruction error against the code's sparsity (near-zero units, mean |h|, dead units), decoder features as tiles.");
        foreach (var o in c.All.Where(o => o != c.Budget)) cmd.Options.Add(o);
        cmd.Options.Add(l1);
        cmd.Options.Add(epochs);
        cmd.Options.Add(hidden);
        cmd.Options.Add(latent);
        cmd.Options.Add(threshold);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            int threads = pr.GetValue(c.Threads), e = pr.GetValue(epochs), j = pr.GetValue(latent);
            float t = pr.GetValue(threshold);
            CheckAutoencoderSizes(threads, e, j);
            if (!(t > 0) || !float.IsFinite(t)) throw new UsageException($"--threshold must be a positive number (got {t.ToString(CultureInfo.InvariantCulture)}).");
            var lambdas = ParseL1s(pr.GetValue(l1)!, "--l1");
            var hiddenSizes = TrainCommand.ParseHidden(pr.GetValue(hidden)!);
            var o = new ExperimentOptions { Out = pr.GetValue(c.Out)!, Threads = threads, Seed = pr.GetValue(c.Seed) };
            string dataset = pr.GetValue(c.Dataset)!;
            var (train, test) = Load(dataset, pr.GetValue(c.DataDir));
            SparseExperiment.Run(o, dataset, train, test, lambdas, hiddenSizes, j, e, t, Console.WriteLine, cancel);
            Console.WriteLine("wrote " + string.Join(", ", SparseExperiment.Outputs(o.Out, dataset, lambdas)));
            Console.WriteLine("runs in " + Path.Combine(o.Out, "runs"));
            return 0;
        })));
        return cmd;
    }

    /// <summary>The checks every autoencoder experiment makes of --threads, --epochs and --latent.</summary>
    private static void CheckAutoencoderSizes(int threads, int epochs, int latent)
    {
        if (threads < 1) throw new UsageException($"--threads must be positive (got {threads}).");
        if (epochs is < 1 or > 100_000) throw new UsageException($"--epochs must be between 1 and 100000 (got {epochs}).");
        if (latent is < 1 or > 4096) throw new UsageException($"--latent must be between 1 and 4096 (got {latent}).");
    }
}
