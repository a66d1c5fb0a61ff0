namespace VaeSharp.Training;

/// <summary>A named block of parameters inside a <see cref="ParameterArena"/>: a row-major matrix [Rows × Cols].</summary>
/// <param name="Name">Name used in model files, e.g. <c>encoder.hidden.0.weight</c>.</param>
/// <param name="Offset">First index in the arena.</param>
/// <param name="Rows">Rows of the matrix (1 for a vector).</param>
/// <param name="Cols">Columns of the matrix.</param>
public readonly record struct Parameter(string Name, int Offset, int Rows, int Cols)
{
    /// <summary>Number of values.</summary>
    public int Length => Rows * Cols;
}

/// <summary>
/// All trainable parameters of a model in one float array, with a gradient array that mirrors it,
/// so an optimizer update is one flat loop (the llm.c layout). Parameters are reserved first, then the arena is sealed.
/// </summary>
public sealed class ParameterArena
{
    private readonly List<Parameter> _parameters = [];
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);
    private float[]? _values;
    private float[]? _gradients;
    private int _length;

    /// <summary>Reserves a [rows × cols] block named <paramref name="name"/>. Only before <see cref="Seal"/>.</summary>
    public Parameter Reserve(string name, int rows, int cols)
    {
        if (_values is not null) throw new InvalidOperationException("The arena is sealed; no parameter can be added.");
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (_byName.ContainsKey(name)) throw new ArgumentException($"A parameter named '{name}' already exists.", nameof(name));
        long end = (long)_length + (long)rows * cols;
        if (end > Array.MaxLength) throw new ArgumentException("The parameters do not fit in one array.");
        var p = new Parameter(name, _length, rows, cols);
        _byName[name] = _parameters.Count;
        _parameters.Add(p);
        _length = (int)end;
        return p;
    }

    /// <summary>Allocates the value and gradient arrays (zeroed). Called once after all reservations.</summary>
    public void Seal()
    {
        if (_values is not null) return;
        _values = new float[_length];
        _gradients = new float[_length];
    }

    /// <summary>True once <see cref="Seal"/> has run.</summary>
    public bool IsSealed => _values is not null;

    /// <summary>Total number of parameters.</summary>
    public int Length => _length;

    /// <summary>The parameters in reservation order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>All values, [Length].</summary>
    public float[] Values => _values ?? throw new InvalidOperationException("Seal the arena before using its values.");

    /// <summary>All gradients, [Length], mirroring <see cref="Values"/>.</summary>
    public float[] Gradients => _gradients ?? throw new InvalidOperationException("Seal the arena before using its gradients.");

    /// <summary>The values of one parameter.</summary>
    public Span<float> Value(Parameter p) => Values.AsSpan(p.Offset, p.Length);

    /// <summary>The gradient of one parameter.</summary>
    public Span<float> Gradient(Parameter p) => Gradients.AsSpan(p.Offset, p.Length);

    /// <summary>Looks a parameter up by name.</summary>
    public bool TryGet(string name, out Parameter parameter)
    {
        if (_byName.TryGetValue(name, out int i)) { parameter = _parameters[i]; return true; }
        parameter = default;
        return false;
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Array.Clear(Gradients);
}
