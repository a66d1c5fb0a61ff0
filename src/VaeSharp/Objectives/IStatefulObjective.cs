namespace VaeSharp.Objectives;

/// <summary>
/// An objective that keeps state for each training datapoint across minibatches and takes several optimizer steps per
/// minibatch (Monte Carlo EM: every datapoint's HMC chain moves once per visit, then the weights take several steps at the
/// chains' samples). The <see cref="Training.Trainer"/> tells it which training rows each minibatch holds before evaluating
/// it; the <see cref="Training.TrainingSession"/> saves <see cref="State"/> with every checkpoint (in the optimizer file) and
/// restores it on resume, so a resumed run is bit-identical to an uninterrupted one.
/// </summary>
public interface IStatefulObjective : IObjective
{
    /// <summary>
    /// Optimizer steps per training minibatch: the trainer calls <see cref="IObjective.Evaluate"/> with gradients and steps
    /// the optimizer this many times on the same minibatch; the first call's terms are the minibatch's.
    /// </summary>
    int StepsPerBatch { get; }

    /// <summary>
    /// Called before a training minibatch's first evaluation with the indices of its rows in the training set of
    /// <paramref name="trainCount"/> rows (in the order of the minibatch's rows).
    /// </summary>
    void BeginBatch(ReadOnlySpan<int> rows, int trainCount);

    /// <summary>The state to checkpoint, as named float arrays (empty before the first minibatch).</summary>
    IReadOnlyList<(string Name, float[] Values)> State { get; }

    /// <summary>
    /// Restores state saved from <see cref="State"/>; <paramref name="state"/> may hold other entries (the optimizer's), which
    /// are ignored. Throws <see cref="InvalidDataException"/> when <paramref name="required"/> and the state is missing or malformed.
    /// </summary>
    void Restore(IReadOnlyDictionary<string, float[]> state, bool required);
}
