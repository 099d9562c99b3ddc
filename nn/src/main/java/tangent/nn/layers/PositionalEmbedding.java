package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Tensor;

/**
 * The spec's sinusoidal embedding of t (B,) -> (B, dim): half = dim/2,
 * freq_i = (1/10000)^(i/half), angle = t * freq_i, emb = concat(cos(angle), sin(angle)).
 * No parameters; differentiable in t (the sCM JVP needs dF/dt).
 */
public final class PositionalEmbedding extends Layer {
    public final int dim;
    private final double[] freqs;
    private Tensor f32, f64;

    /** An embedding of even width dim. */
    public PositionalEmbedding(int dim) {
        if (dim < 2 || dim % 2 != 0) throw new IllegalArgumentException("PositionalEmbedding: dim " + dim + " must be even and >= 2");
        this.dim = dim;
        int half = dim / 2;
        freqs = new double[half];
        for (int i = 0; i < half; i++) freqs[i] = Math.pow(1.0 / 10000.0, (double) i / half);
    }

    private Tensor freqs(DType d) {
        if (d == DType.F64) {
            if (f64 == null) f64 = Tensor.of(freqs.clone(), 1, freqs.length);
            return f64;
        }
        if (f32 == null) {
            float[] f = new float[freqs.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) freqs[i];
            f32 = Tensor.of(f, 1, f.length);
        }
        return f32;
    }

    /** t: (B,) -> (B, dim), in t's dtype. */
    @Override
    public Tensor forward(Tensor t) {
        if (t.dim() != 1) throw new IllegalArgumentException("PositionalEmbedding: t must be (B,), got rank " + t.dim());
        Tensor angle = t.reshape(t.size(0), 1).mul(freqs(t.dtype()));
        return F.concat(1, angle.cos(), angle.sin());
    }
}
