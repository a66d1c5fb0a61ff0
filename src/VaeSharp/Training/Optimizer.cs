using System.Runtime.Intrinsics;
using VaeSharp.Numerics;

namespace VaeSharp.Training;

/// <summary>Optimizer kinds.</summary>
public enum OptimizerKind
{
    /// <summary>Adagrad (Duchi, Hazan &amp; Singer 2011), the paper's choice.</summary>
    Adagrad,
    /// <summary>Adam (Kingma &amp; Ba 2015), as in PyTorch (L2 weight decay added to the gradient).</summary>
    Adam,
    /// <summary>Stochastic gradient descent with (heavy-ball) momentum.</summary>
    Sgd,
}

/// <summary>Optimizer settings (saved in model files so training can resume).</summary>
public sealed record OptimizerSettings
{
    /// <summary>Which update rule.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;
    /// <summary>Step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>
    /// λ of an L2 penalty ½λ‖θ‖² added to the per-datapoint loss (its gradient λθ is added to the gradient).
    /// λ = 1/N is exactly the paper's N(0, I) prior on the parameters for a training set of N datapoints.
    /// </summary>
    public float WeightDecay { get; init; }
    /// <summary>Adam β₁ (or SGD momentum).</summary>
    public float Beta1 { get; init; } = 0.9f;
    /// <summary>Adam β₂.</summary>
    public float Beta2 { get; init; } = 0.999f;
    /// <summary>ε added to the denominator (Adam 1e-8; Adagrad 1e-10, as PyTorch).</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Defaults per kind: Adam lr 1e-3, Adagrad lr 0.01 ε 1e-10, SGD lr 0.01 momentum 0.9.</summary>
    public static OptimizerSettings Default(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Adam => new() { Kind = kind, LearningRate = 1e-3f, Epsilon = 1e-8f },
        OptimizerKind.Adagrad => new() { Kind = kind, LearningRate = 0.01f, Epsilon = 1e-10f },
        OptimizerKind.Sgd => new() { Kind = kind, LearningRate = 0.01f, Beta1 = 0.9f },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>
/// Updates a <see cref="ParameterArena"/> from its gradients in one flat loop over the whole arena (vectorized, split across threads).
/// Its state arrays mirror the arena.
/// </summary>
public sealed class Optimizer
{
    private readonly ParameterArena _arena;
    private readonly float[] _m;   // [Length] Adam first moment / SGD velocity / Adagrad sum of squares
    private readonly float[] _v;   // [Length] Adam second moment (empty otherwise)

    /// <summary>Creates an optimizer with zero state.</summary>
    public Optimizer(ParameterArena arena, OptimizerSettings settings)
    {
        _arena = arena;
        Settings = settings;
        if (!(settings.LearningRate > 0) || !float.IsFinite(settings.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(settings), settings.LearningRate, "The learning rate must be a positive number.");
        if (settings.WeightDecay < 0 || !float.IsFinite(settings.WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(settings), settings.WeightDecay, "Weight decay must be ≥ 0.");
        _m = new float[arena.Length];
        _v = settings.Kind == OptimizerKind.Adam ? new float[arena.Length] : [];
        _learningRate = settings.LearningRate;
    }

    /// <summary>Settings (with the initial learning rate; see <see cref="LearningRate"/>).</summary>
    public OptimizerSettings Settings { get; }

    private float _learningRate;

    /// <summary>
    /// The step size the next <see cref="Step"/> uses; starts at <see cref="OptimizerSettings.LearningRate"/> and may be changed
    /// between steps by a <see cref="LearningRateSchedule"/>. Not saved with the optimizer's state: a schedule recomputes it.
    /// </summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value > 0) || !float.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a positive number.");
            _learningRate = value;
        }
    }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>State arrays by name, for checkpoints: "m" always, "v" for Adam.</summary>
    public IReadOnlyList<(string Name, float[] Values)> State =>
        Settings.Kind == OptimizerKind.Adam ? [("m", _m), ("v", _v)] : [("m", _m)];

    /// <summary>Restores state saved from <see cref="State"/> and <see cref="Steps"/>.</summary>
    public void Restore(long steps, IReadOnlyDictionary<string, float[]> state)
    {
        foreach (var (name, values) in State)
        {
            if (!state.TryGetValue(name, out var saved))
                throw new InvalidDataException($"Optimizer state '{name}' is missing.");
            if (saved.Length != values.Length)
                throw new InvalidDataException($"Optimizer state '{name}' has {saved.Length} values; the model has {values.Length} parameters.");
            saved.CopyTo(values, 0);
        }
        Steps = steps;
    }

    /// <summary>
    /// Applies one update from the current gradients and consumes them: every gradient is zero afterwards
    /// (folded into the update's single pass, so training needs no separate clearing pass).
    /// </summary>
    public unsafe void Step(WorkerPool pool)
    {
        Steps++;
        var s = Settings;
        fixed (float* p = _arena.Values, g = _arena.Gradients, m = _m, v = _v)
        {
            var body = new UpdateBody
            {
                P = p, G = g, M = m, V = v, Length = _arena.Length, Chunks = ChunkCount(pool),
                Kind = s.Kind, Lr = _learningRate, Wd = s.WeightDecay, B1 = s.Beta1, B2 = s.Beta2, Eps = s.Epsilon,
                Bc1 = 1f - MathF.Pow(s.Beta1, Steps),
                SqrtBc2 = MathF.Sqrt(1f - MathF.Pow(s.Beta2, Steps)),
            };
            pool.For(body.Chunks, ref body);
        }
    }

    private int ChunkCount(WorkerPool pool) => Math.Max(1, Math.Min(pool.Threads * 4, _arena.Length / 4096));

    private unsafe struct UpdateBody : IParallelBody
    {
        public float* P, G, M, V;
        public int Length, Chunks;
        public OptimizerKind Kind;
        public float Lr, Wd, B1, B2, Eps, Bc1, SqrtBc2;

        public void Execute(int index)
        {
            // Chunk boundaries are multiples of 16 so every chunk but the last is whole vectors; results don't depend on chunking.
            int per = (Length / Chunks + 15) & ~15;
            int start = Math.Min(index * per, Length);
            int end = index == Chunks - 1 ? Length : Math.Min(start + per, Length);
            switch (Kind)
            {
                case OptimizerKind.Adam: Adam(start, end); break;
                case OptimizerKind.Adagrad: Adagrad(start, end); break;
                default: Sgd(start, end); break;
            }
        }

        // PyTorch's Adam: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − (lr/bc₁) · m / (√v/√bc₂ + ε).
        private void Adam(int start, int end)
        {
            float stepSize = Lr / Bc1, invSqrtBc2 = 1f / SqrtBc2;
            int i = start;
            if (Vector512.IsHardwareAccelerated)
            {
                var b1 = Vector512.Create(B1); var ob1 = Vector512.Create(1f - B1);
                var b2 = Vector512.Create(B2); var ob2 = Vector512.Create(1f - B2);
                var wd = Vector512.Create(Wd); var eps = Vector512.Create(Eps);
                var step = Vector512.Create(stepSize); var ib = Vector512.Create(invSqrtBc2);
                for (; i + 16 <= end; i += 16)
                {
                    var p = Vector512.Load(P + i);
                    var g = Vector512.Load(G + i) + wd * p;
                    Vector512<float>.Zero.Store(G + i);
                    var m = b1 * Vector512.Load(M + i) + ob1 * g;
                    var v = b2 * Vector512.Load(V + i) + ob2 * g * g;
                    m.Store(M + i);
                    v.Store(V + i);
                    (p - step * m / (Vector512.Sqrt(v) * ib + eps)).Store(P + i);
                }
            }
            for (; i < end; i++)
            {
                float p = P[i], g = G[i] + Wd * p;
                G[i] = 0f;
                float m = B1 * M[i] + (1f - B1) * g;
                float v = B2 * V[i] + (1f - B2) * g * g;
                M[i] = m; V[i] = v;
                P[i] = p - stepSize * m / (MathF.Sqrt(v) * invSqrtBc2 + Eps);
            }
        }

        // Adagrad: G ← G + g²; θ ← θ − lr · g / (√G + ε).
        private void Adagrad(int start, int end)
        {
            int i = start;
            if (Vector512.IsHardwareAccelerated)
            {
                var wd = Vector512.Create(Wd); var eps = Vector512.Create(Eps); var lr = Vector512.Create(Lr);
                for (; i + 16 <= end; i += 16)
                {
                    var p = Vector512.Load(P + i);
                    var g = Vector512.Load(G + i) + wd * p;
                    Vector512<float>.Zero.Store(G + i);
                    var s = Vector512.Load(M + i) + g * g;
                    s.Store(M + i);
                    (p - lr * g / (Vector512.Sqrt(s) + eps)).Store(P + i);
                }
            }
            for (; i < end; i++)
            {
                float p = P[i], g = G[i] + Wd * p;
                G[i] = 0f;
                float s = M[i] + g * g;
                M[i] = s;
                P[i] = p - Lr * g / (MathF.Sqrt(s) + Eps);
            }
        }

        // SGD with momentum: u ← μu + g; θ ← θ − lr·u.
        private void Sgd(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                float g = G[i] + Wd * P[i];
                G[i] = 0f;
                float u = B1 * M[i] + g;
                M[i] = u;
                P[i] -= Lr * u;
            }
        }
    }
}
