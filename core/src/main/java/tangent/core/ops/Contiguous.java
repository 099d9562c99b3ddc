package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;

/**
 * A compact row-major copy (a new view object when already compact). The identity on values.
 *
 * <pre>{@code
 * forward: y = x (row-major)
 * jvp:     dy = dx
 * vjp:     gx = gy
 * cpu:     CpuBackend.copyInto
 * cuda:    copy_* (elementwise.cu)
 * }</pre>
 */
public final class Contiguous extends Op {
    @Override
    public String name() {
        return "contiguous";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return x[0].isContiguous() ? x[0].detach() : Rules.compactCopy(x[0]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].contiguous();
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {gy};
    }
}
