using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace VaeSharp.Cli.Serve;

/// <summary>
/// The latent-space explorer's web server (Kestrel from the ASP.NET Core shared framework). It serves a fixed table of
/// routes built at start, every one from memory: the page's assets (embedded in this assembly) and, per model, its weights,
/// manifest and test subset. Nothing is ever read from a path taken from a request, so there is nothing to traverse.
/// Only GET and HEAD are answered, and a request that carries a body is refused (413) without reading it.
/// </summary>
internal sealed class ExplorerServer : IAsyncDisposable
{
    /// <summary>Largest request line Kestrel accepts (longer: 414).</summary>
    public const int MaxRequestLine = 8 * 1024;
    /// <summary>Largest total size of request headers (larger: 431).</summary>
    public const int MaxRequestHeaders = 16 * 1024;

    /// <summary>The page's assets: route → (embedded resource file, content type).</summary>
    internal static readonly IReadOnlyDictionary<string, (string File, string ContentType)> Assets = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/app.js"] = ("app.js", "text/javascript; charset=utf-8"),
        ["/vae.js"] = ("vae.js", "text/javascript; charset=utf-8"),
        ["/views.js"] = ("views.js", "text/javascript; charset=utf-8"),
        ["/style.css"] = ("style.css", "text/css; charset=utf-8"),
        ["/favicon.svg"] = ("favicon.svg", "image/svg+xml"),
    };

    private readonly WebApplication _app;

    private ExplorerServer(WebApplication app, Uri address, IReadOnlyDictionary<string, Resource> routes)
    {
        _app = app;
        Address = address;
        Routes = routes;
    }

    /// <summary>The address the server listens on (with the actual port when port 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Every route served.</summary>
    public IReadOnlyDictionary<string, Resource> Routes { get; }

    /// <summary>A response held in memory.</summary>
    internal sealed record Resource(string ContentType, byte[] Body);

    /// <summary>The route table for <paramref name="models"/> (1 or 2).</summary>
    internal static Dictionary<string, Resource> BuildRoutes(IReadOnlyList<ExplorerModel> models)
    {
        var routes = new Dictionary<string, Resource>(StringComparer.Ordinal);
        var assembly = typeof(ExplorerServer).Assembly;
        foreach (var (route, (file, type)) in Assets)
            routes[route] = new Resource(type, ReadResource(assembly, file));
        var list = new List<object>();
        for (int k = 0; k < models.Count; k++)
        {
            var m = models[k];
            string prefix = $"/models/{k + 1}/";
            routes[prefix + "model.safetensors"] = new Resource("application/octet-stream", m.Weights);
            routes[prefix + "model.json"] = new Resource("application/json", m.Manifest);
            routes[prefix + "test.json"] = new Resource("application/json", m.TestJson);
            routes[prefix + "test-images.bin"] = new Resource("application/octet-stream", m.TestImages);
            list.Add(new { id = k + 1, name = m.Name, base_url = prefix });
        }
        routes["/models.json"] = new Resource("application/json", JsonSerializer.SerializeToUtf8Bytes(new { models = list }));
        return routes;
    }

    private static byte[] ReadResource(Assembly assembly, string file)
    {
        string name = "VaeSharp.Cli.Serve.wwwroot." + file;
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing from {assembly.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Parses <paramref name="host"/> ("localhost" or an IP address) and tells whether it is loopback only.
    /// </summary>
    public static (IPAddress? Address, bool Loopback) ParseHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return (null, true);
        if (!IPAddress.TryParse(host, out var address))
            throw new ArgumentException($"--host: '{host}' is not an IP address or 'localhost'.");
        return (address, IPAddress.IsLoopback(address));
    }

    /// <summary>Starts serving <paramref name="models"/> on <paramref name="host"/>:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<ExplorerServer> StartAsync(IReadOnlyList<ExplorerModel> models, string host, int port, CancellationToken cancellationToken = default)
    {
        if (models.Count is < 1 or > 2) throw new ArgumentException("The explorer shows one or two models.");
        if (port is < 0 or > 65535) throw new ArgumentException($"--port must be between 0 and 65535 (got {port}).");
        var (address, _) = ParseHost(host);
        var routes = BuildRoutes(models);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "vae-serve" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = 1024;
            o.Limits.MaxRequestLineSize = MaxRequestLine;
            o.Limits.MaxRequestHeadersTotalSize = MaxRequestHeaders;
            o.Limits.MaxRequestHeaderCount = 64;
            if (address is null) o.ListenLocalhost(port);
            else o.Listen(address, port);
        });
        var app = builder.Build();
        app.Run(context => Handle(context, routes));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"--port {port}: cannot listen on {host} ({e.Message}).", e);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(bound);
        if (address is not null && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
            uri = new UriBuilder(uri) { Host = "127.0.0.1" }.Uri; // a browsable address for a wildcard bind
        if (address is null) uri = new UriBuilder(uri) { Host = "localhost" }.Uri;
        return new ExplorerServer(app, new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"), routes);
    }

    private static Task Handle(HttpContext context, IReadOnlyDictionary<string, Resource> routes)
    {
        var request = context.Request;
        var response = context.Response;
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        bool head = HttpMethods.IsHead(request.Method);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            headers.Connection = "close";
            return Text(response, StatusCodes.Status413PayloadTooLarge, "request bodies are not accepted", head);
        }
        if (!head && !HttpMethods.IsGet(request.Method))
        {
            headers.Allow = "GET, HEAD";
            return Text(response, StatusCodes.Status405MethodNotAllowed, "only GET and HEAD are served", head);
        }
        // Kestrel has already decoded and normalized the path; it is only ever a key into the fixed table.
        if (!routes.TryGetValue(request.Path.Value ?? "", out var resource))
            return Text(response, StatusCodes.Status404NotFound, "not found", head);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = resource.ContentType;
        response.ContentLength = resource.Body.Length;
        if (resource.ContentType.StartsWith("text/html", StringComparison.Ordinal))
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
                                            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return head ? Task.CompletedTask : response.Body.WriteAsync(resource.Body).AsTask();
    }

    private static Task Text(HttpResponse response, int status, string message, bool head)
    {
        byte[] body = Encoding.UTF8.GetBytes(message + "\n");
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        return head ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>Stops listening, letting requests in flight finish (for at most a few seconds).</summary>
    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
