package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Clips every element to [lo, hi]. The derivative at a bound is taken as 1, as PyTorch does.
 *
 * <pre>{@code
 * forward: y = min(max(x, lo), hi)
 * jvp:     dy = [lo <= x <= hi] dx
 * vjp:     gx = [lo <= x <= hi] gy
 * cpu:     CpuBackend.unary (CLAMP)
 * cuda:    unary_* (elementwise.cu)
 * }</pre>
 */
public final class Clamp extends Op {
    private final double lo, hi;

    /** The op min(max(x, lo), hi). */
    public Clamp(double lo, double hi) {
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lower bound " + lo + " exceeds upper bound " + hi);
        this.lo = lo;
        this.hi = hi;
    }

    @Override
    public String name() {
        return "clamp";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Backend.of(x[0]).unary(UnaryFn.CLAMP, x[0], lo, hi);
    }

    private Tensor inside(Tensor x) {
        return x.ge(lo).mul(x.le(hi));
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : inside(x[0]).mul(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {inside(x[0]).mul(gy)};
    }
}
