using System.Security.Cryptography;

namespace VaeSharp.Data;

/// <summary>Progress of one file download.</summary>
/// <param name="FileName">The standard file name being downloaded.</param>
/// <param name="BytesReceived">Bytes received so far from the current mirror.</param>
/// <param name="TotalBytes">The size announced by the server, when it announced one.</param>
/// <param name="Source">The URL being read.</param>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long? TotalBytes, Uri Source);

/// <summary>Timeouts and retries of <see cref="DatasetDownloader"/>.</summary>
public sealed record DownloadOptions
{
    /// <summary>How long to wait for a TCP (and TLS) connection to a mirror. Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for the response headers, and then for each block of data: a transfer that stalls this
    /// long is abandoned (its bytes kept for a resume). Default 30 s.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Passes over the mirror list; a further pass is made only when the previous one received bytes. Default 2.</summary>
    public int MaxRounds { get; init; } = 2;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a non-positive timeout or round count.</summary>
    public void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "The connect timeout must be positive.");
        if (ReadTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReadTimeout), ReadTimeout, "The read timeout must be positive.");
        if (MaxRounds < 1) throw new ArgumentOutOfRangeException(nameof(MaxRounds), MaxRounds, "At least one pass over the mirrors is needed.");
    }
}

/// <summary>One file of a downloadable dataset and its checksum.</summary>
/// <param name="FileName">The standard file name, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="Checksum">Lower- or upper-case hex digest: 32 digits for MD5, 64 for SHA-256.</param>
public sealed record RemoteFile(string FileName, string Checksum);

/// <summary>A downloadable dataset: mirrors tried in order, and the files with their checksums.</summary>
/// <param name="Name">The catalog name, e.g. <c>mnist</c>.</param>
/// <param name="Mirrors">Base URLs; a file's URL is the base followed by its file name.</param>
/// <param name="Files">The files with their checksums.</param>
public sealed record RemoteDataset(string Name, IReadOnlyList<Uri> Mirrors, IReadOnlyList<RemoteFile> Files);

/// <summary>
/// Downloads dataset files into a folder: each file goes to <c>NAME.part</c> beside its destination, its checksum is
/// verified, then it is renamed into place atomically. Connecting and every read have timeouts
/// (<see cref="DownloadOptions"/>); a transfer that breaks off or stalls keeps its bytes in the .part file and is resumed
/// with an HTTP Range request (from the next mirror, or by the next run). A failing mirror or a checksum mismatch moves
/// on to the next mirror; when all fail, a <see cref="DatasetUnavailableException"/> names every file, where to get it
/// and where to put it. Never writes to the console.
/// </summary>
public sealed class DatasetDownloader
{
    private static readonly Dictionary<TimeSpan, HttpClient> SharedClients = [];

    private readonly HttpClient _http;
    private readonly DownloadOptions _options;
    private readonly Dictionary<string, RemoteDataset> _sources;

    /// <summary>The built-in sources with checksums of the published files: MNIST and Fashion-MNIST (two mirrors each),
    /// Frey Face and binarized MNIST (their authors' pages).</summary>
    public static IReadOnlyList<RemoteDataset> DefaultSources { get; } =
    [
        new RemoteDataset("mnist",
            [new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"), new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/")],
            [
                // SHA-256 of the original files (their MD5s are the well-known f68b3c2d…, d53e105e…, 9fb629c4…, ec29112d…).
                new RemoteFile("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
                new RemoteFile("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
                new RemoteFile("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
                new RemoteFile("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
            ]),
        new RemoteDataset("fashion-mnist",
            [
                new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
                new Uri("https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"),
            ],
            [
                // MD5s published by the Fashion-MNIST authors.
                new RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                new RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                new RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                new RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
            ]),
        // Sam Roweis' data page (the paper's Frey Face); SHA-256 of the published file.
        new RemoteDataset("frey-face",
            [new Uri("https://cs.nyu.edu/~roweis/data/")],
            [new RemoteFile("frey_rawface.mat", "265a83a23adb081755cd3de375509828e690324d1d60f076b8ecebc840d59c64")]),
        // Hugo Larochelle's fixed binarization of MNIST; SHA-256 of the published plain-text files.
        new RemoteDataset("binarized-mnist",
            [new Uri("http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/")],
            [
                new RemoteFile("binarized_mnist_train.amat", "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d"),
                new RemoteFile("binarized_mnist_valid.amat", "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2"),
                new RemoteFile("binarized_mnist_test.amat", "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c"),
            ]),
    ];

    /// <summary>Creates a downloader.</summary>
    /// <param name="httpClient">The client to use (not disposed by the downloader; its own connect timeout applies); when
    /// <see langword="null"/>, a shared client with <see cref="DownloadOptions.ConnectTimeout"/> that follows up to 5 redirects.</param>
    /// <param name="sources">The datasets and mirrors; <see cref="DefaultSources"/> when <see langword="null"/>.</param>
    /// <param name="options">Timeouts and retries; the defaults when <see langword="null"/>.</param>
    public DatasetDownloader(HttpClient? httpClient = null, IEnumerable<RemoteDataset>? sources = null, DownloadOptions? options = null)
    {
        _options = options ?? new DownloadOptions();
        _options.Validate();
        _http = httpClient ?? SharedClient(_options.ConnectTimeout);
        _sources = new Dictionary<string, RemoteDataset>(StringComparer.OrdinalIgnoreCase);
        foreach (var source in sources ?? DefaultSources)
        {
            ArgumentNullException.ThrowIfNull(source);
            if (source.Mirrors.Count == 0) throw new ArgumentException($"Dataset '{source.Name}' has no mirror.", nameof(sources));
            foreach (var file in source.Files) _ = HashFor(file);
            _sources[source.Name] = source;
        }
    }

    private static HttpClient SharedClient(TimeSpan connectTimeout)
    {
        lock (SharedClients)
        {
            if (!SharedClients.TryGetValue(connectTimeout, out var client))
            {
                client = new HttpClient(new SocketsHttpHandler
                {
                    ConnectTimeout = connectTimeout, AllowAutoRedirect = true, MaxAutomaticRedirections = 5,
                })
                { Timeout = Timeout.InfiniteTimeSpan }; // the per-read timeout bounds every wait instead
                SharedClients[connectTimeout] = client;
            }
            return client;
        }
    }

    /// <summary>The options in force.</summary>
    public DownloadOptions Options => _options;

    /// <summary>The dataset description used for <paramref name="datasetName"/>, or <see langword="null"/> when it cannot be downloaded.</summary>
    /// <param name="datasetName">A catalog name such as <c>mnist</c>.</param>
    public RemoteDataset? Find(string datasetName) => _sources.GetValueOrDefault(datasetName);

    /// <summary>
    /// Makes sure each of <paramref name="fileNames"/> is in <paramref name="directory"/>, downloading those that are
    /// missing. Files already present are kept as they are.
    /// </summary>
    /// <param name="datasetName">A dataset known to this downloader.</param>
    /// <param name="fileNames">Standard file names of that dataset.</param>
    /// <param name="directory">Destination folder, created when missing.</param>
    /// <param name="progress">Receives progress reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the download (its .part file is kept for a resume).</param>
    /// <returns>The full paths of the files, in the order of <paramref name="fileNames"/>.</returns>
    /// <exception cref="DatasetUnavailableException">Every mirror failed for some file.</exception>
    public async Task<IReadOnlyList<string>> EnsureFilesAsync(string datasetName, IReadOnlyList<string> fileNames, string directory,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var source = Find(datasetName)
            ?? throw new ArgumentException($"No download source is known for dataset '{datasetName}'.", nameof(datasetName));
        Directory.CreateDirectory(directory);
        var paths = new List<string>(fileNames.Count);
        foreach (string fileName in fileNames)
        {
            var file = source.Files.FirstOrDefault(f => string.Equals(f.FileName, fileName, StringComparison.Ordinal))
                ?? throw new ArgumentException($"Dataset '{datasetName}' has no file '{fileName}'.", nameof(fileNames));
            string destination = Path.Combine(directory, file.FileName);
            if (!File.Exists(destination))
                await DownloadFileAsync(source, file, destination, fileNames, progress, cancellationToken).ConfigureAwait(false);
            paths.Add(destination);
        }
        return paths;
    }

    /// <summary>The partial file that a download of <paramref name="fileName"/> into <paramref name="directory"/> writes and resumes.</summary>
    /// <param name="directory">The destination folder.</param>
    /// <param name="fileName">The standard file name.</param>
    public static string PartialPath(string directory, string fileName) => Path.Combine(directory, fileName + ".part");

    private async Task DownloadFileAsync(RemoteDataset source, RemoteFile file, string destination, IReadOnlyList<string> wanted,
        IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var attempts = new List<string>();
        Exception? last = null;
        string directory = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        string part = PartialPath(directory, file.FileName);
        // Passes over the mirrors: another pass only when the last one made progress (a transfer that broke off is
        // resumed from its .part file with an HTTP Range request), so the loop is bounded.
        for (int round = 0; round < _options.MaxRounds; round++)
        {
            long startOfRound = PartLength(part);
            foreach (Uri mirror in source.Mirrors)
            {
                var url = new Uri(mirror.AbsoluteUri.TrimEnd('/') + "/" + file.FileName);
                try
                {
                    string? problem = await TryDownloadAsync(url, file, part, progress, cancellationToken).ConfigureAwait(false);
                    if (problem is null)
                    {
                        File.Move(part, destination, overwrite: true);
                        return;
                    }
                    attempts.Add($"{url}: {problem}");
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException)
                {
                    last = e;
                    attempts.Add($"{url}: {OneLine(e)}");
                }
            }
            if (PartLength(part) <= startOfRound) break;
        }
        long kept = PartLength(part);
        string reason = $"every download mirror failed for {file.FileName}" +
            (kept > 0 ? $"; the {kept} bytes received are kept in {part} and the next attempt resumes from there" : "");
        throw new DatasetUnavailableException(source.Name, wanted,
            Guidance.Unavailable(source.Name, wanted, directory, reason, attempts, source), attempts, last);
    }

    private static long PartLength(string part) => File.Exists(part) ? new FileInfo(part).Length : 0;

    private static string OneLine(Exception e)
    {
        string m = e.Message;
        if (e.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) && !m.Contains(inner.Message, StringComparison.Ordinal))
            m += " (" + inner.Message + ")";
        return m.ReplaceLineEndings(" ");
    }

    /// <returns><see langword="null"/> on success (the .part file then holds the verified file), else why this attempt failed.
    /// A transfer that breaks off or stalls keeps its bytes for a resume; a wrong checksum discards them.</returns>
    private async Task<string?> TryDownloadAsync(Uri url, RemoteFile file, string part, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        long have = PartLength(part);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(have, null);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        double seconds = _options.ReadTimeout.TotalSeconds;
        timer.CancelAfter(_options.ReadTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no response within {seconds:0.#} s (read timeout)";
        }
        using (response)
        {
            int status = (int)response.StatusCode;
            if (status == 416 && have > 0)
            {
                TryDelete(part); // the partial file does not fit this server's file: start afresh next time
                return "HTTP 416: the server refused to resume; the partial file was discarded";
            }
            if (!response.IsSuccessStatusCode)
                return $"HTTP {status} {response.ReasonPhrase}";
            bool resume = have > 0 && status == 206;
            if (resume && response.Content.Headers.ContentRange?.From != have)
            {
                TryDelete(part);
                return $"HTTP 206 with a Content-Range that does not start at byte {have}; the partial file was discarded";
            }
            if (status == 206 && !resume)
                return "HTTP 206 to a request for the whole file";
            if (!resume) have = 0;
            long? length = response.Content.Headers.ContentLength;
            long? total = length is long l ? have + l : null;

            using var hash = IncrementalHash.CreateHash(HashFor(file));
            var buffer = new byte[1 << 16];
            await using var output = new FileStream(part, resume ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            if (resume)
            {
                int r;
                while ((r = await output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) hash.AppendData(buffer, 0, r);
            }
            long received = have;
            progress?.Report(new DownloadProgress(file.FileName, received, total, url));
            await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
            {
                while (true)
                {
                    int n;
                    timer.CancelAfter(_options.ReadTimeout); // a per-read timeout: it restarts before every read
                    try
                    {
                        n = await input.ReadAsync(buffer, timer.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        return $"stalled: no data for {seconds:0.#} s after {received} bytes (read timeout); they are kept for a resume";
                    }
                    catch (IOException e)
                    {
                        return $"the transfer broke off after {received} bytes ({OneLine(e)}); they are kept for a resume";
                    }
                    if (n == 0) break;
                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    received += n;
                    progress?.Report(new DownloadProgress(file.FileName, received, total, url));
                }
            }
            if (total is long expected && received != expected)
                return $"the server announced {expected} bytes but sent {received}; they are kept for a resume";
            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, file.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                await output.DisposeAsync().ConfigureAwait(false);
                TryDelete(part);
                return $"checksum mismatch: {(file.Checksum.Length == 32 ? "MD5" : "SHA-256")} is {actual}, expected {file.Checksum.ToLowerInvariant()}";
            }
            return null;
        }
    }

    private static HashAlgorithmName HashFor(RemoteFile file)
    {
        bool hex = file.Checksum.All(Uri.IsHexDigit);
        return (file.Checksum.Length, hex) switch
        {
            (32, true) => HashAlgorithmName.MD5,
            (64, true) => HashAlgorithmName.SHA256,
            _ => throw new ArgumentException(
                $"The checksum of {file.FileName} must be 32 (MD5) or 64 (SHA-256) hex digits, got '{file.Checksum}'."),
        };
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
