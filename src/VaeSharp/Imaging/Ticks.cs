using System.Globalization;

namespace VaeSharp.Imaging;

/// <summary>"Nice" axis ticks: steps of 1, 2 or 5 times a power of ten.</summary>
internal static class Ticks
{
    /// <summary>A 1-2-5 step giving about <paramref name="target"/> intervals over <paramref name="span"/>.</summary>
    public static double NiceStep(double span, int target)
    {
        if (!(span > 0) || double.IsInfinity(span)) return 1;
        double raw = span / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * mag;
    }

    /// <summary>Multiples of <paramref name="step"/> inside [lo, hi] (with a little tolerance).</summary>
    public static List<double> Multiples(double lo, double hi, double step)
    {
        var ticks = new List<double>();
        double eps = step * 1e-9;
        long first = (long)Math.Ceiling((lo - eps) / step), last = (long)Math.Floor((hi + eps) / step);
        for (long k = first; k <= last && ticks.Count < 1000; k++)
        {
            double v = k * step;
            ticks.Add(Math.Abs(v) < eps ? 0 : v);
        }
        return ticks;
    }

    /// <summary>A label for a tick value with as many decimals as the step needs (invariant culture, no "-0").</summary>
    public static string Format(double value, double step)
    {
        int decimals = Math.Clamp((int)-Math.Floor(Math.Log10(step) + 1e-9), 0, 10);
        string s = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (Math.Abs(value) >= 1e6 || (Math.Abs(value) < 1e-4 && value != 0))
            s = value.ToString("G3", CultureInfo.InvariantCulture);
        return s.StartsWith('-') && s.Trim('-', '0', '.').Length == 0 ? s[1..] : s;
    }
}
