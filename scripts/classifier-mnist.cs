#:project ../src/VaeSharp/VaeSharp.csproj
#:property TreatWarningsAsErrors=false
// Trains the feature classifier (Models/Classifier) on full MNIST and prints the test accuracy after every epoch.
// Usage: dotnet run -c Release scripts/classifier-mnist.cs -- DATA_DIR [epochs=15] [threads=2] [hidden=512,256] [seed=1] [metrics]
// DATA_DIR holds the four MNIST IDX files (e.g. ../shared/datasets/mnist). Adam, learning rate 1e-3, batches of 100.
// With "metrics" as the sixth argument it then compares, in the classifier's feature space, the first 10,000 training
// digits with the 10,000 test digits (real against real: a small Fréchet distance, precision and recall near 1).
using System.Diagnostics;
using VaeSharp.Data;
using VaeSharp.Evaluation;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

string dir = args.Length > 0 ? args[0] : throw new ArgumentException("usage: classifier-mnist.cs DATA_DIR [epochs] [threads] [hidden] [seed]");
int epochs = args.Length > 1 ? int.Parse(args[1]) : 15;
int threads = args.Length > 2 ? int.Parse(args[2]) : 2;
int[] hidden = args.Length > 3 ? [.. args[3].Split(',').Select(int.Parse)] : [512, 256];
ulong seed = args.Length > 4 ? ulong.Parse(args[4]) : 1;
bool metrics = args.Length > 5 && args[5] == "metrics";

var train = DatasetCatalog.Load(new DatasetRequest { Name = "mnist", Split = "train", DataDir = dir, AllowDownload = false });
var test = DatasetCatalog.Load(new DatasetRequest { Name = "mnist", Split = "test", DataDir = dir, AllowDownload = false });
using var pool = new WorkerPool(threads);
var model = new Classifier(new ClassifierConfig { InputSize = train.Dimension, Hidden = hidden, Classes = 10 });
model.Initialize(Initialization.PyTorchDefault, Rng.ForStream(seed, 0));
var objective = new SoftmaxCrossEntropyObjective(model, pool);
var data = SoftmaxCrossEntropyObjective.AppendOneHot(train.Features, train.Labels, train.Count, train.Dimension, 10);
var trainer = new Trainer(objective, new Optimizer(model.Arena, OptimizerSettings.Default(OptimizerKind.Adam)),
    new TrainerOptions { BatchSize = 100, Seed = seed }, pool);
Console.WriteLine($"classifier {train.Dimension}-{string.Join("-", hidden)}-10, {train.Count} train / {test.Count} test, seed {seed}, {threads} threads");
for (int e = 1; e <= epochs; e++)
{
    var r = trainer.RunEpoch(data, e);
    double acc = model.Accuracy(test.Features, test.Labels, test.Count, pool);
    Console.WriteLine($"epoch {e,3}: train cross-entropy {-r.Train.Objective / r.Train.Rows:F4}, test accuracy {acc:P2} ({r.Seconds:F1} s)");
}

if (metrics)
{
    int n = Math.Min(10000, train.Count), f = model.FeatureSize;
    var a = new float[n * f];
    var b = new float[test.Count * f];
    model.Features(train.Features.AsSpan(0, n * train.Dimension), n, a, pool);
    model.Features(test.Features, test.Count, b, pool);
    var clock = Stopwatch.StartNew();
    double fd = GenerationMetrics.FrechetDistance(a, n, b, test.Count, f, pool);
    double fdSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    var pr = GenerationMetrics.KnnPrecisionRecall(a, n, b, test.Count, f, 3, pool);
    double prSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"features {f}-d: FD(train[0..{n}), test) = {fd:F4} ({fdSeconds:F1} s); k=3 precision {pr.Precision:P2}, recall {pr.Recall:P2} ({prSeconds:F1} s)");
    var half = GenerationMetrics.FrechetDistance(b.AsSpan(0, 5000 * f), 5000, b.AsSpan(5000 * f), 5000, f, pool);
    Console.WriteLine($"FD(test[0..5000), test[5000..10000)) = {half:F4}");
}
