package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;

/**
 * SiLU's chain rule as one kernel. {@link Unary}'s rules for silu call it (one pass instead of six
 * temporaries). Its own rules are written with primitives so they can be differentiated again.
 * The composite s (1 + x (1 - s)) g is the oracle (SiluBackwardTest). Broadcasts like mul.
 *
 * <pre>{@code
 * forward: y = g silu'(x)
 * where:   s = sigmoid(x), silu'(x) = s (1 + x (1 - s)), silu''(x) = s (1 - s) (2 + x (1 - 2 s))
 * jvp:     dy = silu_backward(x, dg) + g silu''(x) dx
 * vjp:     gx = sum_to(gy g silu''(x)), gg = sum_to(silu_backward(x, gy))
 * cpu:     CpuBackend.binary (SILU_BACKWARD)
 * cuda:    binary_* (elementwise.cu)
 * }</pre>
 */
public final class SiluBackward extends Op {
    @Override
    public String name() {
        return "silu_backward";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Rules.binary(name(), BinaryFn.SILU_BACKWARD, x[0], x[1]);
    }

    /** silu''(x) with primitives. */
    static Tensor second(Tensor x) {
        Tensor s = x.sigmoid();
        return s.mul(s.rsub(1.0)).mul(x.mul(s.mul(-2.0).add(1.0)).add(2.0));
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor a = x[0], g = x[1], da = dx[0], dg = dx[1];
        Tensor t = Rules.plus(dg == null ? null : new SiluBackward().apply(a, dg),
                da == null ? null : second(a).mul(g).mul(da));
        return t == null ? null : Rules.expandTo(t, y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor a = x[0], g = x[1];
        return new Tensor[] {
            needsGrad[0] ? Rules.sumTo(gy.mul(g).mul(second(a)), a.shape()) : null,
            needsGrad[1] ? Rules.sumTo(new SiluBackward().apply(a, gy), g.shape()) : null
        };
    }
}
