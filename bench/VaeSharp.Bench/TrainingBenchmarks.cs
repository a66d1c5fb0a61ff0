using BenchmarkDotNet.Attributes;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Bench;

/// <summary>
/// One AEVB training step of the paper's MNIST model (784-500-20, tanh, Bernoulli decoder, estimator B, L = 1, M = 100):
/// forward, backward and the optimizer update. Synthetic binary data; the work does not depend on the pixel values.
/// Allocated should read 0 B: a warm step allocates nothing.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class TrainingStepBenchmarks
{
    private WorkerPool _pool = null!;
    private Vae _vae = null!;
    private ElboObjective _objective = null!;
    private Optimizer _optimizer = null!;
    private float[] _x = null!;   // [100 × 784]
    private Rng _rng = null!;

    /// <summary>Worker threads.</summary>
    [Params(1, 2)] public int Threads { get; set; }

    /// <summary>Optimizer.</summary>
    [Params(OptimizerKind.Adam, OptimizerKind.Adagrad)] public OptimizerKind Optimizer { get; set; }

    /// <summary>Builds the model and a batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pool = new WorkerPool(Threads);
        _vae = new Vae(new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [500], Latent = 20 });
        _vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        _objective = new ElboObjective(_vae, Estimator.B, 1, _pool);
        _optimizer = new Optimizer(_vae.Arena, OptimizerSettings.Default(Optimizer));
        _x = new float[100 * 784];
        var r = new Rng(2);
        for (int i = 0; i < _x.Length; i++) _x[i] = r.NextFloat() < 0.13f ? 1f : 0f;
        _rng = new Rng(3);
    }

    /// <summary>Stops the pool's threads.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    /// <summary>Forward + backward + update for one minibatch of 100.</summary>
    [Benchmark]
    public double Step()
    {
        var t = _objective.Evaluate(_x, 100, _rng, accumulateGradients: true);
        _optimizer.Step(_pool);
        return t.Objective;
    }
}

/// <summary>
/// Throughput over a whole epoch: 60,000 synthetic grey-level images (MNIST's size), dynamic binarization, the paper's
/// model with Adam, through <see cref="Trainer.RunEpoch"/> exactly as <c>vae train</c> runs it. Samples/s = 60,000 / time.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, invocationCount: 1)]
public class EpochBenchmarks
{
    private WorkerPool _pool = null!;
    private Trainer _trainer = null!;
    private DataMatrix _data;
    private int _epoch;

    /// <summary>Worker threads.</summary>
    [Params(1, 2)] public int Threads { get; set; }

    /// <summary>Builds the model and the data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pool = new WorkerPool(Threads);
        var vae = new Vae(new ModelConfig { InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [500], Latent = 20 });
        vae.Initialize(Initialization.PyTorchDefault, new Rng(1));
        var objective = new ElboObjective(vae, Estimator.B, 1, _pool);
        var optimizer = new Optimizer(vae.Arena, OptimizerSettings.Default(OptimizerKind.Adam));
        _trainer = new Trainer(objective, optimizer, new TrainerOptions { BatchSize = 100, Seed = 1, DynamicBinarization = true }, _pool);
        var x = new float[60_000 * 784];
        new Rng(2).FillUniform(x);
        for (int i = 0; i < x.Length; i++) x[i] = x[i] < 0.8f ? 0f : x[i]; // mostly black, like MNIST
        _data = new DataMatrix(x, 60_000, 784);
    }

    /// <summary>Stops the pool's threads.</summary>
    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    /// <summary>One epoch: 600 minibatches of 100.</summary>
    [Benchmark]
    public double Epoch() => _trainer.RunEpoch(_data, ++_epoch).Train.Objective;
}
