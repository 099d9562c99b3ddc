package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Multiplies every element by a constant c.
 *
 * <pre>{@code
 * forward: y = c x
 * jvp:     dy = c dx
 * vjp:     gx = c gy
 * cpu:     CpuBackend.unary (SCALE)
 * cuda:    unary_* (elementwise.cu)
 * }</pre>
 */
public final class Scale extends Op {
    private final double c;

    /** The op c x. */
    public Scale(double c) {
        this.c = c;
    }

    @Override
    public String name() {
        return "scale";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Backend.of(x[0]).unary(UnaryFn.SCALE, x[0], c, 0);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].mul(c);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {gy.mul(c)};
    }
}
