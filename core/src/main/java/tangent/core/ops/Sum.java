package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.ReduceFn;

/**
 * Sum over a set of axes (all axes when none are given), keeping them as size 1 or not. Linear.
 *
 * <pre>{@code
 * forward: y = sum_axes x
 * jvp:     dy = sum_axes dx
 * vjp:     gx = gy broadcast back to x.shape
 * cpu:     CpuBackend.reduce (SUM)
 * cuda:    reduce_thread_*, reduce_block_*, reduce_finish_* (reduce.cu)
 * }</pre>
 */
public final class Sum extends Op {
    private final int[] axes;
    private final boolean keepDims;

    /** Sum over axes (all when empty). */
    public Sum(int[] axes, boolean keepDims) {
        this.axes = axes.clone();
        this.keepDims = keepDims;
    }

    @Override
    public String name() {
        return "sum";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int[] ax = Shape.axes(name(), axes, x[0].dim());
        Tensor kept = Backend.of(x[0]).reduce(ReduceFn.SUM, x[0], ax);
        return keepDims ? kept : Tensor.compact(kept.storage(), Shape.dropDims(x[0].shape(), ax));
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].sum(axes, keepDims);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        int[] ax = Shape.axes(name(), axes, x[0].dim());
        return new Tensor[] {gy.reshape(Shape.keepDims(x[0].shape(), ax)).expand(x[0].shape())};
    }
}
