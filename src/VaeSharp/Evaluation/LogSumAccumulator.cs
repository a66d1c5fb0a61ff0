namespace VaeSharp.Evaluation;

/// <summary>A running log Σ exp(vₖ) that never overflows (terms of −∞, weight 0, are skipped).</summary>
internal struct LogSumAccumulator
{
    private double _max, _sum;
    private bool _any;

    /// <summary>Adds exp(<paramref name="v"/>) to the sum.</summary>
    public void Add(double v)
    {
        if (double.IsNegativeInfinity(v)) return;
        if (!_any) { _max = v; _sum = 1; _any = true; return; }
        if (v > _max) { _sum = _sum * Math.Exp(_max - v) + 1; _max = v; }
        else _sum += Math.Exp(v - _max);
    }

    /// <summary>log Σ exp(vₖ) (−∞ for an empty sum).</summary>
    public readonly double Value => _any ? _max + Math.Log(_sum) : double.NegativeInfinity;

    /// <summary>log Σ exp(vₖ) of a whole span, shifted by its maximum (−∞ for an empty span or all terms −∞).</summary>
    public static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) if (v > max) max = v;
        if (double.IsNegativeInfinity(max)) return max;
        double s = 0;
        foreach (double v in values) s += Math.Exp(v - max);
        return max + Math.Log(s);
    }
}
