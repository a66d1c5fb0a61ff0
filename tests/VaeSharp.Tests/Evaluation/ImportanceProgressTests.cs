using VaeSharp.Evaluation;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Evaluation;

public class ImportanceProgressTests
{
    [Fact]
    public void ProgressIsReportedOncePerImageInOrderWithoutChangingTheEstimate()
    {
        var vae = new Vae(new ModelConfig { InputSize = 16, ImageWidth = 4, ImageHeight = 4, Hidden = [8], Latent = 2 });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var x = new float[5 * 16];
        new Rng(2).FillUniform(x);
        var plain = new double[5];
        new ImportanceSampling(vae, chunk: 7).LogLikelihood(x, 5, 20, new Rng(3), plain);
        var seen = new List<(int, int)>();
        var reported = new double[5];
        new ImportanceSampling(vae, chunk: 7) { Progress = (d, t) => seen.Add((d, t)) }.LogLikelihood(x, 5, 20, new Rng(3), reported);
        Assert.Equal([(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)], seen);
        Assert.Equal(plain, reported);
    }
}
