using System.Security.Cryptography;

namespace VaeSharp.Data;

/// <summary>Progress of one file download.</summary>
/// <param name="FileName">The standard file name being downloaded.</param>
/// <param name="BytesReceived">Bytes received so far from the current mirror.</param>
/// <param name="TotalBytes">The size announced by the server, when it announced one.</param>
/// <param name="Source">The URL being read.</param>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long? TotalBytes, Uri Source);

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
/// Downloads dataset files into a folder: each file goes to a temporary file beside its destination, its checksum is
/// verified, then it is renamed into place atomically. A failing mirror or a checksum mismatch moves on to the next
/// mirror; when all fail, a <see cref="DatasetUnavailableException"/> says what to do by hand. Never writes to the console.
/// </summary>
public sealed class DatasetDownloader
{
    private static readonly Lazy<HttpClient> SharedClient = new(() =>
        new HttpClient { Timeout = TimeSpan.FromMinutes(10) });

    private readonly HttpClient _http;
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
    /// <param name="httpClient">The client to use (not disposed by the downloader); a shared client when <see langword="null"/>.</param>
    /// <param name="sources">The datasets and mirrors; <see cref="DefaultSources"/> when <see langword="null"/>.</param>
    public DatasetDownloader(HttpClient? httpClient = null, IEnumerable<RemoteDataset>? sources = null)
    {
        _http = httpClient ?? SharedClient.Value;
        _sources = new Dictionary<string, RemoteDataset>(StringComparer.OrdinalIgnoreCase);
        foreach (var source in sources ?? DefaultSources)
        {
            ArgumentNullException.ThrowIfNull(source);
            if (source.Mirrors.Count == 0) throw new ArgumentException($"Dataset '{source.Name}' has no mirror.", nameof(sources));
            foreach (var file in source.Files) _ = HashFor(file);
            _sources[source.Name] = source;
        }
    }

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
    /// <param name="cancellationToken">Cancels the download (a partial temporary file is removed).</param>
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

    private async Task DownloadFileAsync(RemoteDataset source, RemoteFile file, string destination, IReadOnlyList<string> wanted,
        IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var attempts = new List<string>();
        Exception? last = null;
        string directory = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        foreach (Uri mirror in source.Mirrors)
        {
            var url = new Uri(mirror.AbsoluteUri.TrimEnd('/') + "/" + file.FileName);
            string temp = Path.Combine(directory, $".{file.FileName}.{Guid.NewGuid():N}.part");
            try
            {
                string? problem = await TryDownloadAsync(url, file, temp, progress, cancellationToken).ConfigureAwait(false);
                if (problem is null)
                {
                    File.Move(temp, destination, overwrite: true);
                    return;
                }
                attempts.Add($"{url}: {problem}");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or UnauthorizedAccessException)
            {
                last = e;
                attempts.Add($"{url}: {(e is OperationCanceledException ? "timed out" : e.Message)}");
            }
            finally
            {
                TryDelete(temp);
            }
        }
        throw new DatasetUnavailableException(source.Name, wanted,
            Guidance.Unavailable(source.Name, wanted, directory, $"every download mirror failed for {file.FileName}", attempts),
            attempts, last);
    }

    /// <returns><see langword="null"/> on success, else why the mirror's file was rejected.</returns>
    private async Task<string?> TryDownloadAsync(Uri url, RemoteFile file, string temp, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        long? total = response.Content.Headers.ContentLength;
        using var hash = IncrementalHash.CreateHash(HashFor(file));
        await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            long received = 0;
            progress?.Report(new DownloadProgress(file.FileName, 0, total, url));
            int n;
            while ((n = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                received += n;
                progress?.Report(new DownloadProgress(file.FileName, received, total, url));
            }
            if (total is long expected && received != expected)
                return $"the server announced {expected} bytes but sent {received}";
        }
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, file.Checksum, StringComparison.OrdinalIgnoreCase))
            return $"checksum mismatch: {(file.Checksum.Length == 32 ? "MD5" : "SHA-256")} is {actual}, expected {file.Checksum.ToLowerInvariant()}";
        return null;
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
