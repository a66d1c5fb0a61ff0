using VaeSharp.Models;
using VaeSharp.Numerics;

namespace VaeSharp.Distributions;

/// <summary>log p(x|z) of a decoder's output rows, split across a pool.</summary>
public static class DecoderLikelihood
{
    /// <summary>
    /// For each decoded row s in [0, <paramref name="sampled"/>), writes log p(x_(s mod xRows) | output row s) into
    /// <paramref name="rowLogLik"/> and returns their sum, added in row order (so it does not depend on the thread count).
    /// With <paramref name="gradients"/>, the output rows (and Gaussian log-variances) are overwritten by
    /// <paramref name="scale"/> · ∂(−log p)/∂output. <paramref name="outLogVar"/> holds the log-variance head's outputs of a
    /// Gaussian decoder with learned variance (empty otherwise). This overload takes the paper's decoders: Bernoulli, or
    /// Gaussian with a sigmoid mean and an unfloored learned log-variance.
    /// </summary>
    public static double RowLogLikelihoods(DecoderKind decoder, ReadOnlySpan<float> x, int xRows, Span<float> output,
        Span<float> outLogVar, int sampled, bool gradients, float scale, Span<double> rowLogLik, WorkerPool pool)
        => RowLogLikelihoods(decoder == DecoderKind.Gaussian ? PaperGaussian : PaperBernoulli, x, xRows, output, outLogVar,
            sampled, gradients, scale, rowLogLik, pool);

    private static readonly ModelConfig PaperBernoulli = new() { InputSize = 1, ImageWidth = 1, ImageHeight = 1, Hidden = [], Latent = 1 };
    private static readonly ModelConfig PaperGaussian = PaperBernoulli with { Decoder = DecoderKind.Gaussian };

    /// <summary>
    /// As above, for the decoder <paramref name="decoder"/> describes (its kind and, for a Gaussian decoder, its mean link,
    /// variance and log-variance floor). Prefer this overload for a model's own configuration.
    /// </summary>
    public static unsafe double RowLogLikelihoods(ModelConfig decoder, ReadOnlySpan<float> x, int xRows, Span<float> output,
        Span<float> outLogVar, int sampled, bool gradients, float scale, Span<double> rowLogLik, WorkerPool pool)
    {
        if (sampled == 0) return 0;
        int d = output.Length / sampled;
        if (x.Length < xRows * d || rowLogLik.Length < sampled)
            throw new ArgumentException("Buffers too short for the rows requested.");
        fixed (float* px = x, po = output, pv = outLogVar)
        fixed (double* pr = rowLogLik)
        {
            var body = new Body
            {
                X = px, Output = po, LogVar = pv, RowSums = pr, XRows = xRows, Sampled = sampled, D = d,
                Chunks = Math.Min(sampled, pool.Threads * 4), Gradients = gradients, Scale = scale,
                Gaussian = decoder.Decoder == DecoderKind.Gaussian, Spec = GaussianDecoder.From(decoder),
            };
            pool.For(body.Chunks, ref body);
        }
        double sum = 0;
        for (int s = 0; s < sampled; s++) sum += rowLogLik[s];
        return sum;
    }

    private unsafe struct Body : IParallelBody
    {
        public float* X, Output, LogVar;
        public double* RowSums;
        public int XRows, Sampled, D, Chunks;
        public bool Gradients, Gaussian;
        public float Scale;
        public GaussianDecoder Spec;

        public void Execute(int index)
        {
            int start = (int)((long)Sampled * index / Chunks), end = (int)((long)Sampled * (index + 1) / Chunks);
            for (int s = start; s < end; s++)
            {
                var xi = new ReadOnlySpan<float>(X + (long)(s % XRows) * D, D);
                var o = new Span<float>(Output + (long)s * D, D);
                if (!Gaussian)
                    RowSums[s] = Bernoulli.LogLikelihood(xi, o, Gradients ? o : default, Scale);
                else
                {
                    var v = Spec.FixedVariance ? default : new Span<float>(LogVar + (long)s * D, D);
                    RowSums[s] = Spec.LogLikelihood(xi, o, v, Gradients ? o : default, Gradients ? v : default, Scale);
                }
            }
        }
    }
}
