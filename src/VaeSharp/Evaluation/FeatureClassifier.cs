using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Evaluation;

/// <summary>How the feature classifier of the sample-quality scores is trained.</summary>
public sealed record FeatureClassifierSettings
{
    /// <summary>Hidden widths; the last is the feature layer (default 512, 256: features of 256 values).</summary>
    public int[] Hidden { get; init; } = [512, 256];
    /// <summary>Passes over the training set (10 reach ≥ 98 % on MNIST's test set; see docs/AUTOENCODERS.md).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Minibatch size.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Adam's step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Seed of the initialisation (stream 0) and of the trainer's shuffles.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// The feature extractor of <see cref="GenerationScore"/>: a <see cref="Classifier"/> (784-512-256-10, ReLU) trained with the
/// shared engine (<see cref="Trainer"/>, <see cref="Optimizer"/> with Adam, <see cref="SoftmaxCrossEntropyObjective"/>) on a data
/// set's training split, saved with <see cref="ClassifierFile"/> and reused: the folder is
/// <c>CACHE/classifier-{dataset}-{hidden}-e{epochs}-s{seed}</c> unless a folder is given.
/// </summary>
public static class FeatureClassifier
{
    /// <summary>The default folder of the classifier of <paramref name="dataset"/> under <paramref name="cacheRoot"/> (default: the data cache root).</summary>
    public static string DefaultDirectory(string dataset, FeatureClassifierSettings settings, string? cacheRoot = null) =>
        Path.Combine(cacheRoot ?? DatasetCatalog.DefaultCacheRoot,
            $"classifier-{dataset}-{string.Join("-", settings.Hidden)}-e{settings.Epochs}-s{settings.Seed}");

    /// <summary>
    /// Loads the classifier in <paramref name="directory"/>, or trains one on the training split <paramref name="data"/>() returns
    /// (it needs labels), measures its accuracy on the test split and saves it there. <paramref name="log"/> receives one line per epoch.
    /// Returns the classifier, its facts and whether it was trained now.
    /// </summary>
    public static (Classifier Model, ClassifierInfo Info, bool Trained) LoadOrTrain(string directory, string dataset, Func<(Dataset Train, Dataset Test)> data,
        FeatureClassifierSettings settings, WorkerPool pool, Action<string>? log = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (ClassifierFile.Exists(directory))
        {
            var (m, i) = ClassifierFile.Load(directory);
            return (m, i, false);
        }
        var (train, test) = data();
        var (model, info) = Train(dataset, train, test, settings, pool, log, cancel);
        ClassifierFile.Save(directory, model, info);
        return (model, info, true);
    }

    /// <summary>Trains a classifier on <paramref name="train"/> and measures it on <paramref name="test"/> (both labelled).</summary>
    public static (Classifier Model, ClassifierInfo Info) Train(string dataset, Dataset train, Dataset test, FeatureClassifierSettings settings,
        WorkerPool pool, Action<string>? log = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(settings);
        if (train.Labels is null || test.Labels is null)
            throw new ArgumentException($"The feature classifier needs labelled data; {(train.Labels is null ? train.Name : test.Name)} has no labels.");
        if (settings.Epochs < 1) throw new ArgumentException($"The classifier needs at least one epoch (got {settings.Epochs}).");
        int classes = Math.Max(2, Math.Max(train.ClassCount, train.Labels.Length == 0 ? 0 : train.Labels.Max() + 1));
        var model = new Classifier(new ClassifierConfig { InputSize = train.Dimension, Hidden = settings.Hidden, Classes = classes });
        model.Initialize(Initialization.PyTorchDefault, Rng.ForStream(settings.Seed, 0));
        var objective = new SoftmaxCrossEntropyObjective(model, pool);
        var rows = SoftmaxCrossEntropyObjective.AppendOneHot(train.Features, train.Labels, train.Count, train.Dimension, classes);
        var trainer = new Trainer(objective, new Optimizer(model.Arena, OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = settings.LearningRate }),
            new TrainerOptions { BatchSize = settings.BatchSize, Seed = settings.Seed }, pool);
        for (int e = 1; e <= settings.Epochs; e++)
        {
            var r = trainer.RunEpoch(rows, e, null, cancel);
            log?.Invoke(FormattableString.Invariant($"classifier epoch {e}/{settings.Epochs}: train cross-entropy {-r.Train.Objective / r.Train.Rows:F4} ({r.Seconds:F1} s)"));
        }
        double accuracy = model.Accuracy(test.Features, test.Labels, test.Count, pool);
        return (model, new ClassifierInfo(dataset, train.Count, settings.Epochs, settings.BatchSize, settings.LearningRate, settings.Seed, test.Count, accuracy));
    }
}
