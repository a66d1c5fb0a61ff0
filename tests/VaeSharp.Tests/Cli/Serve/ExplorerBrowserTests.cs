using System.Text.Json;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.Playwright;
using VaeSharp.Imaging;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Numerics;
using Xunit.Abstractions;

namespace VaeSharp.Tests.Cli.Serve;

/// <summary>
/// A fact that needs Debian's chromium: skipped, saying why, when it is absent. Playwright drives that browser through its
/// executable path and never downloads one of its own. VAESHARP_CHROMIUM overrides the path.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("VAESHARP_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath))
            Skip = $"browser test skipped: no chromium at {ExecutablePath} (install it with `apt-get install -y chromium`; .ci/run does).";
    }
}

/// <summary>One headless chromium for all browser tests, and the folder their screenshots go to.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public IPlaywright? Playwright { get; private set; }
    public IBrowser? Browser { get; private set; }

    /// <summary>TestResults/explorer-screenshots at the repository root (or in the temp folder outside a checkout).</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    private static string FindScreenshotDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VaeSharp.slnx")))
                return Path.Combine(d.FullName, "TestResults", "explorer-screenshots");
        return Path.Combine(Path.GetTempPath(), "vaesharp-explorer-screenshots");
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumFactAttribute.ExecutablePath)) return;
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = ["--disable-gpu", "--disable-dev-shm-usage"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
    }
}

/// <summary>The explorer page in headless chromium: its maths against the library's, and its views under the mouse.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class ExplorerBrowserTests(ExplorerFixture fx, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const float Tolerance = 1e-4f;

    private async Task<(IPage Page, List<string> Errors)> Open(Uri address, int width = 1280, int height = 800)
    {
        var page = await browser.Browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add($"console error: {m.Text}"); };
        page.PageError += (_, e) => errors.Add("page error: " + e);
        page.RequestFailed += (_, r) => errors.Add($"request failed: {r.Url} {r.Failure}");
        page.Request += (_, r) => { if (!r.Url.StartsWith(address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal)) errors.Add("external request: " + r.Url); };
        await page.GotoAsync(address.ToString());
        await page.WaitForFunctionAsync("() => window.explorer && window.explorer.ready === true", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        await page.EvaluateAsync("() => window.explorer.pause()");
        return (page, errors);
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    private static void Close(IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        float worst = 0;
        for (int i = 0; i < expected.Count; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"{what}: largest difference {worst} > {tolerance}");
    }

    private async Task Shot(IPage page, string name, string? selector = null)
    {
        string path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png");
        if (selector is null) await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        else await page.Locator(selector).ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        output.WriteLine($"screenshot: {path}");
    }

    [ChromiumFact]
    public async Task PageLoadsWithNoConsoleErrorsAndFitsWideAndNarrowWindows()
    {
        foreach (var (server, tag) in new[] { (fx.Single, "single"), (fx.Pair, "pair") })
            foreach (var (w, h) in new[] { (1280, 800), (390, 844) })
            {
                var (page, errors) = await Open(server.Address, w, h);
                int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                Assert.True(overflow <= 0, $"{tag} at {w}×{h}: the page is {overflow} px wider than the window");
                foreach (var id in new[] { "explore", "draw", "interp", "samples" })
                    Assert.True(await page.Locator("#" + id).IsVisibleAsync(), $"#{id} is not visible");
                int cards = await page.Locator(".explore-card").CountAsync();
                Assert.Equal(server == fx.Pair ? 2 : 1, cards);
                await Shot(page, $"page-{tag}-{w}x{h}");
                Assert.True(errors.Count == 0, string.Join("\n", errors));
                await page.CloseAsync();
            }
    }

    [ChromiumFact]
    public async Task DecodingInThePageMatchesTheLibrary()
    {
        var (page, errors) = await Open(fx.Pair.Address);
        foreach (var (k, loaded) in new[] { (0, fx.Loaded2D), (1, fx.Loaded5D) })
        {
            int j = loaded.Model.Latent;
            var zs = new List<float[]> { new float[j] };
            var rng = Rng.ForStream(5, 1);
            for (int s = 0; s < 4; s++) { var z = new float[j]; rng.FillNormal(z, 0f, 1.5f); zs.Add(z); }
            foreach (var z in zs)
            {
                double[] zd = [.. z.Select(v => (double)v)];
                var got = Floats(await page.EvaluateAsync<JsonElement>("([k, z]) => window.explorer.decode(k, z)", new object[] { k, zd }));
                Close(ExplorerFixture.Decode(loaded, z), got, Tolerance, $"model {k + 1} decode at z = [{string.Join(", ", z)}]");

                // Through the view: set z, and the decoded canvas shows the library's pixels as bytes (±1 for the float rounding).
                await page.EvaluateAsync("([k, z]) => window.explorer.setZ(k, z)", new object[] { k, zd });
                var bytes = await page.EvaluateAsync<int[]>("k => window.explorer.canvasBytes(`.explore-card.model-${k + 1} canvas.decoded`)", k);
                var expected = Image.FromUnitFloats(ExplorerFixture.Decode(loaded, z), 28, 28).Pixels;
                Assert.Equal(784, bytes.Length);
                for (int i = 0; i < 784; i++) Assert.InRange(bytes[i] - expected[i], -1, 1);
            }
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task DraggingOnTheMapChangesTheDecodedImage()
    {
        var (page, errors) = await Open(fx.Single.Address);
        var map = page.Locator(".explore-card canvas.map");
        await map.ScrollIntoViewIfNeededAsync();
        var box = (await map.BoundingBoxAsync())!;
        var before = await page.EvaluateAsync<int[]>("() => window.explorer.canvasBytes('.explore-card canvas.decoded')");
        await page.Mouse.MoveAsync(box.X + box.Width * 0.3f, box.Y + box.Height * 0.3f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.75f, box.Y + box.Height * 0.7f, new MouseMoveOptions { Steps = 8 });
        await page.Mouse.UpAsync();
        await page.WaitForTimeoutAsync(100); // one animation frame for the throttled repaint
        var after = await page.EvaluateAsync<int[]>("() => window.explorer.canvasBytes('.explore-card canvas.decoded')");
        Assert.NotEqual(before, after);
        // The new z is where the mouse let go (lower right of centre), and the picture is the library's decode of it.
        var state = await page.EvaluateAsync<JsonElement>("() => window.explorer.state(0)");
        float[] z = Floats(state.GetProperty("z"));
        float[] shown = Floats(state.GetProperty("shown").GetProperty("x"));
        Close(ExplorerFixture.Decode(fx.Loaded2D, z), shown, Tolerance, "decode after dragging");
        await Shot(page, "view-map-after-drag", ".explore-card");

        // Keyboard: a focused slider moves with the arrow keys, and the decoded image follows.
        var slider = page.Locator("#z-0-0");
        await slider.FocusAsync();
        float z0 = z[0];
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        var moved = Floats((await page.EvaluateAsync<JsonElement>("() => window.explorer.state(0)")).GetProperty("z"));
        Assert.True(moved[0] > z0, $"z₁ did not increase with ArrowRight ({z0} → {moved[0]})");
        Assert.Equal(z[1], moved[1], 6);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task AStrokeIsEncodedAsTheLibraryEncodesTheSamePixels()
    {
        var (page, errors) = await Open(fx.Pair.Address);
        var pad = page.Locator("canvas.pad");
        await pad.ScrollIntoViewIfNeededAsync();
        var box = (await pad.BoundingBoxAsync())!;
        // A "7": across the top, then down to the lower left.
        await page.Mouse.MoveAsync(box.X + box.Width * 0.25f, box.Y + box.Height * 0.22f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.72f, box.Y + box.Height * 0.22f, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.MoveAsync(box.X + box.Width * 0.40f, box.Y + box.Height * 0.80f, new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();
        var drawn = await page.EvaluateAsync<JsonElement>("() => window.explorer.drawn()");
        float[] pixels = Floats(drawn.GetProperty("pixels"));
        Assert.Equal(784, pixels.Length);
        Assert.True(pixels.Count(v => v > 0.5f) >= 20, "the stroke left too little ink");
        Assert.All(pixels, v => Assert.Equal(Math.Round(v * 255), v * 255, 3)); // whole grey levels, like the data
        foreach (var (k, loaded) in new[] { (0, fx.Loaded2D), (1, fx.Loaded5D) })
        {
            var result = drawn.GetProperty("results")[k];
            var (mu, sigma) = ExplorerFixture.Encode(loaded, pixels);
            Close(mu, Floats(result.GetProperty("mu")), Tolerance, $"model {k + 1} μ of the drawing");
            Close(sigma, Floats(result.GetProperty("sigma")), Tolerance, $"model {k + 1} σ of the drawing");
            Close(ExplorerFixture.Decode(loaded, mu), Floats(result.GetProperty("recon")), Tolerance, $"model {k + 1} reconstruction of the drawing");
        }
        await Shot(page, "view-draw", "#draw");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task InterpolationEndsAreTheTwoImagesReconstructions()
    {
        var (page, errors) = await Open(fx.Pair.Address);
        await page.Locator("#interp").ScrollIntoViewIfNeededAsync();
        // Pick two test images by clicking them on the first model's interpolation map: A, then B.
        var rngIdx = new[] { 137, 842 };
        foreach (int i in rngIdx)
        {
            var p = await page.EvaluateAsync<JsonElement>("i => window.explorer.interpMapPoint(0, i)", i);
            await page.Mouse.ClickAsync((float)p.GetProperty("x").GetDouble(), (float)p.GetProperty("y").GetDouble());
        }
        var pair = await page.EvaluateAsync<JsonElement>("() => window.explorer.pair()");
        int a = pair.GetProperty("a").GetInt32(), b = pair.GetProperty("b").GetInt32();
        // A click picks the nearest point; overlapping points may give a neighbour, so check the pick against the map.
        foreach (var (picked, wanted) in new[] { (a, rngIdx[0]), (b, rngIdx[1]) })
        {
            var pp = await page.EvaluateAsync<JsonElement>("i => window.explorer.interpMapPoint(0, i)", picked);
            var pw = await page.EvaluateAsync<JsonElement>("i => window.explorer.interpMapPoint(0, i)", wanted);
            double dx = pp.GetProperty("x").GetDouble() - pw.GetProperty("x").GetDouble(), dy = pp.GetProperty("y").GetDouble() - pw.GetProperty("y").GetDouble();
            double d = Math.Sqrt(dx * dx + dy * dy);
            Assert.True(d <= 10, $"picked {picked} for {wanted}, {d:F1} px away");
        }
        Assert.NotEqual(a, b);
        foreach (var (k, loaded, explorer) in new[] { (0, fx.Loaded2D, fx.Explorer2D), (1, fx.Loaded5D, fx.Explorer5D) })
        {
            var strips = await page.EvaluateAsync<JsonElement>("k => window.explorer.strips(k)", k);
            foreach (var (index, frame) in new[] { (a, 0), (b, 9) })
            {
                // The test image as the library reads it, encoded and decoded by the library.
                var x = fx.Test.Row(explorer.Indices[index]);
                var (mu, _) = ExplorerFixture.Encode(loaded, x);
                var recon = ExplorerFixture.Decode(loaded, mu);
                foreach (var kind in new[] { "linear", "spherical" })
                    Close(recon, Floats(strips.GetProperty(kind)[frame]), Tolerance, $"model {k + 1} {kind} frame {frame}");
            }
            // The middle of the two paths differ (unless the means are parallel, which they are not here).
            Assert.NotEqual(Floats(strips.GetProperty("linear")[4]), Floats(strips.GetProperty("spherical")[4]));
        }
        await Shot(page, "view-interpolate", "#interp");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task PriorSamplesAreVaeSamplesDrawsForTheSeedShown()
    {
        var (page, errors) = await Open(fx.Pair.Address);
        await page.Locator("#samples").ScrollIntoViewIfNeededAsync();
        await page.Locator("#resample").ClickAsync(); // seed 1 → 2
        Assert.Equal("2", await page.Locator("#seed").InputValueAsync());
        foreach (var (k, loaded) in new[] { (0, fx.Loaded2D), (1, fx.Loaded5D) })
        {
            var s = await page.EvaluateAsync<JsonElement>("k => window.explorer.samples(k)", k);
            Assert.Equal("2", s.GetProperty("seed").GetString());
            float[] z = Floats(s.GetProperty("z"));
            var expected = new float[z.Length];
            new Rng(2).FillNormal(expected); // what `vae sample --seed 2` draws first
            Close(expected, z, 1e-6f, $"model {k + 1} prior draws");
        }
        await Shot(page, "view-samples", "#samples");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task TheMapOfAFiveDimensionalSpaceIsThePrincipalPlaneOfTheMeans()
    {
        var (page, errors) = await Open(fx.Pair.Address);
        var plane = (await page.EvaluateAsync<JsonElement>("() => window.explorer.state(1)")).GetProperty("plane");
        Assert.Equal("pca", plane.GetProperty("kind").GetString());
        // The library's means of the served images, and their covariance's leading eigenvectors (MathNet).
        var data = fx.Test.Subset(fx.Explorer5D.Indices);
        float[] means = VaeSharp.Evaluation.Pictures.EncodeMeans(fx.Loaded5D.Model, data, WorkerPool.Single);
        int n = data.Count, j = 5;
        var m = Matrix<double>.Build.Dense(n, j, (r, c) => means[r * j + c]);
        var centred = m - Matrix<double>.Build.Dense(n, j, (_, c) => m.Column(c).Average());
        var cov = centred.TransposeThisAndMultiply(centred) / (n - 1);
        var evd = cov.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, j).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        double total = evd.EigenValues.Sum(e => e.Real);
        for (int a = 0; a < 2; a++)
        {
            var expected = evd.EigenVectors.Column(order[a]);
            var axis = Floats(plane.GetProperty("axes")[a]);
            double dot = Enumerable.Range(0, j).Sum(i => expected[i] * axis[i]);
            Assert.True(Math.Abs(Math.Abs(dot) - 1) < 1e-6, $"PC{a + 1}: |cos| = {Math.Abs(dot)}");
            Assert.Equal(evd.EigenValues[order[a]].Real / total, plane.GetProperty("explained")[a].GetDouble(), 6);
        }
        string caption = await page.Locator(".explore-card.model-2 .projection").InnerTextAsync();
        Assert.Contains("PCA of the 1000 test means", caption);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task AutoencodersAreShownAsDeterministicAndComputedAsTheLibraryDoes()
    {
        // Two kinds without a log-variance head, with fixed random weights: a deep AE (encoder.code, Bernoulli decoder) and
        // a linear AE without biases whose Gaussian decoder's mean is its output itself (clamped to [0, 1]).
        string root = Path.Combine(fx.Root, "ae-" + Guid.NewGuid().ToString("N"));
        var configs = new[]
        {
            new ModelConfig { Kind = ModelKind.Ae, InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [24], Latent = 3, Activation = VaeSharp.Layers.Activation.Relu },
            new ModelConfig { Kind = ModelKind.LinearAe, Bias = false, InputSize = 784, ImageWidth = 28, ImageHeight = 28, Hidden = [], Latent = 4, Decoder = DecoderKind.Gaussian },
        };
        var explorers = new List<VaeSharp.Cli.Serve.ExplorerModel>();
        using var pool = new WorkerPool(1);
        for (int k = 0; k < configs.Length; k++)
        {
            var model = ModelFactory.Create(configs[k]);
            model.Initialize(VaeSharp.Models.Initialization.PyTorchDefault, Rng.ForStream(21, (ulong)k));
            string dir = Path.Combine(root, $"ae{k}");
            ModelFile.Save(dir, model, new TrainingState { Dataset = "mnist-sample" }, null);
            explorers.Add(VaeSharp.Cli.Serve.ExplorerModel.Load(dir, null, null, 200, pool, ExplorerFixture.LoadSplit));
        }
        await using var server = await VaeSharp.Cli.Serve.ExplorerServer.StartAsync(explorers, "127.0.0.1", 0);
        var (page, errors) = await Open(server.Address);
        var models = await page.EvaluateAsync<JsonElement>("() => window.explorer.models");
        for (int k = 0; k < configs.Length; k++)
        {
            Assert.True(models[k].GetProperty("deterministic").GetBoolean());
            var loaded = ModelFile.Load(Path.Combine(root, $"ae{k}"));
            var x = fx.Test.Row(3);
            var code = new float[loaded.Model.Latent];
            loaded.Model.EncodeMean(x, 1, code, WorkerPool.Single);
            var r = await page.EvaluateAsync<JsonElement>("([k, x]) => window.explorer.encode(k, x)", new object[] { k, x.ToArray().Select(v => (double)v).ToArray() });
            Close(code, Floats(r.GetProperty("mu")), Tolerance, $"{configs[k].Kind} code");
            Assert.All(Floats(r.GetProperty("sigma")), v => Assert.Equal(0f, v));
            var z = code.Select(v => v * 1.5f + 0.3f).ToArray();
            var got = Floats(await page.EvaluateAsync<JsonElement>("([k, z]) => window.explorer.decode(k, z)", new object[] { k, z.Select(v => (double)v).ToArray() }));
            var expected = new float[784];
            loaded.Model.DecodeMean(z, 1, expected, WorkerPool.Single);
            Close(expected, got, Tolerance, $"{configs[k].Kind} decode");
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [ChromiumFact]
    public async Task ScreenshotsOfEachView()
    {
        foreach (var (server, tag) in new[] { (fx.Single, "single"), (fx.Pair, "pair") })
        {
            var (page, errors) = await Open(server.Address);
            // Something in every view: a point picked on the map, a stroke on the pad.
            var map = page.Locator(".explore-card canvas.map").First;
            await map.ScrollIntoViewIfNeededAsync();
            var p = await page.EvaluateAsync<JsonElement>("() => window.explorer.mapPoint(0, 500)");
            await page.Mouse.MoveAsync((float)p.GetProperty("x").GetDouble() + 30, (float)p.GetProperty("y").GetDouble() - 20);
            await page.Mouse.DownAsync();
            await page.Mouse.UpAsync();
            foreach (var id in new[] { "explore", "draw", "interp", "samples" })
            {
                await page.Locator("#" + id).ScrollIntoViewIfNeededAsync();
                if (id == "draw")
                {
                    var box = (await page.Locator("canvas.pad").BoundingBoxAsync())!;
                    await page.Mouse.MoveAsync(box.X + box.Width * 0.5f, box.Y + box.Height * 0.2f);
                    await page.Mouse.DownAsync();
                    for (int s = 0; s <= 24; s++)
                    {
                        double t = s / 24.0 * 2 * Math.PI;
                        await page.Mouse.MoveAsync(box.X + box.Width * (0.5f + 0.2f * (float)Math.Sin(t)), box.Y + box.Height * (0.5f - 0.3f * (float)Math.Cos(t)));
                    }
                    await page.Mouse.UpAsync();
                }
                await Shot(page, $"{tag}-{id}", "#" + id);
            }
            await page.SetViewportSizeAsync(1280, 800);
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{tag}-1280x800.png") });
            output.WriteLine($"screenshot: {Path.Combine(BrowserFixture.ScreenshotDirectory, $"{tag}-1280x800.png")}");
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            await page.CloseAsync();
        }
    }
}
