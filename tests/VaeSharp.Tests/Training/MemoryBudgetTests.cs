using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Training;

namespace VaeSharp.Tests.Training;

public sealed class MemoryBudgetTests : IDisposable
{
    public void Dispose() => MemoryBudget.ResetLimit();

    [Theory]
    [InlineData(ModelKind.Vae, new int[0], 2, DecoderKind.Bernoulli, DecoderVariance.Learned, true)]
    [InlineData(ModelKind.Vae, new[] { 500 }, 20, DecoderKind.Bernoulli, DecoderVariance.Learned, true)]
    [InlineData(ModelKind.Vae, new[] { 200, 100 }, 5, DecoderKind.Gaussian, DecoderVariance.Learned, true)]
    [InlineData(ModelKind.Vae, new[] { 200 }, 5, DecoderKind.Gaussian, DecoderVariance.Fixed, true)]
    [InlineData(ModelKind.Ae, new[] { 300, 100 }, 10, DecoderKind.Gaussian, DecoderVariance.Learned, true)]
    [InlineData(ModelKind.LinearAe, new int[0], 10, DecoderKind.Gaussian, DecoderVariance.Learned, false)]
    public void ParameterCountIsTheArenasLength(ModelKind kind, int[] hidden, int latent, DecoderKind decoder, DecoderVariance variance, bool bias)
    {
        var c = new ModelConfig
        {
            Kind = kind, Bias = bias, InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = hidden, Latent = latent,
            Decoder = decoder, DecoderVariance = variance, Activation = Activation.Tanh,
        };
        Assert.Equal(ModelFactory.Create(c).Arena.Length, MemoryBudget.Parameters(c));
    }

    [Fact]
    public void SizesThatOverflowEveryIntegerTypeAreCountedNotWrapped()
    {
        var c = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [int.MaxValue, int.MaxValue], Latent = int.MaxValue };
        double p = MemoryBudget.Parameters(c);
        Assert.True(p > 4.0 * int.MaxValue * int.MaxValue);
        Assert.Throws<MemoryBudgetException>(() => MemoryBudget.RequireArrays(c, 100, 1, "x"));
        var e = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Require(MemoryBudget.TrainingBytes(c, int.MaxValue, int.MaxValue, OptimizerKind.Adam, 60000, 10000, true), "training"));
        Assert.StartsWith("training needs about ", e.Message);
    }

    [Theory]
    [InlineData("4G", 4L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5GB", 3L << 29)]
    [InlineData("100k", 102_400)]
    [InlineData("1000000", 1_000_000)]
    public void SizesParse(string text, long bytes) => Assert.Equal(bytes, MemoryBudget.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("-1G")]
    [InlineData("0")]
    [InlineData("4X")]
    [InlineData("1e30")]
    [InlineData("99999999999T")]
    public void NonSizesAreRefused(string text) => Assert.Throws<FormatException>(() => MemoryBudget.ParseSize(text));

    [Fact]
    public void TheLimitIsEnforcedAndSaysWhatIsAllowed()
    {
        MemoryBudget.Limit = 1 << 20;
        MemoryBudget.Require(1 << 20, "fits");
        var e = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Require((1 << 20) + 1, "one byte more"));
        Assert.Contains("more than the 1 MB allowed", e.Message);
        Assert.Equal("1.5 GB", MemoryBudget.Format(1.5 * (1 << 30)));
        Assert.Equal("300 bytes", MemoryBudget.Format(300));
    }

    [Fact]
    public void TheTrainingEstimateGrowsWithEachSize()
    {
        var c = new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [500], Latent = 20 };
        double baseline = MemoryBudget.TrainingBytes(c, 100, 1, OptimizerKind.Adam, 60000, 10000, false);
        Assert.True(MemoryBudget.TrainingBytes(c, 1000, 1, OptimizerKind.Adam, 60000, 10000, false) > baseline);
        Assert.True(MemoryBudget.TrainingBytes(c, 100, 10, OptimizerKind.Adam, 60000, 10000, false) > baseline);
        Assert.True(MemoryBudget.TrainingBytes(c with { Latent = 200 }, 100, 1, OptimizerKind.Adam, 60000, 10000, false) > baseline);
        Assert.True(MemoryBudget.TrainingBytes(c, 100, 1, OptimizerKind.Adagrad, 60000, 10000, false) < baseline); // one state array, not two
        Assert.True(MemoryBudget.TrainingBytes(c, 100, 1, OptimizerKind.Adam, 60000, 10000, true) > baseline);
    }
}
