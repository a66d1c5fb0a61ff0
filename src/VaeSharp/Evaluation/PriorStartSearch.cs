using VaeSharp.Numerics;

namespace VaeSharp.Evaluation;

/// <summary>
/// Where an HMC chain over z should start for one datapoint: the best, by log p(x, z), of a number of draws z ~ N(0, I)
/// from the prior, scored in blocks of up to 1,000 rows per <see cref="ILatentVariableModel.LogJoint"/> call. Shared by the
/// appendix-D estimator (<see cref="MarginalLikelihood"/>) and the posterior-fitted reference
/// (<see cref="PosteriorImportanceSampling"/>); the caller owns the random streams, so its results do not depend on batching.
/// </summary>
internal sealed class PriorStartSearch
{
    private readonly ILatentVariableModel _model;
    private readonly int _block;
    private readonly float[] _xs;
    private readonly double[] _zs, _lj;

    /// <summary>Scratch for up to <paramref name="candidates"/> draws per search (at least 1, at most 1,000 rows at a time).</summary>
    public PriorStartSearch(ILatentVariableModel model, int candidates)
    {
        _model = model;
        _block = Math.Clamp(candidates, 1, 1000);
        _xs = new float[_block * model.InputSize];
        _zs = new double[_block * model.Latent];
        _lj = new double[_block];
    }

    /// <summary>Sets the datapoint the following searches score draws against.</summary>
    public void Load(ReadOnlySpan<float> x)
    {
        int d = _model.InputSize;
        for (int r = 0; r < _block; r++) x.CopyTo(_xs.AsSpan(r * d, d));
    }

    /// <summary>
    /// Draws <paramref name="candidates"/> z ~ N(0, I) from <paramref name="rng"/> and writes into <paramref name="destination"/>
    /// the first one whose log p(x, z) beats every earlier one and <paramref name="best"/>; true when one did (NaN never wins).
    /// </summary>
    public bool Improve(int candidates, Rng rng, double best, Span<double> destination)
    {
        int j = _model.Latent;
        bool moved = false;
        for (int done = 0; done < candidates; done += _block)
        {
            int m = Math.Min(_block, candidates - done);
            for (int t = 0; t < m * j; t++) _zs[t] = rng.NextNormal();
            _model.LogJoint(_xs, _zs, m, _lj, default);
            for (int r = 0; r < m; r++)
            {
                if (!(_lj[r] > best)) continue;
                best = _lj[r];
                _zs.AsSpan(r * j, j).CopyTo(destination);
                moved = true;
            }
        }
        return moved;
    }
}
