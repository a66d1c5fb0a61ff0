using VaeSharp.Models;

namespace VaeSharp.Evaluation;

/// <summary>
/// PCA as a model file: the linear autoencoder whose optimum PCA is (Baldi &amp; Hornik 1989), set in closed form, so that
/// every command that takes a model (<c>eval</c>, <c>reconstruct</c>, <c>sample</c>, <c>serve</c>) takes a PCA too.
/// With U the m × D matrix of principal directions and μ the mean: f(x) = U(x − μ), g(h) = Uᵀh + μ, so
/// g(f(x)) = μ + UᵀU(x − μ), the orthogonal projection onto the principal subspace (Eckart–Young optimal).
/// </summary>
public static class PcaModel
{
    /// <summary>The linear autoencoder (with biases) that reconstructs exactly as <paramref name="pca"/> does.</summary>
    public static Autoencoder ToAutoencoder(Pca pca, int imageWidth, int imageHeight)
    {
        int d = pca.Dimension, m = pca.Components;
        var model = new Autoencoder(new ModelConfig
        {
            Kind = ModelKind.LinearAe, InputSize = d, ImageWidth = imageWidth, ImageHeight = imageHeight, Hidden = [], Latent = m,
            Decoder = DecoderKind.Gaussian,
        });
        var arena = model.Arena;
        Span<float> wf = arena.Value(model.Code.Weight), bf = arena.Value(model.Code.Bias!.Value);       // [D × m], [m]
        Span<float> wg = arena.Value(model.Output.Weight), bg = arena.Value(model.Output.Bias!.Value);   // [m × D], [D]
        ReadOnlySpan<double> mean = pca.Mean;
        for (int j = 0; j < m; j++)
        {
            ReadOnlySpan<double> u = pca.Component(j);
            double shift = 0;
            for (int a = 0; a < d; a++)
            {
                wf[a * m + j] = (float)u[a];
                wg[j * d + a] = (float)u[a];
                shift += u[a] * mean[a];
            }
            bf[j] = (float)-shift;
        }
        for (int a = 0; a < d; a++) bg[a] = (float)mean[a];
        return model;
    }
}
