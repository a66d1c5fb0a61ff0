using VaeSharp.Data;
using VaeSharp.Models;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.IO;

/// <summary>
/// Checks of a model.json's values that deserialization alone lets through (sections given as null, names of settings
/// that are not known, sizes out of range, a model too large for the memory budget), each failing with an
/// <see cref="InvalidDataException"/> whose message starts with the file's path.
/// </summary>
internal static class ManifestChecks
{
    /// <summary>Throws when a required section is null (JSON <c>null</c> or absent).</summary>
    public static void RequireSection(string path, object? section, string name)
    {
        if (section is null) throw new InvalidDataException($"{path}: the \"{name}\" section is missing or null.");
    }

    /// <summary>Checks the architecture's values and sizes in 64 bits, before any allocation.</summary>
    public static void CheckArchitecture(string path, ModelConfig config)
    {
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>
    /// Checks that a model of this architecture fits the memory budget (call after the architecture has been checked
    /// against the weights file, so that a manifest that lies is reported as such, not as a model too large).
    /// </summary>
    public static void CheckMemory(string path, ModelConfig config)
    {
        try
        {
            MemoryBudget.RequireArrays(config, 1, 1, "the model");
            MemoryBudget.Require(MemoryBudget.ModelBytes(config), "the model");
        }
        catch (MemoryBudgetException e) { throw new MemoryBudgetException($"{path}: {e.Message}"); }
    }

    /// <summary>Checks the "training" section: known names, sizes in range, an optimizer section.</summary>
    public static void CheckTraining(string path, TrainingState t)
    {
        RequireSection(path, t.Optimizer, "training.optimizer");
        Known<Binarization>(path, "training.binarization", t.Binarization);
        Known<Estimator>(path, "training.estimator", t.Estimator);
        if (!Enum.IsDefined(t.Optimizer.Kind)) throw new InvalidDataException($"{path}: training.optimizer.kind {(int)t.Optimizer.Kind} is not known.");
        if (t.Samples < 1) throw new InvalidDataException($"{path}: training.samples must be at least 1 (got {t.Samples}).");
        if (t.BatchSize < 1) throw new InvalidDataException($"{path}: training.batch_size must be at least 1 (got {t.BatchSize}).");
        if (t.Epoch < 0 || t.OptimizerSteps < 0 || t.SamplesSeen < 0 || t.Validation < 0)
            throw new InvalidDataException($"{path}: training.epoch, optimizer_steps, samples_seen and validation must not be negative.");
        if (!(t.Optimizer.LearningRate > 0) || !float.IsFinite(t.Optimizer.LearningRate) || !(t.Optimizer.WeightDecay >= 0) || !float.IsFinite(t.Optimizer.WeightDecay))
            throw new InvalidDataException($"{path}: training.optimizer has a learning rate or weight decay out of range.");
        if (t.Dataset is null) throw new InvalidDataException($"{path}: training.dataset is null.");
        try
        {
            Corruption.Parse(t.Noise ?? "none", "training.noise");
            ObjectiveFactory.ParseMethod(t.Method ?? "aevb", "training.method");
            ObjectiveFactory.ParseObjective(t.Objective ?? "elbo", "training.objective");
            ScheduleSpec.Parse(t.LrSchedule ?? "constant", "training.lr_schedule");
            if (t.KlWarmup < 0 || t.EarlyStopping < 0) throw new ArgumentException("training.kl_warmup and training.early_stopping must not be negative.");
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    private static void Known<T>(string path, string field, string? value) where T : struct, Enum
    {
        if (value is null || !Enum.TryParse<T>(value, ignoreCase: true, out var v) || !Enum.IsDefined(v) || int.TryParse(value, out _))
            throw new InvalidDataException($"{path}: {field} is '{value}'; known values: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }
}
