package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Tensor;

/**
 * The spec's sinusoidal embedding of t (B,) -> (B, dim): half = dim/2,
 * freq_i = (1/10000)^(i/half), angle = t * freq_i, emb = concat(cos(angle), sin(angle)).
 * No parameters; the frequencies are buffers (one per dtype). Differentiable in t (the sCM JVP needs dF/dt).
 */
public final class PositionalEmbedding extends Layer {
    public final int dim;

    public PositionalEmbedding(int dim) {
        if (dim < 2 || dim % 2 != 0) throw new IllegalArgumentException("PositionalEmbedding: dim " + dim + " must be even and >= 2");
        this.dim = dim;
        int half = dim / 2;
        double[] freqs = new double[half];
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            freqs[i] = Math.pow(1.0 / 10000.0, (double) i / half);
            f[i] = (float) freqs[i];
        }
        // buffers (1, half), one per dtype: they move with the module (Module.to)
        buffer("freqs_f64", Tensor.of(freqs, 1, half));
        buffer("freqs_f32", Tensor.of(f, 1, half));
    }

    private Tensor freqs(DType d) {
        return buffer(d == DType.F64 ? "freqs_f64" : "freqs_f32");
    }

    /** t: (B,) -> (B, dim), in t's dtype. */
    @Override
    public Tensor forward(Tensor t) {
        if (t.dim() != 1) throw new IllegalArgumentException("PositionalEmbedding: t must be (B,), got rank " + t.dim());
        Tensor angle = t.reshape(t.size(0), 1).mul(freqs(t.dtype()));
        return F.concat(1, angle.cos(), angle.sin());
    }
}
