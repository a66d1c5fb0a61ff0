using VaeSharp.Layers;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Tests.Layers;

public class LayerGradientTests
{
    [Theory]
    [InlineData(Activation.Identity)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Softplus)]
    [InlineData(Activation.Sigmoid)]
    public void MlpGradientsMatchFiniteDifferences(Activation act)
    {
        var arena = new ParameterArena();
        var mlp = new Mlp(arena, "net", [4, 7, 5, 3], act, Activation.Identity);
        arena.Seal();
        new Rng(1).FillNormal(arena.Values, 0f, 0.7f);
        const int rows = 5;
        var rng = new Rng(2);
        var x = new float[rows * 4];
        rng.FillNormal(x);
        var target = new float[rows * 3];
        rng.FillNormal(target);
        var dx = new float[rows * 4];
        var pool = WorkerPool.Single;

        // loss = ½ Σ (y − t)²  so  dL/dy = y − t.
        double Loss()
        {
            var y = mlp.Forward(x, rows, pool);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += 0.5 * (y[i] - target[i]) * (y[i] - target[i]);
            return s;
        }
        void Grad()
        {
            var y = mlp.Forward(x, rows, pool);
            var dy = new float[y.Length];
            for (int i = 0; i < y.Length; i++) dy[i] = y[i] - target[i];
            mlp.Backward(x, dy, dx, rows, pool);
        }
        GradientCheck.AssertMatches(arena, Loss, Grad);

        // dL/dx against finite differences too.
        arena.ZeroGradients();
        Grad();
        for (int i = 0; i < x.Length; i++)
        {
            float saved = x[i];
            x[i] = saved + 1e-2f; double up = Loss();
            x[i] = saved - 1e-2f; double down = Loss();
            x[i] = saved;
            double numeric = (up - down) / 2e-2;
            Assert.True(Math.Abs(numeric - dx[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric), $"dx[{i}] {numeric} vs {dx[i]}");
        }
    }

    [Fact]
    public void BackwardAccumulatesIntoTheGradientArena()
    {
        var arena = new ParameterArena();
        var layer = new Linear(arena, "l", 3, 2);
        arena.Seal();
        new Rng(3).FillNormal(arena.Values);
        float[] x = [1, 2, 3, -1, 0, 1];
        float[] dy = [1, -1, 0.5f, 2];
        layer.Backward(x, dy, default, 2, WorkerPool.Single);
        float[] once = (float[])arena.Gradients.Clone();
        layer.Backward(x, dy, default, 2, WorkerPool.Single);
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], arena.Gradients[i], 5);
        // db = column sums of dy
        Assert.Equal(1.5f, arena.Gradient(layer.Bias!.Value)[0] / 2, 5);
        Assert.Equal(1f, arena.Gradient(layer.Bias!.Value)[1] / 2, 5);
    }
}
