package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.BinaryFn;

/**
 * The adjoint of index_select (a scatter-add): y = zeros(outShape), then
 * y[.., index[i], ..] += x[.., i, ..] for every i in order, so repeated indices sum. x has
 * outShape's shape with length index.length on the axis. Linear in x.
 *
 * <pre>{@code
 * forward: y = zeros(outShape); y[.., index[i], ..] += x[.., i, ..] for each i in order
 * jvp:     dy = index_add(dx)
 * vjp:     gx = index_select(gy)
 * cpu:     CpuBackend.binary, CpuBackend.copyInto (one add per index)
 * cuda:    binary_* (elementwise.cu), copy_* (elementwise.cu)
 * }</pre>
 */
public final class IndexAdd extends Op {
    private final int[] outShape;
    private final int axis;
    private final int[] index;

    /** Adds x's entries along axis into zeros of outShape at the given indices. */
    public IndexAdd(int[] outShape, int axis, int[] index) {
        this.outShape = outShape.clone();
        this.axis = axis;
        this.index = index.clone();
    }

    @Override
    public String name() {
        return "index_add";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Tensor src = x[0];
        int a = Shape.axis(name(), axis, outShape.length);
        int[] s = src.shape(), expect = outShape.clone();
        expect[a] = index.length;
        if (!java.util.Arrays.equals(s, expect))
            throw new IllegalArgumentException("index_add: source " + Shape.str(s) + " must be " + Shape.str(expect) + " for "
                    + index.length + " indices into " + Shape.str(outShape) + " along axis " + a);
        IndexSelect.checkIndex(name(), index, outShape, a);
        Tensor y = Tensor.zeros(src.dtype(), src.device(), outShape);
        int[] one = outShape.clone();
        one[a] = 1;
        Backend be = Backend.of(y);
        for (int i = 0; i < index.length; i++) {
            Tensor dst = at(y, one, a, index[i]);
            be.copyInto(be.binary(BinaryFn.ADD, dst, at(src, one, a, i), one), dst);
        }
        return y;
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : apply(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {new IndexSelect(axis, index).apply(gy)};
    }

    /** The view of t (any strides) at position i along axis, keeping that axis with length 1 (shape one). */
    static Tensor at(Tensor t, int[] one, int axis, int i) {
        return Tensor.view(t.storage(), one, t.strides(), t.offset() + i * t.strides()[axis]);
    }
}
