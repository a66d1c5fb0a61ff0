using System.CommandLine;
using VaeSharp.Data;

namespace VaeSharp.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Dataset(string defaultName = DatasetCatalog.DefaultName)
    {
        var o = new Option<string>("--dataset")
        {
            Description = "Data set: " + string.Join(", ", DatasetCatalog.Names) + ", or the PATH of your own data file or folder (see --format).",
            DefaultValueFactory = _ => defaultName,
        };
        o.Validators.Add(DataOptions.Validate);
        return o;
    }

    public static Option<string?> ModelDataset()
    {
        var o = new Option<string?>("--dataset") { Description = "Data set name or PATH (default: the one the model was trained on)." };
        o.Validators.Add(DataOptions.Validate);
        return o;
    }

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Folder holding the data set's files under their published names (IDX .gz or not, frey_rawface.mat, binarized_mnist_*.amat[.gz]); default: the cache folder, else download.",
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "Worker threads.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<string> Model() => new("--model")
    {
        Description = "Model folder written by 'vae train'.",
        Required = true,
    };

    public static Option<string> OutFile(string defaultName) => new("--out")
    {
        Description = "PNG file to write.",
        DefaultValueFactory = _ => defaultName,
    };

    public static Option<ulong> Seed() => new("--seed")
    {
        Description = "Random seed.",
        DefaultValueFactory = _ => 1UL,
    };

    /// <summary>Loads a data set split, reporting downloads on stderr.</summary>
    public static Dataset Load(string name, string split, string? dataDir) => Load(name, split, dataDir, null);

    /// <summary>Loads a data set split with the given downloader (timeouts), reporting downloads on stderr.</summary>
    public static Dataset Load(string name, string split, string? dataDir, DatasetDownloader? downloader)
    {
        var progress = new DownloadReporter();
        var dataset = DatasetCatalog.Load(new DatasetRequest { Name = name, Split = split, DataDir = dataDir, Progress = progress, Downloader = downloader });
        progress.Finish();
        return dataset;
    }

    private sealed class DownloadReporter : IProgress<DownloadProgress>
    {
        private string? _file;
        private int _lastPercent = -1;

        public void Report(DownloadProgress value)
        {
            if (value.FileName != _file)
            {
                Finish();
                _file = value.FileName;
                _lastPercent = -1;
                Console.Error.Write($"downloading {value.FileName} from {value.Source.Host} ");
            }
            if (value.TotalBytes is > 0 and long total)
            {
                int percent = (int)(100 * value.BytesReceived / total);
                if (percent / 10 != _lastPercent / 10) Console.Error.Write($"{percent}% ");
                _lastPercent = percent;
            }
        }

        public void Finish()
        {
            if (_file is not null) Console.Error.WriteLine();
            _file = null;
        }
    }
}
