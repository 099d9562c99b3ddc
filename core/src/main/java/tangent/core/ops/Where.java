package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Selects elementwise by a 0/1 mask (e.g. from a comparison); all three inputs broadcast.
 * The mask gets no cotangent.
 *
 * <pre>{@code
 * forward: y = cond ? a : b
 * jvp:     dy = where(cond, da, db)
 * vjp:     ga = sum_to(where(cond, gy, 0)), gb = sum_to(where(cond, 0, gy))
 * cpu:     CpuBackend.where
 * cuda:    where_* (elementwise.cu)
 * }</pre>
 */
public final class Where extends Op {
    @Override
    public String name() {
        return "where";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Rules.requireSameDType(name(), x[1], x[2]);
        Rules.requireSameDType(name(), x[0], x[1]);
        int[] out = Shape.broadcast(name(), Shape.broadcast(name(), x[0].shape(), x[1].shape()), x[2].shape());
        return Backend.of(x[1]).where(x[0], x[1], x[2], out);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        if (dx[1] == null && dx[2] == null) return null;
        Tensor da = dx[1] != null ? dx[1] : x[1].zerosLike();
        Tensor db = dx[2] != null ? dx[2] : x[2].zerosLike();
        return new Where().apply(x[0], da, db).expand(y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor zero = gy.scalarLike(0);
        return new Tensor[] {
            null,
            needsGrad[1] ? Rules.sumTo(new Where().apply(x[0], gy, zero), x[1].shape()) : null,
            needsGrad[2] ? Rules.sumTo(new Where().apply(x[0], zero, gy), x[2].shape()) : null
        };
    }
}
