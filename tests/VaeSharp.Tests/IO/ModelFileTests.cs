using System.Text.Json.Nodes;
using VaeSharp.IO;
using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Tests.IO;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vaesharp-modelfile-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Vae NewModel(DecoderKind decoder = DecoderKind.Bernoulli)
    {
        var vae = new Vae(new ModelConfig { InputSize = 12, ImageWidth = 4, ImageHeight = 3, Hidden = [7, 5], Latent = 2, Activation = Activation.Softplus, Decoder = decoder });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(4));
        return vae;
    }

    [Theory]
    [InlineData(DecoderKind.Bernoulli)]
    [InlineData(DecoderKind.Gaussian)]
    public void RoundTripIsBitExact(DecoderKind decoder)
    {
        var vae = NewModel(decoder);
        var opt = new Optimizer(vae.Arena, OptimizerSettings.Default(OptimizerKind.Adam));
        new Rng(9).FillNormal(vae.Arena.Gradients);
        opt.Step(WorkerPool.Single);
        var state = new TrainingState { Dataset = "bars", Epoch = 3, SamplesSeen = 1800, OptimizerSteps = opt.Steps, Optimizer = opt.Settings };
        ModelFile.Save(_dir, vae, state, opt);

        var loaded = ModelFile.Load(_dir);
        Assert.Equal(vae.Config.Hidden, loaded.Model.Config.Hidden);
        Assert.Equal(vae.Config with { Hidden = loaded.Model.Config.Hidden }, loaded.Model.Config);
        Assert.Equal(vae.Arena.Values, loaded.Model.Arena.Values);
        Assert.Equal(state, loaded.State);
        Assert.Equal(opt.State[0].Values, loaded.OptimizerState["m"]);
        Assert.Equal(opt.State[1].Values, loaded.OptimizerState["v"]);
    }

    [Fact]
    public void WeightsAreStoredInPyTorchLinearLayout()
    {
        var vae = NewModel();
        ModelFile.Save(_dir, vae, new TrainingState(), null);
        var content = SafeTensors.Read(Path.Combine(_dir, ModelFile.WeightsFile));
        var w = content["encoder.hidden.0.weight"];
        Assert.Equal([7, 12], w.Shape); // [out, in]
        vae.Arena.TryGet("encoder.hidden.0.weight", out var p);
        // internal [in × out]: element (i=3, o=5) is file element [5, 3]
        Assert.Equal(vae.Arena.Value(p)[3 * 7 + 5], w.Data[5 * 12 + 3]);
        Assert.Equal([2], content["encoder.mu.bias"].Shape);
        Assert.Equal([5, 2], content["decoder.hidden.0.weight"].Shape);   // the decoder mirrors the encoder: 2 → 5 → 7 → 12
        Assert.Equal([12, 7], content["decoder.logits.weight"].Shape);
    }

    [Fact]
    public void ShapeThatDisagreesWithTheManifestFailsClearly()
    {
        ModelFile.Save(_dir, NewModel(), new TrainingState(), null);
        string manifest = Path.Combine(_dir, ModelFile.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        json["architecture"]!["hidden"] = new JsonArray(8, 5);
        File.WriteAllText(manifest, json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains("encoder.hidden.0.weight", e.Message);
        Assert.Contains("[7, 12]", e.Message);
        Assert.Contains("[8, 12]", e.Message);
        Assert.Contains(ModelFile.WeightsFile, e.Message);
    }

    [Fact]
    public void MissingTensorAndTornSaveAndBadJsonFailClearly()
    {
        ModelFile.Save(_dir, NewModel(), new TrainingState { Epoch = 2 }, null);
        string manifest = Path.Combine(_dir, ModelFile.ManifestFile);
        string original = File.ReadAllText(manifest);

        File.WriteAllText(manifest, original.Replace("\"decoder\": \"bernoulli\"", "\"decoder\": \"gaussian\""));
        var e1 = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains("decoder.mean.weight", e1.Message);

        File.WriteAllText(manifest, original.Replace("\"epoch\": 2", "\"epoch\": 3"));
        var e2 = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains("interrupted", e2.Message);

        File.WriteAllText(manifest, "{ not json");
        var e3 = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains(ModelFile.ManifestFile, e3.Message);

        Assert.Throws<FileNotFoundException>(() => ModelFile.Load(Path.Combine(_dir, "nope")));
    }

    [Fact]
    public void GaussianDecoderOptionsRoundTripAndOldManifestsLoadAsThePapersDecoder()
    {
        var config = new ModelConfig
        {
            InputSize = 12, ImageWidth = 4, ImageHeight = 3, Hidden = [5], Latent = 2, Decoder = DecoderKind.Gaussian,
            DecoderVariance = DecoderVariance.Fixed, DecoderSigma = 0.25f, GaussianMean = GaussianMean.Identity,
        };
        var vae = new Vae(config);
        vae.Initialize(Initialization.PyTorchDefault, new Rng(4));
        ModelFile.Save(_dir, vae, new TrainingState(), null);
        var loaded = ModelFile.Load(_dir).Model;
        Assert.Equal(config with { Hidden = loaded.Config.Hidden }, loaded.Config);
        Assert.Null(((Vae)loaded).DecoderLogVar);
        Assert.Equal(vae.Arena.Values, loaded.Arena.Values);

        var floored = new Vae(config with { DecoderVariance = DecoderVariance.Learned, DecoderSigma = 1f, LogVarMin = -3.5f });
        ModelFile.Save(_dir, floored, new TrainingState(), null);
        Assert.Equal(-3.5f, ModelFile.Load(_dir).Model.Config.LogVarMin);

        // A manifest written before these options existed: a learned, unfloored variance and a sigmoid mean.
        ModelFile.Save(_dir, NewModel(DecoderKind.Gaussian), new TrainingState(), null);
        string manifest = Path.Combine(_dir, ModelFile.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!;
        var arch = json["architecture"]!.AsObject();
        foreach (var key in new[] { "decoder_variance", "decoder_sigma", "log_var_min", "gaussian_mean" })
            Assert.True(arch.Remove(key), $"the manifest has no '{key}'");
        File.WriteAllText(manifest, json.ToJsonString());
        var old = ModelFile.Load(_dir).Model.Config;
        Assert.Equal(DecoderVariance.Learned, old.DecoderVariance);
        Assert.Equal(GaussianMean.Sigmoid, old.GaussianMean);
        Assert.Null(old.LogVarMin);
        Assert.Equal(1f, old.DecoderSigma);

        arch["decoder_sigma"] = -1;
        File.WriteAllText(manifest, json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains(ModelFile.ManifestFile, e.Message);
    }

    [Theory]
    [InlineData(ModelKind.Ae, DecoderKind.Bernoulli, true)]
    [InlineData(ModelKind.LinearAe, DecoderKind.Gaussian, false)]
    [InlineData(ModelKind.SparseAe, DecoderKind.Gaussian, true)]
    [InlineData(ModelKind.DenoisingAe, DecoderKind.Bernoulli, true)]
    public void EveryAutoencoderKindRoundTripsWithItsKindAndTensorNames(ModelKind kind, DecoderKind loss, bool bias)
    {
        var config = new ModelConfig
        {
            Kind = kind, Bias = bias, InputSize = 12, ImageWidth = 4, ImageHeight = 3, Hidden = kind == ModelKind.LinearAe ? [] : [7],
            Latent = 2, Decoder = loss,
        };
        var ae = ModelFactory.Create(config);
        ae.Initialize(Initialization.PyTorchDefault, new Rng(4));
        var state = new TrainingState { Dataset = "bars", Epoch = 1, L1 = 0.5f, Noise = "mask:0.25" };
        ModelFile.Save(_dir, ae, state, null);

        var loaded = ModelFile.Load(_dir);
        Assert.IsType<Autoencoder>(loaded.Model);
        Assert.Equal(config with { Hidden = loaded.Model.Config.Hidden }, loaded.Model.Config);
        Assert.Equal(ae.Arena.Values, loaded.Model.Arena.Values);
        Assert.Equal(state, loaded.State);
        Assert.Contains($"\"model\": \"{ModelKinds.Name(kind)}\"", File.ReadAllText(Path.Combine(_dir, ModelFile.ManifestFile)));
        var names = SafeTensors.Read(Path.Combine(_dir, ModelFile.WeightsFile)).Tensors.Select(t => t.Name).ToHashSet();
        Assert.Contains("encoder.code.weight", names);
        Assert.Contains(loss == DecoderKind.Bernoulli ? "decoder.logits.weight" : "decoder.mean.weight", names);
        Assert.Equal(bias, names.Contains("encoder.code.bias"));
    }

    [Fact]
    public void UnknownModelKindFailsNamingTheFile()
    {
        ModelFile.Save(_dir, NewModel(), new TrainingState(), null);
        string manifest = Path.Combine(_dir, ModelFile.ManifestFile);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"model\": \"vae\"", "\"model\": \"gan\""));
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(_dir));
        Assert.Contains(ModelFile.ManifestFile, e.Message);
        Assert.Contains("gan", e.Message);
    }
}
