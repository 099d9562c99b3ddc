package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;

/**
 * Elementwise quotient with broadcasting (see {@link Add}).
 *
 * <pre>{@code
 * forward: y = a / b
 * jvp:     dy = (da - y db) / b
 * vjp:     ga = sum_to(gy / b), gb = sum_to(-gy y / b)
 * cpu:     CpuBackend.binary
 * cuda:    binary_* (elementwise.cu)
 * }</pre>
 */
public final class Div extends Op {
    @Override
    public String name() {
        return "div";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Rules.binary(name(), BinaryFn.DIV, x[0], x[1]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor a = x[0], b = x[1], da = dx[0], db = dx[1];
        // (da - y db) / b
        Tensor num = da == null ? (db == null ? null : y.mul(db).neg()) : (db == null ? da : da.sub(y.mul(db)));
        return num == null ? null : Rules.expandTo(num.div(b), y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor a = x[0], b = x[1];
        return new Tensor[] {
            needsGrad[0] ? Rules.sumTo(gy.div(b), a.shape()) : null,
            needsGrad[1] ? Rules.sumTo(gy.mul(y).div(b).neg(), b.shape()) : null
        };
    }
}
