using VaeSharp.Data;
using VaeSharp.Training;

namespace VaeSharp.Experiments;

/// <summary>
/// A run folder trained for a number of epochs, the way the epoch-budgeted experiments (linear AE against PCA, denoising)
/// use it: created from its settings, or resumed from its last checkpoint when the folder holds one; a checkpoint after
/// every epoch and the pictures at the end; a folder made with other settings (<see cref="SessionSettings.DefiningDifferences"/>)
/// is refused rather than silently continued. (<see cref="CurveRun"/> is the same for a budget of training samples.)
/// </summary>
public static class EpochRun
{
    /// <summary>
    /// Opens the run in <paramref name="directory"/> and trains it to <paramref name="epochs"/>; epoch e is evaluated on the
    /// test split when <paramref name="evaluate"/>(e) is true (always, when null). Returns the session, for the caller to
    /// score and dispose.
    /// </summary>
    public static TrainingSession Train(string directory, SessionSettings settings, Dataset train, Dataset test, int threads, int epochs,
        Func<int, bool>? evaluate = null, Action<EpochSummary>? afterEpoch = null, CancellationToken cancel = default)
    {
        bool exists = File.Exists(Path.Combine(directory, IO.ModelFile.ManifestFile));
        var session = exists ? TrainingSession.Resume(directory, train, test, threads) : TrainingSession.Create(settings, train, test, threads);
        try
        {
            if (exists && session.Settings.DefiningDifferences(settings) is { Count: > 0 } differences)
                throw new ArgumentException($"{directory} holds a run made with other settings (there vs now: {string.Join("; ", differences)}); " +
                    "choose another --out, or delete that folder to start it again.");
            Directory.CreateDirectory(directory);
            while (session.State.Epoch < epochs)
            {
                var e = session.RunEpoch(null, cancel, evaluate: evaluate?.Invoke(session.State.Epoch + 1) ?? true);
                session.SaveCheckpoint(directory);
                afterEpoch?.Invoke(e);
            }
            session.SavePictures(directory);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
