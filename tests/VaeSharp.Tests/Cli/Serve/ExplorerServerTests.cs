using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VaeSharp.Cli.Serve;
using VaeSharp.Evaluation;
using VaeSharp.IO;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Cli.Serve;

/// <summary>The explorer's web server, in process on free loopback ports: every route, and everything it must refuse.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class ExplorerServerTests(ExplorerFixture fx)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task EveryRouteAnswersWithItsResource()
    {
        string[] expected =
        [
            "/", "/app.js", "/vae.js", "/views.js", "/style.css", "/favicon.svg", "/models.json",
            "/models/1/model.safetensors", "/models/1/model.json", "/models/1/test.json", "/models/1/test-images.bin",
            "/models/2/model.safetensors", "/models/2/model.json", "/models/2/test.json", "/models/2/test-images.bin",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), fx.Pair.Routes.Keys.Order(StringComparer.Ordinal));
        foreach (var route in expected)
        {
            using var response = await Http.GetAsync(new Uri(fx.Pair.Address, route));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            byte[] body = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(fx.Pair.Routes[route].Body, body);
            Assert.Equal(fx.Pair.Routes[route].ContentType, response.Content.Headers.ContentType!.ToString());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
        // The page itself: a content security policy that allows this origin only (no external requests).
        using var page = await Http.GetAsync(fx.Pair.Address);
        string csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'self'", csp);
        Assert.DoesNotContain("http", csp);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"/app.js\">", html);
    }

    [Fact]
    public async Task ModelFilesAreServedByteForByte()
    {
        foreach (var (k, dir) in new[] { (1, fx.Model2D), (2, fx.Model5D) })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, ModelFile.WeightsFile)), await Http.GetByteArrayAsync(new Uri(fx.Pair.Address, $"/models/{k}/model.safetensors")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, ModelFile.ManifestFile)), await Http.GetByteArrayAsync(new Uri(fx.Pair.Address, $"/models/{k}/model.json")));
        }
        using var list = JsonDocument.Parse(await Http.GetStringAsync(new Uri(fx.Pair.Address, "/models.json")));
        var models = list.RootElement.GetProperty("models");
        Assert.Equal(2, models.GetArrayLength());
        Assert.Equal("vae-2d", models[0].GetProperty("name").GetString());
        Assert.Equal("/models/2/", models[1].GetProperty("base_url").GetString());
    }

    [Fact]
    public async Task TestSubsetHoldsTheLibrarysMeansLabelsAndPixels()
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri(fx.Pair.Address, "/models/2/test.json")));
        var root = doc.RootElement;
        int n = root.GetProperty("count").GetInt32();
        Assert.Equal(ExplorerFixture.Count, n);
        Assert.Equal(5, root.GetProperty("latent").GetInt32());
        Assert.Equal(fx.Test.Count, root.GetProperty("split_count").GetInt32());
        int[] indices = root.GetProperty("indices").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(n, indices.Distinct().Count());
        Assert.All(indices, i => Assert.InRange(i, 0, fx.Test.Count - 1));
        // Evenly spaced, so every class of the class-ordered sample is there.
        int[] labels = root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(indices.Select(i => (int)fx.Test.Labels![i]), labels);
        Assert.Equal(10, labels.Distinct().Count());

        var subset = fx.Test.Subset(indices);
        float[] expected = Pictures.EncodeMeans(fx.Loaded5D.Model, subset, WorkerPool.Single);
        float[] mu = root.GetProperty("mu").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(expected, mu); // exact: JSON keeps every float32 bit

        byte[] pixels = await Http.GetByteArrayAsync(new Uri(fx.Pair.Address, "/models/2/test-images.bin"));
        Assert.Equal(n * 784, pixels.Length);
        for (int i = 0; i < pixels.Length; i++)
            Assert.Equal(subset.Features[i], pixels[i] / 255f);
    }

    [Fact]
    public async Task HeadAnswersWithoutABodyAndOtherMethodsAreRefused()
    {
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(fx.Single.Address, "/models/1/model.safetensors")));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(fx.Single.Routes["/models/1/model.safetensors"].Body.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        foreach (var method in new[] { HttpMethod.Delete, HttpMethod.Options, new HttpMethod("PROPFIND"), HttpMethod.Post, HttpMethod.Put })
        {
            using var r = await Http.SendAsync(new HttpRequestMessage(method, new Uri(fx.Single.Address, "/")));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, r.StatusCode);
            Assert.Equal("GET, HEAD", string.Join(", ", r.Content.Headers.Allow));
        }
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/index.html")]
    [InlineData("/models/1/")]
    [InlineData("/models/1")]
    [InlineData("/models/3/model.json")]
    [InlineData("/models/1/optimizer.safetensors")]
    [InlineData("/models/1/metrics.csv")]
    [InlineData("/models/01/model.json")]
    [InlineData("/APP.JS")]
    [InlineData("/app.js/")]
    public async Task AnythingButANamedRouteIsNotFound(string path)
    {
        using var r = await Http.GetAsync(new Uri(fx.Single.Address, path));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("not found\n", await r.Content.ReadAsStringAsync());
    }

    /// <summary>Traversal attempts, sent as raw bytes so no client normalizes them first.</summary>
    [Theory]
    [InlineData("/../../../../etc/passwd")]
    [InlineData("/models/1/../../../../etc/passwd")]
    [InlineData("/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/%2e%2e%2f%2e%2e%2fetc%2fpasswd")]
    [InlineData("/models/1/%2e%2e%2fmodel.safetensors")]
    [InlineData("/models/1/..%2f..%2foptimizer.safetensors")]
    [InlineData("/models/1/%2E%2E/optimizer.safetensors")]
    [InlineData("/..%5c..%5cetc%5cpasswd")]
    [InlineData("/..\\..\\etc\\passwd")]
    [InlineData("/%252e%252e%252fetc%252fpasswd")]
    [InlineData("//etc/passwd")]
    [InlineData("/models/1/model.json%00.png")]
    [InlineData("/models/1/./optimizer.safetensors")]
    public async Task TraversalAttemptsReachNothing(string target)
    {
        var (status, _, body) = await Raw($"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.True(status is 400 or 404, $"{target}: status {status}");
        Assert.DoesNotContain("root:", body);
        Assert.DoesNotContain("F32", body);
    }

    [Fact]
    public async Task DotSegmentsResolveInsideTheRouteTableOnly()
    {
        // Kestrel resolves "." and ".." in the URL before routing, so this names a route that exists; never a file.
        var (status, _, body) = await Raw("GET /models/1/../1/model.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, status);
        Assert.Equal(Encoding.UTF8.GetString(fx.Single.Routes["/models/1/model.json"].Body), body);
    }

    [Fact]
    public async Task OversizedRequestsAreRefused()
    {
        // A request line past the limit: 414.
        var (status, _, _) = await Raw($"GET /{new string('a', ExplorerServer.MaxRequestLine + 100)} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(414, status);
        // Headers past the limit: 431.
        (status, _, _) = await Raw($"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {new string('b', ExplorerServer.MaxRequestHeaders + 100)}\r\n\r\n");
        Assert.Equal(431, status);
        // A body announced (1 GB, never sent) is refused at once, without waiting for it.
        (status, var headers, _) = await Raw("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\nabc");
        Assert.Equal(413, status);
        Assert.Contains("connection: close", headers, StringComparison.OrdinalIgnoreCase);
        (status, _, _) = await Raw("GET /models/1/model.json HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
        Assert.Equal(413, status);
        (status, _, _) = await Raw("GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        Assert.Equal(413, status);
        // The server is still well after all of that.
        using var r = await Http.GetAsync(fx.Single.Address);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public void HostsAreParsedAndLoopbackIsRecognized()
    {
        Assert.True(ExplorerServer.ParseHost("127.0.0.1").Loopback);
        Assert.True(ExplorerServer.ParseHost("::1").Loopback);
        Assert.True(ExplorerServer.ParseHost("localhost").Loopback);
        Assert.False(ExplorerServer.ParseHost("0.0.0.0").Loopback);
        Assert.False(ExplorerServer.ParseHost("192.168.1.20").Loopback);
        var e = Assert.Throws<ArgumentException>(() => ExplorerServer.ParseHost("example.com"));
        Assert.Contains("--host", e.Message);
    }

    [Fact]
    public void ABrokenModelFolderIsRefusedWithTheLibrarysError()
    {
        string broken = Path.Combine(fx.Root, "broken-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(broken);
        foreach (var f in Directory.GetFiles(fx.Model2D)) File.Copy(f, Path.Combine(broken, Path.GetFileName(f)));
        string weights = Path.Combine(broken, ModelFile.WeightsFile);
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]); // truncated
        using var pool = new WorkerPool(1);
        var e = Assert.Throws<InvalidDataException>(() => ExplorerModel.Load(broken, null, null, 10, pool, ExplorerFixture.LoadSplit));
        Assert.Contains(weights, e.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => ExplorerModel.Load(Path.Combine(fx.Root, "no-such-model"), null, null, 10, pool, ExplorerFixture.LoadSplit));
        Assert.Contains("no such model folder", missing.Message);
    }

    [Fact]
    public async Task TheCommandRefusesABrokenFolderAtStartAndServesAGoodOneUntilInterrupted()
    {
        string broken = Path.Combine(fx.Root, "broken-cmd");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, ModelFile.ManifestFile), "{ not json");
        var (code, _, stderr) = await RunVae(["serve", "--model", broken, "--port", "0"], TimeSpan.FromSeconds(60));
        Assert.Equal(1, code);
        Assert.StartsWith("vae: ", stderr);
        Assert.Contains(Path.Combine(broken, ModelFile.ManifestFile), stderr);

        // A good folder: the command prints the address, serves, and stops cleanly on SIGINT (Ctrl+C).
        using var process = StartVae(["serve", "--model", fx.Model2D, "--port", "0", "--count", "50", "--threads", "1"]);
        string? address = null;
        var lines = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (address is null && DateTime.UtcNow < deadline)
        {
            string? line = await process.StandardOutput.ReadLineAsync();
            if (line is null) break;
            lines.Add(line);
            var m = System.Text.RegularExpressions.Regex.Match(line, @"serving the latent explorer at (http://\S+)");
            if (m.Success) address = m.Groups[1].Value;
        }
        Assert.True(address is not null, "no address printed: " + string.Join(" | ", lines));
        Assert.StartsWith("http://127.0.0.1:", address);
        using (var r = await Http.GetAsync(address))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            kill.WaitForExit();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(wait.Token); }
        finally { if (!process.HasExited) process.Kill(); }
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("stopped.", await process.StandardOutput.ReadToEndAsync());
    }

    private static Process StartVae(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vae.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static async Task<(int Code, string Out, string Err)> RunVae(string[] args, TimeSpan timeout)
    {
        using var p = StartVae(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Sends raw bytes and reads the whole response (status, headers, body) until the server closes or 10 s pass.</summary>
    private async Task<(int Status, string Headers, string Body)> Raw(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fx.Single.Address.Host, fx.Single.Address.Port);
        var stream = client.GetStream();
        stream.ReadTimeout = 10_000;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token); }
        catch (IOException) { } // the server may close before reading everything it was sent
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            while (true)
            {
                int n = await stream.ReadAsync(chunk, cts.Token);
                if (n == 0) break;
                buffer.Write(chunk, 0, n);
                if (TryComplete(buffer.ToArray(), out _)) break;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
        string text = Encoding.UTF8.GetString(buffer.ToArray());
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no complete response to {request[..Math.Min(60, request.Length)]}: '{text}'");
        string head = text[..split];
        int status = int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, head, text[(split + 4)..]);
    }

    private static bool TryComplete(byte[] data, out int length)
    {
        length = 0;
        string text = Encoding.UTF8.GetString(data);
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) return false;
        var m = System.Text.RegularExpressions.Regex.Match(text[..split], @"content-length:\s*(\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success) return false;
        length = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return data.Length >= Encoding.UTF8.GetByteCount(text[..split]) + 4 + length;
    }
}
