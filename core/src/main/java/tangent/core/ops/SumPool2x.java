package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Sum over 2x2 blocks, the adjoint of upsample2x: y[b,c,i,j] = sum_{p,q&lt;2} x[b,c,2i+p,2j+q];
 * (B, C, 2H, 2W) -> (B, C, H, W). Linear, so jvp: sum_pool2x(dx).  vjp: upsample2x(gy).
 */
public final class SumPool2x extends Op {
    @Override
    public String name() {
        return "sum_pool2x";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Rules.requireRank(name(), "x", x[0], 4);
        int[] s = x[0].shape();
        if (s[2] % 2 != 0 || s[3] % 2 != 0)
            throw new IllegalArgumentException(name() + ": height and width of " + Shape.str(s) + " must be even");
        return Backend.of(x[0]).sumPool2x(x[0]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : apply(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {new Upsample2x().apply(gy)};
    }
}
