using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Models;

/// <summary>The kinds of model VaeSharp trains. <see cref="ModelKinds"/> maps them to and from their command-line names.</summary>
public enum ModelKind
{
    /// <summary>The variational autoencoder of Kingma &amp; Welling (2014): Gaussian encoder q(z|x), decoder p(x|z), prior N(0, I).</summary>
    Vae,
    /// <summary>A deterministic autoencoder g(f(x)) with any stack of hidden layers (seed 002's nonlinear and deep AEs).</summary>
    Ae,
    /// <summary>f(x) = W_f x, g(h) = W_g h, squared error: its optimum spans PCA's principal subspace (Baldi &amp; Hornik 1989).</summary>
    LinearAe,
    /// <summary>An autoencoder with λ‖f(x)‖₁ on the code (seed 002).</summary>
    SparseAe,
    /// <summary>An autoencoder trained to recover x from a corrupted x̃ (Vincent et al. 2008; seed 002).</summary>
    DenoisingAe,
}

/// <summary>Command-line and model-file names of <see cref="ModelKind"/>.</summary>
public static class ModelKinds
{
    /// <summary>Every name, the VAE first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["vae", "ae", "linear-ae", "sparse-ae", "denoising-ae"];

    /// <summary>The name of a kind (vae, ae, linear-ae, sparse-ae, denoising-ae).</summary>
    public static string Name(ModelKind kind) => Names[(int)kind];

    /// <summary>Parses a name; an unknown one is an <see cref="ArgumentException"/> that lists the known ones.</summary>
    public static ModelKind Parse(string name)
    {
        int i = Names.ToList().IndexOf(name.Trim().ToLowerInvariant());
        return i >= 0 ? (ModelKind)i
            : throw new ArgumentException($"Unknown model kind '{name}'; expected one of {string.Join(", ", Names)}.");
    }

    /// <summary>True for the deterministic autoencoders (everything but the VAE).</summary>
    public static bool IsAutoencoder(ModelKind kind) => kind != ModelKind.Vae;
}

/// <summary>
/// What every model kind offers the engine: its parameters, how to draw them, and the deterministic maps between data and
/// code that pictures, samplers, <c>vae eval</c> and the explorer use. Training goes through an
/// <see cref="Objectives.IObjective"/> built for the model (<see cref="Training.ObjectiveFactory"/>), so the session,
/// the run folder and the model file serve every kind alike.
/// </summary>
public interface IModel
{
    /// <summary>The architecture (its <see cref="ModelConfig.Kind"/> names the kind).</summary>
    ModelConfig Config { get; }

    /// <summary>All parameters and their gradients.</summary>
    ParameterArena Arena { get; }

    /// <summary>Values per datapoint (D).</summary>
    int InputSize { get; }

    /// <summary>Size of the code (J): the latent dimension of a VAE, the code width of an autoencoder.</summary>
    int Latent { get; }

    /// <summary>Draws all parameters (<see cref="Initialization.Normal"/> uses σ = <paramref name="scale"/>).</summary>
    void Initialize(Initialization init, Rng rng, float scale = 0.01f);

    /// <summary>The deterministic code of x [rows × D] into <paramref name="destination"/> [rows × J]: μ(x) for a VAE, f(x) for an AE.</summary>
    void EncodeMean(ReadOnlySpan<float> x, int rows, Span<float> destination, WorkerPool pool);

    /// <summary>Expected pixel values [rows × D] in [0, 1] decoded from codes z [rows × J], for pictures.</summary>
    void DecodeMean(ReadOnlySpan<float> z, int rows, Span<float> destination, WorkerPool pool);
}

/// <summary>Builds the model a <see cref="ModelConfig"/> describes.</summary>
public static class ModelFactory
{
    /// <summary>A new model with all parameters zero (call <see cref="IModel.Initialize"/>).</summary>
    public static IModel Create(ModelConfig config) => config.Kind == ModelKind.Vae ? new Vae(config) : new Autoencoder(config);
}

/// <summary>Parameter initialization shared by every model kind.</summary>
public static class ParameterInitializer
{
    /// <summary>
    /// <see cref="Initialization.Normal"/>: every value from N(0, σ²), σ = <paramref name="scale"/>;
    /// <see cref="Initialization.PyTorchDefault"/>: nn.Linear's uniform ±1/√fan_in for weights and their biases.
    /// </summary>
    public static void Initialize(ParameterArena arena, Initialization init, Rng rng, float scale)
    {
        var values = arena.Values;
        foreach (var p in arena.Parameters)
        {
            Span<float> v = values.AsSpan(p.Offset, p.Length);
            if (init == Initialization.Normal)
                rng.FillNormal(v, 0f, scale);
            else
            {
                // Weights are [in × out] and biases [1 × out]; fan_in is the weight's row count, shared by its bias.
                int fanIn = p.Name.EndsWith(".bias", StringComparison.Ordinal)
                    ? arena.Parameters.First(q => q.Name == p.Name[..^5] + ".weight").Rows
                    : p.Rows;
                float bound = 1f / MathF.Sqrt(fanIn);
                for (int i = 0; i < v.Length; i++) v[i] = (2f * rng.NextFloat() - 1f) * bound;
            }
        }
    }
}
