package tangent.core.cpu;

import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * Fused path (an optimisation with an oracle): GroupNorm without affine and its JVP in one pass per
 * group, on CPU. The oracle is the composite {@code F.groupNorm(x, groups, null, null, eps)} and
 * its jvp through the primitives; FusedGroupNormTest compares the two. Not yet dispatched from F
 * (no autodiff of its own): callers use it where only values are needed.
 *
 * <p>Per group of n elements: mu = mean x, xc = x - mu, var = mean xc^2, r = (var + eps)^(-1/2),
 * y = xc r; tangent: dxc = dx - mean dx, dvar = 2 mean(xc dxc), dy = r dxc - r^3 xc dvar / 2.
 * Statistics accumulate in double; each group is one chunk, so results do not depend on threads.
 */
public final class FusedGroupNorm {
    private FusedGroupNorm() {}

    /** {y, dy} for x, dx of shape (B, C, ...); dx may be null (then dy is null). */
    public static Tensor[] forwardJvp(Tensor x, Tensor dx, int groups, double eps) {
        int[] s = x.shape();
        if (s.length < 2 || groups <= 0 || s[1] % groups != 0)
            throw new IllegalArgumentException("group_norm (fused): " + groups + " groups do not divide the channels of " + Shape.str(s));
        if (dx != null && (!java.util.Arrays.equals(dx.shape(), s) || dx.dtype() != x.dtype()))
            throw new IllegalArgumentException("group_norm (fused): tangent " + Shape.str(dx.shape()) + " does not match x " + Shape.str(s));
        Tensor cx = CpuBackend.compact(x), cd = dx == null ? null : CpuBackend.compact(dx);
        int nGroups = s[0] * groups, n = x.numel() / Math.max(1, nGroups);
        Tensor y = Tensor.zeros(x.dtype(), s), dy = dx == null ? null : Tensor.zeros(x.dtype(), s);
        CpuStorage a = CpuBackend.st(cx), da = cd == null ? null : CpuBackend.st(cd), o = CpuBackend.st(y),
                dO = dy == null ? null : CpuBackend.st(dy);
        Parallel.forRange(nGroups, Math.max(1, (1 << 14) / Math.max(1, n)), (lo, hi) -> {
            for (int g = lo; g < hi; g++) {
                int base = g * n;
                double sum = 0, dsum = 0;
                for (int i = 0; i < n; i++) {
                    sum += a.get(base + i);
                    if (da != null) dsum += da.get(base + i);
                }
                double mu = sum / n, dmu = dsum / n, ss = 0, cross = 0;
                for (int i = 0; i < n; i++) {
                    double c = a.get(base + i) - mu;
                    ss += c * c;
                    if (da != null) cross += c * (da.get(base + i) - dmu);
                }
                double r = 1.0 / Math.sqrt(ss / n + eps), dvar = 2 * cross / n, k = 0.5 * r * r * r * dvar;
                for (int i = 0; i < n; i++) {
                    double c = a.get(base + i) - mu;
                    o.set(base + i, c * r);
                    if (dO != null) dO.set(base + i, r * (da.get(base + i) - dmu) - k * c);
                }
            }
        });
        return new Tensor[] {y, dy};
    }
}
