package tangent.core.ops;

import java.util.Arrays;
import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Gathers entries along one axis: y[.., i, ..] = x[.., index[i], ..], so y has x's shape with
 * length index.length on that axis (PyTorch's index_select; an embedding lookup is
 * index_select(table, 0, ids)). Indices may repeat and come in any order. Linear in x; its VJP
 * sums the cotangents of repeated indices.
 *
 * <pre>{@code
 * forward: y[.., i, ..] = x[.., index[i], ..] along the axis
 * jvp:     dy = index_select(dx)
 * vjp:     gx = index_add(gy) into zeros of x's shape
 * cpu:     CpuBackend.copyInto (one strided copy per index)
 * cuda:    copy_* (elementwise.cu)
 * }</pre>
 */
public final class IndexSelect extends Op {
    private final int axis;
    private final int[] index;

    /** Selects index (each in [0, x.size(axis))) along axis (negative counts from the end). */
    public IndexSelect(int axis, int[] index) {
        this.axis = axis;
        this.index = index.clone();
    }

    @Override
    public String name() {
        return "index_select";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Tensor src = x[0];
        int a = Shape.axis(name(), axis, src.dim());
        checkIndex(name(), index, src.shape(), a);
        int[] out = src.shape();
        out[a] = index.length;
        Tensor y = Tensor.zeros(src.dtype(), src.device(), out);
        int[] one = src.shape();
        one[a] = 1;
        Backend be = Backend.of(y);
        for (int i = 0; i < index.length; i++)
            be.copyInto(IndexAdd.at(src, one, a, index[i]), IndexAdd.at(y, one, a, i));
        return y;
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : apply(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {new IndexAdd(x[0].shape(), axis, index).apply(gy)};
    }

    /** Throws naming the op unless every index lies in [0, shape[axis]). */
    static void checkIndex(String op, int[] index, int[] shape, int axis) {
        for (int i = 0; i < index.length; i++)
            if (index[i] < 0 || index[i] >= shape[axis])
                throw new IllegalArgumentException(op + ": index " + index[i] + " (at " + i + " of " + Arrays.toString(index)
                        + ") is outside [0, " + shape[axis] + ") on axis " + axis + " of " + Shape.str(shape));
    }
}
