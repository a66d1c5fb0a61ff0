using System.CommandLine;
using System.Diagnostics;
using VaeSharp.Numerics;

namespace VaeSharp.Cli.Serve;

/// <summary><c>vae serve</c>: the latent-space explorer in the browser.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var model2 = new Option<string?>("--model2") { Description = "A second model folder, shown side by side with the first." };
        var port = new Option<int>("--port") { Description = "TCP port (0: any free port).", DefaultValueFactory = _ => 5173 };
        var host = new Option<string>("--host")
        {
            Description = "Address to listen on; the default serves this machine only. Any other address lets the network read the models.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var open = new Option<bool>("--open") { Description = "Open the page in the default browser." };
        var count = new Option<int>("--count") { Description = "Test images shown on the latent map (evenly spaced over the test split).", DefaultValueFactory = _ => 1000 };
        var dataset = CommonOptions.ModelDataset();
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var cmd = new Command("serve", "Explore a model's latent space in the browser: latent map, sliders, drawing, interpolation, prior samples.")
        {
            model, model2, port, host, open, count, dataset, dataDir, threads,
        };
        cmd.SetAction((pr, invocationCancel) => Task.FromResult(Program.Guard(() =>
        {
            // Ctrl+C and SIGTERM reach the program as Program.Stop (see Program.Run); either ends the server.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationCancel, Program.Stop);
            var cancel = stop.Token;
            int n = pr.GetValue(count);
            if (n < 1) throw new ArgumentException($"--count must be positive (got {n}).");
            int p = pr.GetValue(port);
            if (p is < 0 or > 65535) throw new ArgumentException($"--port must be between 0 and 65535 (got {p}).");
            string h = pr.GetValue(host)!;
            var (_, loopback) = ExplorerServer.ParseHost(h);

            using var pool = new WorkerPool(Math.Max(1, pr.GetValue(threads)));
            var dirs = new List<string> { pr.GetValue(model)! };
            if (pr.GetValue(model2) is { } second) dirs.Add(second);
            var models = dirs.Select(d => ExplorerModel.Load(d, pr.GetValue(dataset), pr.GetValue(dataDir), n, pool, CommonOptions.Load)).ToList();

            if (!loopback)
                Console.Error.WriteLine($"vae: warning: listening on {h}, not loopback: anyone who can reach this machine can read the models and test images.");
            var server = ExplorerServer.StartAsync(models, h, p, cancel).GetAwaiter().GetResult();
            try
            {
                foreach (var m in models)
                    Console.WriteLine($"{m.Name}: {m.Loaded.Model.Config.InputSize}-{string.Join("-", m.Loaded.Model.Config.Hidden)}-{m.Loaded.Model.Latent}, " +
                                      $"epoch {m.Loaded.State.Epoch}, {m.Indices.Length} test images");
                Console.WriteLine($"serving the latent explorer at {server.Address} (Ctrl+C to stop)");
                if (pr.GetValue(open)) OpenBrowser(server.Address);
                try { Task.Delay(Timeout.Infinite, cancel).GetAwaiter().GetResult(); }
                catch (OperationCanceledException) { }
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            Console.WriteLine("stopped.");
            return 0;
        })));
        return cmd;
    }

    private static void OpenBrowser(Uri address)
    {
        try
        {
            using var _ = Process.Start(new ProcessStartInfo(address.ToString()) { UseShellExecute = true });
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            Console.Error.WriteLine($"vae: warning: could not open a browser ({e.Message}); open {address} yourself.");
        }
    }
}
