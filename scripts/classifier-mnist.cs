#:project ../src/VaeSharp/VaeSharp.csproj
#:property TreatWarningsAsErrors=false
// Trains the feature classifier (Models/Classifier) on full MNIST and prints the test accuracy after every epoch.
// Usage: dotnet run scripts/classifier-mnist.cs -- DATA_DIR [epochs=15] [threads=2] [hidden=512,256] [seed=1]
// DATA_DIR holds the four MNIST IDX files (e.g. ../shared/datasets/mnist). Adam, learning rate 1e-3, batches of 100.
using VaeSharp.Data;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

string dir = args.Length > 0 ? args[0] : throw new ArgumentException("usage: classifier-mnist.cs DATA_DIR [epochs] [threads] [hidden] [seed]");
int epochs = args.Length > 1 ? int.Parse(args[1]) : 15;
int threads = args.Length > 2 ? int.Parse(args[2]) : 2;
int[] hidden = args.Length > 3 ? [.. args[3].Split(',').Select(int.Parse)] : [512, 256];
ulong seed = args.Length > 4 ? ulong.Parse(args[4]) : 1;

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
