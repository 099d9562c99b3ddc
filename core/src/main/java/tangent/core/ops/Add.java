package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;

/**
 * Elementwise sum with NumPy broadcasting: the tangent of a smaller operand is expanded to the
 * output's shape, its cotangent summed back to its own shape (sum_to).
 *
 * <pre>{@code
 * forward: y = a + b
 * jvp:     dy = da + db
 * vjp:     ga = sum_to(gy), gb = sum_to(gy)
 * cpu:     CpuBackend.binary
 * cuda:    binary_* (elementwise.cu)
 * }</pre>
 */
public final class Add extends Op {
    @Override
    public String name() {
        return "add";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Rules.binary(name(), BinaryFn.ADD, x[0], x[1]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor a = x[0], b = x[1], da = dx[0], db = dx[1];
        Tensor t = Rules.plus(da, db);
        return t == null ? null : Rules.expandTo(t, y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor a = x[0], b = x[1];
        return new Tensor[] {
            needsGrad[0] ? Rules.sumTo(gy, a.shape()) : null,
            needsGrad[1] ? Rules.sumTo(gy, b.shape()) : null
        };
    }
}
