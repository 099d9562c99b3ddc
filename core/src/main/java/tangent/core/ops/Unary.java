package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Elementwise y = f(x) for the functions without parameters. For these both rules are the chain
 * rule with the same local derivative: jvp dy = f'(x) dx, vjp gx = f'(x) gy. The table in
 * {@link #chain} is this op family's "derivatives.yaml": one line per function.
 */
public final class Unary extends Op {
    private final UnaryFn fn;
    /**
     * SiLU only: silu'(x) as computed by the fused forward+JVP for the input savedX, kept for the
     * VJP of the same application (the dual forward of the sCM step, then its backward): the VJP
     * is then gy silu'(x), one multiply instead of a second exp pass. Used only when the VJP's x is
     * the same view and nothing carries an active tangent (else the generic rule).
     */
    private Tensor savedX, savedDerivative;

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

    /** SiLU on CPU: the value and its tangent in one pass (the generic pair silu, silu_backward is the oracle). */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (fn != UnaryFn.SILU || dx[0] == null || x[0].device() != tangent.core.Device.CPU
                || !java.util.Arrays.equals(x[0].shape(), dx[0].shape()) || x[0].dtype() != dx[0].dtype())
            return null;
        boolean save = x[0].requiresGrad(); // the output goes on the tape (when recording): its VJP may reuse silu'(x)
        Tensor[] r = tangent.core.cpu.CpuBackend.INSTANCE.siluForwardJvp(x[0], dx[0], save);
        if (save) {
            savedX = x[0];
            savedDerivative = r[2];
        }
        return new Tensor[] {r[0], r[1]};
    }

    private boolean sameView(Tensor a, Tensor b) {
        return a != null && a.storage() == b.storage() && a.offset() == b.offset()
                && java.util.Arrays.equals(a.shape(), b.shape()) && java.util.Arrays.equals(a.strides(), b.strides());
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : chain(fn, x[0], y, dx[0]);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        if (savedDerivative != null && sameView(savedX, x[0]) && !tangent.core.ForwardAD.carriesActiveTangent(x[0], gy))
            return new Tensor[] {gy.mul(savedDerivative)};
        return new Tensor[] {chain(fn, x[0], y, gy)};
    }
}
