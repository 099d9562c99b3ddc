package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * 2-D convolution (cross-correlation, as in PyTorch), no bias (add it with broadcasting).
 * x: (B, C, H, W), w: (O, C, kh, kw) -> y: (B, O, Ho, Wo), Ho = (H + 2 pad - kh) / stride + 1,
 * y[b,o,i,j] = sum_{c,p,q} w[o,c,p,q] x[b, c, i*stride + p - pad, j*stride + q - pad].
 * Bilinear in (x, w), so
 * jvp: conv2d(dx, w) + conv2d(x, dw)   (a weight without tangent costs nothing);
 * vjp: gx = conv2d_backward_input(gy, w), gw = conv2d_backward_weight(x, gy).
 */
public final class Conv2d extends Op {
    final int stride, pad;

    public Conv2d(int stride, int pad) {
        if (stride < 1 || pad < 0) throw new IllegalArgumentException("conv2d: stride " + stride + " and padding " + pad
                + " must be >= 1 and >= 0");
        this.stride = stride;
        this.pad = pad;
    }

    @Override
    public String name() {
        return "conv2d";
    }

    /** Validates x and w and returns the output shape. */
    static int[] outShape(String op, int[] xs, int[] ws, int stride, int pad) {
        if (xs.length != 4 || ws.length != 4)
            throw new IllegalArgumentException(op + ": expects x (B, C, H, W) and w (O, C, kh, kw), got x "
                    + Shape.str(xs) + " and w " + Shape.str(ws));
        if (xs[1] != ws[1])
            throw new IllegalArgumentException(op + ": x " + Shape.str(xs) + " has " + xs[1] + " channels but w "
                    + Shape.str(ws) + " expects " + ws[1]);
        int ho = (xs[2] + 2 * pad - ws[2]) / stride + 1, wo = (xs[3] + 2 * pad - ws[3]) / stride + 1;
        if (xs[2] + 2 * pad < ws[2] || xs[3] + 2 * pad < ws[3])
            throw new IllegalArgumentException(op + ": kernel " + Shape.str(ws) + " is larger than the padded input "
                    + Shape.str(xs) + " (padding " + pad + ")");
        return new int[] {xs[0], ws[0], ho, wo};
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Rules.requireSameDType(name(), x[0], x[1]);
        outShape(name(), x[0].shape(), x[1].shape(), stride, pad);
        return Backend.of(x[0]).conv2d(x[0], x[1], stride, pad);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor t = null;
        if (dx[0] != null) t = apply(dx[0], x[1]);
        if (dx[1] != null) t = Rules.plus(t, apply(x[0], dx[1]));
        return t;
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {
            needsGrad[0] ? new Conv2dBackwardInput(x[0].shape(), stride, pad).apply(gy, x[1]) : null,
            needsGrad[1] ? new Conv2dBackwardWeight(x[1].shape(), stride, pad).apply(x[0], gy) : null
        };
    }
}
