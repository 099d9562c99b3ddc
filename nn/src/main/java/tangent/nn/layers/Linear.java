package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * y = x W^T + b. Parameters {@code weight} (out, in) and {@code bias} (out), PyTorch's layout and
 * default init (uniform +-1/sqrt(in), weight drawn first). x: (N, in) -> (N, out).
 */
public final class Linear extends Layer {
    public final int in, out;

    public Linear(int in, int out, DType dtype, Rng rng) {
        this.in = in;
        this.out = out;
        param("weight", Init.fanInUniform(rng, dtype, in, out, in));
        param("bias", Init.fanInUniform(rng, dtype, in, out));
    }

    /** A layer with all-zero weight and bias (e.g. the adaptive weight head). */
    public static Linear zeros(int in, int out, DType dtype) {
        return new Linear(in, out, dtype);
    }

    private Linear(int in, int out, DType dtype) {
        this.in = in;
        this.out = out;
        param("weight", Tensor.zeros(dtype, out, in));
        param("bias", Tensor.zeros(dtype, out));
    }

    /** The current weight (read through the module: {@link #to} replaces it). */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The current bias. */
    public Tensor bias() {
        return parameter("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.linear(x, weight(), bias());
    }
}
