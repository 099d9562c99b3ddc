package tangent.core.ops;

import java.util.Arrays;
import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * The transposed convolution that gives conv2d's input cotangent, defined by
 * (gx, u) = (gy, conv2d(u, w)) for all u (inner products).
 * gy: (B, O, Ho, Wo), w: (O, C, kh, kw) -> gx: (B, C, H, W) (H, W fixed by the forward input).
 * Bilinear in (gy, w); bi below is this op.
 *
 * <pre>{@code
 * forward: gx = conv2d_backward_input(gy, w)
 * jvp:     dgx = bi(dgy, w) + bi(gy, dw)
 * vjp:     g_gy = conv2d(g, w), g_w = conv2d_backward_weight(g, gy)
 * cpu:     CpuBackend.conv2dBackwardInput
 * cuda:    conv_bwd_input_* (igemm.cu), gemm_* (gemm.cu), col2im_* (conv.cu)
 * }</pre>
 */
public final class Conv2dBackwardInput extends Op {
    private final int[] xShape;
    private final int stride, pad;

    /** The input gradient of a conv2d whose input had shape xShape (B, C, H, W). */
    public Conv2dBackwardInput(int[] xShape, int stride, int pad) {
        this.xShape = xShape.clone();
        this.stride = stride;
        this.pad = pad;
    }

    @Override
    public String name() {
        return "conv2d_backward_input";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Tensor gy = x[0], w = x[1];
        Rules.requireSameDType(name(), gy, w);
        int[] expect = Conv2d.outShape(name(), xShape, w.shape(), stride, pad);
        if (!Arrays.equals(expect, gy.shape()))
            throw new IllegalArgumentException(name() + ": gy " + Shape.str(gy.shape()) + " does not match the output "
                    + Shape.str(expect) + " of a convolution of " + Shape.str(xShape) + " with " + Shape.str(w.shape()));
        return Backend.of(gy).conv2dBackwardInput(gy, w, xShape, stride, pad);
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
            needsGrad[0] ? new Conv2d(stride, pad).apply(g, x[1]) : null,
            needsGrad[1] ? new Conv2dBackwardWeight(x[1].shape(), stride, pad).apply(g, x[0]) : null
        };
    }
}
