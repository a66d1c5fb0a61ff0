using VaeSharp.Layers;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Models;

/// <summary>The shape of a <see cref="Classifier"/>.</summary>
public sealed record ClassifierConfig
{
    /// <summary>Values per input (D).</summary>
    public int InputSize { get; init; } = 784;

    /// <summary>Hidden widths, input side first (at least one: the last is the feature layer).</summary>
    public int[] Hidden { get; init; } = [512, 256];

    /// <summary>Number of classes C.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Activation of the hidden layers.</summary>
    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (InputSize < 1) throw new ArgumentException($"The input size must be positive (got {InputSize}).");
        if (Hidden is null || Hidden.Length == 0) throw new ArgumentException("A classifier needs at least one hidden layer (its features).");
        foreach (int h in Hidden)
            if (h < 1) throw new ArgumentException($"Hidden widths must be positive (got {h}).");
        if (Classes < 2) throw new ArgumentException($"A classifier needs at least 2 classes (got {Classes}).");
    }
}

/// <summary>
/// A multilayer perceptron classifier (default 784-512-256-10, ReLU): hidden layers <c>hidden.{i}</c>, then a linear head
/// <c>logits</c>. Besides classifying, it supplies the feature space of the sample-quality metrics
/// (<see cref="Evaluation.GenerationMetrics"/>): <see cref="Features"/> returns the last hidden layer's activations, the
/// role Inception's pool layer plays in FID. Parameters live in one <see cref="ParameterArena"/>, so the shared
/// <see cref="Optimizer"/> and <see cref="Trainer"/> train it (with <see cref="Objectives.SoftmaxCrossEntropyObjective"/>).
/// </summary>
public sealed class Classifier
{
    private const int Chunk = 1024;
    private readonly Mlp _trunk;

    /// <summary>Builds the classifier and its arena (all zeros until <see cref="Initialize"/>).</summary>
    public Classifier(ClassifierConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Arena = new ParameterArena();
        _trunk = new Mlp(Arena, "hidden", [config.InputSize, .. config.Hidden], config.Activation, config.Activation);
        Head = new Linear(Arena, "logits", config.Hidden[^1], config.Classes);
        Arena.Seal();
    }

    /// <summary>The architecture.</summary>
    public ClassifierConfig Config { get; }

    /// <summary>All parameters and their gradients.</summary>
    public ParameterArena Arena { get; }

    /// <summary>The output layer (features → logits).</summary>
    public Linear Head { get; }

    /// <summary>Values per input (D).</summary>
    public int InputSize => Config.InputSize;

    /// <summary>Number of classes (C).</summary>
    public int Classes => Config.Classes;

    /// <summary>Width of the feature layer (the last hidden layer).</summary>
    public int FeatureSize => Config.Hidden[^1];

    /// <summary>Draws the parameters (<see cref="ParameterInitializer"/>: PyTorch's default, or N(0, scale²)).</summary>
    public void Initialize(Initialization init, Rng rng, float scale = 0.01f)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ParameterInitializer.Initialize(Arena, init, rng, scale);
    }

    private float[] _logits = [];

    /// <summary>Forward pass: x [rows × D] → logits [rows × C] (owned by the model until the next call).</summary>
    public Span<float> Forward(ReadOnlySpan<float> x, int rows, WorkerPool pool)
    {
        if (x.Length < (long)rows * InputSize) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {InputSize} need {(long)rows * InputSize}.", nameof(x));
        if (_logits.Length < rows * Classes) _logits = new float[rows * Classes];
        Span<float> h = _trunk.Forward(x, rows, pool);
        Span<float> logits = _logits.AsSpan(0, rows * Classes);
        Head.Forward(h, logits, rows, pool);
        return logits;
    }

    private float[] _dFeatures = [];

    /// <summary>
    /// Backward pass for the last <see cref="Forward"/> of <paramref name="x"/>: accumulates the parameter gradients from
    /// dL/dlogits [rows × C].
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dLogits, int rows, WorkerPool pool)
    {
        if (_dFeatures.Length < rows * FeatureSize) _dFeatures = new float[rows * FeatureSize];
        Span<float> dh = _dFeatures.AsSpan(0, rows * FeatureSize);
        Head.Backward(_trunk.Output(rows), dLogits, dh, rows, pool);
        _trunk.Backward(x, dh, default, rows, pool);
    }

    /// <summary>
    /// The penultimate activations (the last hidden layer, after its activation) of the rows of <paramref name="x"/>
    /// [rows × D] into <paramref name="destination"/> [rows × <see cref="FeatureSize"/>], in chunks of 1024 rows.
    /// </summary>
    public void Features(ReadOnlySpan<float> x, int rows, Span<float> destination, WorkerPool? pool = null)
    {
        pool ??= WorkerPool.Single;
        if (x.Length < (long)rows * InputSize) throw new ArgumentException($"x holds {x.Length} values; {rows} rows of {InputSize} need {(long)rows * InputSize}.", nameof(x));
        if (destination.Length < (long)rows * FeatureSize) throw new ArgumentException($"The destination holds {destination.Length} values; {rows} rows of {FeatureSize} need {(long)rows * FeatureSize}.", nameof(destination));
        for (int start = 0; start < rows; start += Chunk)
        {
            int n = Math.Min(Chunk, rows - start);
            _trunk.Forward(x.Slice(start * InputSize, n * InputSize), n, pool).CopyTo(destination.Slice(start * FeatureSize, n * FeatureSize));
        }
    }

    /// <summary>The most probable class (arg-max logit, lowest index on ties) of each row of <paramref name="x"/>, into <paramref name="destination"/>.</summary>
    public void Predict(ReadOnlySpan<float> x, int rows, Span<int> destination, WorkerPool? pool = null)
    {
        pool ??= WorkerPool.Single;
        if (destination.Length < rows) throw new ArgumentException($"The destination holds {destination.Length} values; {rows} are needed.", nameof(destination));
        for (int start = 0; start < rows; start += Chunk)
        {
            int n = Math.Min(Chunk, rows - start);
            Span<float> logits = Forward(x.Slice(start * InputSize, n * InputSize), n, pool);
            for (int i = 0; i < n; i++) destination[start + i] = ArgMax(logits.Slice(i * Classes, Classes));
        }
    }

    /// <summary>Fraction of the rows of <paramref name="x"/> whose predicted class equals its label.</summary>
    public double Accuracy(ReadOnlySpan<float> x, ReadOnlySpan<byte> labels, int rows, WorkerPool? pool = null)
    {
        if (rows < 1) throw new ArgumentException("Accuracy needs at least one row.", nameof(rows));
        if (labels.Length < rows) throw new ArgumentException($"{labels.Length} labels for {rows} rows.", nameof(labels));
        var predicted = new int[rows];
        Predict(x, rows, predicted, pool);
        int correct = 0;
        for (int i = 0; i < rows; i++) if (predicted[i] == labels[i]) correct++;
        return (double)correct / rows;
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int c = 1; c < values.Length; c++) if (values[c] > values[best]) best = c;
        return best;
    }
}
