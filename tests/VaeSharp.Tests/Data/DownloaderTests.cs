using System.Security.Cryptography;
using VaeSharp.Data;

namespace VaeSharp.Tests.Data;

public sealed class DownloaderTests : IDisposable
{
    private const string Images = "train-images-idx3-ubyte.gz", Labels = "train-labels-idx1-ubyte.gz";
    private static readonly string[] TrainFiles = [Images, Labels];

    private readonly TempDir _cache = new();
    private readonly LocalHttpServer _server = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };
    private readonly byte[] _images = Fixtures.ImageFileBytes(7, gzip: true);
    private readonly byte[] _labels = Fixtures.LabelFileBytes(7, gzip: true);

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _cache.Dispose();
    }

    private RemoteDataset Source(string name, params Uri[] mirrors) => new(name, mirrors,
    [
        new RemoteFile(Images, Convert.ToHexStringLower(SHA256.HashData(_images))),
        new RemoteFile(Labels, Convert.ToHexStringLower(MD5.HashData(_labels))), // MD5 works too
        new RemoteFile("t10k-images-idx3-ubyte.gz", new string('0', 64)),
        new RemoteFile("t10k-labels-idx1-ubyte.gz", new string('0', 64)),
    ]);

    private void ServeGood(string prefix)
    {
        _server.Serve($"/{prefix}/{Images}", new(200, _images));
        _server.Serve($"/{prefix}/{Labels}", new(200, _labels));
    }

    private string[] CacheContents(string sub) =>
        Directory.Exists(Path.Combine(_cache.Path, sub)) ? Directory.GetFiles(Path.Combine(_cache.Path, sub)).Select(f => Path.GetFileName(f)).ToArray() : [];

    private sealed class ListProgress : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];
        public void Report(DownloadProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public async Task Downloads_verifies_and_reports_progress()
    {
        ServeGood("a");
        var downloader = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("a"))]);
        var progress = new ListProgress();
        string dir = Path.Combine(_cache.Path, "mnist");
        var paths = await downloader.EnsureFilesAsync("mnist", TrainFiles, dir, progress);

        Assert.Equal(_images, File.ReadAllBytes(paths[0]));
        Assert.Equal(_labels, File.ReadAllBytes(paths[1]));
        Assert.Equal(TrainFiles.Order(), CacheContents("mnist").Order()); // no .part left behind
        var last = progress.Reports.Last(r => r.FileName == Images);
        Assert.Equal(_images.Length, last.BytesReceived);
        Assert.Equal(_images.Length, last.TotalBytes);
        Assert.Equal(new Uri(_server.Mirror("a"), Images), last.Source);

        // A second call finds the files and asks the server nothing.
        int before = _server.Requests;
        await downloader.EnsureFilesAsync("mnist", TrainFiles, dir);
        Assert.Equal(before, _server.Requests);
    }

    [Fact]
    public async Task Checksum_mismatch_on_first_mirror_falls_back_to_second()
    {
        var tampered = (byte[])_images.Clone();
        tampered[^9] ^= 1;
        _server.Serve($"/bad/{Images}", new(200, tampered));
        _server.Serve($"/bad/{Labels}", new(200, _labels));
        ServeGood("good");
        var downloader = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("bad"), _server.Mirror("good"))]);
        var progress = new ListProgress();
        var paths = await downloader.EnsureFilesAsync("mnist", TrainFiles, Path.Combine(_cache.Path, "mnist"), progress);

        Assert.Equal(_images, File.ReadAllBytes(paths[0]));
        Assert.Contains(progress.Reports, r => r.Source.AbsolutePath.StartsWith("/bad/", StringComparison.Ordinal));
        Assert.Contains(progress.Reports, r => r.Source.AbsolutePath == $"/good/{Images}");
        Assert.Equal(TrainFiles.Order(), CacheContents("mnist").Order());
    }

    [Fact]
    public async Task All_mirrors_failing_explains_what_to_do_and_leaves_no_file()
    {
        var tampered = (byte[])_images.Clone();
        tampered[^9] ^= 1;
        _server.Serve($"/wrong/{Images}", new(200, tampered));
        _server.Serve($"/cut/{Images}", new(200, _images, CutAfter: _images.Length / 2)); // connection dropped mid-body
        Uri refused = new($"http://127.0.0.1:{LocalHttpServer.ClosedPort()}/x/");
        var downloader = new DatasetDownloader(_http,
            [Source("mnist", _server.Mirror("missing"), _server.Mirror("wrong"), _server.Mirror("cut"), refused)], new DownloadOptions { MaxRounds = 1 });
        string dir = Path.Combine(_cache.Path, "mnist");

        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => downloader.EnsureFilesAsync("mnist", TrainFiles, dir));

        Assert.Equal("mnist", e.DatasetName);
        Assert.Equal(4, e.Attempts.Count);
        Assert.Contains("HTTP 404", e.Attempts[0]);
        Assert.Contains("checksum mismatch", e.Attempts[1]);
        Assert.Contains("/cut/", e.Attempts[2]);
        Assert.Contains(refused.Authority, e.Attempts[3]);
        Assert.Contains(Images, e.Message);
        Assert.Contains(Labels, e.Message);
        Assert.Contains("--data-dir DIR", e.Message);
        Assert.Contains(dir, e.Message);
        Assert.Contains("mnist-sample", e.Message);
        Assert.DoesNotContain("apt-get", e.Message);
        // No complete file; only the bytes of the transfer that broke off, kept for a resume.
        Assert.Equal([Images + ".part"], CacheContents("mnist"));
        Assert.Contains(Images + ".part", e.Message);
    }

    private static readonly DownloadOptions Quick = new() { ReadTimeout = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task A_stalled_transfer_is_abandoned_and_resumed_from_the_next_mirror_with_a_range_request()
    {
        int half = _images.Length / 2;
        _server.Serve($"/stall/{Images}", new(200, _images, StallAfter: half));
        _server.Serve($"/good/{Images}", new(200, _images, Ranges: true));
        _server.Serve($"/good/{Labels}", new(200, _labels, Ranges: true));
        var downloader = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("stall"), _server.Mirror("good"))], Quick);
        var progress = new ListProgress();
        var paths = await downloader.EnsureFilesAsync("mnist", TrainFiles, Path.Combine(_cache.Path, "mnist"), progress);

        Assert.Equal(_images, File.ReadAllBytes(paths[0]));
        Assert.Contains($"/good/{Images} bytes={half}-", _server.Log);
        Assert.Equal(TrainFiles.Order(), CacheContents("mnist").Order());
        var last = progress.Reports.Last(r => r.FileName == Images);
        Assert.Equal((long)_images.Length, last.BytesReceived);
        Assert.Equal(_images.Length, last.TotalBytes);
    }

    [Fact]
    public async Task A_broken_transfer_is_resumed_by_the_next_run()
    {
        string dir = Path.Combine(_cache.Path, "mnist");
        int cut = _images.Length / 3;
        _server.Serve($"/m/{Images}", new(200, _images, CutAfter: cut));
        var downloader = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("m"))], Quick with { MaxRounds = 1 });
        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => downloader.EnsureFilesAsync("mnist", [Images], dir));
        Assert.Contains("kept for a resume", e.Attempts[0]);
        Assert.Equal(cut, new FileInfo(DatasetDownloader.PartialPath(dir, Images)).Length);
        Assert.Contains($"the {cut} bytes received are kept in {DatasetDownloader.PartialPath(dir, Images)}", e.Message);

        _server.Serve($"/m/{Images}", new(200, _images, Ranges: true));
        var paths = await downloader.EnsureFilesAsync("mnist", [Images], dir);
        Assert.Equal(_images, File.ReadAllBytes(paths[0]));
        Assert.Equal($"/m/{Images} bytes={cut}-", _server.Log[^1]);
        Assert.Equal([Images], CacheContents("mnist"));
    }

    [Fact]
    public async Task A_server_that_ignores_range_or_refuses_it_restarts_cleanly()
    {
        string dir = Path.Combine(_cache.Path, "mnist");
        Directory.CreateDirectory(dir);
        // A .part that does not even match the file: a 200 answer to the Range request starts afresh.
        File.WriteAllBytes(DatasetDownloader.PartialPath(dir, Images), [1, 2, 3]);
        _server.Serve($"/plain/{Images}", new(200, _images));
        var plain = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("plain"))], Quick);
        Assert.Equal(_images, File.ReadAllBytes((await plain.EnsureFilesAsync("mnist", [Images], dir))[0]));
        Assert.Equal($"/plain/{Images} bytes=3-", _server.Log[^1]);

        // A .part longer than the file: 416, discarded, and the next pass fetches the whole file.
        File.Delete(Path.Combine(dir, Images));
        File.WriteAllBytes(DatasetDownloader.PartialPath(dir, Images), new byte[_images.Length + 5]);
        _server.Serve($"/r/{Images}", new(200, _images, Ranges: true));
        var ranged = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("r"))], Quick);
        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => ranged.EnsureFilesAsync("mnist", [Images], dir));
        Assert.Contains("HTTP 416", e.Attempts[0]);
        Assert.False(File.Exists(DatasetDownloader.PartialPath(dir, Images)));
        Assert.Equal(_images, File.ReadAllBytes((await ranged.EnsureFilesAsync("mnist", [Images], dir))[0]));
    }

    [Fact]
    public async Task Redirects_are_followed()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = true, MaxAutomaticRedirections = 3 });
        _server.Serve($"/old/{Images}", new(302, [], Location: $"http://127.0.0.1:{_server.Port}/new/{Images}"));
        _server.Serve($"/new/{Images}", new(200, _images));
        var downloader = new DatasetDownloader(http, [Source("mnist", _server.Mirror("old"))], Quick);
        var paths = await downloader.EnsureFilesAsync("mnist", [Images], Path.Combine(_cache.Path, "mnist"));
        Assert.Equal(_images, File.ReadAllBytes(paths[0]));
        Assert.Equal([$"/old/{Images}", $"/new/{Images}"], _server.Log);

        // A redirect loop ends in an error, not a hang.
        _server.Serve($"/loop/{Labels}", new(302, [], Location: $"http://127.0.0.1:{_server.Port}/loop/{Labels}"));
        var looping = new DatasetDownloader(http, [Source("mnist", _server.Mirror("loop"))], Quick);
        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => looping.EnsureFilesAsync("mnist", [Labels], Path.Combine(_cache.Path, "mnist")));
        Assert.Single(e.Attempts);
        Assert.True(_server.Log.Count(l => l.StartsWith("/loop/", StringComparison.Ordinal)) <= 4);
    }

    [Fact]
    public async Task The_failure_message_names_every_file_where_to_get_it_and_where_to_put_it()
    {
        var downloader = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("a"), _server.Mirror("b"))], Quick);
        string dir = Path.Combine(_cache.Path, "mnist");
        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => downloader.EnsureFilesAsync("mnist", TrainFiles, dir));
        foreach (string f in TrainFiles)
            Assert.Contains($"{f}  from {_server.Mirror("a")}{f} or {_server.Mirror("b")}{f}", e.Message);
        Assert.Contains($"put them in the cache folder {dir}", e.Message);
        // Two 404s for the first file, and no second pass: it made no progress.
        Assert.Equal(2, e.Attempts.Count);
        Assert.All(e.Attempts, a => Assert.Contains("HTTP 404", a));
    }

    [Fact]
    public void Timeouts_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetDownloader(_http, null, new DownloadOptions { ReadTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetDownloader(_http, null, new DownloadOptions { ConnectTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetDownloader(_http, null, new DownloadOptions { MaxRounds = 0 }));
        Assert.Equal(TimeSpan.FromSeconds(15), new DownloadOptions().ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), new DownloadOptions().ReadTimeout);
    }

    [Fact]
    public async Task Fashion_failure_mentions_the_debian_package()
    {
        var downloader = new DatasetDownloader(_http, [Source("fashion-mnist", _server.Mirror("none"))]);
        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() =>
            downloader.EnsureFilesAsync("fashion-mnist", TrainFiles, Path.Combine(_cache.Path, "fashion-mnist")));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains(DatasetCatalog.FashionMnistSystemDirectory, e.Message);
    }

    [Fact]
    public void Bad_checksum_text_is_rejected_up_front()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new DatasetDownloader(_http, [new RemoteDataset("x", [_server.Mirror("a")], [new RemoteFile("f", "abc")])]));
        Assert.Contains("32 (MD5) or 64 (SHA-256)", e.Message);
    }

    [Fact]
    public void Default_sources_cover_every_file_of_every_downloadable_dataset()
    {
        Assert.Equal(DatasetCatalog.Names.Skip(1), DatasetDownloader.DefaultSources.Select(s => s.Name));
        foreach (var s in DatasetDownloader.DefaultSources)
        {
            Assert.True(s.Mirrors.Count >= (s.Name.EndsWith("mnist", StringComparison.Ordinal) && s.Name != "binarized-mnist" ? 2 : 1), s.Name);
            var wanted = DatasetCatalog.SplitsOf(s.Name).SelectMany(split => DatasetCatalog.FileNames(s.Name, split)).Distinct();
            Assert.Equal(wanted.Order(), s.Files.Select(f => f.FileName).Order());
        }
        _ = new DatasetDownloader(); // validates every checksum
    }

    [Fact]
    public async Task Default_mnist_checksums_match_the_real_files_when_present()
    {
        string? dir = RealData.MnistDirectory();
        if (dir is null) return; // reported by CatalogTests.Real_mnist_loads_when_present
        var mnist = DatasetDownloader.DefaultSources.Single(s => s.Name == "mnist");
        foreach (var file in mnist.Files)
        {
            await using var stream = File.OpenRead(Path.Combine(dir, file.FileName));
            Assert.Equal(file.Checksum, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)));
        }
    }

    [Fact]
    public void Catalog_downloads_into_the_cache_then_reuses_it()
    {
        ServeGood("m");
        var request = new DatasetRequest
        {
            Name = "mnist",
            CacheDir = _cache.Path,
            UseSystemLocations = false,
            Downloader = new DatasetDownloader(_http, [Source("mnist", _server.Mirror("m"))]),
        };
        var d = DatasetCatalog.Load(request);
        Assert.Equal(7, d.Count);
        Assert.Equal("mnist/train", d.Name);
        int requests = _server.Requests;
        Assert.Equal(7, DatasetCatalog.Load(request with { AllowDownload = false }).Count);
        Assert.Equal(requests, _server.Requests);
        Assert.True(File.Exists(Path.Combine(_cache.Path, "mnist", Images)));
    }
}
