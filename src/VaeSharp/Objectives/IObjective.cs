using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Objectives;

/// <summary>
/// The three terms an objective reports for a minibatch, each <em>summed</em> over its datapoints (nats).
/// Divide by <see cref="Rows"/> for per-datapoint figures.
/// </summary>
/// <param name="Objective">Σ of the per-datapoint objective (the ELBO for a VAE: higher is better).</param>
/// <param name="Reconstruction">Σ of E_q[log p(x|z)] estimates.</param>
/// <param name="Kl">Σ of KL(q(z|x) ‖ p(z)) (closed form, or its Monte Carlo estimate under estimator A).</param>
/// <param name="Rows">Datapoints in the batch.</param>
public readonly record struct BatchTerms(double Objective, double Reconstruction, double Kl, int Rows)
{
    /// <summary>Adds two batches' sums.</summary>
    public static BatchTerms operator +(BatchTerms a, BatchTerms b)
        => new(a.Objective + b.Objective, a.Reconstruction + b.Reconstruction, a.Kl + b.Kl, a.Rows + b.Rows);
}

/// <summary>Names of an objective's three terms, for metrics.csv columns and the console.</summary>
/// <param name="Objective">The objective (higher is better), e.g. <c>elbo</c>.</param>
/// <param name="Reconstruction">The reconstruction term, e.g. <c>recon</c>.</param>
/// <param name="Regularizer">The term subtracted from it, e.g. <c>kl</c>.</param>
public readonly record struct ObjectiveTerms(string Objective, string Reconstruction, string Regularizer)
{
    /// <summary>The VAE's: ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)).</summary>
    public static ObjectiveTerms Elbo => new("elbo", "recon", "kl");

    /// <summary>The autoencoders': objective = −(reconstruction error + λ‖f(x)‖₁), recon = −(reconstruction error).</summary>
    public static ObjectiveTerms Autoencoder => new("objective", "recon", "l1");
}

/// <summary>
/// A training objective over one parameter arena. The trainer minimises the loss −(1/M) Σᵢ objective(xᵢ) over minibatches of M rows:
/// <see cref="Evaluate"/> with gradients accumulates ∂loss/∂θ into the arena's gradient array.
/// </summary>
public interface IObjective
{
    /// <summary>The parameters the objective depends on.</summary>
    ParameterArena Arena { get; }

    /// <summary>Values per datapoint (D).</summary>
    int InputSize { get; }

    /// <summary>How the terms of <see cref="BatchTerms"/> are named (the ELBO's by default).</summary>
    ObjectiveTerms Terms => ObjectiveTerms.Elbo;

    /// <summary>
    /// Evaluates the objective on x [rows × D], drawing any noise from <paramref name="rng"/>; when
    /// <paramref name="accumulateGradients"/> is true, adds the gradient of −(1/rows)·Σ objective to the arena's gradients.
    /// </summary>
    BatchTerms Evaluate(ReadOnlySpan<float> x, int rows, Rng rng, bool accumulateGradients);
}
