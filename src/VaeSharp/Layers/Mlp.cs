using VaeSharp.Numerics;
using VaeSharp.Training;

namespace VaeSharp.Layers;

/// <summary>
/// A multilayer perceptron: Linear layers, each followed by an activation (the last one by <c>outputActivation</c>).
/// <see cref="Forward"/> keeps every layer's output for <see cref="Backward"/>, which runs the layers in exact reverse order.
/// Buffers grow to the largest row count seen and are then reused: no allocation once warm.
/// </summary>
public sealed class Mlp : IProfiled
{
    private PhaseProfiler? _profiler;
    private int[] _forwardActivationPhase = [], _backwardActivationPhase = [];
    private readonly Linear[] _layers;
    private readonly Activation[] _activations;
    private float[][] _outputs = [];   // per layer: [capacity × width]
    private float[][] _gradients = []; // per layer: [capacity × width], dL/d(pre-activation)
    private int _capacity;

    /// <summary>Builds layers of widths <paramref name="widths"/> (input first), named <c>{name}.{i}</c>.</summary>
    public Mlp(ParameterArena arena, string name, IReadOnlyList<int> widths, Activation hidden, Activation output)
    {
        if (widths.Count < 2) throw new ArgumentException("An MLP needs an input and at least one output width.", nameof(widths));
        _layers = new Linear[widths.Count - 1];
        _activations = new Activation[widths.Count - 1];
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i] = new Linear(arena, $"{name}.{i}", widths[i], widths[i + 1]);
            _activations[i] = i == _layers.Length - 1 ? output : hidden;
        }
    }

    /// <inheritdoc />
    public void AttachProfiler(PhaseProfiler? profiler)
    {
        _profiler = profiler;
        foreach (var layer in _layers) layer.AttachProfiler(profiler);
        if (profiler is null) return;
        _forwardActivationPhase = new int[_layers.Length];
        _backwardActivationPhase = new int[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            _forwardActivationPhase[i] = profiler.Phase($"{_layers[i].Name} forward {_activations[i].ToString().ToLowerInvariant()}");
            _backwardActivationPhase[i] = profiler.Phase($"{_layers[i].Name} backward {_activations[i].ToString().ToLowerInvariant()}′");
        }
    }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<Linear> Layers => _layers;

    /// <summary>Input width.</summary>
    public int Inputs => _layers[0].Inputs;

    /// <summary>Output width.</summary>
    public int Outputs => _layers[^1].Outputs;

    /// <summary>Makes room for <paramref name="rows"/> rows (allocates only when it grows).</summary>
    public void EnsureCapacity(int rows)
    {
        if (rows <= _capacity) return;
        _outputs = new float[_layers.Length][];
        _gradients = new float[_layers.Length][];
        for (int i = 0; i < _layers.Length; i++)
        {
            _outputs[i] = new float[rows * _layers[i].Outputs];
            _gradients[i] = new float[rows * _layers[i].Outputs];
        }
        _capacity = rows;
    }

    /// <summary>Runs x[rows × in] through the layers; returns the output [rows × out] (owned by the MLP until the next call).</summary>
    public Span<float> Forward(ReadOnlySpan<float> x, int rows, WorkerPool pool)
    {
        EnsureCapacity(rows);
        ReadOnlySpan<float> input = x;
        for (int i = 0; i < _layers.Length; i++)
        {
            Span<float> y = _outputs[i].AsSpan(0, rows * _layers[i].Outputs);
            _layers[i].Forward(input, y, rows, pool);
            Activations.Forward(_activations[i], y, pool);
            _profiler?.Mark(_forwardActivationPhase[i]);
            input = y;
        }
        return _outputs[^1].AsSpan(0, rows * Outputs);
    }

    /// <summary>The output of the last <see cref="Forward"/> ([rows × out]).</summary>
    public Span<float> Output(int rows) => _outputs[^1].AsSpan(0, rows * Outputs);

    /// <summary>
    /// Backpropagates dL/d(output) <paramref name="dOutput"/> [rows × out] from the last <see cref="Forward"/> of <paramref name="x"/>,
    /// accumulating parameter gradients; writes dL/dx into <paramref name="dx"/> unless it is empty.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dOutput, Span<float> dx, int rows, WorkerPool pool)
    {
        int last = _layers.Length - 1;
        Span<float> g = _gradients[last].AsSpan(0, rows * Outputs);
        dOutput.Slice(0, g.Length).CopyTo(g);
        for (int i = last; i >= 0; i--)
        {
            Span<float> gi = _gradients[i].AsSpan(0, rows * _layers[i].Outputs);
            Activations.Backward(_activations[i], _outputs[i].AsSpan(0, gi.Length), gi, pool);
            _profiler?.Mark(_backwardActivationPhase[i]);
            ReadOnlySpan<float> input = i == 0 ? x : _outputs[i - 1].AsSpan(0, rows * _layers[i].Inputs);
            Span<float> dInput = i == 0 ? dx : _gradients[i - 1].AsSpan(0, rows * _layers[i].Inputs);
            _layers[i].Backward(input, gi, dInput, rows, pool);
        }
    }
}
