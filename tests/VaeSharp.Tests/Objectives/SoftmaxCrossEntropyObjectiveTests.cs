using VaeSharp.Layers;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;

namespace VaeSharp.Tests.Objectives;

public class SoftmaxCrossEntropyObjectiveTests
{
    private static (Classifier model, float[] rows) Small(Activation act, int[] hidden, bool soft = false)
    {
        var model = new Classifier(new ClassifierConfig { InputSize = 6, Hidden = hidden, Classes = 4, Activation = act });
        model.Initialize(Initialization.Normal, new Rng(7), scale: 0.5f);
        var rng = new Rng(11);
        var x = new float[5 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
        byte[] labels = [0, 3, 1, 2, 3];
        var rows = SoftmaxCrossEntropyObjective.AppendOneHot(x, labels, 5, 6, 4).Features.ToArray();
        if (soft)   // row 1's target becomes (0.1, 0.2, 0.3, 0.4)
            for (int k = 0; k < 4; k++) rows[1 * 10 + 6 + k] = 0.1f * (k + 1);
        return (model, rows);
    }

    [Theory]
    [InlineData(Activation.Tanh, false)]
    [InlineData(Activation.Softplus, false)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.Relu, false)]   // seeded: no pre-activation lies within h of ReLU's kink here
    public void GradientMatchesFiniteDifferences(Activation act, bool soft)
    {
        var (model, rows) = Small(act, [5, 4], soft);
        var objective = new SoftmaxCrossEntropyObjective(model);
        double Loss() => -objective.Evaluate(rows, 5, new Rng(1), false).Objective / 5;
        GradientCheck.AssertMatches(model.Arena, Loss, () => objective.Evaluate(rows, 5, new Rng(1), true));
    }

    [Fact]
    public void ObjectiveIsTheLogSoftmaxOfTheLabels()
    {
        var (model, rows) = Small(Activation.Tanh, [5]);
        var terms = new SoftmaxCrossEntropyObjective(model).Evaluate(rows, 5, new Rng(1), false);
        // Independent computation from the logits.
        var x = new float[5 * 6];
        for (int i = 0; i < 5; i++) rows.AsSpan(i * 10, 6).CopyTo(x.AsSpan(i * 6, 6));
        var logits = model.Forward(x, 5, WorkerPool.Single).ToArray();
        byte[] labels = [0, 3, 1, 2, 3];
        double expected = 0;
        for (int i = 0; i < 5; i++)
        {
            double norm = Math.Log(Enumerable.Range(0, 4).Sum(k => Math.Exp(logits[i * 4 + k])));
            expected += logits[i * 4 + labels[i]] - norm;
        }
        Assert.Equal(expected, terms.Objective, 1e-5);
        Assert.Equal(terms.Objective, terms.Reconstruction);
        Assert.Equal(0, terms.Kl);
        Assert.Equal(5, terms.Rows);
    }

    [Fact]
    public void RowsWithoutAValidTargetAreRejected()
    {
        var (model, rows) = Small(Activation.Tanh, [5]);
        var objective = new SoftmaxCrossEntropyObjective(model);
        Assert.Equal(10, objective.InputSize);
        var noLabel = (float[])rows.Clone();
        noLabel[6] = 0;   // row 0's one-hot cleared
        Assert.Contains("sum to 0", Assert.Throws<ArgumentException>(() => objective.Evaluate(noLabel, 5, new Rng(1), false)).Message);
        var negative = (float[])rows.Clone();
        negative[7] = -1;
        negative[6] = 2;
        Assert.Contains("probabilities", Assert.Throws<ArgumentException>(() => objective.Evaluate(negative, 5, new Rng(1), false)).Message);
        Assert.Throws<ArgumentException>(() => objective.Evaluate(rows.AsSpan(0, 45), 5, new Rng(1), false));
        Assert.Contains("not below", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropyObjective.AppendOneHot(new float[6], [4], 1, 6, 4)).Message);
    }
}
