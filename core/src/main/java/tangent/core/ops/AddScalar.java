package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Adds a constant c to every element.
 *
 * <pre>{@code
 * forward: y = x + c
 * jvp:     dy = dx
 * vjp:     gx = gy
 * cpu:     CpuBackend.unary (ADD_SCALAR)
 * cuda:    unary_* (elementwise.cu)
 * }</pre>
 */
public final class AddScalar extends Op {
    private final double c;

    /** The op x + c. */
    public AddScalar(double c) {
        this.c = c;
    }

    @Override
    public String name() {
        return "add_scalar";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Backend.of(x[0]).unary(UnaryFn.ADD_SCALAR, x[0], c, 0);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0];
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {gy};
    }
}
