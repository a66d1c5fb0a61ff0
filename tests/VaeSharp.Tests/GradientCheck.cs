using VaeSharp.Training;

namespace VaeSharp.Tests;

/// <summary>Central finite differences over every parameter of an arena, compared with the analytic gradient.</summary>
internal static class GradientCheck
{
    /// <summary>
    /// <paramref name="loss"/> evaluates the loss (double) at the arena's current values, and <paramref name="lossAndGradient"/>
    /// fills the arena's gradients. Each parameter is checked with |numeric − analytic| ≤ atol + rtol·max(|numeric|, |analytic|).
    /// Float32 forward passes with h = 1e-2 give numeric derivatives good to about 1e-4 on these small models, so atol = 2e-3 and
    /// rtol = 2e-2 leave a margin while a wrong factor of 2, a sign, or a missing term fails. <paramref name="only"/>, when given,
    /// restricts the check to the parameters it accepts (for objectives whose gradient deliberately covers part of the model).
    /// </summary>
    public static void AssertMatches(ParameterArena arena, Func<double> loss, Action lossAndGradient,
        double h = 1e-2, double atol = 2e-3, double rtol = 2e-2, Func<Parameter, bool>? only = null)
    {
        arena.ZeroGradients();
        lossAndGradient();
        float[] analytic = (float[])arena.Gradients.Clone();
        var values = arena.Values;
        int checkedCount = 0;
        double maxAbs = 0;
        int expected = 0;
        foreach (var p in arena.Parameters)
        {
            if (only is not null && !only(p)) continue;
            expected += p.Length;
            for (int k = 0; k < p.Length; k++)
            {
                int i = p.Offset + k;
                float saved = values[i];
                values[i] = (float)(saved + h);
                double up = loss();
                values[i] = (float)(saved - h);
                double down = loss();
                values[i] = saved;
                double numeric = (up - down) / (2 * h);
                double a = analytic[i];
                maxAbs = Math.Max(maxAbs, Math.Abs(a));
                double tol = atol + rtol * Math.Max(Math.Abs(numeric), Math.Abs(a));
                Assert.True(Math.Abs(numeric - a) <= tol,
                    $"{p.Name}[{k}]: numeric {numeric:G6} vs analytic {a:G6} (tolerance {tol:G3})");
                checkedCount++;
            }
        }
        Assert.Equal(only is null ? arena.Length : expected, checkedCount);
        Assert.True(checkedCount > 0, "No parameter was checked.");
        Assert.True(maxAbs > 1e-2, "Every gradient is ~0: the check would pass vacuously.");
    }
}
