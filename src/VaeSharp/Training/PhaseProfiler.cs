using System.Diagnostics;

namespace VaeSharp.Training;

/// <summary>The wall-clock time spent in one phase of training, summed over every time it ran.</summary>
/// <param name="Name">The phase, e.g. <c>encoder.hidden.0 forward</c> or <c>optimizer</c>.</param>
/// <param name="Seconds">Total seconds.</param>
/// <param name="Calls">Times the phase ended (a phase that runs once per step has one call per step).</param>
public readonly record struct PhaseTime(string Name, double Seconds, long Calls);

/// <summary>
/// Splits training time into phases. Code calls <see cref="Mark"/> at the end of each phase: the time since the previous
/// mark (or <see cref="Restart"/>) is added to that phase, so consecutive marks partition the time with no gap and the
/// phases of a step add up to the step. Phase ids come from <see cref="Phase"/>, called once when the profiler is attached;
/// a mark is then one <see cref="Stopwatch.GetTimestamp"/> and two array additions (no allocation), and code that holds no
/// profiler (the default) pays one null check per phase boundary.
/// </summary>
/// <remarks>Not thread-safe: marks are made by the thread that drives training (parallel phases are timed as a whole).</remarks>
public sealed class PhaseProfiler
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private long[] _ticks = new long[32];
    private long[] _calls = new long[32];
    private long _last = Stopwatch.GetTimestamp();

    /// <summary>The id of the phase named <paramref name="name"/>, registering it the first time (allocates; call at setup).</summary>
    public int Phase(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_ids.TryGetValue(name, out int id)) return id;
        id = _names.Count;
        _names.Add(name);
        _ids[name] = id;
        if (id >= _ticks.Length)
        {
            Array.Resize(ref _ticks, _ticks.Length * 2);
            Array.Resize(ref _calls, _calls.Length * 2);
        }
        return id;
    }

    /// <summary>Starts timing afresh: the time since the last mark is attributed to no phase.</summary>
    public void Restart() => _last = Stopwatch.GetTimestamp();

    /// <summary>Ends phase <paramref name="phase"/>: adds the time since the previous mark (or <see cref="Restart"/>) to it.</summary>
    public void Mark(int phase)
    {
        long now = Stopwatch.GetTimestamp();
        _ticks[phase] += now - _last;
        _calls[phase]++;
        _last = now;
    }

    /// <summary>Sets every phase's time and count to zero (the phases stay registered).</summary>
    public void Reset()
    {
        Array.Clear(_ticks);
        Array.Clear(_calls);
        Restart();
    }

    /// <summary>Every registered phase in registration order, with its time so far.</summary>
    public IReadOnlyList<PhaseTime> Phases
    {
        get
        {
            var result = new PhaseTime[_names.Count];
            for (int i = 0; i < result.Length; i++)
                result[i] = new PhaseTime(_names[i], _ticks[i] / (double)Stopwatch.Frequency, _calls[i]);
            return result;
        }
    }

    /// <summary>Seconds of the phase named <paramref name="name"/> (0 when it never ran or is unknown).</summary>
    public double Seconds(string name) => _ids.TryGetValue(name, out int id) ? _ticks[id] / (double)Stopwatch.Frequency : 0;

    /// <summary>Times the phase named <paramref name="name"/> ended (0 when it never ran or is unknown).</summary>
    public long Calls(string name) => _ids.TryGetValue(name, out int id) ? _calls[id] : 0;

    /// <summary>Sum of all phases' seconds.</summary>
    public double TotalSeconds
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _names.Count; i++) sum += _ticks[i];
            return sum / (double)Stopwatch.Frequency;
        }
    }
}

/// <summary>Something whose work can be split into phases by a <see cref="PhaseProfiler"/>.</summary>
public interface IProfiled
{
    /// <summary>Registers this object's phases with <paramref name="profiler"/> and marks them from now on; null detaches.</summary>
    void AttachProfiler(PhaseProfiler? profiler);
}
