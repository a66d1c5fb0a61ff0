using VaeSharp.Evaluation;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public sealed class LatentSamplerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-sampler-" + Guid.NewGuid().ToString("N"));

    public LatentSamplerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("prior", LatentSamplerKind.Prior, 1, "prior")]
    [InlineData(" Gaussian ", LatentSamplerKind.Gaussian, 1, "gaussian")]
    [InlineData("gmm:10", LatentSamplerKind.Mixture, 10, "gmm:10")]
    [InlineData("GMM:1", LatentSamplerKind.Mixture, 1, "gmm:1")]
    public void ParsesTheSamplerNames(string text, LatentSamplerKind kind, int k, string canonical)
    {
        var spec = LatentSamplerSpec.Parse(text);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(k, spec.Components);
        Assert.Equal(canonical, spec.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("gmm")]
    [InlineData("gmm:")]
    [InlineData("gmm:0")]
    [InlineData("gmm:-3")]
    [InlineData("gmm:+3")]
    [InlineData("gmm:1001")]
    [InlineData("gmm:99999999999")]
    [InlineData("gmm:3x")]
    [InlineData("normal")]
    public void RejectsMalformedNames(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => LatentSamplerSpec.Parse(text));
        Assert.Contains("gmm", e.Message);
    }

    [Fact]
    public void PriorDrawsStandardNormals()
    {
        const int n = 20000, j = 3;
        var z = new float[n * j];
        LatentSampler.Prior(j).Sample(Rng.ForStream(1, 1), n, z);
        for (int a = 0; a < j; a++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < n; i++) m += z[i * j + a];
            m /= n;
            for (int i = 0; i < n; i++) v += (z[i * j + a] - m) * (z[i * j + a] - m);
            v /= n - 1;
            Assert.InRange(m, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
            Assert.InRange(v, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));   // SE of a variance: σ²√(2/N)
        }
    }

    [Fact]
    public void GaussianSamplerReproducesTheCodesMoments()
    {
        // Codes with a strong correlation; samples from the fitted Gaussian must show the same mean and covariance within
        // the combined standard errors of two samples' moments.
        const int n = 10000, j = 2;
        var rng = Rng.ForStream(2, 1);
        var codes = new float[n * j];
        for (int i = 0; i < n; i++)
        {
            float a = rng.NextNormal(), b = rng.NextNormal();
            codes[i * j] = 2 + 1.5f * a;
            codes[i * j + 1] = -1 + 0.9f * a + 0.4f * b;
        }
        var sampler = LatentSampler.Fit(LatentSamplerSpec.Parse("gaussian"), codes, n, j);
        var z = new float[n * j];
        sampler.Sample(Rng.ForStream(3, 1), n, z);
        double[] s = [2.25, 1.35, 1.35, 0.81 + 0.16];
        for (int a = 0; a < j; a++)
        {
            double mz = Mean(z, a), mc = Mean(codes, a);
            Assert.InRange(mz - mc, -5 * Math.Sqrt(2 * s[a * 3] / n), 5 * Math.Sqrt(2 * s[a * 3] / n));
            for (int b = 0; b < j; b++)
            {
                double se = Math.Sqrt(2 * (s[a * 3] * s[b * 3] + s[a * 2 + b] * s[a * 2 + b]) / n);
                Assert.InRange(Cov(z, a, b) - Cov(codes, a, b), -5 * se, 5 * se);
            }
        }
    }

    private static double Mean(float[] x, int a) => Enumerable.Range(0, x.Length / 2).Average(i => (double)x[i * 2 + a]);

    private static double Cov(float[] x, int a, int b)
    {
        double ma = Mean(x, a), mb = Mean(x, b);
        return Enumerable.Range(0, x.Length / 2).Average(i => (x[i * 2 + a] - ma) * (x[i * 2 + b] - mb));
    }

    [Fact]
    public void MixtureFitSavesAndLoadsBitIdentically()
    {
        const int n = 3000;
        var (codes, _) = GaussianMixtureTests.Draw(GaussianMixtureTests.TrueWeights, GaussianMixtureTests.TrueMeans, GaussianMixtureTests.TrueCovs, n, 4);
        var spec = LatentSamplerSpec.Parse("gmm:3");
        var sampler = LatentSampler.Fit(spec, codes, n, 2, seed: 7);
        Assert.Equal(3, sampler.Mixture!.Components);
        // The fit recovers the mixture (component weights to 5 binomial standard errors).
        var weights = sampler.Mixture.Weights.ToArray().Order().ToArray();
        double[] truth = [.. GaussianMixtureTests.TrueWeights.Order()];
        for (int c = 0; c < 3; c++) Assert.InRange(weights[c], truth[c] - 5 * Math.Sqrt(truth[c] * (1 - truth[c]) / n), truth[c] + 5 * Math.Sqrt(truth[c] * (1 - truth[c]) / n));

        string path = Path.Combine(_dir, spec.FileName);
        Assert.EndsWith("sampler-gmm-3.json", path);
        sampler.Save(path);
        var loaded = LatentSampler.Load(path, expectedLatent: 2);
        Assert.Equal(spec, loaded.Spec);
        Assert.Equal(sampler.Mixture.Weights.ToArray(), loaded.Mixture!.Weights.ToArray());
        Assert.Equal(sampler.Mixture.Means.ToArray(), loaded.Mixture.Means.ToArray());
        Assert.Equal(sampler.Mixture.Covariances.ToArray(), loaded.Mixture.Covariances.ToArray());
        Assert.Equal(sampler.Info, loaded.Info);
        var a = new float[200]; var b = new float[200];
        sampler.Sample(Rng.ForStream(9, 9), 100, a);
        loaded.Sample(Rng.ForStream(9, 9), 100, b);
        Assert.Equal(a, b);

        // Same seed, same fit.
        var again = LatentSampler.Fit(spec, codes, n, 2, seed: 7);
        Assert.Equal(sampler.Mixture.Means.ToArray(), again.Mixture!.Means.ToArray());

        var prior = LatentSampler.Prior(5);
        prior.Save(Path.Combine(_dir, "p.json"));
        Assert.Equal(LatentSamplerKind.Prior, LatentSampler.Load(Path.Combine(_dir, "p.json"), 5).Spec.Kind);
    }

    [Fact]
    public void FitsToAModelsCodes()
    {
        // The model overload encodes in chunks of 1000 rows: the fit equals one made from codes encoded in one call.
        var model = ModelFactory.Create(new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [5], Latent = 2 });
        model.Initialize(Initialization.Normal, new Rng(1), 0.5f);
        const int n = 2500;
        var x = new float[n * 6];
        new Rng(2).FillUniform(x);
        var codes = new float[n * 2];
        model.EncodeMean(x, n, codes, WorkerPool.Single);
        var spec = LatentSamplerSpec.Parse("gmm:2");
        var direct = LatentSampler.Fit(spec, codes, n, 2, seed: 3);
        var viaModel = LatentSampler.Fit(spec, model, x, n, seed: 3);
        Assert.Equal(direct.Mixture!.Means.ToArray(), viaModel.Mixture!.Means.ToArray());
        Assert.Equal(direct.Mixture.Covariances.ToArray(), viaModel.Mixture.Covariances.ToArray());
        Assert.Equal(LatentSamplerKind.Prior, LatentSampler.Fit(LatentSamplerSpec.Parse("prior"), model, x, n).Spec.Kind);
    }

    [Theory]
    [InlineData("{", "not a valid sampler file")]
    [InlineData("[]", "not a valid sampler file")]
    [InlineData("{\"format\":\"other\",\"version\":1}", "format is 'other'")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":2,\"kind\":\"prior\",\"latent\":2}", "version 2")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"prior\",\"latent\":3}", "size 3")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"flow\",\"latent\":2}", "unknown sampler kind")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"gaussian\",\"latent\":2,\"weights\":[1],\"means\":[[0,0]]}", "'covariances'")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"gaussian\",\"latent\":2,\"weights\":[1],\"means\":[[0]],\"covariances\":[[[1,0],[0,1]]]}", "'means'")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"gaussian\",\"latent\":2,\"weights\":[1],\"means\":[[0,0]],\"covariances\":[[[1,2],[2,1]]]}", "positive definite")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"gmm\",\"components\":2,\"latent\":2,\"weights\":[0.5,0.6],\"means\":[[0,0],[1,1]],\"covariances\":[[[1,0],[0,1]],[[1,0],[0,1]]]}", "sum to")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"gmm\",\"components\":0,\"latent\":2}", "out of range")]
    [InlineData("{\"format\":\"vaesharp-latent-sampler\",\"version\":1,\"kind\":\"gaussian\",\"latent\":2,\"weights\":[1],\"means\":[[0,\"x\"]],\"covariances\":[[[1,0],[0,1]]]}", "not a valid sampler file")]
    public void MalformedFilesGiveAOneLineErrorNamingTheFile(string json, string expected)
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<InvalidDataException>(() => LatentSampler.Load(path, expectedLatent: 2));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
