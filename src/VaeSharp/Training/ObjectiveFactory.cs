using VaeSharp.Baselines;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Training;

/// <summary>How a latent-variable model's parameters are learned.</summary>
public enum TrainingMethod
{
    /// <summary>Auto-Encoding Variational Bayes (the paper's Algorithm 1) on the objective's gradient.</summary>
    Aevb,
    /// <summary>The wake-sleep algorithm (Hinton et al. 1995), the paper's baseline.</summary>
    WakeSleep,
    /// <summary>
    /// Monte Carlo EM (the paper's appendix E, a baseline of Figure 3): HMC on each datapoint's persistent chain, then several
    /// weight updates of the decoder at those samples; the encoder is not trained (see <see cref="MonteCarloEm"/>).
    /// </summary>
    Mcem,
    /// <summary>A linear autoencoder set in closed form from PCA (<c>vae pca</c>); further training is plain gradient descent.</summary>
    Pca,
}

/// <summary>The bound a VAE is trained on.</summary>
public enum TrainingObjective
{
    /// <summary>The ELBO (SGVB estimator A or B with L samples).</summary>
    Elbo,
    /// <summary>The importance-weighted bound L_K of Burda et al. (2016), K = <see cref="SessionSettings.Samples"/>.</summary>
    Iwae,
}

/// <summary>
/// Builds the training objective of a run from its model and settings: the one place where a model kind meets its
/// objective, so that the session, the trainer, the run folder and <c>vae eval</c> need no per-kind code.
/// </summary>
public static class ObjectiveFactory
{
    /// <summary>The objective that trains (and evaluates) <paramref name="model"/> under <paramref name="settings"/>.</summary>
    public static IObjective Create(IModel model, SessionSettings settings, WorkerPool pool) => model switch
    {
        Vae vae when settings.Method == TrainingMethod.Mcem => new MonteCarloEm(vae, new MonteCarloEmOptions { Seed = settings.Seed }, pool, settings.Estimator, settings.Samples),
        Vae vae when settings.Method == TrainingMethod.WakeSleep => new WakeSleepObjective(vae, settings.Estimator, settings.Samples, pool),
        Vae vae when settings.Objective == TrainingObjective.Iwae => new IwaeObjective(vae, settings.Samples, settings.Dreg, pool),
        Vae vae => new ElboObjective(vae, settings.Estimator, settings.Samples, pool),
        Autoencoder ae => new AutoencoderObjective(ae, settings.L1, settings.Noise, pool),
        _ => throw new ArgumentException($"No objective is known for a {model.GetType().Name}."),
    };

    /// <summary>How a model kind's objective names its terms.</summary>
    public static ObjectiveTerms TermsFor(ModelKind kind) => kind == ModelKind.Vae ? ObjectiveTerms.Elbo : ObjectiveTerms.Autoencoder;

    /// <summary>The command-line name of a method (aevb, wake-sleep, mcem, pca).</summary>
    public static string MethodName(TrainingMethod m) => m switch
    {
        TrainingMethod.WakeSleep => "wake-sleep", TrainingMethod.Mcem => "mcem", TrainingMethod.Pca => "pca", _ => "aevb",
    };

    /// <summary>Parses a method name; the error names <paramref name="source"/>.</summary>
    public static TrainingMethod ParseMethod(string name, string source = "--method") => name.Trim().ToLowerInvariant() switch
    {
        "aevb" => TrainingMethod.Aevb,
        "wake-sleep" => TrainingMethod.WakeSleep,
        "mcem" => TrainingMethod.Mcem,
        "pca" => TrainingMethod.Pca,
        _ => throw new ArgumentException($"{source}: unknown training method '{name}'; expected aevb, wake-sleep, mcem or pca."),
    };

    /// <summary>The command-line name of an objective (elbo, iwae).</summary>
    public static string ObjectiveName(TrainingObjective o) => o == TrainingObjective.Iwae ? "iwae" : "elbo";

    /// <summary>Parses an objective name; the error names <paramref name="source"/>.</summary>
    public static TrainingObjective ParseObjective(string name, string source = "--objective") => name.Trim().ToLowerInvariant() switch
    {
        "elbo" => TrainingObjective.Elbo,
        "iwae" => TrainingObjective.Iwae,
        _ => throw new ArgumentException($"{source}: unknown objective '{name}'; expected elbo or iwae."),
    };

    /// <summary>Rejects settings that do not apply to the model kind (for example λ on a VAE), naming the option.</summary>
    public static void Validate(SessionSettings settings)
    {
        var kind = settings.Config.Kind;
        string name = ModelKinds.Name(kind);
        if (settings.L1 > 0 && kind != ModelKind.SparseAe)
            throw new ArgumentException($"--l1 applies to --model sparse-ae, not {name}.");
        if (kind == ModelKind.SparseAe && !(settings.L1 > 0))
            throw new ArgumentException("--model sparse-ae needs --l1 λ > 0 (the weight of ‖f(x)‖₁).");
        if (settings.Noise.Kind != CorruptionKind.None && kind != ModelKind.DenoisingAe)
            throw new ArgumentException($"--noise applies to --model denoising-ae, not {name}.");
        if (kind == ModelKind.DenoisingAe && settings.Noise.Kind == CorruptionKind.None)
            throw new ArgumentException("--model denoising-ae needs --noise gaussian:σ, mask:p or salt-pepper:p.");
        if (settings.Method == TrainingMethod.Pca && kind != ModelKind.LinearAe)
            throw new ArgumentException($"A model set from PCA is a linear-ae, not {name}.");
        if (settings.Method == TrainingMethod.WakeSleep && kind != ModelKind.Vae)
            throw new ArgumentException($"--method wake-sleep trains a VAE's encoder and decoder, not {name}.");
        if (settings.Method == TrainingMethod.Mcem && kind != ModelKind.Vae)
            throw new ArgumentException($"--method mcem trains a VAE's decoder by Monte Carlo EM, not {name}.");
        if (settings.Objective == TrainingObjective.Iwae && (kind != ModelKind.Vae || settings.Method != TrainingMethod.Aevb))
            throw new ArgumentException($"--objective iwae trains a VAE with AEVB, not {(kind != ModelKind.Vae ? name : "--method wake-sleep")}.");
        if (settings.Dreg && settings.Objective != TrainingObjective.Iwae)
            throw new ArgumentException("--dreg is the IWAE bound's encoder gradient; it needs --objective iwae.");
        if (settings.Objective == TrainingObjective.Iwae && settings.Estimator != Estimator.B)
            throw new ArgumentException("--estimator applies to --objective elbo; the IWAE bound is always a Monte Carlo average over its K samples.");
        if (ModelKinds.IsAutoencoder(kind) && (settings.Estimator != Estimator.B || settings.Samples != 1))
            throw new ArgumentException($"--estimator and --samples apply to the VAE, not {name}.");
    }
}
