using BenchmarkDotNet.Running;

namespace VaeSharp.Bench;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm-quick")
        {
            GemmQuick.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30);
            return;
        }
        if (args.Length > 0 && args[0] == "profile")
        {
            try
            {
                ProfileRun.Run(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"profile: {e.Message}");
                Environment.Exit(2);
            }
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
