using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public sealed class SamplerCacheTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-samplercache-" + Guid.NewGuid().ToString("N"));

    public SamplerCacheTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static IModel Model(ModelKind kind, ulong seed)
    {
        var m = ModelFactory.Create(new ModelConfig { Kind = kind, InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [8], Latent = 3 });
        m.Initialize(Initialization.Normal, new Rng(seed), 0.5f);
        return m;
    }

    private static Dataset Data()
    {
        var rng = new Rng(11);
        var x = new float[400 * 16];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
        return new Dataset("toy", 4, 4, x);
    }

    [Fact]
    public void FitsOnceReusesTheFileAndRefitsWhenTheModelChanges()
    {
        var model = Model(ModelKind.Ae, 1);
        var spec = LatentSamplerSpec.Parse("gmm:2");
        int calls = 0;
        Dataset Training() { calls++; return Data(); }
        var a = SamplerCache.LoadOrFit(_dir, model, spec, Training, 4, WorkerPool.Single, out bool fittedA);
        Assert.True(fittedA);
        Assert.True(File.Exists(Path.Combine(_dir, "sampler-gmm-2.json")));
        Assert.Equal(SamplerCache.ModelHash(model), a.ModelHash);
        // The fit is to the codes: the same as fitting them directly.
        var direct = LatentSampler.Fit(spec, Pictures.EncodeMeans(model, Data()), 400, 3, 4);
        Assert.Equal(direct.Mixture!.Means.ToArray(), a.Mixture!.Means.ToArray());

        var b = SamplerCache.LoadOrFit(_dir, model, spec, Training, 4, WorkerPool.Single, out bool fittedB);
        Assert.False(fittedB);
        Assert.Equal(1, calls);
        Assert.Equal(a.Mixture.Means.ToArray(), b.Mixture!.Means.ToArray());

        model.Arena.Values[0] += 0.25f; // the model changed: the saved fit is stale
        SamplerCache.LoadOrFit(_dir, model, spec, Training, 4, WorkerPool.Single, out bool fittedC);
        Assert.True(fittedC);
        SamplerCache.LoadOrFit(_dir, model, spec, Training, 5, WorkerPool.Single, out bool fittedD); // another seed
        Assert.True(fittedD);
        Assert.Equal(3, calls);

        File.WriteAllText(Path.Combine(_dir, "sampler-gmm-2.json"), "garbage");
        SamplerCache.LoadOrFit(_dir, model, spec, Training, 5, WorkerPool.Single, out bool fittedE);
        Assert.True(fittedE);
    }

    [Fact]
    public void ThePriorNeedsNoDataAndGenerationIsSeededAndDecodesTheDraws()
    {
        var model = Model(ModelKind.Vae, 2);
        var prior = SamplerCache.LoadOrFit(_dir, model, LatentSamplerSpec.Parse("prior"), () => throw new InvalidOperationException("no data needed"), 1, WorkerPool.Single, out bool fitted);
        Assert.False(fitted);
        var x1 = new float[600 * 16];
        var x2 = new float[600 * 16];
        SamplerCache.Generate(model, prior, 600, 9, x1);
        SamplerCache.Generate(model, prior, 600, 9, x2);
        Assert.Equal(x1, x2);
        // By hand: the draws of Rng.ForStream(9, GenerateStream), decoded in one batch.
        var z = new float[600 * 3];
        prior.Sample(Rng.ForStream(9, SamplerCache.GenerateStream), 600, z);
        var x3 = new float[600 * 16];
        model.DecodeMean(z, 600, x3, WorkerPool.Single);
        Assert.Equal(x3, x1);
        SamplerCache.Generate(model, prior, 600, 10, x2);
        Assert.NotEqual(x1, x2);
        Assert.Throws<ArgumentException>(() => SamplerCache.Generate(model, LatentSampler.Prior(2), 10, 1, x1));
    }
}
