using System.Globalization;
using VaeSharp.Data;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary>Size checks of a training run, made before the model is built (64-bit sizes, then the memory budget).</summary>
internal static class TrainingChecks
{
    public static void Check(SessionSettings s, Dataset train, Dataset test)
    {
        long trainRows = train.Count - (long)s.Validation;
        if (s.BatchSize > trainRows)
            throw new UsageException($"--batch {s.BatchSize} is larger than the {trainRows} training images of {train.Name}; at most {trainRows} (one minibatch an epoch) makes sense.");
        var c = s.Config;
        string what = string.Create(CultureInfo.InvariantCulture,
            $"training a {MemoryBudget.Parameters(c):N0}-parameter model (--hidden {(c.Hidden.Length == 0 ? "none" : string.Join(",", c.Hidden))} --latent {c.Latent}) with --batch {s.BatchSize} --samples {s.Samples}");
        MemoryBudget.RequireArrays(c, s.BatchSize, s.Samples, what);
        MemoryBudget.Require(MemoryBudget.TrainingBytes(c, s.BatchSize, s.Samples, s.Optimizer.Kind, train.Count, test.Count,
            copiesData: s.Binarization == Binarization.Static || s.Validation > 0), what);
    }
}
