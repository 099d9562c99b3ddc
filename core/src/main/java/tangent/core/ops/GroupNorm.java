package tangent.core.ops;

import java.util.Arrays;
import tangent.core.Device;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Profiler;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.cpu.FusedGroupNormKernels;

/**
 * GroupNorm as one primitive. x: (B, C, ...), G groups of C/G channels, per (sample, group) over
 * its n elements: mu = mean x, r = (mean (x - mu)^2 + eps)^(-1/2), xhat = (x - mu) r,
 * y = xhat gamma + beta (per-channel gamma, beta: (C); each optional). Inputs: x, then gamma if
 * present, then beta if present.
 * <pre>
 * lin(t) = r (t - mean t - xhat mean(xhat t))        per group (the Jacobian of xhat; symmetric)
 * jvp:  dy = gamma lin(dx) + dgamma xhat + dbeta
 * vjp:  gx = lin(gamma gy),  ggamma = sum_(B, spatial) gy xhat,  gbeta = sum_(B, spatial) gy
 * </pre>
 * Fused kernels ({@link FusedGroupNormKernels}, CPU) do the forward, the JVP and the VJP in one pass
 * per group after its statistics; a rule takes them only when no input carries a tangent of
 * another active dual level (nothing outer to differentiate). Otherwise, and for every rule when
 * constructed with fused = false, the rules run with primitives: the forward is {@link #composite}
 * (the former F.groupNorm) and lin is written with mean/mul/sub, so they nest and serve as the
 * oracle (GroupNormTest compares the two paths in float64).
 */
public final class GroupNorm extends Op {
    private final int groups;
    private final double eps;
    private final boolean hasGamma, hasBeta, fused;
    /** Fused path: each group's {mu, r} from the forward of savedX, reused by the VJP of the same view. */
    private Tensor savedX;
    private double[] savedStats;

    /** Inputs x, then gamma if hasGamma, then beta if hasBeta; fused picks the fused kernels over the composite rules. */
    public GroupNorm(int groups, double eps, boolean hasGamma, boolean hasBeta, boolean fused) {
        this.groups = groups;
        this.eps = eps;
        this.hasGamma = hasGamma;
        this.hasBeta = hasBeta;
        this.fused = fused;
    }

    @Override
    public String name() {
        return "group_norm";
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

    private boolean fast(Tensor x, Tensor... others) {
        if (!fused || x.device() != Device.CPU) return false;
        if (ForwardAD.carriesActiveTangent(x)) return false;
        return !ForwardAD.carriesActiveTangent(others);
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        check(x);
        if (fused && x[0].device() == Device.CPU)
            return FusedGroupNormKernels.forward(x[0], gamma(x), beta(x), groups, eps, saveStats(x[0]));
        Tensor[] d = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i].detach();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return composite(d[0], groups, hasGamma ? d[1] : null, hasBeta ? d[hasGamma ? 2 : 1] : null, eps);
        }
    }

    /** Fused {y, dy} on CPU when x or gamma/beta carry this level's tangent. */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (!fused || x[0].device() != Device.CPU) return null;
        check(x);
        Tensor dX = dx[0], dgamma = hasGamma ? dx[1] : null, dbeta = hasBeta ? dx[hasGamma ? 2 : 1] : null;
        if (dX == null && dgamma == null && dbeta == null) return null;
        return FusedGroupNormKernels.forwardJvp(x[0], dX, gamma(x), beta(x), dgamma, dbeta, groups, eps, saveStats(x[0]));
    }

    /** A buffer for the forward's statistics when the output may go on the tape (x requires grad), else null. */
    private double[] saveStats(Tensor x) {
        if (!x.requiresGrad()) return null;
        savedX = x;
        savedStats = new double[2 * x.size(0) * groups];
        return savedStats;
    }

    private double[] statsFor(Tensor x) {
        Tensor s = savedX;
        boolean same = s != null && s.storage() == x.storage() && s.offset() == x.offset()
                && Arrays.equals(s.shape(), x.shape()) && Arrays.equals(s.strides(), x.strides());
        return same ? savedStats : null;
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
        if (fast(x[0], gamma, dX, dgamma, dbeta)) {
            long t0 = System.nanoTime();
            Tensor t = FusedGroupNormKernels.jvp(x[0], dX, gamma, dgamma, dbeta, groups, eps);
            Profiler.kernel("group_norm (fused jvp)", t0, t.numel());
            return t;
        }
        int[] s = x[0].shape(), bs = bshape(s);
        Tensor[] xr = normalized(x[0]);
        Tensor t = null;
        if (dX != null) {
            t = lin(xr, dX, s);
            if (gamma != null) t = t.mul(gamma.reshape(bs));
        }
        if (dgamma != null) t = Rules.plus(t, xr[0].reshape(s).mul(dgamma.reshape(bs)));
        if (dbeta != null) t = Rules.plus(t, dbeta.reshape(bs));
        return Rules.expandTo(t, s);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor gamma = gamma(x);
        int ig = hasGamma ? 1 : -1, ib = hasBeta ? (hasGamma ? 2 : 1) : -1;
        Tensor[] out = new Tensor[x.length];
        if (fast(x[0], gamma, gy)) {
            long t0 = System.nanoTime();
            Tensor[] g = FusedGroupNormKernels.backward(x[0], gamma, gy, ib >= 0 && needsGrad[ib], groups, eps, statsFor(x[0]));
            Profiler.kernel("group_norm (fused vjp)", t0, g[0].numel());
            out[0] = g[0];
            if (ig >= 0) out[ig] = g[1];
            if (ib >= 0) out[ib] = g[2];
            return out;
        }
        int[] s = x[0].shape(), bs = bshape(s);
        int[] red = new int[s.length - 1];
        red[0] = 0;
        for (int i = 2; i < s.length; i++) red[i - 1] = i;
        Tensor[] xr = normalized(x[0]);
        if (needsGrad[0]) out[0] = lin(xr, gamma != null ? gy.mul(gamma.reshape(bs)) : gy, s);
        if (ig >= 0 && needsGrad[ig]) out[ig] = gy.mul(xr[0].reshape(s)).sum(red, false);
        if (ib >= 0 && needsGrad[ib]) out[ib] = gy.sum(red, false);
        return out;
    }
}
