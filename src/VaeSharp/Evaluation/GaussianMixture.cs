using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>How <see cref="GaussianMixture.Fit"/> runs EM.</summary>
public sealed record GaussianMixtureOptions
{
    /// <summary>k, the number of components (1 fits a single Gaussian).</summary>
    public int Components { get; init; } = 1;

    /// <summary>Largest number of EM iterations (M-steps after the initial one).</summary>
    public int MaxIterations { get; init; } = 500;

    /// <summary>
    /// EM stops when the mean log-likelihood per datapoint (nats) rises by less than this between two iterations.
    /// </summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>
    /// Ridge ε added to the diagonal of every covariance after each M-step: Σₖ = Sₖ + εI, with Sₖ the responsibility-weighted
    /// sample covariance (the <c>reg_covar</c> convention of scikit-learn; an absolute amount in the data's units²). It keeps
    /// components positive definite when they collapse onto few points or when a coordinate is (nearly) constant, as inactive
    /// VAE latent units are. With ε &gt; 0 the M-step is no longer the exact maximiser, so the log-likelihood may fall by
    /// amounts of order ε·tr(Σ⁻¹) per datapoint near convergence; with ε = 0 EM never lowers it.
    /// </summary>
    public double Ridge { get; init; } = 1e-6;

    /// <summary>Lloyd iterations of k-means after the k-means++ seeding, before EM starts (0: the seeding's assignment).</summary>
    public int KMeansIterations { get; init; } = 10;

    /// <summary>Independent initialisations; the fit with the highest final log-likelihood is kept.</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Seed of the initialisation's random stream, <c>Rng.ForStream(Seed, Stream)</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Stream label of the initialisation's random stream.</summary>
    public ulong Stream { get; init; }

    internal void Validate()
    {
        if (Components < 1) throw new ArgumentOutOfRangeException(nameof(Components), Components, "A mixture needs at least one component.");
        if (MaxIterations < 0) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "The iteration limit cannot be negative.");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "The tolerance must be a non-negative number.");
        if (!(Ridge >= 0) || double.IsInfinity(Ridge)) throw new ArgumentOutOfRangeException(nameof(Ridge), Ridge, "The ridge must be a finite non-negative number.");
        if (KMeansIterations < 0) throw new ArgumentOutOfRangeException(nameof(KMeansIterations), KMeansIterations, "The k-means iteration count cannot be negative.");
        if (Restarts < 1) throw new ArgumentOutOfRangeException(nameof(Restarts), Restarts, "At least one initialisation is needed.");
    }
}

/// <summary>
/// A mixture of k Gaussians with full covariances in J dimensions: p(x) = Σₖ wₖ N(x; μₖ, Σₖ).
/// <see cref="Fit"/> runs EM (Dempster, Laird &amp; Rubin 1977) from a k-means++ initialisation; all arithmetic is in double,
/// single-threaded in a fixed order, so the same data, options and seed give bit-identical fits.
/// Covariances are the maximum-likelihood ones (divisor Nₖ = Σₙ γₙₖ, not Nₖ − 1) plus the ridge of
/// <see cref="GaussianMixtureOptions.Ridge"/>. Densities go through each covariance's Cholesky factor (MathNet.Numerics).
/// </summary>
/// <remarks>
/// The EM loop, the k-means++ seeding and the per-point triangular solves are written by hand: MathNet.Numerics offers
/// no Gaussian mixture and calling it per datapoint would allocate for every row.
/// </remarks>
public sealed class GaussianMixture
{
    private const double Log2Pi = 1.8378770664093453;
    private readonly double[] _weights;     // [K]
    private readonly double[] _means;       // [K × J]
    private readonly double[] _covariances; // [K × J × J]
    private readonly double[] _cholesky;    // [K × J × J], lower factors L with LLᵀ = Σ
    private readonly double[] _logNorm;     // [K]: log wₖ − ½(J log 2π + log det Σₖ)
    private double[] _cumulative = [];      // [K], for sampling

    private GaussianMixture(int components, int dimension, double[] weights, double[] means, double[] covariances)
    {
        Components = components;
        Dimension = dimension;
        _weights = weights;
        _means = means;
        _covariances = covariances;
        _cholesky = new double[covariances.Length];
        _logNorm = new double[components];
        Factorize();
    }

    /// <summary>k, the number of components.</summary>
    public int Components { get; }

    /// <summary>J, the dimension of the points.</summary>
    public int Dimension { get; }

    /// <summary>The mixing weights wₖ (they sum to 1), [K].</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>All means, row k holding μₖ, [K × J].</summary>
    public ReadOnlySpan<double> Means => _means;

    /// <summary>All covariances, block k holding Σₖ row-major, [K × J × J].</summary>
    public ReadOnlySpan<double> Covariances => _covariances;

    /// <summary>μₖ, [J].</summary>
    public ReadOnlySpan<double> Mean(int k) => _means.AsSpan(k * Dimension, Dimension);

    /// <summary>Σₖ row-major, [J × J].</summary>
    public ReadOnlySpan<double> Covariance(int k) => _covariances.AsSpan(k * Dimension * Dimension, Dimension * Dimension);

    /// <summary>
    /// Mean log-likelihood per datapoint (nats) of the training data after each EM iteration: entry 0 is for the
    /// initialisation's parameters, entry t for those after t EM iterations; the last entry is for the returned parameters.
    /// Empty for a mixture built with <see cref="Create"/>.
    /// </summary>
    public IReadOnlyList<double> LogLikelihoodHistory { get; private init; } = [];

    /// <summary>EM iterations run (0 for <see cref="Create"/>).</summary>
    public int Iterations { get; private init; }

    /// <summary>Whether EM stopped because the improvement fell below the tolerance (rather than at the iteration limit).</summary>
    public bool Converged { get; private init; }

    /// <summary>
    /// Builds a mixture from its parameters (copied, used as given, so a saved mixture reloads bit-identically):
    /// <paramref name="weights"/> [K] (non-negative, summing to 1 within 1e-6), <paramref name="means"/> [K × J] and <paramref name="covariances"/> [K × J × J], each symmetric
    /// positive definite.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes disagree, a value is not finite, or a covariance is not symmetric positive definite.</exception>
    public static GaussianMixture Create(ReadOnlySpan<double> weights, ReadOnlySpan<double> means, ReadOnlySpan<double> covariances)
    {
        int k = weights.Length;
        if (k == 0) throw new ArgumentException("A mixture needs at least one weight.", nameof(weights));
        if (means.Length == 0 || means.Length % k != 0)
            throw new ArgumentException($"{means.Length} mean values do not make {k} means of equal length.", nameof(means));
        int j = means.Length / k;
        if ((long)covariances.Length != (long)k * j * j)
            throw new ArgumentException($"{covariances.Length} covariance values; {k} components of dimension {j} need {(long)k * j * j}.", nameof(covariances));
        double sum = 0;
        foreach (double w in weights)
        {
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException($"The weight {w} is not a finite non-negative number.", nameof(weights));
            sum += w;
        }
        if (Math.Abs(sum - 1) > 1e-6) throw new ArgumentException($"The weights sum to {sum}, not 1.", nameof(weights));
        foreach (double m in means)
            if (!double.IsFinite(m)) throw new ArgumentException($"A mean value is {m}.", nameof(means));
        for (int c = 0; c < k; c++)
        {
            ReadOnlySpan<double> s = covariances.Slice(c * j * j, j * j);
            for (int a = 0; a < j; a++)
                for (int b = 0; b < j; b++)
                {
                    double v = s[a * j + b], t = s[b * j + a];
                    if (!double.IsFinite(v)) throw new ArgumentException($"Covariance {c} has the value {v} at ({a}, {b}).", nameof(covariances));
                    if (Math.Abs(v - t) > 1e-9 * Math.Max(1, Math.Max(Math.Abs(v), Math.Abs(t))))
                        throw new ArgumentException($"Covariance {c} is not symmetric at ({a}, {b}): {v} vs {t}.", nameof(covariances));
                }
        }
        return new GaussianMixture(k, j, weights.ToArray(), means.ToArray(), covariances.ToArray());
    }

    /// <summary>
    /// Fits a single Gaussian: the sample mean and the maximum-likelihood covariance (divisor N) plus <paramref name="ridge"/>·I.
    /// The k = 1 case of <see cref="Fit"/>, computed directly.
    /// </summary>
    public static GaussianMixture FitGaussian(ReadOnlySpan<float> x, int rows, int dimension, double ridge = 1e-6)
    {
        var options = new GaussianMixtureOptions { Components = 1, Ridge = ridge };
        options.Validate();
        double[] data = ToDouble(x, rows, dimension, 1);
        var resp = new double[rows];
        Array.Fill(resp, 1.0);
        var weights = new double[1];
        var means = new double[dimension];
        var covs = new double[dimension * dimension];
        MStep(data, rows, dimension, 1, resp, ridge, weights, means, covs, WorkerPool.Single);
        var g = new GaussianMixture(1, dimension, weights, means, covs);
        return new GaussianMixture(1, dimension, weights, means, covs)
        {
            LogLikelihoodHistory = [g.MeanLogLikelihood(data, rows, null, WorkerPool.Single)], Converged = true,
        };
    }

    /// <summary>
    /// Fits a mixture to the rows of <paramref name="x"/> [rows × dimension] by EM. Initialisation: k-means++ seeding
    /// (Arthur &amp; Vassilvitskii 2007) from <c>Rng.ForStream(Seed, Stream)</c>, then up to
    /// <see cref="GaussianMixtureOptions.KMeansIterations"/> Lloyd iterations; the hard assignment gives the first M-step.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes disagree, a value is not finite, there are fewer distinct rows than components,
    /// or a covariance is not positive definite even with the ridge.</exception>
    /// <remarks>The E-step runs over fixed chunks of rows and the M-step over components on <paramref name="pool"/>; every
    /// sum keeps its order, so the fit does not depend on the thread count.</remarks>
    public static GaussianMixture Fit(ReadOnlySpan<float> x, int rows, int dimension, GaussianMixtureOptions options, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int k = options.Components;
        double[] data = ToDouble(x, rows, dimension, k);
        var rng = Rng.ForStream(options.Seed, options.Stream);
        GaussianMixture? best = null;
        for (int r = 0; r < options.Restarts; r++)
        {
            var fit = FitOnce(data, rows, dimension, options, rng, pool ?? WorkerPool.Single);
            if (best is null || fit.LogLikelihoodHistory[^1] > best.LogLikelihoodHistory[^1]) best = fit;
        }
        return best!;
    }

    private static double[] ToDouble(ReadOnlySpan<float> x, int rows, int dimension, int components)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension must be positive.");
        if (rows < components)
            throw new ArgumentException($"{rows} rows cannot fit {components} component{(components == 1 ? "" : "s")}.", nameof(rows));
        long n = (long)rows * dimension;
        if (x.Length < n) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {dimension} need {n}.", nameof(x));
        if (n > Array.MaxLength) throw new ArgumentException($"{rows} rows of {dimension} values do not fit in one array.", nameof(rows));
        var data = new double[n];
        for (long i = 0; i < n; i++)
        {
            float v = x[(int)i];
            if (!float.IsFinite(v)) throw new ArgumentException($"Value {v} at row {i / dimension}, column {i % dimension} is not finite.", nameof(x));
            data[i] = v;
        }
        return data;
    }

    private static GaussianMixture FitOnce(double[] data, int rows, int dim, GaussianMixtureOptions options, Rng rng, WorkerPool pool)
    {
        int k = options.Components;
        var resp = new double[(long)rows * k];
        int[] assignment = KMeans(data, rows, dim, k, options.KMeansIterations, rng);
        for (int n = 0; n < rows; n++) resp[(long)n * k + assignment[n]] = 1.0;

        var weights = new double[k];
        var means = new double[k * dim];
        var covs = new double[k * dim * dim];
        MStep(data, rows, dim, k, resp, options.Ridge, weights, means, covs, pool);
        var history = new List<double>();
        bool converged = false;
        int iterations = 0;
        while (true)
        {
            var model = new GaussianMixture(k, dim, weights, means, covs);
            double ll = model.MeanLogLikelihood(data, rows, resp, pool);   // E-step: responsibilities under the current parameters
            history.Add(ll);
            if (history.Count >= 2 && ll - history[^2] < options.Tolerance) { converged = true; break; }
            if (iterations == options.MaxIterations) break;
            weights = new double[k];
            means = new double[k * dim];
            covs = new double[k * dim * dim];
            MStep(data, rows, dim, k, resp, options.Ridge, weights, means, covs, pool);
            iterations++;
        }
        return new GaussianMixture(k, dim, weights, means, covs)
        {
            LogLikelihoodHistory = history, Iterations = iterations, Converged = converged,
        };
    }

    /// <summary>k-means++ seeding then Lloyd iterations; returns a hard assignment with no empty cluster.</summary>
    private static int[] KMeans(double[] data, int rows, int dim, int k, int lloyd, Rng rng)
    {
        var centers = new double[k * dim];
        var d2 = new double[rows];
        int first = rng.NextInt(rows);
        Array.Copy(data, (long)first * dim, centers, 0, dim);
        for (int n = 0; n < rows; n++) d2[n] = SquaredDistance(data.AsSpan(n * dim, dim), centers.AsSpan(0, dim));
        for (int c = 1; c < k; c++)
        {
            double total = 0;
            for (int n = 0; n < rows; n++) total += d2[n];
            if (!(total > 0))
                throw new ArgumentException($"The data have fewer than {k} distinct rows; cannot fit {k} components.", nameof(data));
            double u = rng.NextDouble() * total, acc = 0;
            int pick = -1;
            for (int n = 0; n < rows; n++)
            {
                if (d2[n] <= 0) continue;
                pick = n;
                acc += d2[n];
                if (acc > u) break;
            }
            Array.Copy(data, (long)pick * dim, centers, c * dim, dim);
            for (int n = 0; n < rows; n++)
                d2[n] = Math.Min(d2[n], SquaredDistance(data.AsSpan(n * dim, dim), centers.AsSpan(c * dim, dim)));
        }

        var assignment = new int[rows];
        Assign(data, rows, dim, k, centers, assignment);
        var next = new int[rows];
        var counts = new int[k];
        for (int it = 0; it < lloyd; it++)
        {
            Array.Clear(centers);
            Array.Clear(counts);
            for (int n = 0; n < rows; n++)
            {
                int c = assignment[n];
                counts[c]++;
                for (int a = 0; a < dim; a++) centers[c * dim + a] += data[(long)n * dim + a];
            }
            for (int c = 0; c < k; c++)
                for (int a = 0; a < dim; a++) centers[c * dim + a] /= counts[c];
            Assign(data, rows, dim, k, centers, next);
            Array.Clear(counts);
            foreach (int c in next) counts[c]++;
            if (Array.IndexOf(counts, 0) >= 0 || next.AsSpan().SequenceEqual(assignment)) break;
            (assignment, next) = (next, assignment);
        }
        return assignment;
    }

    private static void Assign(double[] data, int rows, int dim, int k, double[] centers, int[] assignment)
    {
        for (int n = 0; n < rows; n++)
        {
            int best = 0;
            double bestD = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                double d = SquaredDistance(data.AsSpan(n * dim, dim), centers.AsSpan(c * dim, dim));
                if (d < bestD) { bestD = d; best = c; }
            }
            assignment[n] = best;
        }
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; s += d * d; }
        return s;
    }

    /// <summary>
    /// M-step: Nₖ = Σₙ γₙₖ (at least 10·ε_machine, after scikit-learn, so an emptied component stays defined), wₖ = Nₖ / N,
    /// μₖ = Σₙ γₙₖ xₙ / Nₖ, Σₖ = Σₙ γₙₖ (xₙ − μₖ)(xₙ − μₖ)ᵀ / Nₖ + ridge·I.
    /// </summary>
    private static void MStep(double[] data, int rows, int dim, int k, double[] resp, double ridge,
        double[] weights, double[] means, double[] covs, WorkerPool pool)
    {
        var body = new MStepBody { Data = data, Rows = rows, Dim = dim, K = k, Resp = resp, Ridge = ridge, Weights = weights, Means = means, Covs = covs };
        pool.For(k, ref body);
        double total = 0;
        foreach (double w in weights) total += w;
        for (int c = 0; c < k; c++) weights[c] /= total;
    }

    /// <summary>The M-step's statistics of one component (components are independent).</summary>
    private struct MStepBody : IParallelBody
    {
        public double[] Data, Resp, Weights, Means, Covs;
        public int Rows, Dim, K;
        public double Ridge;

        public readonly void Execute(int c)
        {
            int dim = Dim, k = K;
            double[] data = Data, resp = Resp;
            var diff = new double[dim];
            double nk = 0;
            Span<double> mu = Means.AsSpan(c * dim, dim);
            for (int n = 0; n < Rows; n++)
            {
                double g = resp[(long)n * k + c];
                if (g == 0) continue;
                nk += g;
                ReadOnlySpan<double> xn = data.AsSpan(n * dim, dim);
                for (int a = 0; a < dim; a++) mu[a] += g * xn[a];
            }
            nk = Math.Max(nk, 10 * 2.220446049250313e-16);
            for (int a = 0; a < dim; a++) mu[a] /= nk;
            Weights[c] = nk;
            Span<double> s = Covs.AsSpan(c * dim * dim, dim * dim);
            for (int n = 0; n < Rows; n++)
            {
                double g = resp[(long)n * k + c];
                if (g == 0) continue;
                ReadOnlySpan<double> xn = data.AsSpan(n * dim, dim);
                for (int a = 0; a < dim; a++) diff[a] = xn[a] - mu[a];
                for (int a = 0; a < dim; a++)
                {
                    double ga = g * diff[a];
                    Span<double> row = s.Slice(a * dim, a + 1);   // lower triangle only
                    for (int b = 0; b <= a; b++) row[b] += ga * diff[b];
                }
            }
            for (int a = 0; a < dim; a++)
            {
                for (int b = 0; b <= a; b++)
                {
                    double v = s[a * dim + b] / nk;
                    s[a * dim + b] = v;
                    s[b * dim + a] = v;
                }
                s[a * dim + a] += Ridge;
            }
        }
    }

    /// <summary>Cholesky factors (MathNet.Numerics) and the per-component log normalisers.</summary>
    private void Factorize()
    {
        int j = Dimension;
        for (int c = 0; c < Components; c++)
        {
            ReadOnlySpan<double> s = Covariance(c);
            var m = Matrix<double>.Build.Dense(j, j);
            for (int a = 0; a < j; a++)
                for (int b = 0; b < j; b++) m[a, b] = s[a * j + b];
            Matrix<double> l;
            try { l = m.Cholesky().Factor; }
            catch (ArgumentException)
            {
                throw new ArgumentException($"The covariance of component {c} is not positive definite; raise the ridge (now its diagonal starts {s[0]:G4}).");
            }
            double logDet = 0;
            Span<double> dst = _cholesky.AsSpan(c * j * j, j * j);
            for (int a = 0; a < j; a++)
            {
                for (int b = 0; b <= a; b++) dst[a * j + b] = l[a, b];
                logDet += 2 * Math.Log(dst[a * j + a]);
            }
            if (!double.IsFinite(logDet))
                throw new ArgumentException($"The covariance of component {c} is not positive definite; raise the ridge.");
            _logNorm[c] = Math.Log(_weights[c]) - 0.5 * (j * Log2Pi + logDet);
        }
    }

    /// <summary>log wₖ + log N(x; μₖ, Σₖ) for every component k, into <paramref name="destination"/> [K].</summary>
    private void ComponentLogDensities(ReadOnlySpan<double> x, Span<double> scratch, Span<double> destination)
    {
        int j = Dimension;
        for (int c = 0; c < Components; c++)
        {
            ReadOnlySpan<double> mu = _means.AsSpan(c * j, j);
            ReadOnlySpan<double> l = _cholesky.AsSpan(c * j * j, j * j);
            // Forward substitution L y = x − μ; the Mahalanobis distance is ‖y‖².
            double maha = 0;
            for (int a = 0; a < j; a++)
            {
                double v = x[a] - mu[a];
                ReadOnlySpan<double> row = l.Slice(a * j, a);
                for (int b = 0; b < a; b++) v -= row[b] * scratch[b];
                v /= l[a * j + a];
                scratch[a] = v;
                maha += v * v;
            }
            destination[c] = _logNorm[c] - 0.5 * maha;
        }
    }

    /// <summary>
    /// Mean of log p(xₙ) over the rows; writes the responsibilities γₙₖ into <paramref name="resp"/> when given.
    /// Rows are split into 64 fixed chunks run on the pool; the per-row values are summed afterwards in row order.
    /// </summary>
    private double MeanLogLikelihood(double[] data, int rows, double[]? resp, WorkerPool pool)
    {
        var rowLl = new double[rows];
        var body = new EStepBody { Model = this, Data = data, Rows = rows, Resp = resp, RowLl = rowLl, Chunks = Math.Min(rows, 64) };
        pool.For(body.Chunks, ref body);
        double total = 0;
        foreach (double v in rowLl) total += v;
        return total / rows;
    }

    private struct EStepBody : IParallelBody
    {
        public GaussianMixture Model;
        public double[] Data, RowLl;
        public double[]? Resp;
        public int Rows, Chunks;

        public readonly void Execute(int index)
        {
            int j = Model.Dimension, k = Model.Components;
            int start = (int)((long)Rows * index / Chunks), end = (int)((long)Rows * (index + 1) / Chunks);
            var scratch = new double[j];
            var comp = new double[k];
            for (int n = start; n < end; n++)
            {
                Model.ComponentLogDensities(Data.AsSpan(n * j, j), scratch, comp);
                double lse = LogSumAccumulator.LogSumExp(comp);
                RowLl[n] = lse;
                if (Resp is not null)
                    for (int c = 0; c < k; c++) Resp[(long)n * k + c] = Math.Exp(comp[c] - lse);
            }
        }
    }

    /// <summary>log p(<paramref name="point"/>) (nats) for one point of J values.</summary>
    public double LogDensity(ReadOnlySpan<float> point)
    {
        if (point.Length != Dimension) throw new ArgumentException($"The point has {point.Length} values; the mixture has dimension {Dimension}.", nameof(point));
        Span<double> x = Dimension <= 256 ? stackalloc double[Dimension] : new double[Dimension];
        for (int a = 0; a < Dimension; a++) x[a] = point[a];
        Span<double> scratch = Dimension <= 256 ? stackalloc double[Dimension] : new double[Dimension];
        Span<double> comp = Components <= 256 ? stackalloc double[Components] : new double[Components];
        ComponentLogDensities(x, scratch, comp);
        return LogSumAccumulator.LogSumExp(comp);
    }

    /// <summary>log p(xₙ) (nats) for each of the <paramref name="rows"/> rows of <paramref name="x"/> [rows × J], into <paramref name="destination"/>.</summary>
    public void LogDensities(ReadOnlySpan<float> x, int rows, Span<double> destination)
    {
        if (x.Length < (long)rows * Dimension) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {Dimension} need {(long)rows * Dimension}.", nameof(x));
        if (destination.Length < rows) throw new ArgumentException($"The destination holds {destination.Length} values; {rows} are needed.", nameof(destination));
        for (int n = 0; n < rows; n++) destination[n] = LogDensity(x.Slice(n * Dimension, Dimension));
    }

    /// <summary>Mean log-likelihood per datapoint (nats) of the rows of <paramref name="x"/> [rows × J].</summary>
    public double MeanLogLikelihood(ReadOnlySpan<float> x, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var d = new double[rows];
        LogDensities(x, rows, d);
        double s = 0;
        foreach (double v in d) s += v;
        return s / rows;
    }

    /// <summary>
    /// Draws <paramref name="rows"/> points into <paramref name="destination"/> [rows × J]: a component k with probability wₖ
    /// (one uniform from <paramref name="rng"/>), then μₖ + Lₖ ε with ε ~ N(0, I) from <paramref name="rng"/>. Writes the
    /// chosen components into <paramref name="components"/> when it is not empty.
    /// </summary>
    public void Sample(Rng rng, int rows, Span<float> destination, Span<int> components = default)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int j = Dimension;
        if (destination.Length < (long)rows * j) throw new ArgumentException($"The destination holds {destination.Length} values; {rows} rows of {j} need {(long)rows * j}.", nameof(destination));
        if (!components.IsEmpty && components.Length < rows) throw new ArgumentException($"The component span holds {components.Length} values; {rows} are needed.", nameof(components));
        if (_cumulative.Length == 0)
        {
            var cum = new double[Components];
            double acc = 0;
            for (int c = 0; c < Components; c++) { acc += _weights[c]; cum[c] = acc; }
            _cumulative = cum;
        }
        Span<float> eps = j <= 256 ? stackalloc float[j] : new float[j];
        for (int n = 0; n < rows; n++)
        {
            double u = rng.NextDouble() * _cumulative[^1];
            int c = 0;
            while (c < Components - 1 && !(u < _cumulative[c])) c++;
            while (_weights[c] == 0 && c > 0) c--;   // rounding at the top end never picks an empty component
            if (!components.IsEmpty) components[n] = c;
            rng.FillNormal(eps);
            ReadOnlySpan<double> mu = _means.AsSpan(c * j, j);
            ReadOnlySpan<double> l = _cholesky.AsSpan(c * j * j, j * j);
            Span<float> dst = destination.Slice(n * j, j);
            for (int a = 0; a < j; a++)
            {
                double v = mu[a];
                for (int b = 0; b <= a; b++) v += l[a * j + b] * eps[b];
                dst[a] = (float)v;
            }
        }
    }
}
