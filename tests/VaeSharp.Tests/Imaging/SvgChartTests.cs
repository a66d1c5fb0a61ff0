using System.Xml.Linq;
using VaeSharp.Imaging;

namespace VaeSharp.Tests.Imaging;

public class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void IsWellFormedAndNamesTheSeries()
    {
        var chart = new SvgChart { Title = "ELBO <train> & \"test\"", XLabel = "samples", YLabel = "L", LogX = true };
        chart.AddSeries("train", [(1e5, -140.0), (1e6, -120.0), (1e7, -110.0)]);
        chart.AddSeries("test & <valid>", [1e5, 1e6, 1e7], [-145.0, double.NaN, -115.0]);
        XDocument doc = XDocument.Parse(chart.ToSvg());
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        string text = string.Concat(doc.Descendants(Svg + "text").Select(t => t.Value + "|"));
        Assert.Contains("train", text);
        Assert.Contains("test & <valid>", text);
        Assert.Contains("ELBO <train> & \"test\"", text);
        Assert.DoesNotContain("NaN", chart.ToSvg());
        // Decade tick labels 10^5 .. 10^7 on the log axis.
        Assert.Contains("105|", text);
        Assert.Contains("107|", text);
        // The NaN splits the test series: two isolated points become dots, no polyline.
        XElement test = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ElementAt(1);
        Assert.Equal(2, test.Elements(Svg + "circle").Count());
        Assert.Empty(test.Elements(Svg + "polyline"));
    }

    [Fact]
    public void HandlesEmptySinglePointAndAllNaNSeries()
    {
        var chart = new SvgChart();
        Assert.NotNull(XDocument.Parse(chart.ToSvg()).Root); // no series at all
        chart.AddSeries("empty", []);
        chart.AddSeries("one", [(3.0, 7.0)]);
        chart.AddSeries("nan", [(double.NaN, 1.0), (1.0, double.PositiveInfinity)]);
        XDocument doc = XDocument.Parse(chart.ToSvg());
        Assert.Single(doc.Descendants(Svg + "circle"));
        Assert.DoesNotContain("NaN", chart.ToSvg());
        Assert.DoesNotContain("Infinity", chart.ToSvg());
    }

    [Fact]
    public void LogAxisSkipsNonPositiveX()
    {
        var chart = new SvgChart { LogX = true };
        chart.AddSeries("s", [(0.0, 1.0), (-5.0, 2.0), (10.0, 3.0), (100.0, 4.0)]);
        XDocument doc = XDocument.Parse(chart.ToSvg());
        XElement line = Assert.Single(doc.Descendants(Svg + "polyline"));
        Assert.Equal(2, line.Attribute("points")!.Value.Split(' ').Length);
    }

    [Fact]
    public void LinearTicksAreOneTwoFiveSteps()
    {
        var chart = new SvgChart();
        chart.AddSeries("s", [(0.0, 0.0), (10.0, 1.0)]);
        XDocument doc = XDocument.Parse(chart.ToSvg());
        var labels = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("0", labels);
        Assert.Contains("10", labels);
        Assert.Contains("0.2", labels);
        Assert.Contains("1.0", labels);
    }

    [Fact]
    public void SaveWritesAtomically()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vaesharp-svg-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "c.svg");
            new SvgChart { Title = "t" }.AddSeries("a", [(1.0, 2.0), (2.0, 3.0)]).Save(path);
            Assert.NotNull(XDocument.Load(path).Root);
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
