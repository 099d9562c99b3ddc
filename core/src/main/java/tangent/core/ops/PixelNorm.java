package tangent.core.ops;

import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Pixel norm as one primitive: along one axis of n elements, r = (mean v^2 + eps)^(-1/2) (a
 * tensor with size 1 at the axis), y = v r.
 * <pre>{@code
 * forward: y = v r, r = (mean v^2 + eps)^(-1/2) along the axis
 * jvp:     dy = r (dv - y mean(y dv))          (mean along the axis)
 * vjp:     gv = r (gy - y mean(y gy))          (the Jacobian is symmetric)
 * cpu:     CpuBackend.pixelNorm, CpuBackend.pixelNormJvp, CpuBackend.pixelNormBackward
 * cuda:    pixel_norm_fwd_* (norm.cu), pixel_norm_bwd_* (norm.cu)
 * }</pre>
 * Fused kernels: the inputs' {@link Backend#pixelNorm} (returns y and r; the tape node keeps r
 * for the VJP), {@link Backend#pixelNormJvp} and {@link Backend#pixelNormBackward}; the VJP takes
 * the fused one only when nothing needs differentiating through it. Otherwise, when the backend
 * lacks a kernel, and for every rule when constructed with fused = false, the rules run with
 * primitives ({@link #composite} is the definition and the oracle; PixelNormTest compares them).
 */
public final class PixelNorm extends Op {
    private final int axis;
    private final double eps;
    /** Whether the rules may take the backend's fused kernels (false: composite rules only). */
    private final boolean fused;

    public PixelNorm(int axis, double eps, boolean fused) {
        this.axis = axis;
        this.eps = eps;
        this.fused = fused;
    }

    @Override
    public String name() {
        return "pixel_norm";
    }

    /** v * (mean(v^2 over the axis) + eps)^(-1/2) with primitives (the oracle). */
    public static Tensor composite(Tensor v, int axis, double eps) {
        int a = Shape.axis("pixel_norm", axis, v.dim());
        return v.mul(rstd(v, a, eps));
    }

    private static Tensor rstd(Tensor v, int a, double eps) {
        return F.mean(v.square(), new int[] {a}, true).add(eps).rsqrt();
    }

    private int axis(Tensor v) {
        return Shape.axis(name(), axis, v.dim());
    }

    private boolean fusable(Tensor... xs) {
        return fused && !GradMode.isEnabled() && !ForwardAD.carriesActiveTangent(xs);
    }

    /** {y, rstd} from the backend's kernel, or {y} from the composite when it has none. */
    @Override
    protected Tensor[] forwardSaving(Tensor[] x) {
        int a = axis(x[0]);
        if (fused) {
            Tensor[] r = Backend.of(x[0]).pixelNorm(x[0], a, eps);
            if (r != null) return r;
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return new Tensor[] {composite(x[0].detach(), a, eps)};
        }
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return forwardSaving(x)[0];
    }

    /** {y, dy, rstd} from the backend's kernel. */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (!fused || dx[0] == null) return null;
        Tensor[] r = Backend.of(x[0]).pixelNormJvp(x[0], dx[0], axis(x[0]), eps);
        return r;
    }

    /** r (t - y mean(y t)) along the axis, with primitives. */
    private Tensor lin(Tensor v, Tensor y, Tensor t) {
        int a = axis(v);
        Tensor r = rstd(v, a, eps);
        return t.sub(y.mul(F.mean(y.mul(t), new int[] {a}, true))).mul(r);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : lin(x[0], y, dx[0]);
    }

    /** From the saved rstd with the backend's fused kernel when it may serve, else the composite rule. */
    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        if (saved != null && fusable(x[0], gy)) {
            Tensor g = Backend.of(x[0]).pixelNormBackward(x[0], saved[0], gy, axis(x[0]));
            if (g != null) return new Tensor[] {g};
        }
        return vjp(x, y, gy, needsGrad);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {lin(x[0], y, gy)};
    }
}
