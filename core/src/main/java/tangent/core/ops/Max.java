package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.ReduceFn;

/**
 * Maximum over a set of axes. Ties share the derivative evenly: with the mask m = [x == y]
 * (broadcast) and n = sum_axes m the number of ties.
 *
 * <pre>{@code
 * forward: y = max_axes x
 * jvp:     dy = sum_axes(m dx) / n
 * vjp:     gx = m gy / n
 * cpu:     CpuBackend.reduce (MAX)
 * cuda:    reduce_thread_*, reduce_block_*, reduce_finish_* (reduce.cu)
 * }</pre>
 */
public final class Max extends Op {
    private final int[] axes;
    private final boolean keepDims;

    /** Maximum over axes (all when empty). */
    public Max(int[] axes, boolean keepDims) {
        this.axes = axes.clone();
        this.keepDims = keepDims;
    }

    @Override
    public String name() {
        return "max";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        if (x[0].numel() == 0) throw new IllegalArgumentException("max: empty tensor " + Shape.str(x[0].shape()));
        int[] ax = Shape.axes(name(), axes, x[0].dim());
        Tensor kept = Backend.of(x[0]).reduce(ReduceFn.MAX, x[0], ax);
        return keepDims ? kept : Tensor.compact(kept.storage(), Shape.dropDims(x[0].shape(), ax));
    }

    /** m / n: the share of the derivative each element receives. */
    private Tensor weights(Tensor x, Tensor y) {
        int[] ax = Shape.axes(name(), axes, x.dim());
        Tensor yk = y.reshape(Shape.keepDims(x.shape(), ax));
        Tensor m = x.eq(yk);
        return m.div(m.sum(ax, true));
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        if (dx[0] == null) return null;
        return weights(x[0], y).mul(dx[0]).sum(axes, keepDims);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        int[] ax = Shape.axes(name(), axes, x[0].dim());
        return new Tensor[] {weights(x[0], y).mul(gy.reshape(Shape.keepDims(x[0].shape(), ax)))};
    }
}
