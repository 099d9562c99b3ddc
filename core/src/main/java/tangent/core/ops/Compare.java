package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;

/**
 * Masks from comparisons (gt, ge, lt, le, eq), 1 or 0 in the inputs' dtype, with broadcasting.
 * Piecewise constant, so both rules are zero: the mask is not differentiable.
 *
 * <pre>{@code
 * forward: y = [a OP b]
 * jvp:     dy = 0
 * vjp:     ga = 0, gb = 0
 * cpu:     CpuBackend.binary
 * cuda:    binary_* (elementwise.cu)
 * }</pre>
 */
public final class Compare extends Op {
    private final BinaryFn fn;

    /** The mask op of a comparison fn (GT, GE, LT, LE or EQ). */
    public Compare(BinaryFn fn) {
        switch (fn) {
            case GT: case GE: case LT: case LE: case EQ: break;
            default: throw new IllegalArgumentException("compare: " + fn + " is not a comparison");
        }
        this.fn = fn;
    }

    @Override
    public String name() {
        return fn.name().toLowerCase();
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Rules.binary(name(), fn, x[0], x[1]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return null;
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {null, null};
    }
}
