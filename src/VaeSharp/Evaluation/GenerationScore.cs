using VaeSharp.Data;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>The scores of one set of images against the test set.</summary>
/// <param name="Label">What was scored (e.g. <c>vae + gmm:10</c>, <c>training images</c>).</param>
/// <param name="Count">Images scored.</param>
/// <param name="Seed">Seed of their draw.</param>
/// <param name="Frechet">Fréchet distance between Gaussians fitted to their features and to the test images' features.</param>
/// <param name="PrecisionRecall">k-NN precision and recall against the test images, in feature space.</param>
/// <param name="Memorisation">Distance (pixels, Euclidean) to the nearest training image of them and of the test images.</param>
public sealed record GenerationScoreResult(string Label, int Count, ulong Seed, double Frechet, PrecisionRecall PrecisionRecall, MemorisationSummary Memorisation);

/// <summary>
/// Scores generated images the way FID-style evaluations do, with a classifier trained on the data set standing in for
/// Inception (<see cref="FeatureClassifier"/>): images and the test images are mapped to the classifier's penultimate
/// features; then the Fréchet distance, k-NN precision and recall (k = 3) and, in pixel space, the nearest-training-image
/// distances (<see cref="GenerationMetrics"/>). Build one per (classifier, train, test) and score many image sets with it:
/// the test set's features, moments and nearest-training distances are computed once.
/// </summary>
public sealed class GenerationScore
{
    /// <summary>The random stream choosing the training images of <see cref="ScoreTrainingImages"/>.</summary>
    public const ulong FloorStream = 0x6F10;

    private readonly Classifier _classifier;
    private readonly Dataset _train, _test;
    private readonly WorkerPool _pool;
    private readonly float[] _testFeatures;
    private readonly FeatureMoments _testMoments;
    private double[]? _testNearest;

    /// <summary>Prepares the test set's features (k-NN radii and memorisation are computed on first use).</summary>
    public GenerationScore(Classifier classifier, Dataset train, Dataset test, WorkerPool? pool = null, int k = 3)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Dimension != classifier.InputSize || test.Dimension != classifier.InputSize)
            throw new ArgumentException($"The classifier takes {classifier.InputSize} values per image; {train.Name} has {train.Dimension} and {test.Name} {test.Dimension}.");
        if (test.Count < Math.Max(2, k + 1)) throw new ArgumentException($"{test.Name} has {test.Count} images; the scores need at least {Math.Max(2, k + 1)}.");
        _classifier = classifier;
        _train = train;
        _test = test;
        _pool = pool ?? WorkerPool.Single;
        K = k;
        _testFeatures = Features(test.Features, test.Count);
        _testMoments = GenerationMetrics.Moments(_testFeatures, test.Count, classifier.FeatureSize, _pool);
    }

    /// <summary>The k of the k-NN precision and recall.</summary>
    public int K { get; }

    /// <summary>The classifier's penultimate features of <paramref name="rows"/> images [rows × D], [rows × F].</summary>
    public float[] Features(ReadOnlySpan<float> images, int rows)
    {
        var f = new float[(long)rows * _classifier.FeatureSize];
        _classifier.Features(images, rows, f, _pool);
        return f;
    }

    /// <summary>Scores <paramref name="rows"/> images [rows × D] (at least k + 1).</summary>
    public GenerationScoreResult Score(string label, ReadOnlySpan<float> images, int rows, ulong seed)
    {
        if (rows < Math.Max(2, K + 1)) throw new ArgumentException($"Scoring needs at least {Math.Max(2, K + 1)} images (got {rows}).", nameof(rows));
        int d = _classifier.InputSize, f = _classifier.FeatureSize;
        float[] feats = Features(images, rows);
        double fd = GenerationMetrics.FrechetDistance(GenerationMetrics.Moments(feats, rows, f, _pool), _testMoments);
        var pr = GenerationMetrics.KnnPrecisionRecall(_testFeatures, _test.Count, feats, rows, f, K, _pool);
        var generatedNearest = new double[rows];
        NearestNeighbors.NearestDistances(images, rows, _train.Features, _train.Count, d, generatedNearest, _pool);
        if (_testNearest is null)
        {
            _testNearest = new double[_test.Count];
            NearestNeighbors.NearestDistances(_test.Features, _test.Count, _train.Features, _train.Count, d, _testNearest, _pool);
        }
        var memo = new MemorisationSummary(generatedNearest.Average(), GenerationMetrics.Median(generatedNearest),
            _testNearest.Average(), GenerationMetrics.Median(_testNearest));
        return new GenerationScoreResult(label, rows, seed, fd, pr, memo);
    }

    /// <summary>
    /// The reference line: <paramref name="count"/> training images (a seeded choice without replacement,
    /// <c>Rng.ForStream(seed, FloorStream)</c>; all of them when there are fewer) scored like generated ones. Their Fréchet
    /// distance and precision/recall are what a perfect model of the training distribution would get at this sample size;
    /// their nearest-training distance is 0 (each is its own neighbour), what a model that copies would get.
    /// </summary>
    public GenerationScoreResult ScoreTrainingImages(int count, ulong seed)
    {
        int n = Math.Min(count, _train.Count);
        var rng = Rng.ForStream(seed, FloorStream);
        int[] order = [.. Enumerable.Range(0, _train.Count)];
        for (int i = 0; i < n; i++)
        {
            int j = i + rng.NextInt(_train.Count - i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int d = _train.Dimension;
        var images = new float[(long)n * d];
        for (int i = 0; i < n; i++) _train.Features.AsSpan(order[i] * d, d).CopyTo(images.AsSpan(i * d, d));
        return Score("training images", images, n, seed);
    }

    /// <summary>
    /// Generates <paramref name="count"/> images from <paramref name="model"/> with <paramref name="sampler"/>
    /// (<see cref="SamplerCache.Generate"/>, seeded) and scores them.
    /// </summary>
    public GenerationScoreResult ScoreModel(string label, IModel model, LatentSampler sampler, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.InputSize != _classifier.InputSize)
            throw new ArgumentException($"The model makes images of {model.InputSize} values; the classifier takes {_classifier.InputSize}.", nameof(model));
        var images = new float[(long)count * model.InputSize];
        SamplerCache.Generate(model, sampler, count, seed, images, _pool);
        return Score(label, images, count, seed);
    }
}
