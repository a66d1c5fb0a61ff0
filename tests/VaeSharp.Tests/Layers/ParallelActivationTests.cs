using VaeSharp.Layers;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Layers;

public sealed class ParallelActivationTests
{
    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Softplus)]
    [InlineData(Activation.Identity)]
    public void Split_across_threads_is_bit_identical_to_the_serial_pass(Activation activation)
    {
        foreach (int threads in new[] { 2, 3 })
        {
            using var pool = new WorkerPool(threads);
            foreach (int n in new[] { 17, 16_383, 16_384, 50_000, 50_001, 78_400 + 7 })
            {
                var x = new float[n];
                new Rng((ulong)n).FillNormal(x, 0f, 3f);
                var serial = (float[])x.Clone();
                var parallel = (float[])x.Clone();
                Activations.Forward(activation, serial);
                Activations.Forward(activation, parallel, pool);
                Assert.Equal(serial, parallel);

                var g = new float[n];
                new Rng((ulong)n + 1).FillNormal(g);
                var gs = (float[])g.Clone();
                var gp = (float[])g.Clone();
                Activations.Backward(activation, serial, gs);
                Activations.Backward(activation, serial, gp, pool);
                Assert.Equal(gs, gp);
            }
        }
    }
}
