using VaeSharp.Models;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

/// <summary><see cref="SessionSettings.DefiningDifferences"/>: what makes two settings train different runs.</summary>
public sealed class SessionSettingsTests
{
    private static SessionSettings Base() => new()
    {
        Config = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [500], Latent = 20 },
        Seed = 3, BatchSize = 100,
    };

    [Fact]
    public void EqualSettingsHaveNoDifferenceEvenWithOtherArraysAndStepSizes()
    {
        var a = Base();
        var b = a with
        {
            Config = a.Config with { Hidden = [500] },                     // a different array with the same widths
            Optimizer = a.Optimizer with { LearningRate = 0.02f },          // step sizes are not part of the run's identity
            LrSchedule = "cosine:10",
        };
        Assert.Empty(a.DefiningDifferences(b));
    }

    [Fact]
    public void EachDefiningSettingIsNamedWithBothValues()
    {
        var a = Base();
        Assert.Equal(["hidden: 500 vs 200,200"], a.DefiningDifferences(a with { Config = a.Config with { Hidden = [200, 200] } }));
        Assert.Equal(["latent: 20 vs 2"], a.DefiningDifferences(a with { Config = a.Config with { Latent = 2 } }));
        Assert.Equal(["seed: 3 vs 4"], a.DefiningDifferences(a with { Seed = 4 }));
        Assert.Equal(["batch: 100 vs 20"], a.DefiningDifferences(a with { BatchSize = 20 }));
        Assert.Equal(["l1: 0 vs 0.1"], a.DefiningDifferences(a with { L1 = 0.1f }));
        Assert.Equal(["objective: Elbo vs Iwae"], a.DefiningDifferences(a with { Objective = TrainingObjective.Iwae }));
        Assert.Equal(["noise: none vs gaussian:0.3"], a.DefiningDifferences(a with { Noise = Corruption.Parse("gaussian:0.3") }));
        Assert.Equal(2, a.DefiningDifferences(a with { Seed = 9, Dataset = "frey-face" }).Count);
    }
}
