using System.Globalization;
using VaeSharp.Models;

namespace VaeSharp.Training;

/// <summary>Raised when a request's buffers would not fit in the memory budget (<see cref="MemoryBudget.Limit"/>).</summary>
public sealed class MemoryBudgetException(string message) : Exception(message);

/// <summary>
/// Estimates, before anything is allocated, the bytes a training run, an evaluation or a picture needs for its buffers
/// (parameters, gradients, optimizer state, activations of a minibatch, pictures), and refuses requests above a budget.
/// Sizes are multiplied in double precision, so no product of user-given sizes can overflow; any single array longer
/// than .NET allows is refused too. The estimates count the large arrays the library allocates (see each method) and
/// leave out small and fixed-size ones; they are for refusing hopeless requests up front, not for accounting.
/// </summary>
public static class MemoryBudget
{
    /// <summary>The share of <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/> allowed by default.</summary>
    public const double DefaultFraction = 0.5;

    private static long? _limit;

    /// <summary>
    /// Bytes a request may need: by default <see cref="DefaultFraction"/> of the memory available to this process (the
    /// machine's, or a container's limit); set it to change that (the CLI's <c>--max-memory</c>).
    /// </summary>
    public static long Limit
    {
        get => _limit ?? (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * DefaultFraction);
        set => _limit = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The memory budget must be positive.");
    }

    /// <summary>Returns <see cref="Limit"/> to its default.</summary>
    public static void ResetLimit() => _limit = null;

    /// <summary>Parameters of a model with this architecture (as a double: it may exceed any integer type for absurd sizes).</summary>
    public static double Parameters(ModelConfig c)
    {
        double d = c.InputSize, j = c.Latent, bias = c.Bias ? 1 : 0, total = 0, prev = d;
        foreach (int h in c.Hidden) { total += prev * h + h; prev = h; }             // encoder trunk
        double heads = c.Kind == ModelKind.Vae ? 2 : 1;                              // μ and log σ², or the autoencoder's code
        total += heads * (prev * j + bias * j);
        prev = j;
        for (int i = c.Hidden.Length - 1; i >= 0; i--) { total += prev * c.Hidden[i] + c.Hidden[i]; prev = c.Hidden[i]; } // decoder trunk
        double outputs = c.Kind == ModelKind.Vae && c.HasDecoderLogVar ? 2 : 1;      // mean or logits, and a log-variance head
        total += outputs * (prev * d + bias * d);
        return total;
    }

    /// <summary>Floats of the activations of one forward and backward pass over <paramref name="rows"/> inputs with L = <paramref name="samples"/>.</summary>
    private static double ActivationFloats(ModelConfig c, double rows, double samples, bool backward)
    {
        double widths = c.Hidden.Sum(h => (double)h), widest = Math.Max(c.Hidden.DefaultIfEmpty(0).Max(), Math.Max(c.InputSize, c.Latent));
        double perPass = backward ? 2 : 1;                                          // outputs, and their gradients when training
        double encoder = rows * (widths * perPass + 2 * c.Latent * perPass + widest);
        double decodedRows = rows * samples;
        double outputs = c.Decoder == DecoderKind.Gaussian ? 2 : 1;
        double decoder = decodedRows * (widths * perPass + outputs * c.InputSize * perPass + widest + 3 * c.Latent) + decodedRows * 2; // + per-row log-likelihoods (double)
        return encoder + decoder;
    }

    /// <summary>
    /// Bytes a training run needs beyond its data: parameters, gradients, optimizer state and a saved copy; one minibatch
    /// gathered, its activations and gradients; the shuffle order; a static binarization's copy of the data; and the
    /// pictures drawn after each epoch.
    /// </summary>
    public static double TrainingBytes(ModelConfig c, int batch, int samples, OptimizerKind optimizer, long trainRows, long testRows, bool copiesData)
    {
        double p = Parameters(c);
        double stateArrays = optimizer == OptimizerKind.Adam ? 2 : 1;
        double floats = p * (2 + stateArrays + 1)
            + (double)batch * c.InputSize
            + ActivationFloats(c, batch, samples, backward: true)
            + (copiesData ? (double)(trainRows + testRows) * c.InputSize : 0)
            + PictureFloats(c, Math.Min(testRows, 500));
        return floats * sizeof(float) + trainRows * (double)sizeof(int) + PictureBytes(c);
    }

    /// <summary>Bytes <c>vae eval</c> needs: the model, evaluation minibatches, a copy of the inputs and, with K &gt; 0, the importance sampler's 500-sample chunks.</summary>
    public static double EvaluationBytes(ModelConfig c, int batch, int samples, long rows, int importanceSamples)
    {
        double floats = Parameters(c) * 3 + (double)batch * c.InputSize + ActivationFloats(c, batch, samples, backward: false)
            + (double)rows * c.InputSize;
        if (importanceSamples > 0) floats += ActivationFloats(c, 1, Math.Min(importanceSamples, 500), backward: false) + rows * 2.0;
        return floats * sizeof(float);
    }

    /// <summary>Bytes of a grid of <paramref name="count"/> decoded images: z, the decoded pixels, the decoder's activations and the picture.</summary>
    public static double PictureBytes(ModelConfig c, double count) =>
        (Parameters(c) * 2 + count * c.Latent + ActivationFloats(c, count, 1, backward: false)) * sizeof(float)
        + count * (c.ImageWidth * 2.0 + 2) * (c.ImageHeight * 2.0 + 2) * 2;             // 1-byte pixels at most 2× enlarged, and the PNG's copy

    private static double PictureFloats(ModelConfig c, double testRows) => c.Latent == 2 ? testRows * c.Latent : 0;
    private static double PictureBytes(ModelConfig c) => Math.Max(PictureBytes(c, 100), c.Latent == 2 ? PictureBytes(c, 400) : 0) - Parameters(c) * 2 * sizeof(float);

    /// <summary>Bytes a model with this architecture takes once loaded (values and gradients).</summary>
    public static double ModelBytes(ModelConfig c) => Parameters(c) * 2 * sizeof(float);

    /// <summary>
    /// Throws <see cref="MemoryBudgetException"/> when <paramref name="bytes"/> exceeds <see cref="Limit"/>; the message
    /// starts with <paramref name="what"/> and says how much is needed and allowed.
    /// </summary>
    public static void Require(double bytes, string what)
    {
        long limit = Limit;
        if (bytes > limit)
            throw new MemoryBudgetException($"{what} needs about {Format(bytes)} of memory, more than the {Format(limit)} allowed " +
                $"(default {DefaultFraction:P0} of the {Format(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)} available; --max-memory changes it).");
    }

    /// <summary>
    /// Throws <see cref="MemoryBudgetException"/> naming <paramref name="what"/> when <paramref name="elements"/> exceeds the
    /// longest .NET array (whatever the budget).
    /// </summary>
    public static void RequireArray(double elements, string what, int bytesPerElement = sizeof(float))
    {
        if (elements > Array.MaxLength)
            throw new MemoryBudgetException(string.Create(CultureInfo.InvariantCulture,
                $"{what} needs about {Format(elements * bytesPerElement)} in one array of {elements:G4} values, more than one array can hold ({Array.MaxLength:N0})."));
    }

    /// <summary>Checks every single buffer of a VAE that grows with the architecture and the minibatch (64-bit, before allocation).</summary>
    public static void RequireArrays(ModelConfig c, double rows, double samples, string what)
    {
        RequireArray(Parameters(c), what + ": the parameters");
        double widest = Math.Max(c.Hidden.DefaultIfEmpty(0).Max(), Math.Max(c.InputSize, c.Latent));
        RequireArray(rows * samples * widest, what + ": the activations of one layer");
        RequireArray(rows * samples * c.Latent, what + ": the latent samples");
    }

    /// <summary>"1.5 GB", "300 MB", "12 kB" (powers of 1024, as <see cref="ParseSize"/> reads them).</summary>
    public static string Format(double bytes)
    {
        string[] units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return u == 0 ? bytes.ToString("F0", CultureInfo.InvariantCulture) + " bytes"
            : bytes.ToString(bytes < 10 ? "0.#" : "F0", CultureInfo.InvariantCulture) + " " + units[u];
    }

    /// <summary>Reads a size such as <c>4G</c>, <c>512M</c>, <c>1.5GB</c>, <c>100k</c> or <c>1000000</c> (bytes); powers of 1024.</summary>
    /// <exception cref="FormatException">Not a positive size.</exception>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToUpperInvariant();
        if (t.EndsWith('B')) t = t[..^1];
        double scale = 1;
        if (t.Length > 0 && "KMGT".IndexOf(t[^1], StringComparison.Ordinal) is int k and >= 0)
        {
            scale = Math.Pow(1024, k + 1);
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) || !(v > 0) || v * scale >= long.MaxValue || v * scale < 1)
            throw new FormatException($"'{text}' is not a size; write it like 4G, 512M or 1.5GB.");
        return (long)(v * scale);
    }
}
