package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Elementwise y = f(x) for the functions without parameters. For these both rules are the chain
 * rule with the same local derivative. The table in {@link #chain} is this op family's
 * "derivatives.yaml": one line per function (docs/ops.md lists it).
 *
 * <pre>{@code
 * forward: y = f(x), f one of the functions in chain
 * jvp:     dy = f'(x) dx
 * vjp:     gx = f'(x) gy
 * cpu:     CpuBackend.unary, CpuBackend.siluJvp (silu's value and tangent in one pass)
 * cuda:    unary_* (elementwise.cu), silu_jvp_* (act.cu)
 * }</pre>
 */
public final class Unary extends Op {
    private final UnaryFn fn;

    /** The elementwise function fn (one without parameters). */
    public Unary(UnaryFn fn) {
        if (fn == UnaryFn.SCALE || fn == UnaryFn.ADD_SCALAR || fn == UnaryFn.POW || fn == UnaryFn.CLAMP)
            throw new IllegalArgumentException(fn + " has parameters: use Scale, AddScalar, PowScalar or Clamp");
        this.fn = fn;
    }

    /** The function this op applies. */
    public UnaryFn fn() {
        return fn;
    }

    @Override
    public String name() {
        return fn.opName();
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return Backend.of(x[0]).unary(fn, x[0], 0, 0);
    }

    /** f'(x) * t, given x and y = f(x). */
    static Tensor chain(UnaryFn fn, Tensor x, Tensor y, Tensor t) {
        switch (fn) {
            case NEG: return t.neg();                                          // -t
            case SQUARE: return x.mul(t).mul(2.0);                             // 2 x t
            case EXP: return y.mul(t);                                         // e^x t
            case LOG: return t.div(x);                                         // t / x
            case SQRT: return t.div(y).mul(0.5);                               // t / (2 sqrt x)
            case RSQRT: return y.pow(3).mul(t).mul(-0.5);                      // -x^(-3/2) t / 2
            case SIN: return x.cos().mul(t);                                   // cos x t
            case COS: return x.sin().mul(t).neg();                             // -sin x t
            case TANH: return y.square().rsub(1.0).mul(t);                     // (1 - y^2) t
            case SIGMOID: return y.mul(y.rsub(1.0)).mul(t);                    // y (1 - y) t
            case SILU: return new SiluBackward().apply(x, t);                  // s (1 + x (1 - s)) t, fused
            case RELU: return x.gt(0.0).mul(t);                                // [x > 0] t
            case ABS: return x.gt(0.0).sub(x.lt(0.0)).mul(t);                  // sign(x) t
            case RECIPROCAL: return y.square().mul(t).neg();                   // -t / x^2
            default: throw new AssertionError(fn);
        }
    }

    /**
     * SiLU: the value and its tangent in one pass by the backend's {@link Backend#siluJvp} (the
     * generic pair silu, silu_backward is the oracle): {y, dy}. silu'(x) is not saved for the VJP:
     * its chain rule (silu_backward) recomputes it from x in one pass, which reads as many bytes
     * as gy silu'(x) from a saved copy would and spares the forward writing (and the tape holding)
     * a third tensor.
     */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (fn != UnaryFn.SILU || dx[0] == null || !java.util.Arrays.equals(x[0].shape(), dx[0].shape())
                || x[0].dtype() != dx[0].dtype())
            return null;
        Tensor[] r = Backend.of(x[0]).siluJvp(x[0], dx[0], false);
        return r == null ? null : new Tensor[] {r[0], r[1]};
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : chain(fn, x[0], y, dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {chain(fn, x[0], y, gy)};
    }
}
