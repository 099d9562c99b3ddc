package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Raises every element to a constant power p.
 *
 * <pre>{@code
 * forward: y = x^p
 * jvp:     dy = p x^(p-1) dx
 * vjp:     gx = p x^(p-1) gy
 * cpu:     CpuBackend.unary (POW)
 * cuda:    unary_* (elementwise.cu)
 * }</pre>
 */
public final class PowScalar extends Op {
    private final double p;

    /** The op x^p. */
    public PowScalar(double p) {
        this.p = p;
    }

    @Override
    public String name() {
        return "pow";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Backend.of(x[0]).unary(UnaryFn.POW, x[0], p, 0);
    }

    private Tensor chain(Tensor x, Tensor t) {
        if (p == 0) return null;
        if (p == 1) return t;
        if (p == 2) return x.mul(t).mul(2.0);
        return x.pow(p - 1).mul(t).mul(p);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : chain(x[0], dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {chain(x[0], gy)};
    }
}
