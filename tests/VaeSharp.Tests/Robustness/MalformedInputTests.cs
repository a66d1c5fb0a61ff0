using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using VaeSharp.Data;
using VaeSharp.IO;
using VaeSharp.Models;
using VaeSharp.Tests.Data;

namespace VaeSharp.Tests.Robustness;

/// <summary>
/// Malformed input never crashes, hangs or blows up: every reader, fed valid files that were truncated, bit-flipped,
/// spliced or given headers that lie (FsCheck, with a fixed seed so every run tries the same cases), either reads them or
/// throws its documented exception type with a message naming the file; and it allocates at most a bounded amount.
/// </summary>
public sealed class MalformedInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>One reader under test: valid seed files, how to read bytes (naming them <c>source</c>), and the exception it documents.</summary>
    private sealed record Reader(string Name, byte[][] Seeds, Action<byte[], string> Read, Type Documented);

    /// <summary>An edit of a file. Kind: 0 truncate, 1 flip a bit, 2 overwrite a byte, 3 splice a chunk from elsewhere
    /// (this file or another seed), 4 insert bytes, 5 delete bytes, 6 write a 32-bit big or little endian extreme value.</summary>
    public sealed record Mutation(int Kind, int Position, int Length, int Value, int From);

    private static readonly uint[] Extremes = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 0x10000, 0x7FFFFFC8, 1_000_000_000];

    private static Gen<Mutation> MutationGen =>
        from kind in Gen.Choose(0, 6)
        from pos in Gen.Choose(0, int.MaxValue - 1)
        from len in Gen.Choose(1, 64)
        from value in Gen.Choose(0, 1 << 16)
        from src in Gen.Choose(0, int.MaxValue - 1)
        select new Mutation(kind, pos, len, value, src);

    private static Gen<(int Seed, Mutation[] Edits)> CaseGen(int seeds) =>
        from seed in Gen.Choose(0, seeds - 1)
        from count in Gen.Choose(1, 4)
        from a in MutationGen
        from b in MutationGen
        from c in MutationGen
        from d in MutationGen
        select (seed, new[] { a, b, c, d }[..count]);

    internal static byte[] Apply(byte[] original, Mutation[] edits, byte[][] seeds)
    {
        var b = new List<byte>(original);
        foreach (var m in edits)
        {
            int n = b.Count;
            int at = n == 0 ? 0 : m.Position % n;
            switch (m.Kind)
            {
                case 0:
                    b.RemoveRange(at, n - at);
                    break;
                case 1 when n > 0:
                    b[at] ^= (byte)(1 << (m.Value % 8));
                    break;
                case 2 when n > 0:
                    b[at] = (byte)m.Value;
                    break;
                case 3:
                    byte[] donor = seeds[m.From % seeds.Length];
                    if (donor.Length == 0) break;
                    int from = m.From % donor.Length;
                    int len = Math.Min(m.Length * 4, donor.Length - from);
                    for (int i = 0; i < len && at + i < b.Count; i++) b[at + i] = donor[from + i];
                    break;
                case 4:
                    b.InsertRange(at, Enumerable.Range(0, m.Length).Select(i => (byte)(m.Value + i * 31)));
                    break;
                case 5 when n > 0:
                    b.RemoveRange(at, Math.Min(m.Length, n - at));
                    break;
                case 6 when n >= 4:
                    uint v = Extremes[m.Value % Extremes.Length];
                    int p = Math.Min(at, n - 4);
                    bool big = (m.Value & 0x100) != 0;
                    for (int i = 0; i < 4; i++) b[p + i] = (byte)(big ? v >> (24 - 8 * i) : v >> (8 * i));
                    break;
            }
        }
        return [.. b];
    }

    /// <summary>Reads one input and checks the outcome: success, or the documented exception naming the source, within the allocation budget.</summary>
    private static void Attempt(Reader r, byte[] input, string label)
    {
        string source = $"corpus/{r.Name}";
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            r.Read(input, source);
        }
        catch (Exception e) when (e.GetType() == r.Documented)
        {
            Assert.True(e.Message.Contains(source, StringComparison.Ordinal) || e.Message.Contains(r.Name, StringComparison.Ordinal),
                $"{r.Name} ({label}): the message does not name the file: {e.Message}");
            Assert.False(e.Message.TrimEnd().Contains('\n'), $"{r.Name} ({label}): the message spans lines: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{r.Name} ({label}, {input.Length} bytes: {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 96)))}…) threw {e.GetType().Name} instead of {r.Documented.Name}: {e}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long budget = (64L << 20) + 64L * input.Length;
        Assert.True(allocated <= budget, $"{r.Name} ({label}): allocated {allocated} bytes for a {input.Length}-byte input (budget {budget})");
    }

    /// <summary>Runs <paramref name="body"/> on a worker with a generous limit, so that a hang fails the test instead of stalling the run.</summary>
    private static void Bounded(Action body)
    {
        var task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(TimeSpan.FromMinutes(3))) Assert.Fail("the reader did not finish: it hangs on some input");
        task.GetAwaiter().GetResult();
    }

    private static void Fuzz(Reader r, int cases, ulong seed)
    {
        foreach (var (s, i) in r.Seeds.Select((s, i) => (s, i))) Attempt(r, s, $"seed {i} unmodified"); // valid seeds must read
        var arb = Arb.From(CaseGen(r.Seeds.Length));
        var property = Prop.ForAll(arb, c => Attempt(r, Apply(r.Seeds[c.Seed], c.Edits, r.Seeds),
            $"seed {c.Seed}, edits {string.Join("; ", c.Edits.Select(e => e.ToString()))}"));
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        Bounded(() => Check.One(config, property));
    }

    /// <summary>Every truncation of a seed file (each length from 0 to the full length, for small files; else a spread of lengths).</summary>
    private static void Truncations(Reader r)
    {
        foreach (var seed in r.Seeds)
        {
            int step = Math.Max(1, seed.Length / 400);
            for (int n = 0; n < seed.Length; n += step) Attempt(r, seed[..n], $"truncated to {n}");
        }
    }

    /// <summary>Headers that lie: each number written in a text header replaced by an extreme.</summary>
    private static void LyingNumbers(Reader r, int headerBytes)
    {
        string[] replacements = ["0", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807", "99999999999999999999",
            "1e308", "null", "\"7\"", "[]", "1.5"];
        foreach (var seed in r.Seeds)
        {
            int limit = Math.Min(seed.Length, headerBytes);
            string head = Encoding.Latin1.GetString(seed, 0, limit);
            foreach (Match m in Regex.Matches(head, @"\d+"))
                foreach (string rep in replacements)
                {
                    byte[] edited = [.. seed[..m.Index], .. Encoding.Latin1.GetBytes(rep), .. seed[(m.Index + m.Length)..]];
                    Attempt(r, edited, $"number '{m.Value}' at {m.Index} → {rep}");
                }
        }
    }

    // ----- the readers -----

    private static Reader Idx() => new("images-idx3-ubyte", [Fixtures.ImageFileBytes(5), Fixtures.ImageFileBytes(3, gzip: true), Fixtures.LabelFileBytes(6)],
        (bytes, source) =>
        {
            // Both entry points, seekable and not (a pipe or decompressor).
            try { IdxReader.ReadImages(new MemoryStream(bytes), source); }
            catch (DataFormatException) { }
            try { IdxReader.ReadLabels(new NpyReaderTests.ForwardOnlyStream(bytes), source); }
            catch (DataFormatException) { }
            IdxReader.ReadImages(new NpyReaderTests.ForwardOnlyStream(bytes), source);
        }, typeof(DataFormatException));

    private static Reader Npy() => new("data.npy",
        [
            NpyFixtures.Float32([3, 4], [.. Enumerable.Range(0, 12).Select(i => i / 11f)]),
            NpyFixtures.File("|u1", true, [2, 3, 2], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 20))]),
            NpyFixtures.File(">f8", false, [2, 1], [.. BitConverter.GetBytes(1.5).Reverse(), .. BitConverter.GetBytes(-2.0).Reverse()], major: 2),
        ],
        (bytes, source) =>
        {
            try { NpyReader.Read(new MemoryStream(bytes), source); }
            catch (DataFormatException) { }
            NpyReader.Read(new NpyReaderTests.ForwardOnlyStream(bytes), source);
        }, typeof(DataFormatException));

    private static byte[] SafeTensorsSeed()
    {
        var ms = new MemoryStream();
        SafeTensors.Write(ms, [new NamedTensor("a.weight", [2, 3], [1, 2, 3, 4, 5, 6]), new NamedTensor("a.bias", [2], [0.5f, -1])],
            new Dictionary<string, string> { ["format"] = "vaesharp.vae", ["epoch"] = "3" });
        return ms.ToArray();
    }

    private static Reader SafeTensorsReader() => new("model.safetensors", [SafeTensorsSeed()],
        (bytes, source) => SafeTensors.Read(new MemoryStream(bytes), source), typeof(InvalidDataException));

    private Reader ModelManifest()
    {
        string dir = Path.Combine(_dir.Path, "model");
        var config = new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [4], Latent = 2 };
        var model = new Vae(config);
        ModelFile.Save(dir, model, new TrainingState { Epoch = 2, Dataset = "mnist-sample" }, null);
        byte[] manifest = File.ReadAllBytes(Path.Combine(dir, ModelFile.ManifestFile));
        return new Reader(ModelFile.ManifestFile, [manifest], (bytes, _) =>
        {
            File.WriteAllBytes(Path.Combine(dir, ModelFile.ManifestFile), bytes);
            ModelFile.Load(dir);
        }, typeof(InvalidDataException));
    }

    private Reader ModelWeights()
    {
        string dir = Path.Combine(_dir.Path, "weights");
        var config = new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [4], Latent = 2 };
        ModelFile.Save(dir, new Vae(config), new TrainingState { Epoch = 2 }, null);
        byte[] weights = File.ReadAllBytes(Path.Combine(dir, ModelFile.WeightsFile));
        return new Reader(ModelFile.WeightsFile, [weights], (bytes, _) =>
        {
            File.WriteAllBytes(Path.Combine(dir, ModelFile.WeightsFile), bytes);
            ModelFile.Load(dir);
        }, typeof(InvalidDataException));
    }

    private Reader DataSource()
    {
        string dir = Path.Combine(_dir.Path, "source");
        string npy = _dir.File("d.npy");
        File.WriteAllBytes(npy, NpyFixtures.UInt8([4, 2, 2], [.. Enumerable.Range(0, 16).Select(i => (byte)(i * 9))]));
        UserDataset.Load(npy, new UserDataOptions { TestFraction = 0.25 }).Source.Save(dir);
        byte[] seed = File.ReadAllBytes(Path.Combine(dir, UserDataSource.FileName));
        return new Reader(UserDataSource.FileName, [seed], (bytes, _) =>
        {
            File.WriteAllBytes(Path.Combine(dir, UserDataSource.FileName), bytes);
            UserDataSource.TryLoad(dir);
        }, typeof(InvalidDataException));
    }

    private static Reader Mat() => new("data.mat",
        [
            new MatWriter().Numeric("x", MatClass.Double, [2, 3], [1, 2, 3, 4, 5, 6], MatWriter.MiDouble).ToBytes(),
            new MatWriter(bigEndian: true).Numeric("ff", MatClass.UInt8, [3, 2], [1, 2, 3, 4, 5, 6], MatWriter.MiUInt8, compress: true)
                .Char("note", "hi").ToBytes(),
        ],
        (bytes, source) =>
        {
            try { MatReader.ReadVariables(new MemoryStream(bytes), source); }
            catch (DataFormatException) { }
            MatReader.Read(new MemoryStream(bytes), source, "x");
        }, typeof(DataFormatException));

    private static Reader Text() => new("data.csv",
        [
            "a,b,c,label\n0,0.5,1,cat\n1,2,3,dog\n"u8.ToArray(),
            "1 2 3\n4 5 6\n\n7 8 9\n"u8.ToArray(),
            Fixtures.Gzip("0\t1\n2\t3\n"u8.ToArray()),
        ],
        (bytes, source) =>
        {
            try { TextMatrixReader.Read(new MemoryStream(bytes), source, new TextMatrixOptions { LabelColumn = -1 }); }
            catch (DataFormatException) { }
            TextMatrixReader.Read(new NpyReaderTests.ForwardOnlyStream(bytes), source);
        }, typeof(DataFormatException));

    private static Reader Png() => new("image.png",
        [
            Imaging.PngBuilder.Grey(5, 4, [.. Enumerable.Range(0, 20).Select(i => (byte)(i * 13))]),
            Imaging.PngBuilder.Png(Imaging.PngBuilder.Ihdr(3, 2, 4, 3), Imaging.PngBuilder.Filter([0x01, 0x20, 0x12, 0x00], 2, 1, [0, 4]),
                plte: [1, 2, 3, 4, 5, 6, 7, 8, 9], trns: [0]),
            Imaging.PngBuilder.Png(Imaging.PngBuilder.Ihdr(2, 2, 16, 6), Imaging.PngBuilder.Filter([.. Enumerable.Range(0, 32).Select(i => (byte)i)], 16, 8, [1, 3]), idatPieces: 2),
        ],
        (bytes, source) => VaeSharp.Imaging.PngReader.Decode(bytes, source), typeof(DataFormatException));

    // ----- the tests: each reader gets every truncation, lying numbers, and random edits -----

    [Fact]
    public void Png_reader() { var r = Png(); Truncations(r); Fuzz(r, 500, 19); }

    [Fact]
    public void Mat_reader() { var r = Mat(); Truncations(r); Fuzz(r, 400, 17); }

    [Fact]
    public void Text_reader() { var r = Text(); Truncations(r); LyingNumbers(r, 200); Fuzz(r, 400, 18); }

    [Fact]
    public void Idx_reader() { var r = Idx(); Truncations(r); Fuzz(r, 400, 11); }

    [Fact]
    public void Npy_reader() { var r = Npy(); Truncations(r); LyingNumbers(r, 128); Fuzz(r, 400, 12); }

    [Fact]
    public void SafeTensors_reader() { var r = SafeTensorsReader(); Truncations(r); LyingNumbers(r, 400); Fuzz(r, 400, 13); }

    [Fact]
    public void Model_manifest() { var r = ModelManifest(); LyingNumbers(r, 4096); Fuzz(r, 300, 14); }

    [Fact]
    public void Model_weights() { var r = ModelWeights(); Truncations(r); LyingNumbers(r, 600); Fuzz(r, 300, 15); }

    [Fact]
    public void Data_source_record() { var r = DataSource(); LyingNumbers(r, 4096); Fuzz(r, 200, 16); }

    [Fact]
    public void Idx_header_fields_set_to_extremes()
    {
        var r = Idx();
        foreach (var seed in r.Seeds.Where(s => s[0] == 0))
            for (int field = 4; field + 4 <= Math.Min(16, seed.Length); field += 4)
                foreach (uint v in Extremes)
                {
                    var b = (byte[])seed.Clone();
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(field), v);
                    Attempt(r, b, $"field at {field} = {v}");
                }
    }

    [Fact]
    public void Minimum_parameter_count_bounds_every_model_kind()
    {
        foreach (var config in new[]
                 {
                     new ModelConfig { InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [4, 5], Latent = 2 },
                     new ModelConfig { InputSize = 6, ImageWidth = 6, ImageHeight = 1, Hidden = [], Latent = 3, Decoder = DecoderKind.Gaussian },
                     new ModelConfig { Kind = ModelKind.Ae, InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [4], Latent = 2 },
                 })
            Assert.InRange(ModelFile.MinimumParameterCount(config), 1, ModelFactory.Create(config).Arena.Parameters.Sum(p => (long)p.Length));
        // Without biases or hidden layers the bound is exact: D·J + J·D.
        var linear = new ModelConfig { Kind = ModelKind.LinearAe, Bias = false, InputSize = 6, ImageWidth = 3, ImageHeight = 2, Hidden = [], Latent = 2 };
        Assert.Equal(ModelFactory.Create(linear).Arena.Parameters.Sum(p => (long)p.Length), ModelFile.MinimumParameterCount(linear));
        Assert.Equal(24, ModelFile.MinimumParameterCount(linear));
        Assert.Equal(long.MaxValue, ModelFile.MinimumParameterCount(new ModelConfig
            { InputSize = int.MaxValue, ImageWidth = int.MaxValue, ImageHeight = 1, Hidden = [int.MaxValue, int.MaxValue, int.MaxValue], Latent = 2 }));
    }

    [Fact]
    public void Mutations_do_what_they_say()
    {
        byte[] s = [1, 2, 3, 4, 5, 6, 7, 8];
        Assert.Equal([1, 2, 3], Apply(s, [new Mutation(0, 3, 1, 0, 0)], [s]));
        Assert.Equal([1, 2, 3, 5, 5, 6, 7, 8], Apply(s, [new Mutation(1, 3, 1, 0, 0)], [s]));
        Assert.Equal([1, 2, 3, 4, 1, 2, 3, 4], Apply(s, [new Mutation(3, 4, 1, 0, 0)], [s]));
        Assert.Equal([0x7F, 0xFF, 0xFF, 0xFF, 5, 6, 7, 8], Apply(s, [new Mutation(6, 0, 1, 0x107, 0)], [s]));
        Assert.Equal(10, Apply(s, [new Mutation(4, 2, 2, 9, 0)], [s]).Length);
        Assert.Equal(6, Apply(s, [new Mutation(5, 2, 2, 9, 0)], [s]).Length);
    }
}
