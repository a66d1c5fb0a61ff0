using System.Globalization;

namespace VaeSharp.Training;

/// <summary>
/// A learning-rate schedule written as text, as <c>vae train --lr-schedule</c> takes it and model.json keeps it:
/// <c>constant</c>; <c>iwae</c> (<see cref="IwaePaperSchedule"/>: 3^i passes at lr·10^(−i/7), lr the optimizer's rate);
/// <c>cosine:E</c> (<see cref="CosineSchedule"/> from lr to lr/100 over E epochs; plain <c>cosine</c> takes E from the run's
/// epochs); <c>plateau:P:F</c> (<see cref="ReduceOnPlateauSchedule"/>: ×F after P epochs without a better validation figure;
/// plain <c>plateau</c> is plateau:10:0.5).
/// </summary>
public static class ScheduleSpec
{
    /// <summary>Default patience and factor of <c>plateau</c>.</summary>
    public const int DefaultPlateauPatience = 10;

    /// <summary>Default factor of <c>plateau</c>.</summary>
    public const float DefaultPlateauFactor = 0.5f;

    /// <summary>Cosine annealing ends at the base rate divided by this.</summary>
    public const float CosineFloorDivisor = 100f;

    /// <summary>
    /// Checks <paramref name="spec"/> and returns its canonical form (every parameter spelt out); <paramref name="epochs"/>
    /// completes a bare <c>cosine</c>. The error names <paramref name="source"/>.
    /// </summary>
    public static string Parse(string spec, string source = "--lr-schedule", int? epochs = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var parts = (spec ?? "").Trim().ToLowerInvariant().Split(':');
        string Bad(string why) => throw new ArgumentException($"{source}: '{spec}' {why}; expected constant, iwae, cosine[:E] or plateau[:P[:F]].");
        int PositiveInt(string text, string what) =>
            int.TryParse(text, NumberStyles.None, ci, out int v) && v >= 1 ? v : throw new ArgumentException($"{source}: {what} must be a positive whole number (got '{text}').");
        switch (parts[0])
        {
            case "constant" when parts.Length == 1: return "constant";
            case "iwae" when parts.Length == 1: return "iwae";
            case "cosine" when parts.Length <= 2:
                int e = parts.Length == 2 ? PositiveInt(parts[1], "cosine's epochs") : epochs ?? Bad("needs its epochs (cosine:E)").Length;
                if (e < 1) throw new ArgumentException($"{source}: cosine's epochs must be a positive whole number (got {e}).");
                return $"cosine:{e.ToString(ci)}";
            case "plateau" when parts.Length <= 3:
                int p = parts.Length >= 2 ? PositiveInt(parts[1], "plateau's patience") : DefaultPlateauPatience;
                float f = DefaultPlateauFactor;
                if (parts.Length == 3 && !(float.TryParse(parts[2], NumberStyles.Float, ci, out f) && f > 0 && f < 1))
                    throw new ArgumentException($"{source}: plateau's factor must lie strictly between 0 and 1 (got '{parts[2]}').");
                return $"plateau:{p.ToString(ci)}:{f.ToString("R", ci)}";
            default: return Bad("is not a schedule");
        }
    }

    /// <summary>True when the schedule reacts to the validation figure (it needs a validation split).</summary>
    public static bool NeedsValidation(string canonical) => canonical.StartsWith("plateau", StringComparison.Ordinal);

    /// <summary>The schedule <paramref name="canonical"/> (from <see cref="Parse"/>) starting from <paramref name="baseRate"/>.</summary>
    public static LearningRateSchedule Create(string canonical, float baseRate)
    {
        var parts = Parse(canonical, "lr schedule").Split(':');
        var ci = CultureInfo.InvariantCulture;
        return parts[0] switch
        {
            "iwae" => new IwaePaperSchedule(baseRate),
            "cosine" => new CosineSchedule(baseRate, baseRate / CosineFloorDivisor, int.Parse(parts[1], ci)),
            "plateau" => new ReduceOnPlateauSchedule(baseRate, float.Parse(parts[2], ci), int.Parse(parts[1], ci)),
            _ => new ConstantSchedule(baseRate),
        };
    }
}
