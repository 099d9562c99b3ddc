package tangent.core.ops;

import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Softmax along an axis as one primitive: y = exp(x - max) / sum exp(x - max) (the max shift is a
 * constant).
 * <pre>{@code
 * forward: y = exp(x - max) / sum exp(x - max) along the axis
 * jvp:     dy = y (dx - sum(y dx))             (sums along the axis)
 * vjp:     gx = y (gy - sum(y gy))
 * cpu:     CpuBackend.softmax (float32 rows along the last axis, vector exp; else the composite),
 *          CpuBackend.softmaxJvp (forward+JVP, the same y), CpuBackend.softmaxBackward (the VJP,
 *          bit-identical to the composite rule's kernels)
 * cuda:    softmax_fwd_* (act.cu), softmax_vjp_* (act.cu)
 * }</pre>
 * The forward is the inputs' {@link Backend#softmax} when the backend has it (and fused is on),
 * else {@link #composite} (primitives, under no-grad); the forward+JVP is the inputs'
 * {@link Backend#softmaxJvp} when the backend has it (and fused is on); the VJP is
 * {@link Backend#softmaxBackward} when nothing differentiates through it (recording off, no
 * active tangent) and the backend has it. The rules are written with primitives, so they nest;
 * the composite is the oracle (NormalisationPrimitivesTest compares them).
 */
public final class Softmax extends Op {
    private final int axis;
    /** Whether the forward, forward+JVP and VJP may take the backend's fused kernels (false: composite rules only). */
    private final boolean fused;

    public Softmax(int axis, boolean fused) {
        this.axis = axis;
        this.fused = fused;
    }

    @Override
    public String name() {
        return "softmax";
    }

    /** exp(x - max) / sum(exp(x - max)) with primitives (the oracle). */
    public static Tensor composite(Tensor x, int axis) {
        int a = Shape.axis("softmax", axis, x.dim());
        Tensor m = x.detach().max(new int[] {a}, true);
        Tensor e = x.sub(m).exp();
        return e.div(e.sum(new int[] {a}, true));
    }

    private int axis(Tensor x) {
        return Shape.axis(name(), axis, x.dim());
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int a = axis(x[0]);
        if (fused) {
            Tensor y = Backend.of(x[0]).softmax(x[0], a);
            if (y != null) return y;
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return composite(x[0].detach(), a);
        }
    }

    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (!fused || dx[0] == null) return null;
        return Backend.of(x[0]).softmaxJvp(x[0], dx[0], axis(x[0]));
    }

    /** y (t - sum(y t)) along the axis, with primitives. */
    private Tensor lin(Tensor y, Tensor t) {
        return t.sub(y.mul(t).sum(new int[] {axis(y)}, true)).mul(y);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : lin(y, dx[0]);
    }

    /** The backend's fused kernel when nothing differentiates through the rule, else the composite rule. */
    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        if (fused && !GradMode.isEnabled() && !ForwardAD.carriesActiveTangent(x[0], y, gy)) {
            Tensor g = Backend.of(y).softmaxBackward(y, gy, axis(y));
            if (g != null) return new Tensor[] {g};
        }
        return vjp(x, y, gy, needsGrad);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {lin(y, gy)};
    }
}
