package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * 2-D convolution (cross-correlation, as in PyTorch), with an optional bias (a third input b: (O),
 * added by the backend's {@link Backend#conv2d(Tensor, Tensor, Tensor, int, int)}).
 * x: (B, C, H, W), w: (O, C, kh, kw) -> y: (B, O, Ho, Wo), Ho = (H + 2 pad - kh) / stride + 1.
 * Bilinear in (x, w); a weight without tangent costs nothing. When only x carries a tangent, the
 * fused forward+JVP is the backend's {@link Backend#conv2dDual} (both convolutions with one read
 * of w); the pair forward, jvp is its oracle.
 *
 * <pre>{@code
 * forward: y[b,o,i,j] = sum_{c,p,q} w[o,c,p,q] x[b, c, i*stride + p - pad, j*stride + q - pad] (+ b[o])
 * jvp:     dy = conv2d(dx, w) + conv2d(x, dw) (+ db[o])
 * vjp:     gx = conv2d_backward_input(gy, w), gw = conv2d_backward_weight(x, gy),
 *          gb = sum of gy over (B, Ho, Wo)
 * cpu:     CpuBackend.conv2d, CpuBackend.conv2dDual
 * cuda:    conv_fwd_* (igemm.cu), conv_dual_* (igemm.cu), im2col_* (conv.cu), gemm_* (gemm.cu)
 * }</pre>
 */
public final class Conv2d extends Op {
    final int stride, pad;
    final boolean bias;

    /** conv2d without bias, with the given stride and zero padding on each side. */
    public Conv2d(int stride, int pad) {
        this(stride, pad, false);
    }

    /** With bias: inputs (x, w, b). */
    public Conv2d(int stride, int pad, boolean bias) {
        if (stride < 1 || pad < 0) throw new IllegalArgumentException("conv2d: stride " + stride + " and padding " + pad
                + " must be >= 1 and >= 0");
        this.stride = stride;
        this.pad = pad;
        this.bias = bias;
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
        check(x);
        return Backend.of(x[0]).conv2d(x[0], x[1], bias ? x[2] : null, stride, pad);
    }

    private void check(Tensor[] x) {
        Rules.requireSameDType(name(), x[0], x[1]);
        outShape(name(), x[0].shape(), x[1].shape(), stride, pad);
        if (x.length != (bias ? 3 : 2))
            throw new IllegalArgumentException("conv2d: expected " + (bias ? 3 : 2) + " inputs, got " + x.length);
        if (bias) {
            Rules.requireSameDType(name(), x[0], x[2]);
            if (x[2].dim() != 1 || x[2].size(0) != x[1].size(0))
                throw new IllegalArgumentException("conv2d: bias " + Shape.str(x[2].shape()) + " must be (" + x[1].size(0)
                        + ",) for w " + Shape.str(x[1].shape()));
        }
    }

    /** {y, dy} by the backend's dual convolution when only x carries a tangent (w and b do not). */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (dx[0] == null || dx[1] != null || (bias && dx[2] != null)) return null;
        check(x);
        return Backend.of(x[0]).conv2dDual(x[0], dx[0], x[1], bias ? x[2] : null, stride, pad);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor t = null;
        Conv2d plain = new Conv2d(stride, pad);
        if (dx[0] != null) t = plain.apply(dx[0], x[1]);
        if (dx[1] != null) t = Rules.plus(t, plain.apply(x[0], dx[1]));
        if (bias && dx[2] != null) {
            Tensor db = dx[2].reshape(1, -1, 1, 1);
            t = t == null ? db.expand(y.shape()) : t.add(db);
        }
        return t;
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {
            needsGrad[0] ? new Conv2dBackwardInput(x[0].shape(), stride, pad).apply(gy, x[1]) : null,
            needsGrad[1] ? new Conv2dBackwardWeight(x[1].shape(), stride, pad).apply(x[0], gy) : null,
            bias && needsGrad[2] ? gy.sum(new int[] {0, 2, 3}, false) : null
        };
    }
}
