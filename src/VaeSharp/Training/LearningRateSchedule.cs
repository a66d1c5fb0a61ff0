namespace VaeSharp.Training;

/// <summary>
/// A learning rate per epoch (1-based: epoch 1 is the first pass over the data). Set <see cref="Optimizer.LearningRate"/> to
/// <see cref="At"/>(epoch) before each epoch; schedules that react to a validation figure are told it by <see cref="Observe"/>
/// after each epoch. A pure function of the epoch (and, for <see cref="ReduceOnPlateauSchedule"/>, of the figures observed),
/// so resuming recomputes it.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for <paramref name="epoch"/> (≥ 1).</summary>
    public abstract float At(int epoch);

    /// <summary>Reports the validation figure (higher is better, e.g. the ELBO) measured after <paramref name="epoch"/>.</summary>
    public virtual void Observe(int epoch, double validation) { }

    /// <summary>Throws unless <paramref name="epoch"/> ≥ 1.</summary>
    protected static void CheckEpoch(int epoch) => ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);

    /// <summary>Throws unless <paramref name="value"/> is a positive finite number.</summary>
    protected static float Positive(float value, string name)
    {
        if (!(value > 0) || !float.IsFinite(value)) throw new ArgumentOutOfRangeException(name, value, "Must be a positive number.");
        return value;
    }
}

/// <summary>The same rate every epoch.</summary>
public sealed class ConstantSchedule(float learningRate) : LearningRateSchedule
{
    private readonly float _lr = Positive(learningRate, nameof(learningRate));

    /// <inheritdoc />
    public override float At(int epoch)
    {
        CheckEpoch(epoch);
        return _lr;
    }
}

/// <summary>
/// The schedule of Burda, Grosse &amp; Salakhutdinov (2016), §5: stage i = 0 … 7 runs 3^i passes at rate
/// <c>base</c>·10^(−i/7) (base 0.001 with Adam), 3,280 passes in all. Epochs past the last stage keep its rate.
/// </summary>
public sealed class IwaePaperSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule; the paper's is <paramref name="baseRate"/> = 0.001 and <paramref name="stages"/> = 8.</summary>
    public IwaePaperSchedule(float baseRate = 1e-3f, int stages = 8)
    {
        BaseRate = Positive(baseRate, nameof(baseRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stages, 19); // 3^19 epochs already exceed an int's worth of passes
        Stages = stages;
    }

    /// <summary>The first stage's rate.</summary>
    public float BaseRate { get; }

    /// <summary>Stages (8 in the paper).</summary>
    public int Stages { get; }

    /// <summary>Total passes: Σᵢ 3^i = (3^stages − 1) / 2 (3,280 for 8 stages).</summary>
    public long TotalEpochs => ((long)Math.Pow(3, Stages) - 1) / 2;

    /// <summary>The stage (0-based) that <paramref name="epoch"/> falls in: epochs 1 | 2–4 | 5–13 | 14–40 | …</summary>
    public int StageOf(int epoch)
    {
        CheckEpoch(epoch);
        long end = 0, length = 1;
        for (int i = 0; i < Stages; i++, length *= 3)
        {
            end += length;
            if (epoch <= end) return i;
        }
        return Stages - 1;
    }

    /// <inheritdoc />
    public override float At(int epoch) => (float)(BaseRate * Math.Pow(10, -StageOf(epoch) / 7.0));
}

/// <summary>
/// Cosine annealing (Loshchilov &amp; Hutter 2017, without restarts): from <c>max</c> at epoch 1 to <c>min</c> at epoch
/// <c>epochs</c>, lr(e) = min + ½(max − min)(1 + cos(π (e − 1)/(epochs − 1))); <c>min</c> after (0 &lt; min ≤ max).
/// </summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    private readonly float _max, _min;
    private readonly int _epochs;

    /// <summary>Creates the schedule over <paramref name="epochs"/> epochs.</summary>
    public CosineSchedule(float max, float min, int epochs)
    {
        _max = Positive(max, nameof(max));
        _min = Positive(min, nameof(min));   // an optimizer's rate must stay positive
        if (min > max) throw new ArgumentOutOfRangeException(nameof(min), min, "Need min ≤ max.");
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        _epochs = epochs;
    }

    /// <inheritdoc />
    public override float At(int epoch)
    {
        CheckEpoch(epoch);
        if (epoch == 1) return _max;
        if (epoch >= _epochs) return _min;
        double t = (epoch - 1) / (double)(_epochs - 1);
        return (float)(_min + 0.5 * (_max - _min) * (1 + Math.Cos(Math.PI * t)));
    }
}

/// <summary>
/// Reduce on plateau: multiplies the rate by <c>factor</c> when the validation figure (higher is better) has not improved by more
/// than <c>threshold</c> on its best for <c>patience</c> epochs in a row, never going below <c>min</c>; the count restarts after
/// each reduction. Stateful: <see cref="At"/> returns the current rate whatever the epoch.
/// </summary>
public sealed class ReduceOnPlateauSchedule : LearningRateSchedule
{
    private readonly float _factor, _min;
    private readonly int _patience;
    private readonly double _threshold;
    private float _lr;
    private double _best = double.NegativeInfinity;
    private int _bad;

    /// <summary>Creates the schedule starting at <paramref name="learningRate"/>.</summary>
    public ReduceOnPlateauSchedule(float learningRate, float factor = 0.5f, int patience = 10, float min = 1e-6f, double threshold = 0)
    {
        _lr = Positive(learningRate, nameof(learningRate));
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must lie in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        if (!(threshold >= 0) || !double.IsFinite(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Need threshold ≥ 0.");
        _factor = factor;
        _patience = patience;
        _min = Positive(min, nameof(min));
        _threshold = threshold;
    }

    /// <summary>The best validation figure seen.</summary>
    public double Best => _best;

    /// <summary>Epochs in a row without improvement on <see cref="Best"/> since the last reduction.</summary>
    public int BadEpochs => _bad;

    /// <summary>Sets the state saved from <see cref="At"/>, <see cref="Best"/> and <see cref="BadEpochs"/> (for resuming a run).</summary>
    public void Restore(float learningRate, double best, int badEpochs)
    {
        _lr = Positive(learningRate, nameof(learningRate));
        if (double.IsNaN(best)) throw new ArgumentException("The best figure is NaN.", nameof(best));
        ArgumentOutOfRangeException.ThrowIfNegative(badEpochs);
        _best = best;
        _bad = badEpochs;
    }

    /// <inheritdoc />
    public override float At(int epoch)
    {
        CheckEpoch(epoch);
        return _lr;
    }

    /// <inheritdoc />
    public override void Observe(int epoch, double validation)
    {
        if (double.IsNaN(validation)) throw new ArgumentException("The validation figure is NaN.", nameof(validation));
        if (validation > _best + _threshold)
        {
            _best = validation;
            _bad = 0;
            return;
        }
        if (++_bad >= _patience)
        {
            _lr = Math.Max(_min, _lr * _factor);
            _bad = 0;
        }
    }
}

/// <summary>
/// KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): the KL weight β of <see cref="Objectives.ElboObjective.KlWeight"/>
/// rises linearly from 0 at the first step to 1 after <see cref="Epochs"/> epochs, β = min(1, step / (epochs · steps per epoch))
/// with step counted from 0; then stays 1. Only the gradient sees β; the reported ELBO is the true one.
/// </summary>
public sealed class KlWarmup
{
    /// <summary>Creates a warm-up over <paramref name="epochs"/> epochs (0: none, β = 1 throughout).</summary>
    public KlWarmup(int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        Epochs = epochs;
    }

    /// <summary>Epochs over which β rises from 0 to 1.</summary>
    public int Epochs { get; }

    /// <summary>β for optimizer step <paramref name="step"/> (0-based, counted over all epochs) with <paramref name="stepsPerEpoch"/> minibatches per epoch.</summary>
    public float Beta(long step, int stepsPerEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerEpoch, 1);
        if (Epochs == 0) return 1f;
        double total = (double)Epochs * stepsPerEpoch;
        return (float)Math.Min(1.0, step / total);
    }

    /// <summary>β held for all of epoch <paramref name="epoch"/> (1-based) when it changes once per epoch: (epoch − 1) / epochs, capped at 1.</summary>
    public float BetaForEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        return Epochs == 0 ? 1f : (float)Math.Min(1.0, (epoch - 1) / (double)Epochs);
    }
}
