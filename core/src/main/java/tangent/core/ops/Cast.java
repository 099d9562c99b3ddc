package tangent.core.ops;

import tangent.core.DType;
import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Converts the element type (float32 to float64 or back).
 *
 * <pre>{@code
 * forward: y = cast(x, dtype)
 * jvp:     dy = cast(dx, dtype)
 * vjp:     gx = cast(gy, x.dtype)
 * cpu:     CpuBackend.copyInto
 * cuda:    copy_* (elementwise.cu)
 * }</pre>
 */
public final class Cast extends Op {
    private final DType to;

    /** The op converting to dtype to. */
    public Cast(DType to) {
        this.to = to;
    }

    @Override
    public String name() {
        return "cast";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Tensor y = Tensor.zeros(to, x[0].device(), x[0].shape());
        Backend.of(y).copyInto(x[0], y);
        return y;
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].to(to);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {gy.to(x[0].dtype())};
    }
}
