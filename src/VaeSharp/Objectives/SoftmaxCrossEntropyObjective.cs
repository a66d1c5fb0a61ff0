using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Objectives;

/// <summary>
/// The classifier's objective: the log-likelihood of the labels, log softmax(f(x))_y; the loss minimised is the mean
/// cross-entropy over the minibatch.
/// </summary>
/// <remarks>
/// <para><b>How the labels travel.</b> <see cref="IObjective.Evaluate"/> receives only the rows the trainer gathered, so each
/// row carries its own target: a labelled row is the D inputs followed by C target probabilities, normally the one-hot label
/// (<see cref="InputSize"/> = D + C; build the rows with <see cref="AppendOneHot"/>). The existing <see cref="Trainer"/> then
/// shuffles, batches and evaluates labelled data without any change, and the labels can never drift out of step with
/// their images. Dynamic binarization leaves one-hot columns unchanged (0 and 1 binarize to themselves). With a soft target t
/// the objective is Σ_c t_c log softmax(z)_c; targets must be non-negative and sum to 1 (checked).</para>
/// <para>The <see cref="BatchTerms"/> it reports: Objective = Reconstruction = Σ log softmax(z)_y (nats, higher is better;
/// −Objective/Rows is the mean cross-entropy), Kl = 0. Accuracy comes from <see cref="Classifier.Accuracy"/>.</para>
/// </remarks>
public sealed class SoftmaxCrossEntropyObjective : IObjective
{
    private readonly Classifier _model;
    private readonly WorkerPool _pool;
    private float[] _x = [], _dLogits = [];

    /// <summary>Creates the objective.</summary>
    public SoftmaxCrossEntropyObjective(Classifier model, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _pool = pool ?? WorkerPool.Single;
    }

    /// <summary>The classifier.</summary>
    public Classifier Model => _model;

    /// <inheritdoc />
    public ParameterArena Arena => _model.Arena;

    /// <summary>Values per labelled row: the model's D inputs followed by its C target probabilities.</summary>
    public int InputSize => _model.InputSize + _model.Classes;

    /// <summary>
    /// Labelled rows [rows × (D + C)]: each row of <paramref name="features"/> [rows × D] followed by the one-hot encoding of
    /// its label (each below <paramref name="classes"/>).
    /// </summary>
    public static DataMatrix AppendOneHot(ReadOnlySpan<float> features, ReadOnlySpan<byte> labels, int rows, int dimension, int classes)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "At least 2 classes.");
        if (labels.Length < rows) throw new ArgumentException($"{labels.Length} labels for {rows} rows.", nameof(labels));
        if (features.Length < (long)rows * dimension) throw new ArgumentException($"The features hold {features.Length} values; {rows} rows of {dimension} need {(long)rows * dimension}.", nameof(features));
        int width = dimension + classes;
        long total = (long)rows * width;
        if (total > Array.MaxLength) throw new ArgumentException($"{rows} labelled rows of {width} values do not fit in one array.", nameof(rows));
        var result = new float[total];
        for (int i = 0; i < rows; i++)
        {
            if (labels[i] >= classes) throw new ArgumentException($"Label {labels[i]} of row {i} is not below the class count {classes}.", nameof(labels));
            features.Slice(i * dimension, dimension).CopyTo(result.AsSpan(i * width, dimension));
            result[i * width + dimension + labels[i]] = 1f;
        }
        return new DataMatrix(result, rows, width);
    }

    /// <inheritdoc />
    public BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients)
    {
        int d = _model.InputSize, c = _model.Classes, width = d + c;
        if (x.Length < (long)rows * width)
            throw new ArgumentException($"x holds {x.Length} values; {rows} labelled rows of {d} inputs + {c} targets need {(long)rows * width}.", nameof(x));
        if (_x.Length < rows * d) _x = new float[rows * d];
        if (_dLogits.Length < rows * c) _dLogits = new float[rows * c];
        Span<float> inputs = _x.AsSpan(0, rows * d);
        for (int i = 0; i < rows; i++) x.Slice(i * width, d).CopyTo(inputs.Slice(i * d, d));

        Span<float> logits = _model.Forward(inputs, rows, _pool);
        Span<float> dLogits = _dLogits.AsSpan(0, rows * c);
        double total = 0;
        float scale = 1f / rows;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> z = logits.Slice(i * c, c);
            ReadOnlySpan<float> t = x.Slice(i * width + d, c);
            double max = double.NegativeInfinity, tSum = 0;
            for (int k = 0; k < c; k++)
            {
                max = Math.Max(max, z[k]);
                if (!(t[k] >= 0)) throw new ArgumentException($"Row {i} has the target {t[k]} for class {k}; targets must be probabilities.", nameof(x));
                tSum += t[k];
            }
            if (Math.Abs(tSum - 1) > 1e-4) throw new ArgumentException($"Row {i}'s targets sum to {tSum}, not 1; labelled rows end with a one-hot label.", nameof(x));
            double sum = 0;
            for (int k = 0; k < c; k++) sum += Math.Exp(z[k] - max);
            double logNorm = max + Math.Log(sum);
            double rowLl = 0;
            for (int k = 0; k < c; k++)
            {
                double logP = z[k] - logNorm;
                if (t[k] != 0) rowLl += t[k] * logP;
                // ∂(−(1/rows) Σₖ tₖ log softmaxₖ)/∂zₖ = ((Σ t)·softmaxₖ − tₖ)/rows.
                dLogits[i * c + k] = scale * (float)(tSum * Math.Exp(logP) - t[k]);
            }
            total += rowLl;
        }
        if (accumulateGradients) _model.Backward(inputs, dLogits, rows, _pool);
        return new BatchTerms(total, total, 0, rows);
    }
}
