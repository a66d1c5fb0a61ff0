using System.Numerics.Tensors;
using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Layers;

/// <summary>
/// A fully connected layer y = x·W + b. W is stored [in × out] row-major (so the forward pass is a plain X·W);
/// model files store it transposed as PyTorch's nn.Linear does ([out × in]).
/// </summary>
public sealed class Linear : IProfiled
{
    private readonly ParameterArena _arena;
    private PhaseProfiler? _profiler;
    private int _forwardPhase, _weightGradientPhase, _biasGradientPhase, _inputGradientPhase;

    /// <summary>
    /// Reserves W and b in <paramref name="arena"/> under <c>{name}.weight</c> and <c>{name}.bias</c>
    /// (no bias when <paramref name="bias"/> is false: y = x·W).
    /// </summary>
    public Linear(ParameterArena arena, string name, int inputs, int outputs, bool bias = true)
    {
        _arena = arena;
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Weight = arena.Reserve(name + ".weight", inputs, outputs); // [in × out]
        if (bias) Bias = arena.Reserve(name + ".bias", 1, outputs); // [out]
    }

    /// <summary>Layer name prefix.</summary>
    public string Name { get; }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>W, [in × out].</summary>
    public Parameter Weight { get; }

    /// <summary>b, [out] (null when the layer has no bias).</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public void AttachProfiler(PhaseProfiler? profiler)
    {
        _profiler = profiler;
        if (profiler is null) return;
        _forwardPhase = profiler.Phase($"{Name} forward x·W + b");
        _weightGradientPhase = profiler.Phase($"{Name} backward dW = xᵀ·dy");
        _biasGradientPhase = profiler.Phase($"{Name} backward db");
        _inputGradientPhase = profiler.Phase($"{Name} backward dx = dy·Wᵀ");
    }

    /// <summary>y[rows × out] = x[rows × in]·W + b.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, WorkerPool pool)
    {
        if (Bias is { } b) Gemm.MultiplyNNBias(x, _arena.Value(Weight), _arena.Value(b), y, rows, Inputs, Outputs, pool);
        else Gemm.MultiplyNN(x, _arena.Value(Weight), y, rows, Inputs, Outputs, accumulate: false, pool);
        _profiler?.Mark(_forwardPhase);
    }

    /// <summary>
    /// Accumulates dW += xᵀ·dy and db += Σ_rows dy; writes dx = dy·Wᵀ when <paramref name="dx"/> is not empty.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, WorkerPool pool, bool accumulateDx = false)
    {
        Gemm.MultiplyTN(x, dy, _arena.Gradient(Weight), Inputs, rows, Outputs, accumulate: true, pool);
        _profiler?.Mark(_weightGradientPhase);
        if (Bias is { } b)
        {
            Span<float> db = _arena.Gradient(b);
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(db, dy.Slice(r * Outputs, Outputs), db);
            _profiler?.Mark(_biasGradientPhase);
        }
        if (!dx.IsEmpty)
        {
            Gemm.MultiplyNT(dy, _arena.Value(Weight), dx, rows, Outputs, Inputs, accumulateDx, pool);
            _profiler?.Mark(_inputGradientPhase);
        }
    }
}
