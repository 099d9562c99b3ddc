package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Nearest-neighbour upsampling by 2: (B, C, H, W) -> (B, C, 2H, 2W). Linear; its adjoint is
 * {@link SumPool2x}.
 *
 * <pre>{@code
 * forward: y[b,c,i,j] = x[b,c,i/2,j/2]
 * jvp:     dy = upsample2x(dx)
 * vjp:     gx = sum_pool2x(gy)
 * cpu:     CpuBackend.upsample2x
 * cuda:    upsample2x_* (conv.cu)
 * }</pre>
 */
public final class Upsample2x extends Op {
    @Override
    public String name() {
        return "upsample2x";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Rules.requireRank(name(), "x", x[0], 4);
        return Backend.of(x[0]).upsample2x(x[0]);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : apply(dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {new SumPool2x().apply(gy)};
    }
}
