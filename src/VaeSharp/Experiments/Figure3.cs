using System.Globalization;
using System.Text;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>Settings of <see cref="Figure3"/> (defaults: the paper's §5 and appendices D–E).</summary>
public sealed record Figure3Settings
{
    /// <summary>N_z (the paper: 3; the estimator refuses more than 5).</summary>
    public int Latent { get; init; } = 3;

    /// <summary>Hidden units of the encoder's and the decoder's one tanh layer (the paper: 100).</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>Datapoints the marginal likelihood is estimated on: the first this many training and test points (the paper: 1,000).</summary>
    public int EstimatePoints { get; init; } = 1000;

    /// <summary>The appendix-D estimator's settings (L = 50 posterior samples by HMC with 4 leapfrog steps, its burn-in).</summary>
    public MarginalLikelihoodSettings Estimator { get; init; } = new();

    /// <summary>Marginal-likelihood estimates per decade of training samples (and always at the end of the budget).</summary>
    public int EstimatesPerDecade { get; init; } = 1;

    /// <summary>
    /// Monte Carlo EM runs only on training sets of at most this many points (the paper: it "can't be applied efficiently
    /// for the full MNIST dataset"; the default keeps it to the 1,000-point set).
    /// </summary>
    public int McemMaxTrainSize { get; init; } = 1000;

    /// <summary>K of the importance-sampling check on each final AEVB model (the issue: 5,000; 0: no check).</summary>
    public int CheckImportanceSamples { get; init; } = 5000;

    /// <summary>
    /// K of the reference in that check: importance sampling from a mixture fitted to HMC samples of each point's posterior
    /// (<see cref="PosteriorImportanceSampling"/>), against which both estimators' errors are measured (0: no reference).
    /// </summary>
    public int ReferenceSamples { get; init; } = 20_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option of a value out of range.</summary>
    public void Validate()
    {
        if (Latent < 1 || Latent > MarginalLikelihood.MaxLatent)
            throw new ArgumentException($"--latent must be between 1 and {MarginalLikelihood.MaxLatent}: the HMC estimator is unreliable in more dimensions (got {Latent}).");
        if (Hidden is < 1 or > 100_000) throw new ArgumentException($"--hidden must be between 1 and 100000 (got {Hidden}).");
        if (EstimatePoints is < 1 or > 1_000_000) throw new ArgumentException($"--ml-points must be between 1 and 1000000 (got {EstimatePoints}).");
        if (Estimator.Samples is < 2 or > 100_000) throw new ArgumentException($"--ml-samples must be between 2 and 100000 (got {Estimator.Samples}).");
        if (Estimator.BurnIn is < 0 or > 1_000_000) throw new ArgumentException($"--ml-burn-in must be between 0 and 1000000 (got {Estimator.BurnIn}).");
        if (EstimatesPerDecade is < 1 or > 100) throw new ArgumentException($"--ml-per-decade must be between 1 and 100 (got {EstimatesPerDecade}).");
        if (McemMaxTrainSize < 0) throw new ArgumentException($"--mcem-max-train must be 0 or more (got {McemMaxTrainSize}).");
        if (CheckImportanceSamples is < 0 or > 1_000_000)
            throw new ArgumentException($"--check-importance-samples must be between 0 and 1000000 (got {CheckImportanceSamples}).");
        if (ReferenceSamples is < 0 or > 10_000_000)
            throw new ArgumentException($"--reference-samples must be between 0 and 10000000 (got {ReferenceSamples}).");
        Estimator.Validate();
    }
}

/// <summary>One marginal-likelihood evaluation of a Figure 3 run: appendix D's estimate on the first training and test points.</summary>
/// <param name="Samples">Training samples evaluated so far.</param>
/// <param name="Train">Mean log p(x) over the first training points (nats).</param>
/// <param name="TrainSe">Its standard error over those points.</param>
/// <param name="Test">Mean log p(x) over the first test points.</param>
/// <param name="TestSe">Its standard error.</param>
/// <param name="Acceptance">HMC acceptance rate of the estimator's sampling phase (train and test together).</param>
/// <param name="TrainSeconds">Training wall-clock seconds so far.</param>
/// <param name="EstimateSeconds">Wall-clock seconds of this estimate.</param>
public readonly record struct MarginalPoint(long Samples, double Train, double TrainSe, double Test, double TestSe, double Acceptance,
    double TrainSeconds, double EstimateSeconds);

/// <summary>The check of the estimator on a trained model: appendix D against importance sampling on the same test points.</summary>
/// <param name="Samples">Training samples of the model checked.</param>
/// <param name="Points">Test points.</param>
/// <param name="ImportanceSamples">K.</param>
/// <param name="Hmc">Appendix D's estimate (mean ± s.e. over points).</param>
/// <param name="Importance">Importance sampling's (mean ± s.e. over points).</param>
/// <param name="Difference">The paired differences HMC − IS, mean ± s.e.</param>
/// <param name="MeanAbsoluteDifference">Mean over points of |HMC − IS|.</param>
public readonly record struct EstimatorCheck(long Samples, int Points, int ImportanceSamples, MeanEstimate Hmc, MeanEstimate Importance,
    MeanEstimate Difference, double MeanAbsoluteDifference)
{
    /// <summary>
    /// A tolerance for the mean difference derived from the two estimates themselves: 4 standard errors of the paired
    /// differences plus half their variance. Each estimator is the log of an average, biased by about half its per-point
    /// Monte Carlo variance (appendix D's upward, importance sampling's downward), and the variance of the differences is the
    /// sum of those variances (the true log p(x) cancels in each pair). A systematic disagreement does not widen it.
    /// </summary>
    public double Tolerance => 4 * Difference.StandardError + 0.5 * Difference.StandardDeviation * Difference.StandardDeviation;

    /// <summary>The reference's K (0: no reference computed).</summary>
    public int ReferenceSamples { get; init; }

    /// <summary>The reference log p(x) (<see cref="PosteriorImportanceSampling"/>), mean ± s.e. over points.</summary>
    public MeanEstimate Reference { get; init; }

    /// <summary>Appendix D minus the reference, paired.</summary>
    public MeanEstimate HmcError { get; init; }

    /// <summary>Importance sampling from the encoder minus the reference, paired.</summary>
    public MeanEstimate ImportanceError { get; init; }

    /// <summary>The same two differences on the points whose reference rests on at least 100 effective samples.</summary>
    public MeanEstimate HmcErrorWellSampled { get; init; }

    /// <summary>Importance sampling's, on the same points.</summary>
    public MeanEstimate ImportanceErrorWellSampled { get; init; }

    /// <summary>Points whose reference has fewer than 100 effective samples (a posterior mode found late or not at all).</summary>
    public int LowEffectiveSamples { get; init; }

    /// <summary>Median effective sample size of the reference.</summary>
    public double MedianEffectiveSamples { get; init; }
}

/// <summary>
/// Figure 3 of Kingma &amp; Welling (2014): the marginal likelihood of appendix D against training samples evaluated, for AEVB,
/// wake-sleep and Monte Carlo EM, N_z = 3 and 100 hidden units, on training sets of 1,000 and 50,000 points (the first N of the
/// training split), each estimated on the first 1,000 training and 1,000 test points. Every (size, method) pair is a
/// <see cref="CurveRun"/> (log-spaced points, resumable, extendable); at its points the estimate is recorded in the run's
/// <c>marginal.csv</c>. At the end each AEVB model is checked against importance sampling with K = 5,000.
/// </summary>
public static class Figure3
{
    /// <summary>The per-run file of marginal-likelihood estimates.</summary>
    public const string MarginalFile = "marginal.csv";

    /// <summary>The per-run file of the importance-sampling check (a cache: recomputed when the model or settings change).</summary>
    public const string CheckFile = "estimator-check.csv";

    private const string MarginalHeader = "samples,train_ml,train_se,test_ml,test_se,acceptance,train_seconds,estimate_seconds";
    private const string CheckHeader = "samples,points,importance_samples,hmc_samples,burn_in,reference_samples,well_sampled_points,low_ess_points," +
        "hmc,hmc_se,is,is_se,difference,difference_se,difference_sd,mean_abs_difference,reference,reference_se,hmc_error,hmc_error_se," +
        "is_error,is_error_se,hmc_error_well_sampled,hmc_error_well_sampled_se,is_error_well_sampled,is_error_well_sampled_se,median_ess";
    private const ulong ImportanceStream = 7;

    /// <summary>The paper's training-set sizes.</summary>
    public static IReadOnlyList<int> PaperTrainSizes { get; } = [1000, 50_000];

    /// <summary>The paper's methods.</summary>
    public static IReadOnlyList<TrainingMethod> PaperMethods { get; } = [TrainingMethod.Aevb, TrainingMethod.WakeSleep, TrainingMethod.Mcem];

    /// <summary>The folder of one run: <c>OUT/runs/{dataset}-fig3-n{N}-{method}</c>.</summary>
    public static string RunDirectory(ExperimentOptions o, string dataset, int trainSize, TrainingMethod method) =>
        Path.Combine(o.Out, "runs", $"{dataset}-fig3-n{trainSize}-{ObjectiveFactory.MethodName(method)}");

    /// <summary>Whether <paramref name="method"/> runs on a training set of <paramref name="trainSize"/> points.</summary>
    public static bool Runs(TrainingMethod method, int trainSize, Figure3Settings f) => method != TrainingMethod.Mcem || trainSize <= f.McemMaxTrainSize;

    /// <summary>The next estimate point strictly above <paramref name="samples"/>: 10^(k/perDecade), rounded.</summary>
    public static long NextEstimate(long samples, int perDecade)
    {
        for (int k = 0; ; k++)
        {
            long p = (long)Math.Round(Math.Pow(10, k / (double)perDecade));
            if (p > samples) return p;
        }
    }

    /// <summary>
    /// Runs the figure: trains (or resumes, or extends) every run, then writes <c>fig3-{dataset}.csv</c> (every estimate),
    /// one SVG panel per training-set size (<c>fig3-{dataset}-n{N}.svg</c>, log x axis) and <c>fig3-{dataset}.md</c> (final
    /// estimates, the methods' order, and the importance-sampling check). Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Run(ExperimentOptions o, string dataset, Dataset train, Dataset test, IReadOnlyList<int> trainSizes,
        IReadOnlyList<TrainingMethod> methods, Figure3Settings f, Action<CurveProgress>? progress = null, Action<string>? log = null,
        CancellationToken cancel = default)
    {
        f.Validate();
        if (trainSizes.Count == 0) throw new ArgumentException("--train-sizes needs at least one size.");
        if (methods.Count == 0) throw new ArgumentException("--methods needs at least one method.");
        foreach (int n in trainSizes)
            if (n < 1 || n > train.Count)
                throw new ArgumentException($"--train-sizes: {n} is not between 1 and the {train.Count} points of {train.Name}.");
        foreach (var m in methods)
            if (m == TrainingMethod.Pca) throw new ArgumentException("--methods: pca is not a method of Figure 3; use aevb, wake-sleep or mcem.");
        Directory.CreateDirectory(o.Out);
        using var pool = new WorkerPool(o.Threads);
        int testPoints = Math.Min(f.EstimatePoints, test.Count);
        var testSubset = test.Subset([.. Enumerable.Range(0, testPoints)], test.Name);

        var curves = new Dictionary<(int, TrainingMethod), IReadOnlyList<MarginalPoint>>();
        var checks = new Dictionary<int, EstimatorCheck>();
        foreach (int n in trainSizes)
        {
            var subset = n == train.Count ? train : train.Subset([.. Enumerable.Range(0, n)], train.Name);
            foreach (var m in methods)
            {
                if (!Runs(m, n, f))
                {
                    log?.Invoke($"{dataset}, N = {n:N0}: no Monte Carlo EM run (the paper runs it on the small training set only; --mcem-max-train {f.McemMaxTrainSize})");
                    continue;
                }
                curves[(n, m)] = TrainRun(o, dataset, subset, testSubset, n, m, f, pool, progress, log, cancel);
                if (m == TrainingMethod.Aevb && f.CheckImportanceSamples > 0)
                {
                    var check = Check(o, dataset, subset, testSubset, n, f, pool, cancel);
                    checks[n] = check;
                    log?.Invoke(string.Format(CultureInfo.InvariantCulture,
                        "{0}: on the first {1} test points, appendix D {2:F2} ± {3:F2} vs importance sampling (K = {4}) {5:F2} ± {6:F2}: difference {7:F3} ± {8:F3} nats",
                        Path.GetFileName(RunDirectory(o, dataset, n, m)), check.Points, check.Hmc.Mean, check.Hmc.StandardError, check.ImportanceSamples,
                        check.Importance.Mean, check.Importance.StandardError, check.Difference.Mean, check.Difference.StandardError));
                    if (check.ReferenceSamples > 0)
                        log?.Invoke(string.Format(CultureInfo.InvariantCulture,
                            "  reference (posterior importance sampling, K = {0}) {1:F2} ± {2:F2}, median ESS {3:F0}, {4} points with ESS < 100: " +
                            "appendix D − reference {5:F3} ± {6:F3}, importance sampling − reference {7:F3} ± {8:F3} nats",
                            check.ReferenceSamples, check.Reference.Mean, check.Reference.StandardError, check.MedianEffectiveSamples, check.LowEffectiveSamples,
                            check.HmcError.Mean, check.HmcError.StandardError, check.ImportanceError.Mean, check.ImportanceError.StandardError));
                }
            }
        }

        var written = new List<string>();
        var ci = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("dataset,train_size,method,samples,train_ml,train_se,test_ml,test_se,acceptance,train_seconds,estimate_seconds,step_size\n");
        foreach (var ((n, m), curve) in curves)
        {
            float lr = ModelFile.Load(RunDirectory(o, dataset, n, m)).State.Optimizer.LearningRate;
            foreach (var p in curve)
                csv.Append(ci, $"{dataset},{n},{ObjectiveFactory.MethodName(m)},{p.Samples},{p.Train:R},{p.TrainSe:R},{p.Test:R},{p.TestSe:R},{p.Acceptance:R},{p.TrainSeconds:R},{p.EstimateSeconds:R},{lr:R}\n");
        }
        string csvPath = Path.Combine(o.Out, $"fig3-{dataset}.csv");
        AtomicFile.WriteText(csvPath, csv.ToString());
        written.Add(csvPath);

        foreach (int n in trainSizes)
        {
            var chart = new SvgChart
            {
                Title = $"{dataset}, N_train = {n:N0}, N_z = {f.Latent}", XLabel = "training samples evaluated",
                YLabel = "marginal log-likelihood (nats per datapoint)", LogX = true,
            };
            foreach (var m in methods)
            {
                if (!curves.TryGetValue((n, m), out var curve)) continue;
                chart.AddSeries($"{Label(m)} (train)", curve.Select(p => ((double)p.Samples, p.Train)));
                chart.AddSeries($"{Label(m)} (test)", curve.Select(p => ((double)p.Samples, p.Test)));
            }
            string svg = Path.Combine(o.Out, $"fig3-{dataset}-n{n}.svg");
            chart.Save(svg);
            written.Add(svg);
        }

        string md = Path.Combine(o.Out, $"fig3-{dataset}.md");
        AtomicFile.WriteText(md, Summary(dataset, trainSizes, methods, curves, checks, f, testPoints));
        written.Add(md);
        return written;
    }

    private static string Label(TrainingMethod m) => m switch
    {
        TrainingMethod.Aevb => "AEVB", TrainingMethod.WakeSleep => "wake-sleep", TrainingMethod.Mcem => "MCEM", _ => ObjectiveFactory.MethodName(m),
    };

    /// <summary>The paper's settings for one Figure 3 run: Figure 2's (<see cref="PaperExperiments.Settings"/>) with N_z and the hidden width of Figure 3.</summary>
    public static SessionSettings Settings(string dataset, Dataset train, TrainingMethod method, Figure3Settings f, ulong seed)
    {
        var s = PaperExperiments.Settings(dataset, train, f.Latent, method, seed);
        return s with { Config = s.Config with { Hidden = [f.Hidden] } };
    }

    /// <summary>Trains (or resumes) one run to the budget, estimating the marginal likelihood at its points; returns its estimates.</summary>
    public static IReadOnlyList<MarginalPoint> TrainRun(ExperimentOptions o, string dataset, Dataset train, Dataset testSubset, int trainSize,
        TrainingMethod method, Figure3Settings f, WorkerPool pool, Action<CurveProgress>? progress = null, Action<string>? log = null,
        CancellationToken cancel = default)
    {
        string dir = RunDirectory(o, dataset, trainSize, method), name = Path.GetFileName(dir), file = Path.Combine(dir, MarginalFile);
        bool exists = File.Exists(Path.Combine(dir, ModelFile.ManifestFile));
        var points = Read(file, exists ? TrainingSession.ResumeState(dir).SamplesSeen : -1);
        int trainPoints = Math.Min(f.EstimatePoints, train.Count);
        var trainSubset = train.Subset([.. Enumerable.Range(0, trainPoints)], train.Name);

        void AtPoint(TrainingSession session, CurvePoint point, bool last)
        {
            long previous = points.Count > 0 ? points[^1].Samples : 0;
            if (points.Count > 0 && previous >= point.Samples) return;   // already estimated (a final point re-evaluated)
            if (!last && point.Samples < NextEstimate(previous, f.EstimatesPerDecade)) return;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (tr, trAcc) = Estimate(session, trainSubset, f, o.Seed, pool, cancel);
            var (te, teAcc) = Estimate(session, testSubset, f, o.Seed, pool, cancel);
            var p = new MarginalPoint(point.Samples, tr.Mean, tr.StandardError, te.Mean, te.StandardError,
                (trAcc * tr.Count + teAcc * te.Count) / (tr.Count + te.Count), point.Seconds, watch.Elapsed.TotalSeconds);
            points.Add(p);
            AtomicFile.WriteText(file, Format(points));
            log?.Invoke(string.Format(CultureInfo.InvariantCulture,
                "{0,-26} {1,13:N0} samples  log p(x): train {2,9:F2} ± {3:F2}  test {4,9:F2} ± {5:F2}  (appendix D, acceptance {6:F2}, {7:F0} s)",
                name, p.Samples, p.Train, p.TrainSe, p.Test, p.TestSe, p.Acceptance, p.EstimateSeconds));
        }

        var settings = Settings(dataset, train, method, f, o.Seed);
        TrainingSession Create() => PaperExperiments.CreateWithChosenStepSize(name, settings, train, testSubset, o.Threads, log, cancel);
        CurveRun.Run(dir, Create, d => TrainingSession.Resume(d, train, testSubset, o.Threads), o.BudgetSamples, progress, cancel, AtPoint, settings);
        return points;
    }

    /// <summary>Appendix D's estimate on <paramref name="data"/> (its evaluation inputs: the session's fixed binarization draw).</summary>
    private static (MeanEstimate Estimate, double Acceptance) Estimate(TrainingSession session, Dataset data, Figure3Settings f, ulong seed,
        WorkerPool pool, CancellationToken cancel)
    {
        var vae = (Vae)session.Model;
        float[] x = TrainingSession.EvaluationInputs(new LoadedModel(vae, session.State, new Dictionary<string, float[]>()), data);
        var values = new double[data.Count];
        var e = new MarginalLikelihood(new VaeLatentModel(vae, pool), f.Estimator with { Seed = seed }).Estimate(x, data.Count, values, cancel: cancel);
        return (MeanEstimate.Of(values), e.AcceptanceRate);
    }

    /// <summary>
    /// Appendix D's estimator against importance sampling with K samples on the same test inputs of a trained model:
    /// per-point estimates, their means and the paired difference. The check behind "agrees with
    /// <c>vae eval --importance-samples 5000</c> within 1 nat per datapoint".
    /// </summary>
    public static EstimatorCheck CompareEstimators(Vae vae, ReadOnlySpan<float> x, int rows, int importanceSamples, MarginalLikelihoodSettings estimator,
        ulong seed, WorkerPool pool, long samples = 0, CancellationToken cancel = default, int referenceSamples = 0)
    {
        var hmc = new double[rows];
        new MarginalLikelihood(new VaeLatentModel(vae, pool), estimator with { Seed = seed }).Estimate(x, rows, hmc, cancel: cancel);
        var importance = new double[rows];
        new ImportanceSampling(vae, pool).LogLikelihood(x, rows, importanceSamples, Rng.ForStream(seed, ImportanceStream), importance);
        double mad = 0;
        for (int i = 0; i < rows; i++) mad += Math.Abs(hmc[i] - importance[i]);
        var check = new EstimatorCheck(samples, rows, importanceSamples, MeanEstimate.Of(hmc), MeanEstimate.Of(importance),
            MeanEstimate.OfDifference(hmc, importance), mad / Math.Max(1, rows));
        if (referenceSamples == 0) return check;
        var reference = new double[rows];
        var ess = new double[rows];
        var r = new PosteriorImportanceSampling(new VaeLatentModel(vae, pool), new PosteriorImportanceSettings { ImportanceSamples = referenceSamples, Seed = seed })
            .Estimate(x, rows, reference, ess, cancel: cancel);
        int[] good = Enumerable.Range(0, rows).Where(i => ess[i] >= 100).ToArray();
        double[] Pick(double[] v) => good.Select(i => v[i]).ToArray();
        return check with
        {
            ReferenceSamples = referenceSamples, Reference = r.Estimate, HmcError = MeanEstimate.OfDifference(hmc, reference),
            ImportanceError = MeanEstimate.OfDifference(importance, reference),
            HmcErrorWellSampled = MeanEstimate.OfDifference(Pick(hmc), Pick(reference)),
            ImportanceErrorWellSampled = MeanEstimate.OfDifference(Pick(importance), Pick(reference)),
            LowEffectiveSamples = r.LowEffectiveSamples, MedianEffectiveSamples = r.MedianEffectiveSamples,
        };
    }

    private static EstimatorCheck Check(ExperimentOptions o, string dataset, Dataset train, Dataset testSubset, int trainSize, Figure3Settings f,
        WorkerPool pool, CancellationToken cancel)
    {
        string dir = RunDirectory(o, dataset, trainSize, TrainingMethod.Aevb), file = Path.Combine(dir, CheckFile);
        var loaded = ModelFile.Load(dir);
        long samples = loaded.State.SamplesSeen;
        if (ReadCheck(file) is { } cached && cached.Samples == samples && cached.Points == testSubset.Count
            && cached.ImportanceSamples == f.CheckImportanceSamples && cached.HmcSamples == f.Estimator.Samples && cached.BurnIn == f.Estimator.BurnIn
            && cached.Check.ReferenceSamples == f.ReferenceSamples)
            return cached.Check;
        float[] x = TrainingSession.EvaluationInputs(loaded, testSubset);
        var check = CompareEstimators((Vae)loaded.Model, x, testSubset.Count, f.CheckImportanceSamples, f.Estimator, o.Seed, pool, samples, cancel,
            f.ReferenceSamples);
        var d = check.Difference;
        var ci = CultureInfo.InvariantCulture;
        AtomicFile.WriteText(file, CheckHeader + "\n" + string.Join(",", new long[]
        {
            samples, check.Points, check.ImportanceSamples, f.Estimator.Samples, f.Estimator.BurnIn, check.ReferenceSamples,
            check.HmcErrorWellSampled.Count, check.LowEffectiveSamples,
        }.Select(v => v.ToString(ci)).Concat(new[]
        {
            check.Hmc.Mean, check.Hmc.StandardError, check.Importance.Mean, check.Importance.StandardError, d.Mean, d.StandardError,
            d.StandardDeviation, check.MeanAbsoluteDifference, check.Reference.Mean, check.Reference.StandardError,
            check.HmcError.Mean, check.HmcError.StandardError, check.ImportanceError.Mean, check.ImportanceError.StandardError,
            check.HmcErrorWellSampled.Mean, check.HmcErrorWellSampled.StandardError,
            check.ImportanceErrorWellSampled.Mean, check.ImportanceErrorWellSampled.StandardError, check.MedianEffectiveSamples,
        }.Select(v => v.ToString("R", ci)))) + "\n");
        return check;
    }

    private sealed record CachedCheck(long Samples, int Points, int ImportanceSamples, int HmcSamples, int BurnIn, EstimatorCheck Check);

    private static CachedCheck? ReadCheck(string path)
    {
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0] != CheckHeader) return null;
        var f = lines[1].Split(',');
        const int whole = 8, real = 19;
        if (f.Length != whole + real) return null;
        var ci = CultureInfo.InvariantCulture;
        var w = new long[whole];
        for (int i = 0; i < whole; i++)
            if (!long.TryParse(f[i], NumberStyles.None, ci, out w[i])) return null;
        if (w[1] < 1 || w[1] > int.MaxValue) return null;
        var v = new double[real];
        for (int i = 0; i < real; i++)
            if (!double.TryParse(f[whole + i], NumberStyles.Float, ci, out v[i])) return null;
        int points = (int)w[1], good = (int)w[6];
        var check = new EstimatorCheck(w[0], points, (int)w[2], new MeanEstimate(v[0], v[1], points), new MeanEstimate(v[2], v[3], points),
            new MeanEstimate(v[4], v[5], points), v[7])
        {
            ReferenceSamples = (int)w[5], LowEffectiveSamples = (int)w[7], Reference = new MeanEstimate(v[8], v[9], points),
            HmcError = new MeanEstimate(v[10], v[11], points), ImportanceError = new MeanEstimate(v[12], v[13], points),
            HmcErrorWellSampled = new MeanEstimate(v[14], v[15], good), ImportanceErrorWellSampled = new MeanEstimate(v[16], v[17], good),
            MedianEffectiveSamples = v[18],
        };
        return new CachedCheck(w[0], points, (int)w[2], (int)w[3], (int)w[4], check);
    }

    /// <summary>Reads a run's marginal.csv, keeping the estimates at or below <paramref name="upTo"/> samples (those of the checkpoint; −1: none).</summary>
    public static List<MarginalPoint> Read(string path, long upTo)
    {
        var points = new List<MarginalPoint>();
        if (!File.Exists(path) || upTo < 0) return points;
        var lines = File.ReadAllLines(path);
        var ci = CultureInfo.InvariantCulture;
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            var v = new double[7];
            if (f.Length != 8 || !long.TryParse(f[0], NumberStyles.None, ci, out long samples)
                || Enumerable.Range(0, 7).Any(k => !double.TryParse(f[k + 1], NumberStyles.Float, ci, out v[k])))
                throw new InvalidDataException($"{path}, line {i + 1}: expected '{MarginalHeader}' values, got '{lines[i]}'.");
            if (samples <= upTo) points.Add(new MarginalPoint(samples, v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
        }
        return points;
    }

    private static string Format(IEnumerable<MarginalPoint> points)
    {
        var sb = new StringBuilder(MarginalHeader).Append('\n');
        foreach (var p in points)
            sb.Append(CultureInfo.InvariantCulture, $"{p.Samples},{p.Train:R},{p.TrainSe:R},{p.Test:R},{p.TestSe:R},{p.Acceptance:R},{p.TrainSeconds:R},{p.EstimateSeconds:R}\n");
        return sb.ToString();
    }

    /// <summary>The markdown summary: final estimates per size and method, the methods' order, and the importance-sampling check.</summary>
    public static string Summary(string dataset, IReadOnlyList<int> trainSizes, IReadOnlyList<TrainingMethod> methods,
        IReadOnlyDictionary<(int, TrainingMethod), IReadOnlyList<MarginalPoint>> curves, IReadOnlyDictionary<int, EstimatorCheck> checks,
        Figure3Settings f, int testPoints)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder($"# Figure 3, {dataset}\n\n");
        sb.Append(ci, $"Marginal log-likelihood by the estimator of appendix D (L = {f.Estimator.Samples}, HMC with {f.Estimator.Hmc.LeapfrogSteps} leapfrog steps, " +
            $"{f.Estimator.BurnIn} burn-in transitions) on the first {f.EstimatePoints:N0} training points (fewer when the training set is smaller) and the first " +
            $"{testPoints:N0} test points; N_z = {f.Latent}, {f.Hidden} hidden units; nats per datapoint, ± the standard error over datapoints.\n\n");
        sb.Append("| N_train | method | samples | train log p(x) | test log p(x) | train − test | training time (s) |\n|---:|---|---:|---:|---:|---:|---:|\n");
        foreach (int n in trainSizes)
            foreach (var m in methods)
            {
                if (!curves.TryGetValue((n, m), out var c) || c.Count == 0) continue;
                var p = c[^1];
                sb.Append(ci, $"| {n:N0} | {ObjectiveFactory.MethodName(m)} | {p.Samples:N0} | {p.Train:F2} ± {p.TrainSe:F2} | {p.Test:F2} ± {p.TestSe:F2} | {p.Train - p.Test:F2} | {p.TrainSeconds:F0} |\n");
            }
        sb.Append("\nOrder of the methods by their last test estimate (highest first):\n\n");
        foreach (int n in trainSizes)
        {
            var last = methods.Where(m => curves.TryGetValue((n, m), out var c) && c.Count > 0).Select(m => (m, p: curves[(n, m)][^1])).ToList();
            if (last.Count == 0) continue;
            sb.Append(string.Format(ci, "- N_train = {0:N0}: ", n)).Append(string.Join(" > ", last.OrderByDescending(t => t.p.Test)
                .Select(t => string.Format(ci, "{0} ({1:F2} at {2:N0} samples)", ObjectiveFactory.MethodName(t.m), t.p.Test, t.p.Samples)))).Append('\n');
        }
        if (checks.Count > 0)
        {
            sb.Append("\nThe estimator against importance sampling on each final AEVB model (the same test inputs; `vae eval --importance-samples K " +
                "--marginal-likelihood hmc` prints the same two figures):\n\n");
            sb.Append("| N_train | samples | test points | appendix D | importance sampling (K) | difference (paired) | mean abs. difference | within 1 nat |\n|---:|---:|---:|---:|---:|---:|---:|---|\n");
            foreach (var (n, c) in checks.OrderBy(kv => kv.Key))
                sb.Append(ci, $"| {n:N0} | {c.Samples:N0} | {c.Points:N0} | {c.Hmc.Mean:F3} ± {c.Hmc.StandardError:F3} | {c.Importance.Mean:F3} ± {c.Importance.StandardError:F3} ({c.ImportanceSamples:N0}) | " +
                    $"{c.Difference.Mean:F3} ± {c.Difference.StandardError:F3} | {c.MeanAbsoluteDifference:F3} | {(Math.Abs(c.Difference.Mean) < 1 ? "yes" : "no")} |\n");
            var referenced = checks.Where(kv => kv.Value.ReferenceSamples > 0).OrderBy(kv => kv.Key).ToList();
            if (referenced.Count > 0)
            {
                sb.Append("\nBoth against a reference on the same points: importance sampling from a mixture fitted to HMC samples of each point's " +
                    "posterior (4 chains, 200 samples each, components at 1.5 and 5 times each fitted covariance, and the prior with weight 0.1; " +
                    "`vae eval --marginal-likelihood all` prints it too). Like any importance sampling it is low on average, but its proposal " +
                    "covers the posterior, so the gap is small where its effective sample size (ESS) is large. Error = estimator − reference, " +
                    "paired; \"well sampled\": the points whose reference has ESS ≥ 100.\n\n");
                sb.Append("| N_train | reference (K) | median ESS | points with ESS < 100 | appendix D − reference | importance sampling − reference | " +
                    "the same, well-sampled points: appendix D | importance sampling |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                foreach (var (n, c) in referenced)
                    sb.Append(ci, $"| {n:N0} | {c.Reference.Mean:F3} ± {c.Reference.StandardError:F3} ({c.ReferenceSamples:N0}) | {c.MedianEffectiveSamples:N0} | " +
                        $"{c.LowEffectiveSamples} | {c.HmcError.Mean:F3} ± {c.HmcError.StandardError:F3} | {c.ImportanceError.Mean:F3} ± {c.ImportanceError.StandardError:F3} | " +
                        $"{c.HmcErrorWellSampled.Mean:F3} ± {c.HmcErrorWellSampled.StandardError:F3} | {c.ImportanceErrorWellSampled.Mean:F3} ± {c.ImportanceErrorWellSampled.StandardError:F3} |\n");
            }
        }
        return sb.ToString();
    }
}
