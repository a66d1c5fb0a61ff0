using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Experiments;
using VaeSharp.IO;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Experiments;

public sealed class LinearPcaTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-linpca-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// 4×4 images x = 0.5 + Σₖ sₖ aₖ vₖ + 0.01 ε with three orthonormal directions vₖ (entries ±¼), aₖ uniform with unit
    /// variance and scales 0.5, 0.35, 0.25: a clear eigengap after the third component (variances 0.25, 0.1225, 0.0625
    /// against 0.0001), and every value inside [0, 1] without clipping.
    /// </summary>
    private static Dataset LowRank(ulong seed, int count)
    {
        var rng = new Rng(seed);
        double[][] v =
        [
            [.. Enumerable.Range(0, 16).Select(i => i < 8 ? 0.25 : -0.25)],
            [.. Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? 0.25 : -0.25)],
            [.. Enumerable.Range(0, 16).Select(i => (i / 4) % 2 == 0 ? 0.25 : -0.25)],
        ];
        double[] scale = [0.5, 0.35, 0.25];
        var x = new float[count * 16];
        for (int n = 0; n < count; n++)
        {
            double[] a = [.. Enumerable.Range(0, 3).Select(_ => Math.Sqrt(3) * (2 * rng.NextDouble() - 1))];
            for (int p = 0; p < 16; p++)
            {
                double value = 0.5 + 0.01 * (2 * rng.NextDouble() - 1);
                for (int k = 0; k < 3; k++) value += scale[k] * a[k] * v[k][p];
                x[n * 16 + p] = (float)Math.Clamp(value, 0, 1);
            }
        }
        return new Dataset($"lowrank-{seed}", 4, 4, x);
    }


    // The linear AE's convergence to the principal subspace is tested on generated data with a clear eigengap in
    // Evaluation/PrincipalAnglesTests (ATrainedWeightDecayedLinearAutoencoderYieldsThePrincipalDirections); on MNIST it takes
    // the experiment's 100 epochs (docs/AUTOENCODERS.md), too long for a unit test.

    [Fact]
    public void PcaSavedAsALinearAutoencoderReconstructsExactlyAsPca()
    {
        var train = LowRank(3, 400);
        var pca = Pca.Fit(train.Features, train.Count, 16, 3);
        var ae = PcaModel.ToAutoencoder(pca, 4, 4);
        var codes = new float[train.Count * 3];
        pca.Project(train.Features, train.Count, codes);
        var expected = new float[train.Features.Length];
        pca.Reconstruct(codes, train.Count, expected);
        var actual = new float[train.Features.Length];
        ae.DecodeMean(ae.Encode(train.Features, train.Count, WorkerPool.Single).ToArray(), train.Count, actual, WorkerPool.Single);
        // The same projection computed in another order: equal to float rounding.
        for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(Math.Clamp(expected[i], 0f, 1f) - actual[i]) < 1e-5f, $"{expected[i]} vs {actual[i]} at {i}");

        ModelFile.Save(_dir, ae, new TrainingState { Dataset = "lowrank", Binarization = "none", Method = "pca" }, null);
        var loaded = ModelFile.Load(_dir);
        Assert.Equal(VaeSharp.Models.ModelKind.LinearAe, loaded.Model.Config.Kind);
        Assert.Equal(ae.Arena.Values, loaded.Model.Arena.Values);
    }
}
