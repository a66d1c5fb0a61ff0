using System.CommandLine;
using System.Globalization;
using VaeSharp.Evaluation;
using VaeSharp.Experiments;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary><c>vae experiment fig3</c>: the marginal likelihood of appendix D against training samples (Kingma &amp; Welling, Figure 3).</summary>
internal static class Figure3Command
{
    public static Command Create()
    {
        var c = ExperimentCommand.MakeCommon("mnist", 10_000_000);
        var sizes = new Option<string>("--train-sizes") { Description = "Training-set sizes: the first N points of the training split (the paper: 1000,50000).", DefaultValueFactory = _ => "1000,50000" };
        var methods = new Option<string>("--methods") { Description = "Methods compared: aevb, wake-sleep, mcem (Monte Carlo EM, appendix E).", DefaultValueFactory = _ => "aevb,wake-sleep,mcem" };
        var mcemMax = new Option<int>("--mcem-max-train") { Description = "Monte Carlo EM runs only on training sets of at most this many points (the paper: the small set only).", DefaultValueFactory = _ => 1000 };
        var latent = new Option<int>("--latent") { Description = "N_z (the paper: 3; at most 5).", DefaultValueFactory = _ => 3 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units of the encoder's and decoder's tanh layer (the paper: 100).", DefaultValueFactory = _ => 100 };
        var points = new Option<int>("--ml-points") { Description = "Estimate on the first N training and N test points (the paper: 1000).", DefaultValueFactory = _ => 1000 };
        var samples = new Option<int>("--ml-samples") { Description = "L, HMC posterior samples per datapoint of the appendix-D estimator (the paper: 50).", DefaultValueFactory = _ => 50 };
        var burnIn = new Option<int>("--ml-burn-in") { Description = "HMC transitions per datapoint before sampling (step size adapted to 90 % acceptance).", DefaultValueFactory = _ => new MarginalLikelihoodSettings().BurnIn };
        var perDecade = new Option<int>("--ml-per-decade") { Description = "Marginal-likelihood estimates per decade of training samples (and at the end of the budget).", DefaultValueFactory = _ => 1 };
        var check = new Option<int>("--check-importance-samples") { Description = "K of the importance-sampling check on each final AEVB model (0: no check).", DefaultValueFactory = _ => 5000 };
        var reference = new Option<int>("--reference-samples") { Description = "K of the check's reference: importance sampling from a mixture fitted to HMC samples of each point's posterior (0: none).", DefaultValueFactory = _ => 20_000 };
        var cmd = new Command("fig3", "Figure 3: the marginal likelihood (appendix D's HMC estimator) against training samples for AEVB, wake-sleep and Monte Carlo EM, N_z = 3, one panel per training-set size.");
        foreach (var o in c.All) cmd.Options.Add(o);
        foreach (var o in new Option[] { sizes, methods, mcemMax, latent, hidden, points, samples, burnIn, perDecade, check, reference }) cmd.Options.Add(o);
        cmd.SetAction((pr, _) => Task.FromResult(Program.Guard(() =>
        {
            var cancel = Program.Stop;
            var o = c.Options(pr);
            string dataset = pr.GetValue(c.Dataset)!;
            int[] ns = ParseSizes(pr.GetValue(sizes)!);
            var ms = pr.GetValue(methods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(m => ObjectiveFactory.ParseMethod(m, "--methods")).Distinct().ToArray();
            if (ms.Length == 0) throw new ArgumentException("--methods needs at least one of aevb, wake-sleep, mcem.");
            var f = new Figure3Settings
            {
                Latent = pr.GetValue(latent), Hidden = pr.GetValue(hidden), EstimatePoints = pr.GetValue(points),
                Estimator = new MarginalLikelihoodSettings { Samples = pr.GetValue(samples), BurnIn = pr.GetValue(burnIn) },
                EstimatesPerDecade = pr.GetValue(perDecade), McemMaxTrainSize = pr.GetValue(mcemMax), CheckImportanceSamples = pr.GetValue(check), ReferenceSamples = pr.GetValue(reference),
            };
            f.Validate();
            var (train, test) = ExperimentCommand.Load(dataset, pr.GetValue(c.DataDir));
            Console.WriteLine($"Figure 3 on {dataset}: N_z = {f.Latent}, {f.Hidden} hidden units; training sets of {string.Join(" and ", ns.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))}; " +
                $"{string.Join(", ", ms.Select(ObjectiveFactory.MethodName))}; {o.BudgetSamples:N0} training samples per run; appendix D on {f.EstimatePoints:N0} points " +
                $"(L = {f.Estimator.Samples}), {f.EstimatesPerDecade} per decade; {o.Threads} thread(s); into {o.Out}");
            var written = Figure3.Run(o, dataset, train, test, ns, ms, f, ExperimentCommand.Report, Console.WriteLine, cancel);
            Console.WriteLine("wrote " + string.Join(", ", written));
            return 0;
        })));
        return cmd;
    }

    private static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1)
                throw new ArgumentException($"--train-sizes takes positive whole numbers separated by commas, like 1000,50000 (got '{text}').");
        if (values.Length == 0) throw new ArgumentException("--train-sizes needs at least one size.");
        return [.. values.Distinct()];
    }
}
