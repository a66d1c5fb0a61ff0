using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>
/// A place inside an epoch, for mid-epoch checkpoints: what the trainer needs to continue bit-identically from the
/// minibatch after <see cref="Batch"/> (the shuffling stream is re-derived from (seed, epoch); the binarization and
/// ε generators are restored from their saved states; the epoch's running sums carry on).
/// </summary>
public sealed record EpochPosition
{
    /// <summary>The 1-based epoch in progress.</summary>
    public required int Epoch { get; init; }
    /// <summary>Minibatches of the epoch already trained on (at least 1, fewer than the epoch has).</summary>
    public required int Batch { get; init; }
    /// <summary>State of the binarization generator after minibatch <see cref="Batch"/>.</summary>
    public required ulong[] BinarizeState { get; init; }
    /// <summary>State of the ε generator after minibatch <see cref="Batch"/>.</summary>
    public required ulong[] NoiseState { get; init; }
    /// <summary>Sum of the training terms over the minibatches done.</summary>
    public required BatchTerms Partial { get; init; }
    /// <summary>Training seconds spent on those minibatches.</summary>
    public double Seconds { get; init; }
}

/// <summary>Options of one <see cref="Trainer.RunEpoch(DataMatrix, int, EpochRun)"/> call beyond the data and the epoch.</summary>
public sealed record EpochRun
{
    /// <summary>Called before every training step (a session sets the KL weight β there).</summary>
    public Action? BeforeStep { get; init; }
    /// <summary>Called after every training step.</summary>
    public Action<StepProgress>? Progress { get; init; }
    /// <summary>Stops the epoch between minibatches (after <see cref="Checkpoint"/> has saved the place, when there is one).</summary>
    public CancellationToken Cancel { get; init; }
    /// <summary>Continue the epoch from this place instead of its start.</summary>
    public EpochPosition? ResumeFrom { get; init; }
    /// <summary>Asked after every minibatch but the last whether to call <see cref="Checkpoint"/>.</summary>
    public Func<bool>? CheckpointDue { get; init; }
    /// <summary>Saves a mid-epoch place (called when <see cref="CheckpointDue"/> says so, and before stopping on <see cref="Cancel"/>).</summary>
    public Action<EpochPosition>? Checkpoint { get; init; }
}
