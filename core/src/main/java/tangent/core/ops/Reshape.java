package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * Same elements in row-major order, new shape (one dimension may be -1 and is inferred).
 * A view when x is contiguous, a copy otherwise.
 *
 * <pre>{@code
 * forward: y = reshape(x, shape)
 * jvp:     dy = reshape(dx, shape)
 * vjp:     gx = reshape(gy, x.shape)
 * cpu:     none (a view), CpuBackend.copyInto (x not contiguous)
 * cuda:    none (a view), copy_* (elementwise.cu)
 * }</pre>
 */
public final class Reshape extends Op {
    private final int[] newShape;

    /** Reshapes to newShape (one entry may be -1: inferred). */
    public Reshape(int[] newShape) {
        this.newShape = newShape.clone();
    }

    @Override
    public String name() {
        return "reshape";
    }

    static int[] resolve(int[] from, int[] to) {
        int n = Shape.numel(from), known = 1, infer = -1;
        int[] out = to.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Shape.str(to));
                infer = i;
            } else {
                if (out[i] < 0) throw new IllegalArgumentException("reshape: invalid size " + out[i] + " in " + Shape.str(to));
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || n % known != 0)
                throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(from) + " into " + Shape.str(to));
            out[infer] = n / known;
        }
        if (Shape.numel(out) != n)
            throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(from) + " (" + n + " elements) into "
                    + Shape.str(to) + " (" + Shape.numel(out) + " elements)");
        return out;
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int[] out = resolve(x[0].shape(), newShape);
        Tensor src = x[0].isContiguous() ? x[0] : Rules.compactCopy(x[0]);
        return Tensor.view(src.storage(), out, Shape.contiguousStrides(out), src.offset());
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].reshape(y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {gy.reshape(x[0].shape())};
    }
}
