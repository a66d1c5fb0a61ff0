using System.CommandLine;
using VaeSharp.Data;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary>The <c>vae</c> command: parses arguments, shows progress, calls the library.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args);

    /// <summary>Runs the command line (the entry point, callable from tests).</summary>
    internal static int Run(string[] args)
    {
        var root = new RootCommand("VaeSharp: variational autoencoders (Kingma & Welling, Auto-Encoding Variational Bayes) on the CPU.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ModelCommands.Eval());
        root.Subcommands.Add(ModelCommands.Sample());
        root.Subcommands.Add(ModelCommands.Reconstruct());
        root.Subcommands.Add(ModelCommands.Manifold());
        root.Subcommands.Add(ModelCommands.LatentMap());
        root.Subcommands.Add(ExperimentCommand.Create());
        root.Subcommands.Add(Serve.ServeCommand.Create());

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var names = new List<string>();
            for (var r = parse.CommandResult; r is not null && r.Command != root; r = r.Parent as System.CommandLine.Parsing.CommandResult)
                names.Insert(0, r.Command.Name);
            string command = string.Join(" ", ["vae", .. names]);
            string message = System.Text.RegularExpressions.Regex.Replace(parse.Errors[0].Message, @"\s*\n\s*", " ");
            Console.Error.WriteLine($"vae: {message} (see '{command} --help')");
            return 2;
        }
        return parse.Invoke();
    }

    /// <summary>Runs a command body, turning expected failures into one clear line and an exit code.</summary>
    internal static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("vae: interrupted; the last finished epoch's checkpoint is kept.");
            return 130;
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"vae: training diverged: {e.Message} The last good checkpoint is kept.");
            return 3;
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException or DatasetUnavailableException
                                      or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or UnauthorizedAccessException or IOException or FormatException)
        {
            Console.Error.WriteLine($"vae: {e.Message}");
            return 1;
        }
    }
}
