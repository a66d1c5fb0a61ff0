using System.Net;
using System.Net.Sockets;
using System.Text;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vaesharp-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Small synthetic IDX fixtures.</summary>
internal static class Fixtures
{
    public const int Rows = 3, Columns = 4;

    /// <summary>count images of 3×4 whose pixel j of image i is (i * 31 + j * 7) % 256.</summary>
    public static byte[] Pixels(int count)
    {
        var p = new byte[count * Rows * Columns];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < Rows * Columns; j++)
                p[i * Rows * Columns + j] = (byte)((i * 31 + j * 7) % 256);
        return p;
    }

    public static byte[] Labels(int count) => Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();

    public static byte[] ImageFileBytes(int count, bool gzip = false)
    {
        var ms = new MemoryStream();
        IdxWriter.WriteImages(ms, Pixels(count), count, Rows, Columns);
        return gzip ? Gzip(ms.ToArray()) : ms.ToArray();
    }

    public static byte[] LabelFileBytes(int count, bool gzip = false)
    {
        var ms = new MemoryStream();
        IdxWriter.WriteLabels(ms, Labels(count));
        return gzip ? Gzip(ms.ToArray()) : ms.ToArray();
    }

    public static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return ms.ToArray();
    }

    /// <summary>Writes the train and test pairs under their standard names into dir.</summary>
    public static void WriteStandardFiles(string dir, int trainCount, int testCount, bool gzip = true)
    {
        string ext = gzip ? ".gz" : "";
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "train-images-idx3-ubyte" + ext), ImageFileBytes(trainCount, gzip));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "train-labels-idx1-ubyte" + ext), LabelFileBytes(trainCount, gzip));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "t10k-images-idx3-ubyte" + ext), ImageFileBytes(testCount, gzip));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(dir, "t10k-labels-idx1-ubyte" + ext), LabelFileBytes(testCount, gzip));
    }
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for downloader tests. Each route returns a status and
/// a body; a route may announce the full length and then close the connection early (a broken transfer).
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    /// <summary>What a path answers. <paramref name="CutAfter"/>: close the connection after that many body bytes;
    /// <paramref name="StallAfter"/>: send that many body bytes, then nothing until the server is disposed;
    /// <paramref name="Location"/>: a redirect target (with a 3xx status); <paramref name="Ranges"/>: honour
    /// <c>Range: bytes=N-</c> with 206 and Content-Range.</summary>
    public sealed record Route(int Status, byte[] Body, int? CutAfter = null, int? StallAfter = null, string? Location = null, bool Ranges = false);

    private readonly List<string> _log = [];

    /// <summary>Every request so far as "PATH" or "PATH bytes=N-" (with its Range header).</summary>
    public IReadOnlyList<string> Log { get { lock (_log) return [.. _log]; } }

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private int _requests;

    public LocalHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    public int Requests => Volatile.Read(ref _requests);

    public Uri Mirror(string prefix) => new($"http://127.0.0.1:{Port}/{prefix}/");

    public void Serve(string path, Route route)
    {
        lock (_routes) _routes[path] = route;
    }

    /// <summary>A port on which nothing listens (connection refused).</summary>
    public static int ClosedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(client));
        }
    }

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buf = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 8192)
                {
                    if (await stream.ReadAsync(buf, _stop.Token) == 0) return;
                    head.Append((char)buf[0]);
                }
                Interlocked.Increment(ref _requests);
                string[] lines = head.ToString().Split("\r\n");
                string path = lines[0].Split(' ')[1];
                string? range = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))?[6..].Trim();
                lock (_log) _log.Add(range is null ? path : $"{path} {range}");
                Route? route;
                lock (_routes) route = _routes.GetValueOrDefault(path);
                route ??= new Route(404, Encoding.ASCII.GetBytes("not found"));
                int status = route.Status;
                int from = 0;
                if (route.Ranges && status == 200 && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
                    && int.TryParse(range[6..^1], out int f))
                {
                    if (f >= route.Body.Length) status = 416;
                    else { status = 206; from = f; }
                }
                byte[] body = status == 416 ? [] : route.Body[from..];
                string reason = status switch { 200 => "OK", 206 => "Partial Content", 404 => "Not Found", 416 => "Range Not Satisfiable", 302 => "Found", _ => "Error" };
                string header = $"HTTP/1.1 {status} {reason}\r\nContent-Length: {body.Length}\r\n" +
                                (status == 206 ? $"Content-Range: bytes {from}-{route.Body.Length - 1}/{route.Body.Length}\r\n" : "") +
                                (route.Location is { } loc ? $"Location: {loc}\r\n" : "") +
                                "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
                int send = Math.Min(body.Length, route.CutAfter ?? route.StallAfter ?? body.Length);
                await stream.WriteAsync(body.AsMemory(0, send), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                if (route.StallAfter is not null)
                    await Task.Delay(TimeSpan.FromMinutes(2), _stop.Token); // silent until the test disposes the server
                if (route.CutAfter is not null) client.Client.Close(0); // abortive close mid-body
            }
            catch (Exception) { /* client went away */ }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
