package tangent.core.ops;

import java.util.Arrays;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Profiler;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.UnaryFn;

/**
 * GroupNorm as one primitive. x: (B, C, ...), G groups of C/G channels, per (sample, group) over
 * its n elements: mu = mean x, r = (mean (x - mu)^2 + eps)^(-1/2), xhat = (x - mu) r,
 * y = xhat gamma + beta (per-channel gamma, beta: (C); each optional). Inputs: x, then gamma if
 * present, then beta if present. The variant group_norm_silu (constructed with silu = true) is
 * silu(y), one primitive so that the pair makes one pass over memory each way (a ResBlock's
 * norm0 and the U-Net's output norm are followed by silu).
 * <pre>{@code
 * forward: y = xhat gamma + beta; group_norm_silu: z = silu(y)
 * where:   lin(t) = r (t - mean t - xhat mean(xhat t)) per group (the Jacobian of xhat; symmetric)
 * jvp:     dy = gamma lin(dx) + dgamma xhat + dbeta; group_norm_silu: dz = silu'(y) dy
 * vjp:     gx = lin(gamma gy), ggamma = sum_(B, spatial) gy xhat, gbeta = sum_(B, spatial) gy; group_norm_silu: these with gy = silu'(y) gz
 * cpu:     CpuBackend.groupNorm, CpuBackend.groupNormJvp, CpuBackend.groupNormBackward, CpuBackend.groupNormSilu, CpuBackend.groupNormSiluJvp, CpuBackend.groupNormSiluBackward
 * cuda:    group_norm_fwd_* (norm.cu), group_norm_bwd_* (norm.cu), group_norm_colsum_* (norm.cu), silu_jvp_* (act.cu), unary_* (elementwise.cu), binary_* (elementwise.cu)
 * }</pre>
 * Fused kernels (the inputs' {@link Backend#groupNorm}, {@link Backend#groupNormJvp},
 * {@link Backend#groupNormBackward}) do the forward, the forward+JVP and the VJP in one pass per
 * group after its statistics. The forward returns the per-group mean and rstd (B, G), which the
 * tape node holds and hands to the VJP; the VJP takes the fused kernel only when nothing needs
 * differentiating through it (recording off, no active tangent on x, gamma or gy). Otherwise, when
 * the backend lacks a kernel, and for every rule when constructed with fused = false, the rules run
 * with primitives: the forward is {@link #composite} and lin is written with mean/mul/sub, so they
 * nest and serve as the oracle (GroupNormTest compares the two paths). group_norm_silu takes the
 * backend's groupNormSilu kernels; a backend without them gets the group_norm kernels and its silu
 * kernels (then y is saved for the VJP), a backend with neither the composite rules.
 */
public final class GroupNorm extends Op {
    private final int groups;
    private final double eps;
    private final boolean hasGamma, hasBeta;
    /** Whether silu follows the affine map (the op group_norm_silu). */
    private final boolean silu;
    /** Whether the rules may take the backend's fused kernels (false: composite rules only, the oracle). */
    private final boolean fused;

    /** Inputs x, then gamma if hasGamma, then beta if hasBeta; fused picks the fused kernels over the composite rules. */
    public GroupNorm(int groups, double eps, boolean hasGamma, boolean hasBeta, boolean fused) {
        this(groups, eps, hasGamma, hasBeta, false, fused);
    }

    /** As {@link #GroupNorm(int, double, boolean, boolean, boolean)}, followed by silu when silu (group_norm_silu). */
    public GroupNorm(int groups, double eps, boolean hasGamma, boolean hasBeta, boolean silu, boolean fused) {
        this.groups = groups;
        this.eps = eps;
        this.hasGamma = hasGamma;
        this.hasBeta = hasBeta;
        this.silu = silu;
        this.fused = fused;
    }

    @Override
    public String name() {
        return silu ? "group_norm_silu" : "group_norm";
    }

    /** The composite definition of group_norm_silu: {@link #composite} then silu. */
    public static Tensor compositeSilu(Tensor x, int groups, Tensor gamma, Tensor beta, double eps) {
        return composite(x, groups, gamma, beta, eps).silu();
    }

    /** The composite definition with primitives (the oracle; differentiable through its parts). */
    public static Tensor composite(Tensor x, int groups, Tensor gamma, Tensor beta, double eps) {
        int[] s = x.shape();
        Tensor xr = x.reshape(s[0], groups, -1);
        Tensor mu = F.mean(xr, new int[] {2}, true);
        Tensor xc = xr.sub(mu);
        Tensor var = F.mean(xc.square(), new int[] {2}, true);
        Tensor y = xc.mul(var.add(eps).rsqrt()).reshape(s);
        if (gamma != null) y = y.mul(gamma.reshape(bshape(s)));
        if (beta != null) y = y.add(beta.reshape(bshape(s)));
        return y;
    }

    static int[] bshape(int[] s) {
        int[] b = new int[s.length];
        Arrays.fill(b, 1);
        b[1] = s[1];
        return b;
    }

    private Tensor gamma(Tensor[] x) {
        return hasGamma ? x[1] : null;
    }

    private Tensor beta(Tensor[] x) {
        return hasBeta ? x[hasGamma ? 2 : 1] : null;
    }

    private void check(Tensor[] in) {
        int want = 1 + (hasGamma ? 1 : 0) + (hasBeta ? 1 : 0);
        if (in.length != want) throw new IllegalArgumentException("group_norm: expected " + want + " inputs, got " + in.length);
        int[] s = in[0].shape();
        if (s.length < 2 || groups <= 0 || s[1] % groups != 0)
            throw new IllegalArgumentException("group_norm: " + groups + " groups do not divide the channels of " + Shape.str(s));
        for (int i = 1; i < in.length; i++) {
            Rules.requireSameDType(name(), in[0], in[i]);
            if (in[i].dim() != 1 || in[i].size(0) != s[1])
                throw new IllegalArgumentException("group_norm: gamma/beta " + Shape.str(in[i].shape()) + " must be (" + s[1]
                        + ",) for x " + Shape.str(s));
        }
    }

    /** The backend's fused kernels may serve: nothing to differentiate through them. */
    private boolean fusable(Tensor... xs) {
        return fused && !GradMode.isEnabled() && !ForwardAD.carriesActiveTangent(xs);
    }

    /**
     * {y, mean, rstd} from the backend's kernel, or {y} from the composite when it has none; for
     * group_norm_silu {silu(y), mean, rstd}, or {silu(y), mean, rstd, y} from the group_norm kernel
     * and the silu kernel when the backend has no groupNormSilu.
     */
    @Override
    protected Tensor[] forwardSaving(Tensor[] x) {
        check(x);
        if (fused) {
            Backend be = Backend.of(x[0]);
            Tensor[] r = silu ? be.groupNormSilu(x[0], gamma(x), beta(x), groups, eps) : be.groupNorm(x[0], gamma(x), beta(x), groups, eps);
            if (r != null) return r;
            if (silu && (r = be.groupNorm(x[0], gamma(x), beta(x), groups, eps)) != null)
                return new Tensor[] {be.unary(UnaryFn.SILU, r[0], 0, 0), r[1], r[2], r[0]};
        }
        Tensor[] d = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i].detach();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Tensor y = composite(d[0], groups, hasGamma ? d[1] : null, hasBeta ? d[hasGamma ? 2 : 1] : null, eps);
            return new Tensor[] {silu ? y.silu() : y};
        }
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        return forwardSaving(x)[0];
    }

    /** Fused {y, dy, mean, rstd} when x or gamma/beta carry this level's tangent and the backend has the kernel. */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (!fused) return null;
        check(x);
        Tensor dX = dx[0], dgamma = hasGamma ? dx[1] : null, dbeta = hasBeta ? dx[hasGamma ? 2 : 1] : null;
        if (dX == null && dgamma == null && dbeta == null) return null;
        Backend be = Backend.of(x[0]);
        if (!silu) return be.groupNormJvp(x[0], dX, gamma(x), beta(x), dgamma, dbeta, groups, eps);
        Tensor[] r = be.groupNormSiluJvp(x[0], dX, gamma(x), beta(x), dgamma, dbeta, groups, eps);
        if (r != null || (r = be.groupNormJvp(x[0], dX, gamma(x), beta(x), dgamma, dbeta, groups, eps)) == null) return r;
        Tensor[] z = be.siluJvp(r[0], r[1], false);
        return z == null ? null : new Tensor[] {z[0], z[1], r[2], r[3], r[0]};
    }

    /** {xhat, r} in the grouped view (B, G, n) and (B, G, 1), with primitives. */
    private Tensor[] normalized(Tensor x) {
        int[] s = x.shape();
        Tensor xr = x.reshape(s[0], groups, -1);
        Tensor xc = xr.sub(F.mean(xr, new int[] {2}, true));
        Tensor r = F.mean(xc.square(), new int[] {2}, true).add(eps).rsqrt();
        return new Tensor[] {xc.mul(r), r};
    }

    /** r (t - mean t - xhat mean(xhat t)) per group, with primitives; returns x's shape. */
    private Tensor lin(Tensor[] xhatR, Tensor t, int[] s) {
        Tensor xhat = xhatR[0], r = xhatR[1];
        Tensor tr = t.reshape(s[0], groups, -1);
        int[] ax = {2};
        Tensor u = tr.sub(F.mean(tr, ax, true)).sub(xhat.mul(F.mean(xhat.mul(tr), ax, true)));
        return u.mul(r).reshape(s);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor gamma = gamma(x), dgamma = hasGamma ? dx[1] : null, dbeta = hasBeta ? dx[hasGamma ? 2 : 1] : null;
        Tensor dX = dx[0];
        if (dX == null && dgamma == null && dbeta == null) return null;
        int[] s = x[0].shape(), bs = bshape(s);
        Tensor[] xr = normalized(x[0]);
        Tensor t = null;
        if (dX != null) {
            t = lin(xr, dX, s);
            if (gamma != null) t = t.mul(gamma.reshape(bs));
        }
        if (dgamma != null) t = Rules.plus(t, xr[0].reshape(s).mul(dgamma.reshape(bs)));
        if (dbeta != null) t = Rules.plus(t, dbeta.reshape(bs));
        t = Rules.expandTo(t, s);
        return silu ? new SiluBackward().apply(affine(xr, gamma, beta(x), s), t) : t;
    }

    /** y = xhat gamma + beta in x's shape, with primitives (the input of group_norm_silu's silu). */
    private static Tensor affine(Tensor[] xhatR, Tensor gamma, Tensor beta, int[] s) {
        Tensor y = xhatR[0].reshape(s);
        if (gamma != null) y = y.mul(gamma.reshape(bshape(s)));
        if (beta != null) y = y.add(beta.reshape(bshape(s)));
        return y;
    }

    /** From the saved (mean, rstd) with the backend's fused kernel when it may serve, else the composite rule. */
    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        Tensor gamma = gamma(x);
        int ig = hasGamma ? 1 : -1, ib = hasBeta ? (hasGamma ? 2 : 1) : -1;
        if (saved != null && fusable(x[0], gamma, beta(x), gy)) {
            long t0 = System.nanoTime();
            Backend be = Backend.of(x[0]);
            boolean wg = ig >= 0 && needsGrad[ig], wb = ib >= 0 && needsGrad[ib];
            Tensor[] g;
            if (!silu) g = be.groupNormBackward(x[0], gamma, saved[0], saved[1], gy, wg, wb, groups);
            else if (saved.length > 2) g = be.groupNormBackward(x[0], gamma, saved[0], saved[1], new SiluBackward().apply(saved[2], gy), wg, wb, groups);
            else g = be.groupNormSiluBackward(x[0], gamma, beta(x), saved[0], saved[1], gy, wg, wb, groups);
            if (g != null) {
                Profiler.kernel(name() + " (fused vjp)", t0, g[0].numel());
                Tensor[] out = new Tensor[x.length];
                out[0] = g[0];
                if (ig >= 0) out[ig] = g[1];
                if (ib >= 0) out[ib] = g[2];
                return out;
            }
        }
        return vjp(x, y, gy, needsGrad);
    }

    /** The composite rule, from x alone. */
    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor gamma = gamma(x);
        int ig = hasGamma ? 1 : -1, ib = hasBeta ? (hasGamma ? 2 : 1) : -1;
        Tensor[] out = new Tensor[x.length];
        int[] s = x[0].shape(), bs = bshape(s);
        int[] red = new int[s.length - 1];
        red[0] = 0;
        for (int i = 2; i < s.length; i++) red[i - 1] = i;
        Tensor[] xr = normalized(x[0]);
        if (silu) gy = new SiluBackward().apply(affine(xr, gamma, beta(x), s), gy);
        if (needsGrad[0]) out[0] = lin(xr, gamma != null ? gy.mul(gamma.reshape(bs)) : gy, s);
        if (ig >= 0 && needsGrad[ig]) out[ig] = gy.mul(xr[0].reshape(s)).sum(red, false);
        if (ib >= 0 && needsGrad[ib]) out[ib] = gy.sum(red, false);
        return out;
    }
}
