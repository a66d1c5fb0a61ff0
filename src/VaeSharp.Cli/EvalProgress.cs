using Spectre.Console;

namespace VaeSharp.Cli;

/// <summary>Progress of a long importance-sampled evaluation, on stderr: a line at every tenth of the images (or a live line on a terminal).</summary>
internal static class EvalProgress
{
    public static Action<int, int> Reporter(int samples)
    {
        bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int lastTenth = 0;
        return (done, total) =>
        {
            int tenth = (int)(10L * done / total);
            if (interactive && (done % Math.Max(1, total / 200) == 0 || done == total))
            {
                double eta = watch.Elapsed.TotalSeconds / done * (total - done);
                Console.Error.Write($"\rlog p(x), K = {samples}: {done}/{total} images ({100L * done / total}%), about {eta:F0} s left   ");
                if (done == total) Console.Error.WriteLine();
            }
            else if (tenth > lastTenth)
            {
                lastTenth = tenth;
                Console.Error.WriteLine($"log p(x), K = {samples}: {done}/{total} images ({100L * done / total}%), {watch.Elapsed.TotalSeconds:F1} s");
            }
        };
    }
}
