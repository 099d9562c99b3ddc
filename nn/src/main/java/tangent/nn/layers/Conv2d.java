package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * 2-D convolution, NCHW. Parameters {@code weight} (out, in, k, k) (OIHW, PyTorch's layout) and
 * {@code bias} (out); default init uniform +-1/sqrt(in*k*k), weight drawn first.
 */
public final class Conv2d extends Layer {
    public final int in, out, kernel, stride, pad;

    public Conv2d(int in, int out, int kernel, int stride, int pad, DType dtype, Rng rng) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        int fanIn = in * kernel * kernel;
        param("weight", Init.fanInUniform(rng, dtype, fanIn, out, in, kernel, kernel));
        param("bias", Init.fanInUniform(rng, dtype, fanIn, out));
    }

    /** A k x k convolution with stride 1 and "same" padding (k odd). */
    public static Conv2d same(int in, int out, int kernel, DType dtype, Rng rng) {
        return new Conv2d(in, out, kernel, 1, kernel / 2, dtype, rng);
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
        return F.conv2d(x, weight(), bias(), stride, pad);
    }
}
