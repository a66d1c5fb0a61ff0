namespace VaeSharp.Data;

/// <summary>
/// An in-memory image dataset: <see cref="Count"/> rows of <see cref="Dimension"/> features each,
/// stored row-major in <see cref="Features"/> with values in [0, 1], and optional class labels.
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a dataset, validating that every size agrees.</summary>
    /// <param name="name">A display name, e.g. <c>mnist/train</c>.</param>
    /// <param name="width">Image width in pixels (positive).</param>
    /// <param name="height">Image height in pixels (positive).</param>
    /// <param name="features">Row-major features, a multiple of <paramref name="width"/>·<paramref name="height"/> long, each in [0, 1].
    /// The array is kept, not copied.</param>
    /// <param name="labels">One label per row, or <see langword="null"/>; each label must be below <paramref name="classCount"/>.</param>
    /// <param name="classCount">Number of classes (0 when there are no labels).</param>
    /// <param name="classNames">Optional names, exactly <paramref name="classCount"/> of them.</param>
    public Dataset(string name, int width, int height, float[] features, byte[]? labels = null, int classCount = 0, string[]? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The image width must be positive.");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "The image height must be positive.");
        long dimension = (long)width * height;
        if (dimension > int.MaxValue)
            throw new ArgumentException($"An image of {width}×{height} has more than {int.MaxValue} pixels.", nameof(width));
        if (features.Length % dimension != 0)
            throw new ArgumentException(
                $"The feature array has {features.Length} values, which is not a multiple of {width}×{height} = {dimension}.", nameof(features));
        int count = (int)(features.Length / dimension);
        for (int i = 0; i < features.Length; i++)
        {
            float v = features[i];
            if (!(v >= 0f && v <= 1f))
                throw new ArgumentException(
                    $"Feature {i} (row {i / dimension}, pixel {i % dimension}) is {v}; features must be in [0, 1].", nameof(features));
        }
        if (classCount < 0 || classCount > 256)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must be between 0 and 256.");
        if (labels is not null)
        {
            if (labels.Length != count)
                throw new ArgumentException($"There are {labels.Length} labels for {count} rows.", nameof(labels));
            if (classCount == 0)
                throw new ArgumentException("Labels were given with a class count of 0.", nameof(classCount));
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] >= classCount)
                    throw new ArgumentException($"Label {labels[i]} of row {i} is not below the class count {classCount}.", nameof(labels));
        }
        if (classNames is not null && classNames.Length != classCount)
            throw new ArgumentException($"There are {classNames.Length} class names for {classCount} classes.", nameof(classNames));

        Name = name;
        Width = width;
        Height = height;
        Dimension = (int)dimension;
        Count = count;
        Features = features;
        Labels = labels;
        ClassCount = classCount;
        ClassNames = classNames;
    }

    /// <summary>Creates a dataset from 8-bit pixels, mapping each byte b to b / 255.</summary>
    /// <param name="name">A display name.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="pixels">Row-major pixels, a multiple of <paramref name="width"/>·<paramref name="height"/> long.</param>
    /// <param name="labels">One label per image, or <see langword="null"/>.</param>
    /// <param name="classCount">Number of classes (0 when there are no labels).</param>
    /// <param name="classNames">Optional class names.</param>
    public static Dataset FromBytes(string name, int width, int height, ReadOnlySpan<byte> pixels, byte[]? labels = null,
        int classCount = 0, string[]? classNames = null)
    {
        Span<float> table = stackalloc float[256];
        for (int b = 0; b < 256; b++) table[b] = b / 255f;
        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) features[i] = table[pixels[i]];
        return new Dataset(name, width, height, features, labels, classCount, classNames);
    }

    /// <summary>A display name, e.g. <c>mnist/train</c>.</summary>
    public string Name { get; }

    /// <summary>Number of rows (images).</summary>
    public int Count { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Features per row: <see cref="Width"/> × <see cref="Height"/>.</summary>
    public int Dimension { get; }

    /// <summary>All features, <see cref="Count"/> × <see cref="Dimension"/> row-major, each in [0, 1].</summary>
    public float[] Features { get; }

    /// <summary>One class label per row, or <see langword="null"/> for unlabelled data.</summary>
    public byte[]? Labels { get; }

    /// <summary>Number of classes (0 when unlabelled).</summary>
    public int ClassCount { get; }

    /// <summary>Human-readable class names (e.g. Fashion-MNIST's), or <see langword="null"/>.</summary>
    public string[]? ClassNames { get; }

    /// <summary>The features of row <paramref name="i"/>.</summary>
    /// <param name="i">Row index in [0, <see cref="Count"/>).</param>
    public ReadOnlySpan<float> Row(int i)
    {
        if ((uint)i >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(i), i, $"Row index must be in [0, {Count}).");
        return new ReadOnlySpan<float>(Features, i * Dimension, Dimension);
    }

    /// <summary>A new dataset with copies of the rows at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    /// <param name="indices">Row indices, each in [0, <see cref="Count"/>).</param>
    /// <param name="name">Name of the result; defaults to this dataset's name.</param>
    public Dataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var features = new float[(long)indices.Length * Dimension];
        byte[]? labels = Labels is null ? null : new byte[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Index #{k} is {i}, outside [0, {Count}).");
            Array.Copy(Features, (long)i * Dimension, features, (long)k * Dimension, Dimension);
            if (labels is not null) labels[k] = Labels![i];
        }
        return new Dataset(name ?? Name, Width, Height, features, labels, ClassCount, ClassNames);
    }

    /// <summary>
    /// Splits off <paramref name="validationCount"/> rows chosen by a seeded random permutation.
    /// Both parts keep the original row order; together they hold every row exactly once.
    /// </summary>
    /// <param name="validationCount">Rows for the validation part, in [0, <see cref="Count"/>).</param>
    /// <param name="seed">Seed of the permutation (<see cref="Numerics.Rng"/>).</param>
    /// <returns>The remaining rows (named <c>NAME/fit</c>) and the validation rows (named <c>NAME/validation</c>).</returns>
    public (Dataset Train, Dataset Validation) SplitValidation(int validationCount, ulong seed)
    {
        if (validationCount < 0 || validationCount >= Count)
            throw new ArgumentOutOfRangeException(nameof(validationCount), validationCount,
                $"The validation count must be in [0, {Count}) so that at least one training row remains ({Name} has {Count} rows).");
        var permutation = new int[Count];
        for (int i = 0; i < permutation.Length; i++) permutation[i] = i;
        new Numerics.Rng(seed).Shuffle(permutation);
        var validation = permutation.AsSpan(0, validationCount);
        var train = permutation.AsSpan(validationCount);
        validation.Sort();
        train.Sort();
        return (Subset(train, Name + "/fit"), Subset(validation, Name + "/validation"));
    }

    /// <summary>A dataset with the same shape, labels and names but other features (for example binarized ones).</summary>
    /// <param name="features">Replacement features, exactly <see cref="Count"/> × <see cref="Dimension"/> values.</param>
    /// <param name="name">Name of the result; defaults to this dataset's name.</param>
    public Dataset WithFeatures(float[] features, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length != Features.Length)
            throw new ArgumentException($"Expected {Features.Length} features ({Count} × {Dimension}), got {features.Length}.", nameof(features));
        return new Dataset(name ?? Name, Width, Height, features, Labels, ClassCount, ClassNames);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {Count} images of {Width}×{Height}" + (Labels is null ? "" : $", {ClassCount} classes");
}
