using System.Globalization;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace VaeSharp.Data;

/// <summary>How the fields of a line of delimited text are separated.</summary>
public enum TextDelimiter
{
    /// <summary>Detected from the first non-blank line: tab if it has one, else comma, else semicolon, else whitespace.</summary>
    Auto,
    /// <summary>Runs of spaces and tabs; leading and trailing whitespace ignored.</summary>
    Whitespace,
    /// <summary>One comma between fields (CSV); spaces around a field are ignored.</summary>
    Comma,
    /// <summary>One tab between fields (TSV); spaces around a field are ignored.</summary>
    Tab,
    /// <summary>One semicolon between fields; spaces around a field are ignored.</summary>
    Semicolon,
}

/// <summary>Options of <see cref="TextMatrixReader"/>. The defaults read any whitespace-, comma-, tab- or
/// semicolon-delimited numeric table, with or without a header row, without a label column.</summary>
public sealed record TextMatrixOptions
{
    /// <summary>The field separator; <see cref="TextDelimiter.Auto"/> by default.</summary>
    public TextDelimiter Delimiter { get; init; } = TextDelimiter.Auto;

    /// <summary>Whether the first non-blank line is a header of column names: <see langword="true"/>, <see langword="false"/>,
    /// or <see langword="null"/> (the default) to decide by content: it is a header when one of its feature fields is not a number.</summary>
    public bool? HasHeader { get; init; }

    /// <summary>The zero-based field that holds each row's label (a negative value counts from the end: -1 is the last
    /// field), or <see langword="null"/> (the default) when every field is a feature.</summary>
    public int? LabelColumn { get; init; }

    /// <summary>The number of feature fields every row must have, or <see langword="null"/> to take it from the first row.</summary>
    public int? ExpectedColumns { get; init; }

    /// <summary>When set, every feature value must lie in this closed interval (for example [0, 1] for pixels).</summary>
    public (float Min, float Max)? ValueRange { get; init; }

    /// <summary>At most this many data rows are read; more is an error. Defaults to no limit but the size of an array.</summary>
    public int MaxRows { get; init; } = int.MaxValue;

    /// <summary>A line longer than this many characters is an error (it bounds the memory of one line). Default 16 Mi.</summary>
    public int MaxLineLength { get; init; } = 1 << 24;

    /// <summary>At most this many distinct text labels (default 65,536).</summary>
    public int MaxLabelClasses { get; init; } = 1 << 16;

    /// <summary>The number of rows expected, if known: the value buffer is sized for them at once (capped by
    /// <see cref="MaxRows"/>), so that reading them needs no copy. A hint only: other counts still read.</summary>
    public int? ExpectedRows { get; init; }
}

/// <summary>A numeric table read by <see cref="TextMatrixReader"/>.</summary>
/// <param name="Rows">Number of data rows.</param>
/// <param name="Columns">Number of feature columns (the label column excluded).</param>
/// <param name="Values">All feature values, <paramref name="Rows"/> × <paramref name="Columns"/>, row-major.</param>
/// <param name="Labels">Each row's label, or <see langword="null"/> without a label column. Integer labels are kept
/// as they are; text labels are numbered in the ordinal order of <paramref name="LabelNames"/>.</param>
/// <param name="LabelNames">The distinct text labels in ordinal order, or <see langword="null"/> when the labels are
/// whole numbers (or absent).</param>
/// <param name="Header">The header's fields as written (label field included), or <see langword="null"/> without a header.</param>
/// <param name="Delimiter">The delimiter used (detected or given).</param>
public sealed record TextMatrix(int Rows, int Columns, float[] Values, int[]? Labels, string[]? LabelNames, string[]? Header, TextDelimiter Delimiter);

/// <summary>
/// Reads delimited numeric text (whitespace, comma, tab or semicolon; detected or given), optionally gzip-compressed
/// (detected by its magic bytes), with an optional header row and an optional label column. It streams line by line:
/// a line is never longer in memory than <see cref="TextMatrixOptions.MaxLineLength"/> characters, and the value
/// buffer grows only as rows really arrive. Every error is a <see cref="DataFormatException"/> naming the file, the
/// line and the column. Numbers use the invariant culture (a point as decimal separator); quoted fields are unquoted,
/// but a quoted field may not contain the delimiter. Blank lines are skipped.
/// </summary>
/// <remarks>Written by hand: the libraries present offer no streaming, bounded, numeric-only table reader.</remarks>
public static class TextMatrixReader
{
    private const int ShownTokenLength = 40;

    /// <summary>Reads a file (plain or gzip).</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <exception cref="DataFormatException">The text is not a valid table under the options.</exception>
    public static TextMatrix Read(string path, TextMatrixOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path, options);
    }

    /// <summary>Reads a table from a stream (plain or gzip).</summary>
    /// <param name="stream">A readable stream positioned at the start of the text.</param>
    /// <param name="sourceName">The name used in error messages (usually the path).</param>
    /// <param name="options">How to read it; defaults when <see langword="null"/>.</param>
    /// <exception cref="DataFormatException">The text is not a valid table under the options.</exception>
    public static TextMatrix Read(Stream stream, string sourceName, TextMatrixOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        options ??= new TextMatrixOptions();
        Validate(options);

        var first = new byte[2];
        int got = stream.ReadAtLeast(first, 2, throwOnEndOfStream: false);
        Stream body = new PrefixedStream(first.AsMemory(0, got), stream);
        bool gzip = got == 2 && first[0] == 0x1f && first[1] == 0x8b;
        if (gzip) body = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true);
        try
        {
            using var reader = new StreamReader(body, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
            return new Parser(new LineSource(reader, options.MaxLineLength, sourceName), sourceName, options).Run();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(sourceName, $"the gzip data is corrupt ({e.Message})", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(sourceName, $"the text is not valid UTF-8 ({e.Message})", e);
        }
        finally
        {
            if (gzip) body.Dispose();
        }
    }

    private static void Validate(TextMatrixOptions o)
    {
        if (o.ExpectedColumns is < 1) throw new ArgumentOutOfRangeException(nameof(o.ExpectedColumns), o.ExpectedColumns, "Expected columns must be positive.");
        if (o.MaxRows < 0) throw new ArgumentOutOfRangeException(nameof(o.MaxRows), o.MaxRows, "The row limit must not be negative.");
        if (o.MaxLineLength < 1) throw new ArgumentOutOfRangeException(nameof(o.MaxLineLength), o.MaxLineLength, "The line length limit must be positive.");
        if (o.MaxLabelClasses < 1) throw new ArgumentOutOfRangeException(nameof(o.MaxLabelClasses), o.MaxLabelClasses, "The label class limit must be positive.");
        if (o.ExpectedRows is < 0) throw new ArgumentOutOfRangeException(nameof(o.ExpectedRows), o.ExpectedRows, "Expected rows must not be negative.");
        if (o.ValueRange is { } r && !(r.Min <= r.Max)) throw new ArgumentException($"The value range [{r.Min}, {r.Max}] is empty.", nameof(o.ValueRange));
    }

    private static string Show(ReadOnlySpan<char> token) =>
        token.Length <= ShownTokenLength ? token.ToString() : token[..ShownTokenLength].ToString() + "…";

    /// <summary>Yields lines without their terminator, each at most a bounded number of characters.</summary>
    private sealed class LineSource(TextReader reader, int maxLength, string source)
    {
        private char[] _buffer = new char[Math.Min(1 << 16, maxLength + 2)];
        private int _start, _end;
        private bool _eof;

        /// <summary>One-based number of the line last returned.</summary>
        public long LineNumber { get; private set; }

        public bool TryNext(out ReadOnlySpan<char> line)
        {
            int scanned = 0;
            while (true)
            {
                int nl = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf('\n');
                if (nl >= 0)
                {
                    int length = scanned + nl;
                    line = Trim(_buffer.AsSpan(_start, length));
                    _start += length + 1;
                    LineNumber++;
                    return true;
                }
                scanned = _end - _start;
                if (scanned > maxLength)
                    throw new DataFormatException(source, $"line {LineNumber + 1} is longer than {maxLength} characters");
                if (_eof)
                {
                    if (scanned == 0) { line = default; return false; }
                    line = Trim(_buffer.AsSpan(_start, scanned));
                    _start = _end;
                    LineNumber++;
                    return true;
                }
                if (_start > 0)
                {
                    Array.Copy(_buffer, _start, _buffer, 0, scanned);
                    _start = 0;
                    _end = scanned;
                }
                if (_end == _buffer.Length)
                    Array.Resize(ref _buffer, (int)Math.Min((long)maxLength + 2, 2L * _buffer.Length));
                int n = reader.Read(_buffer, _end, _buffer.Length - _end);
                if (n == 0) _eof = true;
                _end += n;
            }
        }

        private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
    }

    /// <summary>One field of a line: where it starts (0-based character index) and its text, unquoted and trimmed.</summary>
    private readonly record struct Field(int Start, int Length);

    private sealed class Parser(LineSource lines, string source, TextMatrixOptions options)
    {
        private TextDelimiter _delimiter = options.Delimiter;
        private readonly List<Field> _fields = [];
        private int _columns = -1;         // feature columns; fixed by the first data row or the options
        private int _totalFields = -1;     // fields per line, label included
        private int _labelField = -1;      // index of the label among the fields
        private int _firstDataLine;

        // Values: the first block (sized by ExpectedRows when given), then blocks that double.
        private readonly List<float[]> _blocks = [];
        private float[] _current = [];
        private int _currentRows, _rows;

        private readonly Dictionary<string, int> _labelIds = new(StringComparer.Ordinal);
        private readonly List<string> _labelNames = [];
        private readonly List<int> _labelOfRow = [];

        public TextMatrix Run()
        {
            string[]? header = null;
            bool first = true;
            while (lines.TryNext(out var line))
            {
                if (line.IsWhiteSpace()) continue;
                if (first)
                {
                    first = false;
                    if (_delimiter == TextDelimiter.Auto) _delimiter = Detect(line);
                    Split(line);
                    ResolveLabel();
                    bool isHeader = options.HasHeader ?? LooksLikeHeader(line);
                    if (isHeader)
                    {
                        header = new string[_fields.Count];
                        for (int f = 0; f < header.Length; f++) header[f] = Unquote(line.Slice(_fields[f].Start, _fields[f].Length)).ToString();
                        continue;
                    }
                }
                else
                {
                    if (TryFastRow(line)) continue;
                    Split(line); // the careful path: it reads what the fast one declined, or says precisely what is wrong
                }
                AddRow(line);
            }
            if (first) throw new DataFormatException(source, "holds no data: the text is empty or blank");
            if (_rows == 0) throw new DataFormatException(source, "holds a header but no data rows");
            return new TextMatrix(_rows, _columns, Collect(), Labels(out string[]? names), names, header, _delimiter);
        }

        private static TextDelimiter Detect(ReadOnlySpan<char> line) =>
            line.Contains('\t') ? TextDelimiter.Tab
            : line.Contains(',') ? TextDelimiter.Comma
            : line.Contains(';') ? TextDelimiter.Semicolon
            : TextDelimiter.Whitespace;

        private string Where(ReadOnlySpan<char> line, int fieldIndex) =>
            $"line {lines.LineNumber}, column {(fieldIndex < _fields.Count ? _fields[fieldIndex].Start + 1 : line.Length + 1)} (field {fieldIndex + 1})";

        private DataFormatException Error(ReadOnlySpan<char> line, int fieldIndex, string problem) =>
            new(source, $"{Where(line, fieldIndex)}: {problem}");

        private void Split(ReadOnlySpan<char> line)
        {
            _fields.Clear();
            if (_delimiter == TextDelimiter.Whitespace)
            {
                int i = 0;
                while (true)
                {
                    while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                    if (i >= line.Length) break;
                    int start = i;
                    while (i < line.Length && line[i] != ' ' && line[i] != '\t') i++;
                    _fields.Add(new Field(start, i - start));
                }
                return;
            }
            char d = _delimiter switch { TextDelimiter.Comma => ',', TextDelimiter.Tab => '\t', _ => ';' };
            int pos = 0;
            while (true)
            {
                int next = line[pos..].IndexOf(d);
                int end = next < 0 ? line.Length : pos + next;
                int s = pos, e = end;
                while (s < e && (line[s] == ' ' || (line[s] == '\t' && d != '\t'))) s++;
                while (e > s && (line[e - 1] == ' ' || (line[e - 1] == '\t' && d != '\t'))) e--;
                _fields.Add(new Field(s, e - s));
                if (next < 0) break;
                pos = end + 1;
            }
        }

        private void ResolveLabel()
        {
            _totalFields = _fields.Count;
            if (options.LabelColumn is int l)
            {
                int index = l < 0 ? _totalFields + l : l;
                if (index < 0 || index >= _totalFields)
                    throw new DataFormatException(source,
                        $"line {lines.LineNumber}: the label column {l} is outside the {_totalFields} field(s) of the first line");
                _labelField = index;
            }
            int features = _totalFields - (_labelField >= 0 ? 1 : 0);
            if (features == 0)
                throw new DataFormatException(source, $"line {lines.LineNumber}: the first line has no feature field besides the label");
            if (options.ExpectedColumns is int expected && expected != features)
                throw new DataFormatException(source,
                    $"line {lines.LineNumber}: {features} feature field(s){(_labelField >= 0 ? " besides the label" : "")}, expected {expected}");
            _columns = features;
        }

        private bool LooksLikeHeader(ReadOnlySpan<char> line)
        {
            for (int f = 0; f < _fields.Count; f++)
            {
                if (f == _labelField) continue;
                var token = Unquote(line.Slice(_fields[f].Start, _fields[f].Length));
                if (token.Length > 0 && !TryParse(token, out _)) return true; // an empty field is an error, not a name
            }
            return false;
        }

        private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> token) =>
            token.Length >= 2 && token[0] == '"' && token[^1] == '"' ? token[1..^1] : token;

        private static bool TryParse(ReadOnlySpan<char> token, out float value)
        {
            // Fast path for one-digit fields (binary and small-integer data).
            if (token.Length == 1 && (uint)(token[0] - '0') <= 9)
            {
                value = token[0] - '0';
                return true;
            }
            return float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }

        /// <summary>
        /// Reads an ordinary data row (no label column, no quotes, every value valid) straight into the buffer, without
        /// splitting it into a field list first. Declines (returning false, committing nothing) whenever anything is
        /// unusual, so that <see cref="AddRow"/> handles it or reports it with its line and column.
        /// </summary>
        private bool TryFastRow(ReadOnlySpan<char> line)
        {
            if (_labelField >= 0 || _rows >= options.MaxRows) return false;
            if (_currentRows * _columns == _current.Length) NewBlock();
            var row = _current.AsSpan(_currentRows * _columns, _columns);
            bool hasRange = options.ValueRange is not null;
            var (min, max) = options.ValueRange ?? (0f, 0f);
            if (line.Length == 2 * _columns - 1 && _columns > 1 && BitConverter.IsLittleEndian && TryDigitRow(line, row, hasRange, min, max))
            {
                if (_firstDataLine == 0) _firstDataLine = (int)Math.Min(int.MaxValue, lines.LineNumber);
                _currentRows++;
                _rows++;
                return true;
            }
            int c = 0, i = 0, n = line.Length;
            if (_delimiter == TextDelimiter.Whitespace)
            {
                while (true)
                {
                    while (i < n && (line[i] == ' ' || line[i] == '\t')) i++;
                    if (i >= n) break;
                    int start = i;
                    while (i < n && line[i] != ' ' && line[i] != '\t') i++;
                    if (c == row.Length || !TryValue(line[start..i], hasRange, min, max, out row[c])) return false;
                    c++;
                }
            }
            else
            {
                char d = _delimiter switch { TextDelimiter.Comma => ',', TextDelimiter.Tab => '\t', _ => ';' };
                while (true)
                {
                    int next = line[i..].IndexOf(d);
                    int end = next < 0 ? n : i + next;
                    var token = d == '\t' ? line[i..end].Trim(' ') : line[i..end].Trim(" \t");
                    if (c == row.Length || !TryValue(token, hasRange, min, max, out row[c])) return false;
                    c++;
                    if (next < 0) break;
                    i = end + 1;
                }
            }
            if (c != row.Length) return false;
            if (_firstDataLine == 0) _firstDataLine = (int)Math.Min(int.MaxValue, lines.LineNumber);
            _currentRows++;
            _rows++;
            return true;
        }

        private uint[] _digits = [];

        /// <summary>
        /// The commonest case of binary and small-integer data: one digit, one delimiter, one digit… (e.g. "0 1 1 … 0").
        /// Checked and converted with vectorized library calls: each (digit, delimiter) pair of UTF-16 code units is one
        /// little-endian uint in [digit '0' | delimiter &lt;&lt; 16, '9' | delimiter &lt;&lt; 16].
        /// </summary>
        private bool TryDigitRow(ReadOnlySpan<char> line, Span<float> row, bool hasRange, float min, float max)
        {
            uint separator = _delimiter switch { TextDelimiter.Comma => ',', TextDelimiter.Tab => '\t', TextDelimiter.Semicolon => ';', _ => ' ' };
            var pairs = MemoryMarshal.Cast<char, uint>(line[..(2 * (_columns - 1))]);
            if (pairs.IndexOfAnyExceptInRange('0' | (separator << 16), '9' | (separator << 16)) >= 0) return false;
            uint last = (uint)(line[^1] - '0');
            if (last > 9) return false;
            if (_digits.Length != _columns) _digits = new uint[_columns];
            TensorPrimitives.BitwiseAnd(pairs, 0xFu, _digits.AsSpan(0, _columns - 1));
            _digits[^1] = last;
            TensorPrimitives.ConvertTruncating<uint, float>(_digits, row);
            return !hasRange || (TensorPrimitives.Min(row) >= min && TensorPrimitives.Max(row) <= max);
        }

        private static bool TryValue(ReadOnlySpan<char> token, bool hasRange, float min, float max, out float value)
        {
            if (token.Length == 1 && (uint)(token[0] - '0') <= 9)
                value = token[0] - '0';
            else if (token.Length == 0 || token[0] == '"'
                     || !float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !float.IsFinite(value))
            {
                value = 0f;
                return false;
            }
            return !hasRange || (value >= min && value <= max);
        }

        private void AddRow(ReadOnlySpan<char> line)
        {
            if (_fields.Count != _totalFields)
                throw Error(line, Math.Min(_fields.Count, _totalFields),
                    $"{_fields.Count} field(s), but {(_firstDataLine > 0 ? $"line {_firstDataLine}" : "the first line")} has {_totalFields}");
            if (_rows >= options.MaxRows)
                throw new DataFormatException(source, $"line {lines.LineNumber}: more than the {options.MaxRows} rows allowed");
            if (_firstDataLine == 0) _firstDataLine = (int)Math.Min(int.MaxValue, lines.LineNumber);
            if (_currentRows * _columns == _current.Length) NewBlock();

            var row = _current.AsSpan(_currentRows * _columns, _columns);
            int c = 0;
            for (int f = 0; f < _fields.Count; f++)
            {
                var field = _fields[f];
                var token = Unquote(line.Slice(field.Start, field.Length));
                if (f == _labelField)
                {
                    AddLabel(line, f, token);
                    continue;
                }
                if (token.Length == 0) throw Error(line, f, "empty field, expected a number");
                if (!TryParse(token, out float v))
                    throw Error(line, f, $"'{Show(token)}' is not a number");
                if (!float.IsFinite(v))
                    throw Error(line, f, $"'{Show(token)}' is not a finite number");
                if (options.ValueRange is { } r && !(v >= r.Min && v <= r.Max))
                    throw Error(line, f, $"{Show(token)} is outside [{r.Min.ToString(CultureInfo.InvariantCulture)}, {r.Max.ToString(CultureInfo.InvariantCulture)}]");
                row[c++] = v;
            }
            _currentRows++;
            _rows++;
        }

        private void AddLabel(ReadOnlySpan<char> line, int f, ReadOnlySpan<char> token)
        {
            if (token.Length == 0) throw Error(line, f, "empty label field");
            string text = token.ToString();
            if (!_labelIds.TryGetValue(text, out int id))
            {
                if (_labelNames.Count >= options.MaxLabelClasses)
                    throw Error(line, f, $"label '{Show(token)}' is one more than the {options.MaxLabelClasses} distinct labels allowed");
                id = _labelNames.Count;
                _labelIds.Add(text, id);
                _labelNames.Add(text);
            }
            _labelOfRow.Add(id);
        }

        private void NewBlock()
        {
            if (_current.Length > 0) _blocks.Add(_current);
            long rows = _blocks.Count == 0 && options.ExpectedRows is int hint && hint > 0
                ? hint
                : Math.Max(16, Math.Max(1L << 16, (long)_rows * _columns) / _columns); // doubling
            rows = Math.Min(rows, (long)options.MaxRows - _rows);
            long values = rows * _columns;
            if ((long)_rows * _columns + _columns > Array.MaxLength)
                throw new DataFormatException(source, $"line {lines.LineNumber}: more than {Array.MaxLength} values in all");
            values = Math.Min(values, Array.MaxLength - (long)_rows * _columns);
            values = Math.Max(_columns, values / _columns * _columns);
            _current = new float[values];
            _currentRows = 0;
        }

        private float[] Collect()
        {
            if (_blocks.Count == 0 && _current.Length == (long)_rows * _columns) return _current;
            var all = new float[(long)_rows * _columns];
            long at = 0;
            foreach (var b in _blocks)
            {
                b.CopyTo(all, at);
                at += b.Length;
            }
            Array.Copy(_current, 0, all, at, (long)_currentRows * _columns);
            return all;
        }

        private int[]? Labels(out string[]? names)
        {
            names = null;
            if (_labelField < 0) return null;
            var numeric = new int[_labelNames.Count];
            bool allIntegers = true;
            for (int i = 0; i < _labelNames.Count && allIntegers; i++)
                allIntegers = int.TryParse(_labelNames[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numeric[i]);
            var labels = new int[_labelOfRow.Count];
            if (allIntegers)
            {
                for (int r = 0; r < labels.Length; r++) labels[r] = numeric[_labelOfRow[r]];
                return labels;
            }
            var sorted = _labelNames.Order(StringComparer.Ordinal).ToArray();
            var rank = new int[_labelNames.Count];
            for (int i = 0; i < _labelNames.Count; i++) rank[i] = Array.BinarySearch(sorted, _labelNames[i], StringComparer.Ordinal);
            for (int r = 0; r < labels.Length; r++) labels[r] = rank[_labelOfRow[r]];
            names = sorted;
            return labels;
        }
    }
}
