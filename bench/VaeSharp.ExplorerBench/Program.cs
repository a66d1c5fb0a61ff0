using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

// Decode time per frame in the explorer page, in Debian's chromium driven by Playwright (never a downloaded browser).
// Usage: dotnet run -c Release --project bench/VaeSharp.ExplorerBench -- VAE_DLL MODEL_DIR [DECODES] [ROUNDS]
// (bench/explorer.sh builds the CLI, makes a 784-500-20 model and runs this.)
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: VaeSharp.ExplorerBench VAE_DLL MODEL_DIR [DECODES=200] [ROUNDS=15]");
    return 2;
}
string vaeDll = args[0], model = args[1];
int decodes = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 200;
int rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 15;
string chromium = Environment.GetEnvironmentVariable("VAESHARP_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
if (!File.Exists(chromium))
{
    Console.Error.WriteLine($"no chromium at {chromium}: apt-get install -y chromium");
    return 1;
}

var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
foreach (var a in new[] { vaeDll, "serve", "--model", model, "--port", "0", "--count", "1000" }) psi.ArgumentList.Add(a);
using var server = Process.Start(psi)!;
try
{
    string? address = null;
    while (address is null && await server.StandardOutput.ReadLineAsync() is { } line)
        if (Regex.Match(line, @"at (http://\S+)") is { Success: true } m) address = m.Groups[1].Value;
    if (address is null) throw new InvalidOperationException("vae serve printed no address");

    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--disable-gpu"] });
    var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
    await page.GotoAsync(address);
    await page.WaitForFunctionAsync("() => window.explorer && window.explorer.ready === true", null, new() { Timeout = 120_000 });
    await page.EvaluateAsync("() => window.explorer.pause()");
    var r = await page.EvaluateAsync<JsonElement>("([n, r]) => window.explorer.bench(0, n, r)", new object[] { decodes, rounds });
    Console.WriteLine($"model            {r.GetProperty("model").GetString()}");
    Console.WriteLine($"browser          {r.GetProperty("userAgent").GetString()}");
    Console.WriteLine($"decode           {r.GetProperty("decodeMs").GetDouble():F3} ms per z (median of {rounds} rounds of {decodes})");
    Console.WriteLine($"view update      {r.GetProperty("viewMs").GetDouble():F3} ms per z (decode + paint + map + sliders)");
    Console.WriteLine($"  of which       paint {r.GetProperty("paintMs").GetDouble():F3} ms, map redraw {r.GetProperty("mapMs").GetDouble():F3} ms, sliders {r.GetProperty("slidersMs").GetDouble():F3} ms (each timed alone)");
    return 0;
}
finally
{
    if (!server.HasExited) server.Kill();
}
