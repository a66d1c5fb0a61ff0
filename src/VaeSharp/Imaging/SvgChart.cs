using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace VaeSharp.Imaging;

/// <summary>One named line of an <see cref="SvgChart"/>.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">The (x, y) points in drawing order.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// A line chart written as a standalone SVG document: several named series, title, axis labels, 1-2-5 ticks
/// (decades on a logarithmic x axis), light grid and a legend. Built with <see cref="System.Xml.Linq"/>, so
/// every text is escaped. Points with a NaN or infinite coordinate (or x ≤ 0 on a log axis) are skipped and
/// break the line there; a point with no drawable neighbour is shown as a dot. Example: train and test ELBO
/// against the number of training samples seen, with <see cref="LogX"/> as in Kingma &amp; Welling's Figure 2.
/// </summary>
public sealed class SvgChart
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private readonly List<ChartSeries> _series = [];

    /// <summary>Title above the plot (empty for none).</summary>
    public string Title { get; set; } = "";

    /// <summary>Label under the x axis.</summary>
    public string XLabel { get; set; } = "";

    /// <summary>Label beside the y axis.</summary>
    public string YLabel { get; set; } = "";

    /// <summary>Logarithmic (base 10) x axis; points with x ≤ 0 are then skipped.</summary>
    public bool LogX { get; set; }

    /// <summary>Width of the SVG in pixels (default 720, at least 200).</summary>
    public int Width { get; set; } = 720;

    /// <summary>Height of the SVG in pixels (default 440, at least 150).</summary>
    public int Height { get; set; } = 440;

    /// <summary>The series added so far, in legend order.</summary>
    public IReadOnlyList<ChartSeries> Series => _series;

    /// <summary>Adds a series (the points are copied). Returns this chart, for chaining.</summary>
    public SvgChart AddSeries(string name, IEnumerable<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(points);
        _series.Add(new ChartSeries(name, points.ToArray()));
        return this;
    }

    /// <summary>Adds a series from parallel x and y arrays of equal length. Returns this chart, for chaining.</summary>
    public SvgChart AddSeries(string name, ReadOnlySpan<double> xs, ReadOnlySpan<double> ys)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (xs.Length != ys.Length) throw new ArgumentException($"{xs.Length} x values but {ys.Length} y values.", nameof(ys));
        var points = new (double, double)[xs.Length];
        for (int i = 0; i < xs.Length; i++) points[i] = (xs[i], ys[i]);
        _series.Add(new ChartSeries(name, points));
        return this;
    }

    /// <summary>Writes the chart to <paramref name="path"/> as UTF-8, atomically (temporary file, then rename).</summary>
    public void Save(string path) => AtomicFile.WriteText(path, ToSvg());

    /// <summary>The chart as an SVG document (with an XML declaration).</summary>
    public string ToSvg()
    {
        if (Width < 200) throw new InvalidOperationException($"Width {Width} is below 200.");
        if (Height < 150) throw new InvalidOperationException($"Height {Height} is below 150.");

        const double left = 78, right = 18, bottom = 52;
        double top = Title.Length > 0 ? 40 : 18;
        double px0 = left, px1 = Width - right, py0 = top, py1 = Height - bottom;

        // Data ranges in axis coordinates (log10(x) on a log axis).
        double xmin = double.PositiveInfinity, xmax = double.NegativeInfinity, ymin = double.PositiveInfinity, ymax = double.NegativeInfinity;
        foreach (ChartSeries s in _series)
            foreach ((double x, double y) in s.Points)
                if (TryAxisX(x, out double ax) && double.IsFinite(y))
                {
                    xmin = Math.Min(xmin, ax); xmax = Math.Max(xmax, ax);
                    ymin = Math.Min(ymin, y); ymax = Math.Max(ymax, y);
                }
        if (xmin > xmax) { xmin = 0; xmax = 1; ymin = 0; ymax = 1; }
        (xmin, xmax) = Widen(xmin, xmax, LogX ? 0.5 : 0.5);
        (ymin, ymax) = Widen(ymin, ymax, 0.5);

        // X ticks: whole decades on a log axis (plus 2 and 5 when the range holds under two decades).
        var xTicks = new List<(double Pos, XElement Label)>();
        if (LogX)
        {
            xmin = Math.Floor(xmin);
            xmax = Math.Ceiling(xmax);
            if (xmax - xmin < 1) xmax = xmin + 1;
            int decades = (int)(xmax - xmin);
            int every = Math.Max(1, (int)Math.Ceiling(decades / 8.0));
            for (int e = (int)xmin; e <= (int)xmax; e++)
            {
                if ((e - (int)xmin) % every == 0) xTicks.Add((e, PowerOfTen(e)));
                if (decades < 2 && e < (int)xmax)
                    foreach (int m in (int[])[2, 5])
                        xTicks.Add((e + Math.Log10(m), new XElement(Svg + "text", FormatG(m * Math.Pow(10, e)))));
            }
        }
        else
        {
            double xstep = Ticks.NiceStep(xmax - xmin, 6);
            xmin = Math.Floor(xmin / xstep + 1e-9) * xstep;
            xmax = Math.Ceiling(xmax / xstep - 1e-9) * xstep;
            foreach (double t in Ticks.Multiples(xmin, xmax, xstep))
                xTicks.Add((t, new XElement(Svg + "text", Ticks.Format(t, xstep))));
        }
        double ystep = Ticks.NiceStep(ymax - ymin, 5);
        ymin = Math.Floor(ymin / ystep + 1e-9) * ystep;
        ymax = Math.Ceiling(ymax / ystep - 1e-9) * ystep;
        List<double> yTicks = Ticks.Multiples(ymin, ymax, ystep);

        double X(double ax) => px0 + (ax - xmin) / (xmax - xmin) * (px1 - px0);
        double Y(double y) => py1 - (y - ymin) / (ymax - ymin) * (py1 - py0);

        var root = new XElement(Svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", Height),
            new XAttribute("viewBox", $"0 0 {Width} {Height}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12));
        root.Add(new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")));
        if (Title.Length > 0)
            root.Add(Text(Width / 2.0, 24, Title, "middle", ("font-size", "15"), ("font-weight", "bold")));

        var grid = new XElement(Svg + "g", new XAttribute("stroke", "#e6e6e6"), new XAttribute("stroke-width", 1));
        var axes = new XElement(Svg + "g", new XAttribute("stroke", "black"), new XAttribute("stroke-width", 1));
        var labels = new XElement(Svg + "g", new XAttribute("fill", "black"));
        foreach ((double pos, XElement label) in xTicks)
        {
            double x = X(pos);
            grid.Add(Line(x, py0, x, py1));
            axes.Add(Line(x, py1, x, py1 + 5));
            label.SetAttributeValue("x", F(x));
            label.SetAttributeValue("y", F(py1 + 19));
            label.SetAttributeValue("text-anchor", "middle");
            labels.Add(label);
        }
        foreach (double t in yTicks)
        {
            double y = Y(t);
            grid.Add(Line(px0, y, px1, y));
            axes.Add(Line(px0 - 5, y, px0, y));
            labels.Add(Text(px0 - 8, y + 4, Ticks.Format(t, ystep), "end"));
        }
        axes.Add(new XElement(Svg + "rect", new XAttribute("x", F(px0)), new XAttribute("y", F(py0)),
            new XAttribute("width", F(px1 - px0)), new XAttribute("height", F(py1 - py0)), new XAttribute("fill", "none")));
        root.Add(grid, axes, labels);
        if (XLabel.Length > 0) root.Add(Text((px0 + px1) / 2, Height - 12, XLabel, "middle"));
        if (YLabel.Length > 0)
        {
            XElement yl = Text(0, 0, YLabel, "middle");
            yl.SetAttributeValue("transform", $"translate(16,{F((py0 + py1) / 2)}) rotate(-90)");
            root.Add(yl);
        }

        // Series, clipped to the plot box.
        root.Add(new XElement(Svg + "defs", new XElement(Svg + "clipPath", new XAttribute("id", "plot"),
            new XElement(Svg + "rect", new XAttribute("x", F(px0)), new XAttribute("y", F(py0)),
                new XAttribute("width", F(px1 - px0)), new XAttribute("height", F(py1 - py0))))));
        var plotGroup = new XElement(Svg + "g", new XAttribute("clip-path", "url(#plot)"), new XAttribute("fill", "none"), new XAttribute("stroke-width", 2));
        for (int i = 0; i < _series.Count; i++)
        {
            string color = Palette[i % Palette.Length];
            var g = new XElement(Svg + "g", new XAttribute("class", "series"), new XAttribute("stroke", color));
            g.Add(new XElement(Svg + "title", Clean(_series[i].Name)));
            foreach (List<(double X, double Y)> run in Runs(_series[i].Points))
            {
                if (run.Count == 1)
                    g.Add(new XElement(Svg + "circle", new XAttribute("cx", F(X(run[0].X))), new XAttribute("cy", F(Y(run[0].Y))),
                        new XAttribute("r", 3), new XAttribute("fill", color), new XAttribute("stroke", "none")));
                else
                    g.Add(new XElement(Svg + "polyline", new XAttribute("points",
                        string.Join(' ', run.Select(p => F(X(p.X)) + "," + F(Y(p.Y)))))));
            }
            plotGroup.Add(g);
        }
        root.Add(plotGroup);

        // Legend in the top-right corner of the plot box.
        if (_series.Count > 0)
        {
            int longest = _series.Max(s => Clean(s.Name).Length);
            double lw = 40 + 7 * longest, lh = 8 + 18 * _series.Count;
            double lx = px1 - lw - 8, ly = py0 + 8;
            var legend = new XElement(Svg + "g", new XAttribute("class", "legend"));
            legend.Add(new XElement(Svg + "rect", new XAttribute("x", F(lx)), new XAttribute("y", F(ly)), new XAttribute("width", F(lw)),
                new XAttribute("height", F(lh)), new XAttribute("fill", "white"), new XAttribute("fill-opacity", "0.85"), new XAttribute("stroke", "#999999")));
            for (int i = 0; i < _series.Count; i++)
            {
                double rowY = ly + 4 + 18 * i + 9;
                XElement line = Line(lx + 8, rowY, lx + 30, rowY);
                line.SetAttributeValue("stroke", Palette[i % Palette.Length]);
                line.SetAttributeValue("stroke-width", 2);
                legend.Add(line, Text(lx + 36, rowY + 4, _series[i].Name, "start"));
            }
            root.Add(legend);
        }

        var sb = new StringBuilder();
        using (var writer = XmlWriter.Create(sb, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
            root.Save(writer);
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + sb + "\n";
    }

    private bool TryAxisX(double x, out double ax)
    {
        ax = LogX ? (x > 0 ? Math.Log10(x) : double.NaN) : x;
        return double.IsFinite(ax);
    }

    // Consecutive drawable points, split wherever a point is skipped; coordinates already on the axis scale.
    private List<List<(double X, double Y)>> Runs(IReadOnlyList<(double X, double Y)> points)
    {
        var runs = new List<List<(double, double)>>();
        List<(double, double)>? current = null;
        foreach ((double x, double y) in points)
        {
            if (TryAxisX(x, out double ax) && double.IsFinite(y))
            {
                current ??= [];
                current.Add((ax, y));
            }
            else if (current is not null)
            {
                runs.Add(current);
                current = null;
            }
        }
        if (current is not null) runs.Add(current);
        return runs;
    }

    // A degenerate range (one value) becomes value ± pad (or ± 1 % of |value| when that is larger).
    private static (double, double) Widen(double lo, double hi, double pad)
    {
        if (hi > lo) return (lo, hi);
        double d = Math.Max(pad, Math.Abs(lo) * 0.01);
        return (lo - d, hi + d);
    }

    private static XElement PowerOfTen(int e) => e switch
    {
        0 => new XElement(Svg + "text", "1"),
        1 => new XElement(Svg + "text", "10"),
        _ => new XElement(Svg + "text", "10",
            new XElement(Svg + "tspan", new XAttribute("dy", "-6"), new XAttribute("font-size", "9"), e.ToString(CultureInfo.InvariantCulture))),
    };

    private static XElement Line(double x1, double y1, double x2, double y2) => new(Svg + "line",
        new XAttribute("x1", F(x1)), new XAttribute("y1", F(y1)), new XAttribute("x2", F(x2)), new XAttribute("y2", F(y2)));

    private static XElement Text(double x, double y, string text, string anchor, params (string Name, string Value)[] extra)
    {
        var e = new XElement(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)), new XAttribute("text-anchor", anchor), Clean(text));
        foreach ((string name, string value) in extra) e.SetAttributeValue(name, value);
        return e;
    }

    // XML cannot hold some control characters even escaped: drop them.
    private static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { sb.Append(c).Append(text[++i]); }
            else if (XmlConvert.IsXmlChar(c)) sb.Append(c);
        }
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string FormatG(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
