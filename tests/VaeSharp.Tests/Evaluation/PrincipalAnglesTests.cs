using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Evaluation;
using VaeSharp.Models;
using VaeSharp.Numerics;
using VaeSharp.Objectives;
using VaeSharp.Training;

namespace VaeSharp.Tests.Evaluation;

public class PrincipalAnglesTests
{
    /// <summary>
    /// span(e₁, e₂, e₃) and span(cos θᵢ eᵢ + sin θᵢ eᵢ₊₃), rotated by a random orthogonal Q and given through a random
    /// invertible mixing of their columns (the spans, hence the angles, do not change).
    /// </summary>
    private static (Matrix<double> a, Matrix<double> b) Constructed(double[] degrees, int d, ulong seed)
    {
        int m = degrees.Length;
        var a = Matrix<double>.Build.Dense(d, m);
        var b = Matrix<double>.Build.Dense(d, m);
        for (int i = 0; i < m; i++)
        {
            double t = degrees[i] * Math.PI / 180;
            a[i, i] = 1;
            b[i, i] = Math.Cos(t);
            b[i + m, i] = Math.Sin(t);
        }
        var q = PcaTests.RandomOrthogonal(d, seed);
        var rng = Rng.ForStream(seed, 8);
        var mixA = Matrix<double>.Build.Dense(m, m, (_, _) => rng.NextNormal()) + 3 * Matrix<double>.Build.DenseIdentity(m);
        var mixB = Matrix<double>.Build.Dense(m, m, (_, _) => rng.NextNormal()) + 3 * Matrix<double>.Build.DenseIdentity(m);
        return (q * a * mixA, q * b * mixB);
    }

    [Theory]
    [InlineData(new[] { 0.0, 30.0, 60.0 })]
    [InlineData(new[] { 1e-6, 0.01, 89.999 })]
    [InlineData(new[] { 45.0, 45.0, 90.0 })]
    public void AnglesOfConstructedSubspaces(double[] degrees)
    {
        var (a, b) = Constructed(degrees, 8, 1);
        var angles = PrincipalAngles.Degrees(a, b);
        var expected = degrees.Order().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], angles[i], 1e-9 + 1e-9 * expected[i]);
        var swapped = PrincipalAngles.Degrees(b, a);   // symmetric
        // The row-major span overload agrees.
        var flat = PrincipalAngles.Degrees(a.ToRowMajorArray(), 3, b.ToRowMajorArray(), 3, 8);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(angles[i], swapped[i], 1e-9 + 1e-9 * expected[i]);
            Assert.Equal(angles[i], flat[i], 1e-12);
        }
    }

    [Fact]
    public void SubspacesOfDifferentDimensions()
    {
        // A line at 20° to a plane containing the line's projection.
        double t = 20 * Math.PI / 180;
        var line = Matrix<double>.Build.DenseOfArray(new double[,] { { Math.Cos(t) }, { 0 }, { Math.Sin(t) }, { 0 } });
        var plane = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1 }, { 0, 1 }, { 0, 0 }, { 0, 0 } });
        var angles = PrincipalAngles.Degrees(line, plane);
        Assert.Single(angles);
        Assert.Equal(20, angles[0], 1e-10);
        Assert.Equal(20, PrincipalAngles.Degrees(plane, line)[0], 1e-10);
    }

    [Fact]
    public void DependentColumnsAreRejected()
    {
        var a = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 2 }, { 1, 2 }, { 0, 0 } });
        var b = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 0 }, { 0, 1 }, { 0, 0 } });
        Assert.Contains("linearly dependent", Assert.Throws<ArgumentException>(() => PrincipalAngles.Degrees(a, b)).Message);
        Assert.Throws<ArgumentException>(() => PrincipalAngles.Degrees(b, Matrix<double>.Build.Dense(4, 2, 1.0)));
    }

    [Fact]
    public void DecoderDirectionsRecoverThePrincipalDirectionsFromPlautsOptimum()
    {
        // Plaut (2018): a weight-decayed linear AE's decoder is W_g = U_m S Oᵀ with U_m the top principal directions, S diagonal
        // (distinct) and O orthogonal; its left singular vectors are U_m. Built from a PCA fit, stored as Linear does ([m × D]).
        const int n = 1500, d = 10, m = 3;
        var rng = Rng.ForStream(3, 1);
        var x = new float[n * d];
        for (int r = 0; r < n; r++)
            for (int col = 0; col < d; col++) x[r * d + col] = rng.NextNormal() * (float)(4.0 / (1 + col)) + 0.1f * col;
        var pca = Pca.Fit(x, n, d, m);
        var u = pca.Basis();
        var o = PcaTests.RandomOrthogonal(m, 4);
        var s = Matrix<double>.Build.DenseOfDiagonalArray([2.5, 1.7, 0.4]);
        var wg = u * s * o.Transpose();                                 // D × m
        var stored = wg.Transpose().ToRowMajorArray().Select(v => (float)v).ToArray();   // [m × D]
        var sv = new double[m];
        var recovered = PrincipalAngles.DecoderDirections(stored, m, d, sv);
        var perDirection = PrincipalAngles.DirectionDegrees(recovered, u);
        foreach (double angle in perDirection) Assert.InRange(angle, 0, 1e-3);   // float storage of W_g: ~1e-7 rad
        Assert.Equal(2.5, sv[0], 1e-6);
        Assert.Equal(0.4, sv[2], 1e-6);
        // Same sign convention as Pca: the directions match as vectors, not only as lines.
        for (int j = 0; j < m; j++) Assert.True(recovered.Column(j).DotProduct(u.Column(j)) > 0.999);

        // Without the diagonal structure (W_g = U_m C, C generic) the span is still principal but the directions are not.
        var c = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 1, 0 }, { 0, 1, 1 }, { 1, 0, 1 } });
        var mixed = (u * c).Transpose().ToRowMajorArray().Select(v => (float)v).ToArray();
        var mixedDirections = PrincipalAngles.DecoderDirections(mixed, m, d);
        Assert.All(PrincipalAngles.Degrees(mixedDirections, u), angle => Assert.InRange(angle, 0, 1e-3));
        Assert.True(PrincipalAngles.DirectionDegrees(mixedDirections, u).Max() > 1);
    }

    [Fact]
    public void ATrainedWeightDecayedLinearAutoencoderYieldsThePrincipalDirections()
    {
        // End to end: the project's linear AE (no biases) trained with weight decay λ on centred data whose covariance has
        // eigenvalues σ = 9, 4, 1.5, 0.3, …. Its loss ½E‖x − W_gW_f x‖² + ½λ(‖W_f‖² + ‖W_g‖²) is minimised (Plaut 2018, in this
        // normalisation) by balanced factors W_g = U₃ S Oᵀ with S = diag(√(1 − λ/σᵢ)): per principal direction, ½σ(1 − a²)² + λa²
        // is least at a² = 1 − λ/σ. With λ = 0.3 < 1.5 the singular values are distinct, so the decoder's left singular vectors
        // are the top three principal directions.
        const int n = 2000, d = 8, m = 3;
        double[] spectrum = [9, 4, 1.5, 0.3, 0.2, 0.1, 0.05, 0.02];
        var v = PcaTests.RandomOrthogonal(d, 21);
        var rng = Rng.ForStream(22, 1);
        var x = new float[n * d];
        var z = new float[d];
        for (int r = 0; r < n; r++)
        {
            rng.FillNormal(z);
            for (int c = 0; c < d; c++)
            {
                double s = 0;
                for (int i = 0; i < d; i++) s += v[c, i] * Math.Sqrt(spectrum[i]) * z[i];
                x[r * d + c] = (float)s;
            }
        }
        for (int c = 0; c < d; c++)   // centre exactly enough that the second moment is the covariance
        {
            double mean = 0;
            for (int r = 0; r < n; r++) mean += x[r * d + c];
            mean /= n;
            for (int r = 0; r < n; r++) x[r * d + c] -= (float)mean;
        }
        var pca = Pca.Fit(x, n, d, m);

        var ae = new Autoencoder(new ModelConfig { Kind = ModelKind.LinearAe, Bias = false, InputSize = d, ImageWidth = d, ImageHeight = 1,
            Hidden = [], Latent = m, Decoder = DecoderKind.Gaussian });
        ae.Initialize(Initialization.PyTorchDefault, Rng.ForStream(23, 0));
        // Full-batch steps: the rotation O is pinned only by the weak pull of the weight decay, which minibatch noise would swamp.
        var settings = OptimizerSettings.Default(OptimizerKind.Adam) with { LearningRate = 0.01f, WeightDecay = 0.3f };
        var trainer = new Trainer(new AutoencoderObjective(ae), new Optimizer(ae.Arena, settings), new TrainerOptions { BatchSize = n, Seed = 24 });
        var data = new DataMatrix(x, n, d);
        for (int e = 1; e <= 600; e++) trainer.RunEpoch(data, e);   // angles fall ~20× per 200 epochs; 0.06° here

        var sv = new double[m];
        var directions = PrincipalAngles.DecoderDirections(ae.Arena.Value(ae.Output.Weight), m, d, sv);
        var angles = PrincipalAngles.DirectionDegrees(directions, pca.Basis());
        Assert.All(angles, a => Assert.InRange(a, 0, 0.5));
        for (int i = 0; i < m; i++) Assert.Equal(Math.Sqrt(1 - 0.3 / pca.Eigenvalues[i]), sv[i], 2e-3);
    }
}
