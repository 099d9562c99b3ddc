package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;

/**
 * Elementwise product with broadcasting (see {@link Add}).
 *
 * <pre>{@code
 * forward: y = a b
 * jvp:     dy = da b + a db
 * vjp:     ga = sum_to(gy b), gb = sum_to(gy a)
 * cpu:     CpuBackend.binary
 * cuda:    binary_* (elementwise.cu)
 * }</pre>
 */
public final class Mul extends Op {
    @Override
    public String name() {
        return "mul";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Rules.binary(name(), BinaryFn.MUL, x[0], x[1]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor a = x[0], b = x[1], da = dx[0], db = dx[1];
        Tensor t = Rules.plus(da == null ? null : da.mul(b), db == null ? null : a.mul(db));
        return t == null ? null : Rules.expandTo(t, y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor a = x[0], b = x[1];
        return new Tensor[] {
            needsGrad[0] ? Rules.sumTo(gy.mul(b), a.shape()) : null,
            needsGrad[1] ? Rules.sumTo(gy.mul(a), b.shape()) : null
        };
    }
}
