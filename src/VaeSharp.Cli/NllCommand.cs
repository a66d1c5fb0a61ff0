using System.CommandLine;
using System.Globalization;
using VaeSharp.Experiments;

namespace VaeSharp.Cli;

/// <summary><c>vae experiment nll</c>: the IWAE paper's test log-likelihood benchmark (see <see cref="NllBenchmark"/>).</summary>
internal static class NllCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "mnist (dynamic binarization) or binarized-mnist (the fixed binarization, no further one); mnist-sample for a quick try.", DefaultValueFactory = _ => "mnist" };
        dataset.AcceptOnlyFromAmong("mnist", "binarized-mnist", "mnist-sample");
        var dataDir = CommonOptions.DataDir();
        var objectives = new Option<string>("--objectives") { Description = "Objectives trained: vae (the ELBO) and iwaeK (the IWAE bound with K samples).", DefaultValueFactory = _ => "vae,iwae5,iwae50" };
        var minutes = new Option<double?>("--minutes") { Description = "Training wall-clock budget per run, in minutes, counting time already spent in the run (default 60 unless --passes is given)." };
        var passes = new Option<string?>("--passes") { Description = "Budget in passes over the training set per run, instead of --minutes: one number, or NAME=N per objective (vae=720,iwae5=320)." };
        var schedule = new Option<string>("--lr-schedule") { Description = "iwae: 0.001·10^(−i/7) for 3^i passes (the paper's); cosine: 0.001 to 0.00001 over each run's --passes, ending annealed.", DefaultValueFactory = _ => "iwae" };
        schedule.AcceptOnlyFromAmong("iwae", "cosine");
        var batch = new Option<int>("--batch") { Description = "M, the minibatch size (the IWAE paper's 20).", DefaultValueFactory = _ => NllBenchmark.BatchSize };
        var lr = new Option<float>("--lr") { Description = "Adam's starting learning rate (the IWAE paper's 0.001); both schedules scale from it.", DefaultValueFactory = _ => NllBenchmark.LearningRate };
        var validation = new Option<int>("--validation") { Description = "Training images held out (seeded) as a validation split.", DefaultValueFactory = _ => 0 };
        var earlyStopping = new Option<int>("--early-stopping") { Description = "Stop a run after P passes without a better validation bound and score its best pass's model (needs --validation).", DefaultValueFactory = _ => 0 };
        var importance = new Option<int>("--importance-samples") { Description = "K of the importance-sampled log p(x) on every test image.", DefaultValueFactory = _ => 5000 };
        var output = new Option<string>("--out") { Description = "Experiment folder: runs in OUT/runs, the table (CSV, markdown) and the learning curves (SVG) in OUT.", DefaultValueFactory = _ => "runs/nll" };
        var threads = CommonOptions.Threads();
        var seed = CommonOptions.Seed();
        var cmd = new Command("nll", "Test log-likelihood benchmark (Burda et al. 2016): a 784-200-200-50 VAE trained with the VAE and IWAE (K = 5, 50) objectives under a time or pass budget, scored by importance sampling with K = 5,000.")
        {
            dataset, dataDir, objectives, minutes, passes, schedule, batch, lr, validation, earlyStopping, importance, output, threads, seed,
        };
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            double? m = pr.GetValue(minutes);
            string? passText = pr.GetValue(passes);
            if (m is not null && passText is not null) throw new UsageException("Give one budget: --minutes or --passes, not both.");
            if (m is null && passText is null) m = 60;
            (int? p, Dictionary<string, int> per) = passText is null ? (null, new Dictionary<string, int>()) : NllOptions.ParsePasses(passText);
            int t = pr.GetValue(threads);
            if (t < 1) throw new UsageException($"--threads must be positive (got {t}).");
            int mb = pr.GetValue(batch);
            if (mb < 1) throw new UsageException($"--batch must be positive (got {mb}).");
            float rate = pr.GetValue(lr);
            if (!(rate > 0 && float.IsFinite(rate))) throw new UsageException($"--lr must be a positive number (got {rate.ToString(CultureInfo.InvariantCulture)}).");
            int held = pr.GetValue(validation), patience = pr.GetValue(earlyStopping);
            if (held < 0) throw new UsageException($"--validation must be 0 or more (got {held}).");
            if (patience < 0) throw new UsageException($"--early-stopping must be 0 or more (got {patience}).");
            if (patience > 0 && held == 0) throw new UsageException("--early-stopping watches the validation bound; hold out a validation split with --validation N.");
            string outDir = pr.GetValue(output)!;
            if (string.IsNullOrWhiteSpace(outDir)) throw new UsageException("--out must name a folder.");
            var o = new NllOptions
            {
                Out = outDir, Dataset = pr.GetValue(dataset)!, Objectives = NllObjective.ParseList(pr.GetValue(objectives)!),
                Minutes = m, Passes = p, PassesPer = per, Schedule = pr.GetValue(schedule)!, BatchSize = mb, LearningRate = rate, Validation = held, EarlyStopping = patience, ImportanceSamples = pr.GetValue(importance), Threads = t, Seed = pr.GetValue(seed),
            };
            string name = o.Dataset;
            var train = CommonOptions.Load(name, "train", pr.GetValue(dataDir));
            var test = CommonOptions.Load(name, "test", pr.GetValue(dataDir));
            var ci = CultureInfo.InvariantCulture;
            Console.WriteLine($"NLL benchmark on {name}: {string.Join(", ", o.Objectives.Select(x => x.Name))}; " +
                (m is null ? $"{passText} passes" : string.Format(ci, "{0:G} minutes of training", m)) +
                $" per run; M = {mb}, schedule {o.Schedule} from lr {rate.ToString("G", ci)}; K = {o.ImportanceSamples:N0} on {test.Count:N0} test images; {t} thread(s); into {outDir}");
            var rows = NllBenchmark.Run(o, train, test, Console.WriteLine, () => EvalProgress.Reporter(o.ImportanceSamples), cancel);
            foreach (var r in rows)
                Console.WriteLine(string.Format(ci, "{0,-7} {1,4} passes  {2,7:F0} s  NLL {3:F2} ± {4:F2}  ELBO {5:F2} ± {6:F2}  active units {7}/{8}",
                    r.Name, r.Passes, r.TrainSeconds, r.Nll, r.NllStandardError, r.Elbo, r.ElboStandardError, r.ActiveUnits, r.Latent));
            Console.WriteLine($"wrote {Path.Combine(outDir, $"nll-{name}.csv")}, nll-{name}.md, nll-{name}-curves.svg");
            return 0;
        })));
        return cmd;
    }
}
