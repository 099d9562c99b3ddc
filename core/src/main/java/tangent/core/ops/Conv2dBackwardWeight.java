package tangent.core.ops;

import java.util.Arrays;
import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * conv2d's weight cotangent, defined by (gw, v) = (gy, conv2d(x, v)) for all v (inner products).
 * x: (B, C, H, W), gy: (B, O, Ho, Wo) -> gw: (O, C, kh, kw). Bilinear in (x, gy); bw below is this op.
 *
 * <pre>{@code
 * forward: gw = conv2d_backward_weight(x, gy)
 * jvp:     dgw = bw(dx, gy) + bw(x, dgy)
 * vjp:     g_x = conv2d_backward_input(gy, g), g_gy = conv2d(x, g)
 * cpu:     CpuBackend.conv2dBackwardWeight
 * cuda:    conv_bwd_weight_* (igemm.cu), conv_splitk_sum (igemm.cu), im2col_* (conv.cu), gemm_* (gemm.cu)
 * }</pre>
 */
public final class Conv2dBackwardWeight extends Op {
    private final int[] wShape;
    private final int stride, pad;

    /** The weight gradient of a conv2d whose weight had shape wShape (O, C, kh, kw). */
    public Conv2dBackwardWeight(int[] wShape, int stride, int pad) {
        this.wShape = wShape.clone();
        this.stride = stride;
        this.pad = pad;
    }

    @Override
    public String name() {
        return "conv2d_backward_weight";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Tensor in = x[0], gy = x[1];
        Rules.requireSameDType(name(), in, gy);
        int[] expect = Conv2d.outShape(name(), in.shape(), wShape, stride, pad);
        if (!Arrays.equals(expect, gy.shape()))
            throw new IllegalArgumentException(name() + ": gy " + Shape.str(gy.shape()) + " does not match the output "
                    + Shape.str(expect) + " of a convolution of " + Shape.str(in.shape()) + " with " + Shape.str(wShape));
        return Backend.of(in).conv2dBackwardWeight(in, gy, wShape, stride, pad);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor t = null;
        if (dx[0] != null) t = apply(dx[0], x[1]);
        if (dx[1] != null) t = Rules.plus(t, apply(x[0], dx[1]));
        return t;
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor g, boolean[] needsGrad) {
        return new Tensor[] {
            needsGrad[0] ? new Conv2dBackwardInput(x[0].shape(), stride, pad).apply(x[1], g) : null,
            needsGrad[1] ? new Conv2d(stride, pad).apply(x[0], g) : null
        };
    }
}
