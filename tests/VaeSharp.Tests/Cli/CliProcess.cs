using System.Diagnostics;
using VaeSharp.Data;

namespace VaeSharp.Tests.Cli;

/// <summary>Runs the real <c>vae</c> executable (the CLI project's build output, copied beside the tests) as a child process.</summary>
internal static class CliProcess
{
    public sealed record Result(int Code, string Out, string Err, bool Killed);

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env)
    {
        string dir = AppContext.BaseDirectory;
        string host = Path.Combine(dir, OperatingSystem.IsWindows() ? "vae.exe" : "vae");
        var psi = File.Exists(host) ? new ProcessStartInfo(host) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(dir, "vae.dll") } };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.Environment["DOTNET_TieredPGO"] = "0";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Starts the command; the caller waits for it (its output is drained in the background).</summary>
    public static (Process Process, Task<string> Out, Task<string> Err) Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var p = Process.Start(StartInfo(args, env))!;
        return (p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
    }

    /// <summary>Sends a POSIX signal (15: SIGTERM, 2: SIGINT) to a process.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    public static extern int Signal(int pid, int signal);

    /// <summary>Runs to the end (or until <paramref name="killAfter"/>, when it is SIGKILLed).</summary>
    public static Result Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? killAfter = null)
    {
        using var p = Process.Start(StartInfo(args, env))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool killed = false;
        if (killAfter is { } t && !p.WaitForExit(t))
        {
            p.Kill(entireProcessTree: true); // SIGKILL on Unix
            killed = true;
        }
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("vae " + string.Join(" ", args) + " did not finish in 3 minutes");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result, killed);
    }

    /// <summary>
    /// Writes a small IDX data set (the first <paramref name="train"/> and <paramref name="test"/> images of the bundled
    /// sample's splits) under MNIST's file names into <paramref name="dir"/>, for <c>--dataset mnist --data-dir</c>.
    /// </summary>
    public static void WriteSmallMnist(string dir, int train, int test)
    {
        Directory.CreateDirectory(dir);
        foreach (var (split, count, prefix) in new[] { ("train", train, "train"), ("test", test, "t10k") })
        {
            var d = DatasetCatalog.Load(new DatasetRequest { Name = DatasetCatalog.DefaultName, Split = split });
            var pixels = new byte[count * d.Dimension];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Round(d.Features[i] * 255f);
            IdxWriter.WriteImages(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), pixels, count, d.Height, d.Width);
            IdxWriter.WriteLabels(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), d.Labels!.AsSpan(0, count));
        }
    }
}
