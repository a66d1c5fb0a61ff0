using System.CommandLine;
using System.Runtime.InteropServices;
using VaeSharp.Data;
using VaeSharp.Training;

namespace VaeSharp.Cli;

/// <summary>The <c>vae</c> command's exit codes (README, "Exit codes").</summary>
internal static class ExitCode
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>A data or file error: input missing or malformed, output not writable.</summary>
    public const int DataError = 1;
    /// <summary>A usage error: unknown option, bad value, options that do not go together.</summary>
    public const int Usage = 2;
    /// <summary>Training diverged (the objective became NaN or infinite); the last good checkpoint is kept.</summary>
    public const int Diverged = 3;
    /// <summary>The request needs more memory than the budget allows (<c>--max-memory</c>).</summary>
    public const int OutOfMemoryBudget = 4;
    /// <summary>Interrupted by SIGINT (Ctrl+C); the last checkpoint is kept.</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM; the last checkpoint is kept.</summary>
    public const int Terminated = 143;
}

/// <summary>A command-line value that is out of range or options that do not go together (exit code <see cref="ExitCode.Usage"/>).</summary>
internal sealed class UsageException(string message) : ArgumentException(message);

/// <summary>The <c>vae</c> command: parses arguments, shows progress, calls the library.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args);

    /// <summary>Cancelled by the first SIGINT or SIGTERM of a run (a second one ends the process at once).</summary>
    internal static CancellationToken Stop => _stop.Token;

    private static CancellationTokenSource _stop = new();
    private static PosixSignal? _received;

    /// <summary>Runs the command line (the entry point, callable from tests).</summary>
    internal static int Run(string[] args)
    {
        var maxMemory = new Option<string?>("--max-memory")
        {
            Description = $"Memory a request may use, like 4G or 512M (default: {MemoryBudget.DefaultFraction:P0} of the memory available); larger requests are refused up front.",
            Recursive = true,
        };
        var root = new RootCommand("VaeSharp: variational autoencoders (Kingma & Welling, Auto-Encoding Variational Bayes) on the CPU.");
        root.Options.Add(maxMemory);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ModelCommands.Eval());
        root.Subcommands.Add(ModelCommands.Sample());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(ModelCommands.Reconstruct());
        root.Subcommands.Add(ModelCommands.Manifold());
        root.Subcommands.Add(ModelCommands.LatentMap());
        root.Subcommands.Add(PcaCommand.Create());
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
            return ExitCode.Usage;
        }
        MemoryBudget.ResetLimit();
        if (parse.GetValue(maxMemory) is { } size)
        {
            try { MemoryBudget.Limit = MemoryBudget.ParseSize(size); }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"vae: --max-memory: {e.Message}");
                return ExitCode.Usage;
            }
        }

        _stop = new CancellationTokenSource();
        _received = null;
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        // The signals are handled here (Stop), not by System.CommandLine, so a stop request ends training between minibatches.
        return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static void OnSignal(PosixSignalContext context)
    {
        if (_received is not null) return; // the second request: the default action ends the process
        _received = context.Signal;
        context.Cancel = true;
        _stop.Cancel();
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
            bool term = _received == PosixSignal.SIGTERM;
            Console.Error.WriteLine($"vae: {(term ? "stopped by SIGTERM" : "interrupted")}; the last checkpoint is kept ('vae train --resume' continues from it).");
            return term ? ExitCode.Terminated : ExitCode.Interrupted;
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"vae: training diverged: {e.Message} The last good checkpoint is kept.");
            return ExitCode.Diverged;
        }
        catch (MemoryBudgetException e)
        {
            Console.Error.WriteLine($"vae: {e.Message}");
            return ExitCode.OutOfMemoryBudget;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"vae: {e.Message}");
            return ExitCode.Usage;
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException or DatasetUnavailableException
                                      or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or UnauthorizedAccessException or IOException or FormatException)
        {
            Console.Error.WriteLine($"vae: {OneLine(e.Message)}");
            return ExitCode.DataError;
        }
    }

    private static string OneLine(string message) => System.Text.RegularExpressions.Regex.Replace(message, @"\s*\n\s*", " ");
}
