package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * The adjoint of {@link Slice}: x written into zeros of a larger shape at start along one axis.
 * Linear.
 *
 * <pre>{@code
 * forward: y = zeros(shape) with y[..., start:start+n, ...] = x
 * jvp:     dy = pad(dx)
 * vjp:     gx = gy[..., start:start+n, ...]
 * cpu:     CpuBackend.copyInto
 * cuda:    copy_* (elementwise.cu)
 * }</pre>
 */
public final class Pad extends Op {
    private final int[] outShape;
    private final int axis, start;

    /** Writes x into zeros of outShape at start along axis. */
    public Pad(int[] outShape, int axis, int start) {
        this.outShape = outShape.clone();
        this.axis = axis;
        this.start = start;
    }

    @Override
    public String name() {
        return "pad";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int a = Shape.axis(name(), axis, outShape.length);
        int[] s = x[0].shape();
        boolean ok = s.length == outShape.length && start >= 0 && start + (s.length > 0 ? s[a] : 0) <= outShape[a];
        for (int i = 0; ok && i < s.length; i++) ok = i == a || s[i] == outShape[i];
        if (!ok)
            throw new IllegalArgumentException("pad: " + Shape.str(s) + " does not fit into " + Shape.str(outShape)
                    + " at offset " + start + " along axis " + a);
        Tensor y = Tensor.zeros(x[0].dtype(), x[0].device(), outShape);
        Tensor window = Tensor.view(y.storage(), s, y.strides(), start * y.strides()[a]);
        Backend.of(y).copyInto(x[0], window);
        return y;
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : apply(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        int a = Shape.axis(name(), axis, outShape.length);
        return new Tensor[] {gy.slice(a, start, start + x[0].shape()[a])};
    }
}
