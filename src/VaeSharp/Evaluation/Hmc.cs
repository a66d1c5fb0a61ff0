using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>Settings of <see cref="Hmc"/>.</summary>
public sealed record HmcSettings
{
    /// <summary>Leapfrog steps per transition (the paper: 4 for the marginal likelihood estimator, 10 for Monte Carlo EM).</summary>
    public int LeapfrogSteps { get; init; } = 4;

    /// <summary>Step size every chain starts with, before adaptation.</summary>
    public double InitialStepSize { get; init; } = 0.1;

    /// <summary>Mean acceptance probability that step-size adaptation aims for (the paper: 0.9).</summary>
    public double TargetAcceptance { get; init; } = 0.9;

    /// <summary>
    /// Each transition uses step size ε·(1 + jitter·(2u − 1)), u uniform, drawn from the chain's stream (Neal 2011, §5.4.2.2).
    /// With a fixed trajectory length, a Gaussian-like posterior whose period matches it is sampled with almost no mixing in
    /// that direction (a half period maps z − m to −(z − m)), and such step sizes are exactly the ones with high acceptance
    /// that adaptation is drawn to; randomizing ε breaks that resonance while leaving p(z|x) invariant. 0 turns it off.
    /// </summary>
    public double StepSizeJitter { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        if (LeapfrogSteps < 1) throw new ArgumentOutOfRangeException(nameof(LeapfrogSteps), LeapfrogSteps, "At least one leapfrog step.");
        if (!(InitialStepSize > 0) || !double.IsFinite(InitialStepSize))
            throw new ArgumentOutOfRangeException(nameof(InitialStepSize), InitialStepSize, "The step size must be a positive number.");
        if (!(TargetAcceptance > 0 && TargetAcceptance < 1))
            throw new ArgumentOutOfRangeException(nameof(TargetAcceptance), TargetAcceptance, "The target acceptance must lie in (0, 1).");
        if (!(StepSizeJitter >= 0 && StepSizeJitter < 1))
            throw new ArgumentOutOfRangeException(nameof(StepSizeJitter), StepSizeJitter, "The step-size jitter must lie in [0, 1).");
    }
}

/// <summary>
/// The state of a batch of HMC chains, one per datapoint: positions z [Count × J], a step size each, the log joint and its
/// gradient at the current positions, each chain's own random stream, and acceptance counts.
/// </summary>
public sealed class HmcChains
{
    /// <summary>
    /// Creates <paramref name="count"/> chains over a <paramref name="latent"/>-dimensional z, every step size
    /// <paramref name="stepSize"/>; chain i draws from <c>Rng.ForStream(seed, firstStream + i)</c>, so what chain i does
    /// depends on its datapoint and stream, not on which other chains share its batch.
    /// </summary>
    public HmcChains(int count, int latent, double stepSize, ulong seed, ulong firstStream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(latent, 1);
        if ((long)count * latent > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(count), count, "Too many chains.");
        Count = count;
        Latent = latent;
        Positions = new double[count * latent];
        Gradient = new double[count * latent];
        LogJoint = new double[count];
        StepSizes = new double[count];
        Array.Fill(StepSizes, stepSize);
        Acceptance = new double[count];
        Accepted = new long[count];
        Streams = new Rng[count];
        for (int i = 0; i < count; i++) Streams[i] = Rng.ForStream(seed, firstStream + (ulong)i);
    }

    /// <summary>Chains.</summary>
    public int Count { get; }

    /// <summary>J.</summary>
    public int Latent { get; }

    /// <summary>Current positions z, [Count × J]. After changing them (or the model), call <see cref="Hmc.Refresh"/>.</summary>
    public double[] Positions { get; }

    /// <summary>log p(x, z) at the current positions (valid after <see cref="Hmc.Refresh"/> or a transition).</summary>
    public double[] LogJoint { get; }

    /// <summary>∇_z log p(x, z) at the current positions, [Count × J].</summary>
    public double[] Gradient { get; }

    /// <summary>Leapfrog step size of each chain.</summary>
    public double[] StepSizes { get; }

    /// <summary>Each chain's acceptance probability min(1, exp(−ΔH)) in the last transition (0 for a diverged trajectory).</summary>
    public double[] Acceptance { get; }

    /// <summary>Proposals each chain accepted since <see cref="ResetCounts"/>.</summary>
    public long[] Accepted { get; }

    /// <summary>Transitions since <see cref="ResetCounts"/> (the same for every chain).</summary>
    public long Transitions { get; internal set; }

    /// <summary>Each chain's random stream (momenta and the accept/reject draw).</summary>
    public Rng[] Streams { get; }

    /// <summary>True when <see cref="LogJoint"/> and <see cref="Gradient"/> belong to the current positions and model.</summary>
    public bool IsCurrent { get; internal set; }

    /// <summary>Fraction of proposals accepted over all chains since <see cref="ResetCounts"/>.</summary>
    public double AcceptanceRate => Transitions == 0 || Count == 0 ? double.NaN : Accepted.Sum() / ((double)Transitions * Count);

    /// <summary>Zeroes <see cref="Accepted"/> and <see cref="Transitions"/>.</summary>
    public void ResetCounts()
    {
        Array.Clear(Accepted);
        Transitions = 0;
    }

    /// <summary>Marks the cached log joint and gradient stale (call after editing positions or the model's parameters).</summary>
    public void Invalidate() => IsCurrent = false;
}

/// <summary>
/// Hamiltonian ("hybrid") Monte Carlo (Duane et al. 1987; Neal 2011) over z ~ p(z|x) ∝ p(x, z) for many datapoints at
/// once: identity mass matrix, <see cref="HmcSettings.LeapfrogSteps"/> leapfrog steps of each chain's own step size, then a
/// Metropolis accept/reject per chain. All chains of a batch move in lockstep, so every leapfrog step is one batched call
/// of <see cref="ILatentVariableModel.LogJoint"/> (for a <see cref="VaeLatentModel"/>: one decoder pass as matrix products).
/// Written by hand: no present library provides batched HMC over a caller's gradient.
/// </summary>
public sealed class Hmc
{
    private readonly ILatentVariableModel _model;
    private double[] _z = [], _p = [], _g = [], _logJoint = [];   // proposals [capacity × J], [capacity]
    private double[] _kinetic = [];                               // [capacity] ½‖p‖² at the start
    private double[] _eps = [];                                   // [capacity] this transition's step sizes

    /// <summary>Creates a sampler for <paramref name="model"/>.</summary>
    public Hmc(ILatentVariableModel model, HmcSettings? settings = null)
    {
        settings ??= new HmcSettings();
        settings.Validate();
        _model = model;
        Settings = settings;
    }

    /// <summary>Settings.</summary>
    public HmcSettings Settings { get; }

    /// <summary>The model sampled.</summary>
    public ILatentVariableModel Model => _model;

    private void Ensure(int count)
    {
        if (_kinetic.Length >= count) return;
        int j = _model.Latent;
        _z = new double[count * j];
        _p = new double[count * j];
        _g = new double[count * j];
        _logJoint = new double[count];
        _kinetic = new double[count];
        _eps = new double[count];
    }

    private void Check(ReadOnlySpan<float> x, HmcChains chains)
    {
        if (chains.Latent != _model.Latent)
            throw new ArgumentException($"The chains are over {chains.Latent} dimensions; the model's latent has {_model.Latent}.", nameof(chains));
        if (x.Length < (long)chains.Count * _model.InputSize)
            throw new ArgumentException($"x holds {x.Length} values; {chains.Count} datapoints of {_model.InputSize} need more.", nameof(x));
    }

    /// <summary>Starts every chain at the model's <see cref="ILatentVariableModel.InitialLatents"/> for its datapoint.</summary>
    public void Initialize(ReadOnlySpan<float> x, HmcChains chains)
    {
        Check(x, chains);
        _model.InitialLatents(x, chains.Count, chains.Positions);
        Refresh(x, chains);
    }

    /// <summary>Evaluates log p(x, z) and its gradient at the chains' current positions (after the positions or model changed).</summary>
    public void Refresh(ReadOnlySpan<float> x, HmcChains chains)
    {
        Check(x, chains);
        _model.LogJoint(x, chains.Positions, chains.Count, chains.LogJoint, chains.Gradient);
        chains.IsCurrent = true;
    }

    /// <summary>
    /// One HMC transition of every chain (row i of <paramref name="x"/> is chain i's datapoint): a jittered step size and
    /// momentum p ~ N(0, I) from the chain's stream, L leapfrog steps on H(z, p) = −log p(x, z) + ½‖p‖², and acceptance with probability min(1, exp(−ΔH)).
    /// A trajectory whose energy is not finite is rejected. Calls <see cref="Refresh"/> first when the chains' cache is stale.
    /// </summary>
    public void Step(ReadOnlySpan<float> x, HmcChains chains)
    {
        Check(x, chains);
        if (!chains.IsCurrent) Refresh(x, chains);
        int n = chains.Count, j = _model.Latent, steps = Settings.LeapfrogSteps;
        if (n == 0) return;
        Ensure(n);
        Span<double> z = _z.AsSpan(0, n * j), p = _p.AsSpan(0, n * j), g = _g.AsSpan(0, n * j), lj = _logJoint.AsSpan(0, n);
        double[] eps = _eps;
        double jitter = Settings.StepSizeJitter;

        // Step sizes, momenta, and the first half step of momentum from the cached gradient.
        for (int i = 0; i < n; i++)
        {
            Rng rng = chains.Streams[i];
            eps[i] = jitter == 0 ? chains.StepSizes[i] : chains.StepSizes[i] * (1 + jitter * (2 * rng.NextDouble() - 1));
            double kinetic = 0;
            for (int t = i * j; t < (i + 1) * j; t++)
            {
                double pt = rng.NextNormal();
                kinetic += pt * pt;
                p[t] = pt + 0.5 * eps[i] * chains.Gradient[t];
                z[t] = chains.Positions[t];
            }
            _kinetic[i] = 0.5 * kinetic;
        }
        for (int s = 1; s <= steps; s++)
        {
            for (int i = 0; i < n; i++)
                for (int t = i * j; t < (i + 1) * j; t++) z[t] += eps[i] * p[t];
            _model.LogJoint(x, z, n, lj, g);
            double h = s == steps ? 0.5 : 1.0;   // full momentum steps inside, a half step at the end
            for (int i = 0; i < n; i++)
                for (int t = i * j; t < (i + 1) * j; t++) p[t] += h * eps[i] * g[t];
        }

        // Metropolis correction per chain; the uniform draw always happens so each stream's use does not depend on ΔH.
        for (int i = 0; i < n; i++)
        {
            double kinetic = 0;
            for (int t = i * j; t < (i + 1) * j; t++) kinetic += p[t] * p[t];
            double dH = (-lj[i] + 0.5 * kinetic) - (-chains.LogJoint[i] + _kinetic[i]);
            double alpha = double.IsFinite(dH) ? Math.Min(1.0, Math.Exp(-dH)) : 0.0;
            chains.Acceptance[i] = alpha;
            double u = chains.Streams[i].NextDouble();
            if (u < alpha)
            {
                z.Slice(i * j, j).CopyTo(chains.Positions.AsSpan(i * j, j));
                g.Slice(i * j, j).CopyTo(chains.Gradient.AsSpan(i * j, j));
                chains.LogJoint[i] = lj[i];
                chains.Accepted[i]++;
            }
        }
        chains.Transitions++;
    }
}

/// <summary>
/// Per-chain step-size adaptation by dual averaging (Hoffman &amp; Gelman 2014, the No-U-Turn Sampler paper, §3.2,
/// Algorithm 5): after each transition the chain's log step size moves so that its mean acceptance probability approaches
/// <see cref="HmcSettings.TargetAcceptance"/>; <see cref="Finish"/> fixes each chain at its averaged step size. Use it during
/// burn-in only: adapting while sampling breaks detailed balance. Constants γ = 0.05, t₀ = 10, κ = 0.75 as in the paper.
/// </summary>
public sealed class DualAveraging
{
    private const double Gamma = 0.05, T0 = 10, Kappa = 0.75;
    private readonly double _target;
    private readonly double[] _mu, _hBar, _logEpsBar;
    private int _t;

    /// <summary>Starts adaptation from the chains' current step sizes, aiming at <paramref name="target"/> acceptance.</summary>
    public DualAveraging(HmcChains chains, double target)
    {
        if (!(target > 0 && target < 1)) throw new ArgumentOutOfRangeException(nameof(target), target, "The target acceptance must lie in (0, 1).");
        _target = target;
        int n = chains.Count;
        _mu = new double[n];
        _hBar = new double[n];
        _logEpsBar = new double[n];
        for (int i = 0; i < n; i++) _mu[i] = Math.Log(10 * chains.StepSizes[i]);
    }

    /// <summary>Updates every chain's step size from its last <see cref="HmcChains.Acceptance"/>.</summary>
    public void Update(HmcChains chains)
    {
        _t++;
        double w = 1.0 / (_t + T0), eta = Math.Pow(_t, -Kappa), sqrtT = Math.Sqrt(_t);
        for (int i = 0; i < chains.Count; i++)
        {
            _hBar[i] = (1 - w) * _hBar[i] + w * (_target - chains.Acceptance[i]);
            double logEps = _mu[i] - sqrtT / Gamma * _hBar[i];
            chains.StepSizes[i] = Math.Exp(logEps);
            _logEpsBar[i] = eta * logEps + (1 - eta) * _logEpsBar[i];
        }
    }

    /// <summary>Ends adaptation: each chain keeps exp of its averaged log step size.</summary>
    public void Finish(HmcChains chains)
    {
        if (_t == 0) return;
        for (int i = 0; i < chains.Count; i++) chains.StepSizes[i] = Math.Exp(_logEpsBar[i]);
    }
}
