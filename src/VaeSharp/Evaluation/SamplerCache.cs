using System.Runtime.InteropServices;
using System.Security.Cryptography;
using VaeSharp.Data;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// Latent samplers kept beside a model (<see cref="LatentSamplerSpec.FileName"/> in its folder): fitted to the codes
/// (<see cref="IModel.EncodeMean"/>) of the model's training split on first use, reused while the model's weights and the
/// fit's seed are the same (the file records a SHA-256 of the weights, <c>model_hash</c>), refitted otherwise.
/// Also decodes draws from a sampler into images.
/// </summary>
public static class SamplerCache
{
    /// <summary>The random stream of generated codes: <c>Rng.ForStream(seed, GenerateStream)</c>.</summary>
    public const ulong GenerateStream = 0x6E4E;

    private const int Batch = 500;

    /// <summary>Hex SHA-256 of the model's parameter values (their float32 bytes, in arena order).</summary>
    public static string ModelHash(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(model.Arena.Values.AsSpan())));
    }

    /// <summary>
    /// The sampler <paramref name="spec"/> names for <paramref name="model"/>: the prior, or the fit saved in
    /// <paramref name="modelDirectory"/> if it was made for these weights with this seed, or a new fit to the codes of
    /// <paramref name="training"/>() (called only then), saved there. <paramref name="fitted"/> says whether a fit was made now.
    /// </summary>
    public static LatentSampler LoadOrFit(string modelDirectory, IModel model, LatentSamplerSpec spec, Func<Dataset> training, ulong seed,
        WorkerPool pool, out bool fitted)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        fitted = false;
        if (spec.Kind == LatentSamplerKind.Prior) return LatentSampler.Prior(model.Latent);
        string path = Path.Combine(modelDirectory, spec.FileName);
        string hash = ModelHash(model);
        if (File.Exists(path))
        {
            try
            {
                var saved = LatentSampler.Load(path, model.Latent);
                if (saved.ModelHash == hash && saved.Info.Seed == seed && saved.Spec == spec) return saved;
            }
            catch (InvalidDataException)
            {
                // A damaged or foreign file is replaced by a new fit.
            }
        }
        var data = training();
        if (data.Dimension != model.InputSize)
            throw new ArgumentException($"{data.Name} has {data.Dimension} values per image; the model expects {model.InputSize}.");
        float[] codes = Pictures.EncodeMeans(model, data, pool);
        var sampler = LatentSampler.Fit(spec, codes, data.Count, model.Latent, seed);
        sampler.Save(path, hash);
        fitted = true;
        return LatentSampler.Load(path, model.Latent); // what later runs will load, so a fit and a reuse draw alike
    }

    /// <summary>
    /// Decodes <paramref name="count"/> codes drawn from <paramref name="sampler"/> (randomness from
    /// <c>Rng.ForStream(seed, GenerateStream)</c>) into <paramref name="destination"/> [count × D], expected pixel values.
    /// </summary>
    public static void Generate(IModel model, LatentSampler sampler, int count, ulong seed, Span<float> destination, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (sampler.Latent != model.Latent)
            throw new ArgumentException($"The sampler draws codes of size {sampler.Latent}; the model's are of size {model.Latent}.", nameof(sampler));
        if (destination.Length < (long)count * model.InputSize)
            throw new ArgumentException($"The destination holds {destination.Length} values; {count} images need {(long)count * model.InputSize}.", nameof(destination));
        var z = new float[(long)count * model.Latent];
        sampler.Sample(Rng.ForStream(seed, GenerateStream), count, z);
        pool ??= WorkerPool.Single;
        for (int start = 0; start < count; start += Batch)
        {
            int n = Math.Min(Batch, count - start);
            model.DecodeMean(z.AsSpan(start * model.Latent, n * model.Latent), n, destination.Slice(start * model.InputSize, n * model.InputSize), pool);
        }
    }
}
