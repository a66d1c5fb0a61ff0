using MathNet.Numerics.LinearAlgebra;
using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Tests.Objectives;

/// <summary>
/// A linear-Gaussian VAE (no hidden layers, Gaussian decoder with identity mean): p(z) = N(0, I) and, in the model's row layout,
/// x = z·W + b + noise with noise ~ N(0, diag ψ), whose marginal is exactly p(x) = N(b, WᵀW + diag ψ).
/// The encoder is aimed at the exact posterior: mean Σ W Ψ⁻¹ (x − b) with Σ = (I + W Ψ⁻¹ Wᵀ)⁻¹ (exactly representable by a
/// linear encoder), and a diagonal variance 1.5·diag Σ (a little wider than the posterior, so the weights have finite variance).
/// </summary>
internal sealed class LinearGaussian
{
    public required Vae Vae { get; init; }
    public required Matrix<double> W { get; init; }     // [J × D], the decoder weight as the model stores it
    public required Vector<double> B { get; init; }     // [D]
    public required Vector<double> Psi { get; init; }   // [D] per-pixel variances

    /// <summary>Builds the model; <paramref name="fixedVariance"/>: σ = 0.7 for every pixel, else a learned head set to per-pixel variances.</summary>
    public static LinearGaussian Create(int d, int j, bool fixedVariance, ulong seed)
    {
        var vae = new Vae(new ModelConfig
        {
            InputSize = d, ImageWidth = d, ImageHeight = 1, Hidden = [], Latent = j,
            Decoder = DecoderKind.Gaussian, GaussianMean = GaussianMean.Identity,
            DecoderVariance = fixedVariance ? DecoderVariance.Fixed : DecoderVariance.Learned, DecoderSigma = 0.7f,
        });
        var rng = new Rng(seed);
        vae.Initialize(Initialization.Normal, rng, scale: 0.6f);
        var arena = vae.Arena;
        var psi = Vector<double>.Build.Dense(d, 0.49);
        if (!fixedVariance)
        {
            arena.Value(vae.DecoderLogVar!.Weight).Clear();
            Span<float> lv = arena.Value(vae.DecoderLogVar.Bias!.Value);
            for (int i = 0; i < d; i++) { float v = 0.2f + 0.5f * rng.NextFloat(); lv[i] = MathF.Log(v); psi[i] = Math.Exp(lv[i]); }
        }
        float[] wv = arena.Value(vae.DecoderOut.Weight).ToArray(), bv = arena.Value(vae.DecoderOut.Bias!.Value).ToArray();
        var w = Matrix<double>.Build.Dense(j, d, (r, c) => wv[r * d + c]);
        var b = Vector<double>.Build.Dense(d, i => bv[i]);

        // Posterior: Σ = (I + W Ψ⁻¹ Wᵀ)⁻¹; μ(x) = (x − b) Ψ⁻¹ Wᵀ Σ in row form, so the encoder weight [D × J] is Ψ⁻¹ Wᵀ Σ.
        var psiInv = Matrix<double>.Build.DenseOfDiagonalVector(psi.Map(v => 1 / v));
        var sigma = (Matrix<double>.Build.DenseIdentity(j) + w * psiInv * w.Transpose()).Inverse();
        var encW = psiInv * w.Transpose() * sigma;                       // [D × J]
        Span<float> ew = arena.Value(vae.EncoderMu.Weight), eb = arena.Value(vae.EncoderMu.Bias!.Value);
        for (int r = 0; r < d; r++)
            for (int c = 0; c < j; c++) ew[r * j + c] = (float)encW[r, c];
        var bias = -(b.ToRowMatrix() * encW).Row(0);
        for (int c = 0; c < j; c++) eb[c] = (float)bias[c];
        arena.Value(vae.EncoderLogVar.Weight).Clear();
        Span<float> lb = arena.Value(vae.EncoderLogVar.Bias!.Value);
        for (int c = 0; c < j; c++) lb[c] = (float)Math.Log(1.5 * sigma[c, c]);
        return new LinearGaussian { Vae = vae, W = w, B = b, Psi = psi };
    }

    /// <summary>Draws <paramref name="n"/> rows from p(x).</summary>
    public float[] Sample(int n, Rng rng)
    {
        int d = B.Count, j = W.RowCount;
        var x = new float[n * d];
        for (int r = 0; r < n; r++)
        {
            var z = Vector<double>.Build.Dense(j, _ => rng.NextNormal());
            var mean = W.TransposeThisAndMultiply(z) + B;
            for (int i = 0; i < d; i++) x[r * d + i] = (float)(mean[i] + Math.Sqrt(Psi[i]) * rng.NextNormal());
        }
        return x;
    }

    /// <summary>log N(x; b, WᵀW + diag ψ) by a Cholesky factorization (MathNet).</summary>
    public double ExactLogLikelihood(ReadOnlySpan<float> x)
    {
        int d = B.Count;
        var cov = W.TransposeThisAndMultiply(W) + Matrix<double>.Build.DenseOfDiagonalVector(Psi);
        var chol = cov.Cholesky();
        var diff = Vector<double>.Build.Dense(d);
        for (int i = 0; i < d; i++) diff[i] = x[i] - B[i];
        double quad = diff.DotProduct(chol.Solve(diff));
        double logDet = 0;
        for (int i = 0; i < d; i++) logDet += 2 * Math.Log(chol.Factor[i, i]);
        return -0.5 * (d * Math.Log(2 * Math.PI) + logDet + quad);
    }
}
