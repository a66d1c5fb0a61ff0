using VaeSharp.Models;

namespace VaeSharp.Training;

/// <summary>
/// One fully connected layer of a model, as a matrix product x[rows × <paramref name="Inputs"/>]·W[Inputs × <paramref name="Outputs"/>].
/// </summary>
/// <param name="Name">The layer's tensor prefix (<c>encoder.hidden.0</c>, <c>encoder.mu</c>, <c>decoder.logits</c>, …).</param>
/// <param name="Inputs">Input width.</param>
/// <param name="Outputs">Output width.</param>
/// <param name="InDecoder">True for the decoder's layers (run once per decoded row), false for the encoder's (once per datapoint).</param>
/// <param name="InputGradient">
/// Whether training computes this layer's input gradient dx = dy·Wᵀ: every layer but those that read the data x itself
/// (the encoder's first layer; both encoder heads when there are no hidden layers), whose input needs no gradient.
/// </param>
public readonly record struct LayerShape(string Name, int Inputs, int Outputs, bool InDecoder, bool InputGradient)
{
    /// <summary>Multiply-adds of one row through the layer's product: Inputs·Outputs.</summary>
    public double MultiplyAdds => (double)Inputs * Outputs;
}

/// <summary>
/// Floating-point operations of the matrix products a model performs, per datapoint, for "effective GFLOP/s" figures
/// (samples/s × FLOP per sample) set against a measured SGEMM rate. A multiply-add counts as 2 FLOP. Counted: for every
/// fully connected layer, the forward product x·W (2·in·out per row), and in training its weight gradient xᵀ·dy (the same)
/// and its input gradient dy·Wᵀ (the same, except for layers reading the data, which have none, see
/// <see cref="LayerShape.InputGradient"/>) — so training is 3× the forward count less the first layer's input gradient.
/// The encoder runs once per datapoint; the decoder once per decoded row: L rows per datapoint for the ELBO with L samples,
/// K for IWAE's L_K, 1 for the autoencoders. Not counted: bias additions and bias gradients, activations, the likelihood,
/// ε and the reparameterization, the KL term, the optimizer's update and data gathering (all O(rows·width) or O(parameters),
/// not O(rows·width²)); they are part of the time the effective rate is computed from, so they lower it.
/// </summary>
/// <remarks>Written by hand: the layer list mirrors <see cref="Vae"/> and <see cref="Autoencoder"/>, and the tests hold it to
/// their parameter arenas and to the products a profiled training step performs.</remarks>
public static class FlopCount
{
    /// <summary>The fully connected layers of the model <paramref name="config"/> describes, encoder first, in the models' order.</summary>
    public static IReadOnlyList<LayerShape> Layers(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        int d = config.InputSize, j = config.Latent;
        int[] h = config.Hidden;
        var layers = new List<LayerShape>();
        for (int i = 0; i < h.Length; i++)
            layers.Add(new($"encoder.hidden.{i}", i == 0 ? d : h[i - 1], h[i], false, InputGradient: i > 0));
        int encOut = h.Length > 0 ? h[^1] : d;
        bool headsGetDx = h.Length > 0;
        if (config.Kind == ModelKind.Vae)
        {
            layers.Add(new("encoder.mu", encOut, j, false, headsGetDx));
            layers.Add(new("encoder.logvar", encOut, j, false, headsGetDx));
        }
        else layers.Add(new("encoder.code", encOut, j, false, headsGetDx));
        int[] rev = [.. h.Reverse()];
        for (int i = 0; i < rev.Length; i++)
            layers.Add(new($"decoder.hidden.{i}", i == 0 ? j : rev[i - 1], rev[i], true, InputGradient: true));
        int decOut = rev.Length > 0 ? rev[^1] : j;
        if (config.Decoder == DecoderKind.Bernoulli) layers.Add(new("decoder.logits", decOut, d, true, true));
        else
        {
            layers.Add(new("decoder.mean", decOut, d, true, true));
            if (config.Kind == ModelKind.Vae && config.HasDecoderLogVar) layers.Add(new("decoder.logvar", decOut, d, true, true));
        }
        return layers;
    }

    /// <summary>FLOP of the encoder's forward products for one datapoint.</summary>
    public static double EncoderForward(ModelConfig config) => 2 * Layers(config).Where(l => !l.InDecoder).Sum(l => l.MultiplyAdds);

    /// <summary>FLOP of the decoder's forward products for one decoded row.</summary>
    public static double DecoderForward(ModelConfig config) => 2 * Layers(config).Where(l => l.InDecoder).Sum(l => l.MultiplyAdds);

    /// <summary>
    /// Rows the decoder runs per datapoint in a training step or an evaluation under <paramref name="settings"/>: L for the
    /// ELBO, K for IWAE, 1 for an autoencoder. Wake-sleep and Monte Carlo EM are not counted (their steps are not one forward
    /// and one backward pass); they throw <see cref="ArgumentException"/>.
    /// </summary>
    public static int DecodedRowsPerDatapoint(SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Config.Kind != ModelKind.Vae) return 1;
        if (settings.Method != TrainingMethod.Aevb)
            throw new ArgumentException($"FLOP counts cover AEVB training only, not --method {ObjectiveFactory.MethodName(settings.Method)}.");
        if (settings.Samples < 1) throw new ArgumentException($"Samples per datapoint must be at least 1 (got {settings.Samples}).");
        return settings.Samples;
    }

    /// <summary>
    /// FLOP of the matrix products of one training step, per datapoint: forward, weight gradients and input gradients of
    /// every layer (see the class remarks), the decoder's with <see cref="DecodedRowsPerDatapoint"/> rows.
    /// </summary>
    public static double TrainingPerDatapoint(SessionSettings settings)
    {
        int rows = DecodedRowsPerDatapoint(settings);
        double total = 0;
        foreach (var l in Layers(settings.Config))
        {
            double perRow = 2 * l.MultiplyAdds * (l.InputGradient ? 3 : 2);
            total += l.InDecoder ? rows * perRow : perRow;
        }
        return total;
    }

    /// <summary>FLOP of the forward products of evaluating the objective on one datapoint (no gradients).</summary>
    public static double EvaluationPerDatapoint(SessionSettings settings) =>
        EncoderForward(settings.Config) + DecodedRowsPerDatapoint(settings) * DecoderForward(settings.Config);

    /// <summary>
    /// FLOP of the products of <see cref="Evaluation.ImportanceSampling"/>'s estimate of log p(x) for one image with
    /// <paramref name="samples"/> (K) samples: the encoder forward once, the decoder forward K times.
    /// </summary>
    public static double ImportanceSamplingPerImage(ModelConfig config, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (config.Kind != ModelKind.Vae) throw new ArgumentException("Importance sampling needs a VAE.");
        return EncoderForward(config) + (double)samples * DecoderForward(config);
    }
}
