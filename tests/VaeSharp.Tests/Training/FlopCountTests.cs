using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

public class FlopCountTests
{
    // 6 pixels (3×2), hidden 4 then 3, latent 2: small enough to count by hand.
    private static ModelConfig Small(ModelKind kind = ModelKind.Vae, DecoderKind decoder = DecoderKind.Bernoulli, int[]? hidden = null) => new()
    {
        Kind = kind, InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = hidden ?? [4, 3], Latent = 2, Decoder = decoder,
    };

    private static SessionSettings Settings(ModelConfig config, int samples = 1, TrainingObjective objective = TrainingObjective.Elbo) =>
        new() { Config = config, Samples = samples, Objective = objective };

    [Fact]
    public void SmallVaeMatchesAHandCount()
    {
        // Encoder multiply-adds per datapoint: 6·4 + 4·3 + 3·2 (μ) + 3·2 (log σ²) = 48, of which 24 read the data.
        // Decoder per row: 2·3 + 3·4 + 4·6 = 42.
        var c = Small();
        Assert.Equal(96, FlopCount.EncoderForward(c));
        Assert.Equal(84, FlopCount.DecoderForward(c));
        // Training: encoder 96 forward + 96 dW + 2·(48 − 24) dx = 240; decoder 3 × 84 = 252 per decoded row.
        Assert.Equal(240 + 252, FlopCount.TrainingPerDatapoint(Settings(c)));
        Assert.Equal(240 + 3 * 252, FlopCount.TrainingPerDatapoint(Settings(c, samples: 3)));
        Assert.Equal(240 + 5 * 252, FlopCount.TrainingPerDatapoint(Settings(c, samples: 5, TrainingObjective.Iwae)));
        Assert.Equal(96 + 5 * 84, FlopCount.EvaluationPerDatapoint(Settings(c, samples: 5, TrainingObjective.Iwae)));
        Assert.Equal(96 + 10 * 84, FlopCount.ImportanceSamplingPerImage(c, 10));
    }

    [Fact]
    public void GaussianDecoderWithLearnedVarianceCountsItsSecondHead()
    {
        // The log-variance head adds 4·6 multiply-adds per decoded row: decoder 2·(42 + 24) = 132 forward.
        var c = Small(decoder: DecoderKind.Gaussian);
        Assert.Equal(132, FlopCount.DecoderForward(c));
        Assert.Equal(240 + 3 * 132, FlopCount.TrainingPerDatapoint(Settings(c)));
        var fixedVariance = c with { DecoderVariance = DecoderVariance.Fixed };
        Assert.Equal(84, FlopCount.DecoderForward(fixedVariance));
    }

    [Fact]
    public void AutoencoderHasOneCodeHeadAndOneDecodedRow()
    {
        // Encoder 6·4 + 4·3 + 3·2 = 42 multiply-adds (24 read the data); decoder 42; squared error has no variance head.
        var c = Small(ModelKind.Ae, DecoderKind.Gaussian);
        Assert.Equal(84, FlopCount.EncoderForward(c));
        Assert.Equal(84, FlopCount.DecoderForward(c));
        Assert.Equal(84 + 84 + 2 * (42 - 24) + 3 * 84, FlopCount.TrainingPerDatapoint(Settings(c, samples: 7))); // L does not apply
    }

    [Fact]
    public void LayersReadingTheDataHaveNoInputGradient()
    {
        // No hidden layers: both heads read x (6·2 each, no dx); the decoder 2 → 6 needs dz.
        var c = Small(hidden: []);
        Assert.Equal(2 * 2 * 24 + 3 * 2 * 12, FlopCount.TrainingPerDatapoint(Settings(c)));
        Assert.All(FlopCount.Layers(c).Where(l => !l.InDecoder), l => Assert.False(l.InputGradient));
    }

    [Fact]
    public void ThePapersModelMatchesTheClosedForm()
    {
        // 784-500-20: forward multiply-adds 784·500 + 2·500·20 + 20·500 + 500·784 = 814,000; dx of all but the first 422,000.
        var c = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [500], Latent = 20 };
        Assert.Equal(2.0 * (814_000 + 814_000 + 422_000), FlopCount.TrainingPerDatapoint(Settings(c)));
        Assert.Equal(2.0 * 814_000, FlopCount.EvaluationPerDatapoint(Settings(c)));
    }

    [Fact]
    public void MethodsThatAreNotOneForwardAndBackwardPassAreRefused()
    {
        var s = Settings(Small()) with { Method = TrainingMethod.WakeSleep };
        var e = Assert.Throws<ArgumentException>(() => FlopCount.TrainingPerDatapoint(s));
        Assert.Contains("wake-sleep", e.Message);
        Assert.Throws<ArgumentException>(() => FlopCount.ImportanceSamplingPerImage(Small(ModelKind.Ae, DecoderKind.Gaussian), 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => FlopCount.ImportanceSamplingPerImage(Small(), 0));
    }

    public static TheoryData<string> Configs => ["vae", "vae-gaussian", "vae-gaussian-fixed", "vae-linear", "ae", "ae-bce", "linear-ae", "deep-ae"];

    private static ModelConfig Named(string name) => name switch
    {
        "vae" => Small(),
        "vae-gaussian" => Small(decoder: DecoderKind.Gaussian),
        "vae-gaussian-fixed" => Small(decoder: DecoderKind.Gaussian) with { DecoderVariance = DecoderVariance.Fixed },
        "vae-linear" => Small(hidden: []),
        "ae" => Small(ModelKind.Ae, DecoderKind.Gaussian),
        "ae-bce" => Small(ModelKind.Ae, DecoderKind.Bernoulli),
        "linear-ae" => Small(ModelKind.LinearAe, DecoderKind.Gaussian, hidden: []) with { Bias = false },
        "deep-ae" => Small(ModelKind.Ae, DecoderKind.Gaussian, hidden: [5, 4, 3]),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void LayersAreTheModelsWeightMatrices(string name)
    {
        // The hand-written layer list against the parameters the model actually reserves (W is stored [in × out]).
        var config = Named(name);
        var model = ModelFactory.Create(config);
        var weights = model.Arena.Parameters.Where(p => p.Name.EndsWith(".weight", StringComparison.Ordinal))
            .Select(p => (p.Name[..^".weight".Length], p.Rows, p.Cols)).ToArray();
        var layers = FlopCount.Layers(config).Select(l => (l.Name, l.Inputs, l.Outputs)).ToArray();
        Assert.Equal(weights, layers);
    }

    [Theory]
    [InlineData("vae", 1, false)]
    [InlineData("vae", 3, true)]
    [InlineData("vae-gaussian", 2, false)]
    [InlineData("vae-linear", 1, false)]
    [InlineData("vae-linear", 4, true)]
    public void EveryCountedProductIsOneTheTrainingStepPerforms(string name, int samples, bool iwae)
    {
        // A profiled step of the real objective: each layer's forward and dW product run once, and its dx product exactly
        // when the count says it has an input gradient (and no product runs that is not counted).
        var config = Named(name);
        var vae = (Vae)ModelFactory.Create(config);
        vae.Initialize(Initialization.PyTorchDefault, new Rng(3));
        IObjective objective = iwae ? new IwaeObjective(vae, samples) : new ElboObjective(vae, Estimator.B, samples);
        var profiler = new PhaseProfiler();
        vae.AttachProfiler(profiler);
        var x = new float[5 * config.InputSize];
        new Rng(4).FillUniform(x);
        objective.Evaluate(x, 5, new Rng(5), accumulateGradients: true);

        var layers = FlopCount.Layers(config);
        foreach (var l in layers)
        {
            Assert.Equal(1, profiler.Calls($"{l.Name} forward x·W + b"));
            Assert.Equal(1, profiler.Calls($"{l.Name} backward dW = xᵀ·dy"));
            Assert.True(profiler.Calls($"{l.Name} backward dx = dy·Wᵀ") == (l.InputGradient ? 1 : 0), $"{l.Name} dx");
        }
        var products = profiler.Phases.Where(p => p.Calls > 0 && (p.Name.Contains(" forward x·W") || p.Name.Contains(" backward d") && !p.Name.EndsWith(" db", StringComparison.Ordinal)));
        int counted = layers.Sum(l => l.InputGradient ? 3 : 2);
        Assert.Equal(counted, products.Count());
    }
}
