package tangent.core.ops;

import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Profiler;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * Per-channel modulation as one primitive (a U-Net block's scale and shift from its conditioning):
 * x (B, C, S...), s and b of shape (B, C, 1, ...) (per sample and channel) or (1, C, 1, ...)
 * (per channel). Inputs x, s, b. sum_b below sums over the elements each coefficient multiplies
 * (its plane, or its channel's planes over the batch): sum_to, as for a broadcast mul and add.
 * The variant scale_shift_silu (constructed with silu = true) is silu(y), one primitive so that
 * the pair makes one pass over memory each way (a ResBlock's modulated norm1 is followed by silu).
 * <pre>{@code
 * forward: y = x s + b; scale_shift_silu: z = silu(y)
 * jvp:     dy = dx s + x ds + db; scale_shift_silu: dz = silu'(y) dy
 * vjp:     gx = gy s, gs = sum_b(gy x), gb = sum_b(gy); scale_shift_silu: these with gy = silu'(y) gz
 * cpu:     CpuBackend.scaleShift, CpuBackend.scaleShiftJvp, CpuBackend.scaleShiftBackward, CpuBackend.scaleShiftSilu, CpuBackend.scaleShiftSiluJvp, CpuBackend.scaleShiftSiluBackward
 * cuda:    binary_* (elementwise.cu), reduce_thread_*, reduce_block_*, reduce_finish_* (reduce.cu), silu_jvp_* (act.cu), unary_* (elementwise.cu)
 * }</pre>
 * Fused kernels (the inputs' {@link Backend#scaleShift}, {@link Backend#scaleShiftJvp},
 * {@link Backend#scaleShiftBackward}) do the forward, the forward+JVP and the VJP in one pass; the
 * VJP takes the fused kernel only when nothing needs differentiating through it (recording off, no
 * active tangent on x, s or gy). Otherwise, when the backend lacks a kernel, and for every rule
 * when constructed with fused = false, the rules are the composite x.mul(s).add(b) and its mul/add
 * rules written with primitives (they nest; the oracle ScaleShiftTest compares the fused path with).
 * scale_shift_silu takes the backend's scaleShiftSilu kernels; a backend without them gets the
 * scale_shift kernels and its silu kernels (then y is saved for the VJP), a backend with neither
 * the composite rules followed by silu.
 */
public final class ScaleShift extends Op {
    /** Whether silu follows (the op scale_shift_silu). */
    private final boolean silu;
    /** Whether the rules may take the backend's fused kernels (false: composite rules only, the oracle). */
    private final boolean fused;

    public ScaleShift(boolean fused) {
        this(false, fused);
    }

    /** As {@link #ScaleShift(boolean)}, followed by silu when silu (scale_shift_silu). */
    public ScaleShift(boolean silu, boolean fused) {
        this.silu = silu;
        this.fused = fused;
    }

    @Override
    public String name() {
        return silu ? "scale_shift_silu" : "scale_shift";
    }

    /** The composite definition with primitives (the oracle). */
    public static Tensor composite(Tensor x, Tensor s, Tensor b) {
        return x.mul(s).add(b);
    }

    /** The composite definition of scale_shift_silu. */
    public static Tensor compositeSilu(Tensor x, Tensor s, Tensor b) {
        return composite(x, s, b).silu();
    }

    private void check(Tensor[] in) {
        if (in.length != 3) throw new IllegalArgumentException("scale_shift: expected 3 inputs (x, s, b), got " + in.length);
        int[] xs = in[0].shape();
        for (int i = 1; i < 3; i++) {
            Rules.requireSameDType(name(), in[0], in[i]);
            int[] cs = in[i].shape();
            boolean ok = xs.length >= 2 && cs.length == xs.length && (cs[0] == xs[0] || cs[0] == 1) && cs[1] == xs[1];
            for (int d = 2; ok && d < cs.length; d++) ok = cs[d] == 1;
            if (!ok)
                throw new IllegalArgumentException("scale_shift: " + (i == 1 ? "s " : "b ") + Shape.str(cs) + " must be (B, C, 1, ...)"
                        + " or (1, C, 1, ...) for x " + Shape.str(xs));
        }
        if (in[1].shape()[0] != in[2].shape()[0])
            throw new IllegalArgumentException("scale_shift: s " + Shape.str(in[1].shape()) + " and b " + Shape.str(in[2].shape())
                    + " differ");
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return forwardSaving(x)[0];
    }

    /**
     * {y} from the backend's kernel or the composite; for scale_shift_silu, {silu(x s + b), x s + b}
     * when the backend has scaleShift but no scaleShiftSilu (x s + b saved for the VJP).
     */
    @Override
    protected Tensor[] forwardSaving(Tensor[] x) {
        check(x);
        if (fused) {
            Backend be = Backend.of(x[0]);
            Tensor y = silu ? be.scaleShiftSilu(x[0], x[1], x[2]) : be.scaleShift(x[0], x[1], x[2]);
            if (y != null) return new Tensor[] {y};
            if (silu && (y = be.scaleShift(x[0], x[1], x[2])) != null) return new Tensor[] {be.unary(UnaryFn.SILU, y, 0, 0), y};
        }
        Tensor y = composite(x[0].detach(), x[1].detach(), x[2].detach());
        if (!silu) return new Tensor[] {y};
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return new Tensor[] {y.silu()};
        }
    }

    /** Fused {y, dy} when x, s or b carry this level's tangent and the backend has the kernel. */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (!fused || (dx[0] == null && dx[1] == null && dx[2] == null)) return null;
        check(x);
        Backend be = Backend.of(x[0]);
        if (!silu) return be.scaleShiftJvp(x[0], dx[0], x[1], dx[1], x[2], dx[2]);
        Tensor[] r = be.scaleShiftSiluJvp(x[0], dx[0], x[1], dx[1], x[2], dx[2]);
        if (r != null || (r = be.scaleShiftJvp(x[0], dx[0], x[1], dx[1], x[2], dx[2])) == null) return r;
        Tensor[] z = be.siluJvp(r[0], r[1], false);
        return z == null ? null : new Tensor[] {z[0], z[1], r[0]};
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor t = Rules.plus(dx[0] == null ? null : dx[0].mul(x[1]), dx[1] == null ? null : x[0].mul(dx[1]));
        t = Rules.plus(t, dx[2]);
        if (t == null) return null;
        t = Rules.expandTo(t, y.shape());
        return silu ? new SiluBackward().apply(composite(x[0], x[1], x[2]), t) : t;
    }

    /** The fused kernel when it may serve, else the composite rule. */
    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        if (fused && !GradMode.isEnabled() && !(silu ? ForwardAD.carriesActiveTangent(x[0], x[1], x[2], gy) : ForwardAD.carriesActiveTangent(x[0], x[1], gy))) {
            long t0 = System.nanoTime();
            Backend be = Backend.of(x[0]);
            Tensor[] g;
            if (!silu) g = be.scaleShiftBackward(x[0], x[1], gy, needsGrad[0], needsGrad[1], needsGrad[2]);
            else if (saved != null) g = be.scaleShiftBackward(x[0], x[1], new SiluBackward().apply(saved[0], gy), needsGrad[0], needsGrad[1], needsGrad[2]);
            else g = be.scaleShiftSiluBackward(x[0], x[1], x[2], gy, needsGrad[0], needsGrad[1], needsGrad[2]);
            if (g != null) {
                Profiler.kernel(name() + " (fused vjp)", t0, gy.numel());
                return g;
            }
        }
        return vjp(x, y, gy, needsGrad);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        if (silu) gy = new SiluBackward().apply(composite(x[0], x[1], x[2]), gy);
        return new Tensor[] {
            needsGrad[0] ? gy.mul(x[1]) : null,
            needsGrad[1] ? Rules.sumTo(gy.mul(x[0]), x[1].shape()) : null,
            needsGrad[2] ? Rules.sumTo(gy, x[2].shape()) : null
        };
    }
}
