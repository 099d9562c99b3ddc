package tangent.core.cpu;

import tangent.core.DType;
import tangent.core.Tensor;

/**
 * The CPU loops of the group_norm op (tangent.core.ops.GroupNorm): forward with the affine
 * gamma/beta, the JVP and the VJP, each one pass over a group after its statistics. x is viewed
 * as (B, C, S) with G groups of C/G channels; statistics per (sample, group), one group per
 * chunk, so results do not depend on the thread count: for float32 one pass of moments shifted by
 * the group's first element (with the Vector API in float32 lanes over short blocks, each block
 * added into double: SumsSimd; else in double), for float64 two passes (mean, then the
 * centred sum of squares). Per element the work is an affine map with per-channel float coefficients.
 * The statistics are returned as (B, G) float64 tensors, so the backward reads exactly what the
 * forward used. CpuBackend exposes these as the Backend's group_norm primitives; the oracle is
 * the op's composite rules (written with primitives); GroupNormTest compares them.
 *
 * <p>float32 with the Vector API: the per-channel passes of forwardJvp and backward are
 * {@link NormSimd}'s (y, dy and the silu in one pass; gy silu'(y) in one pass; gx), with the same
 * bits as the scalar loops here, which run otherwise.
 */
public final class FusedGroupNormKernels {
    private FusedGroupNormKernels() {}

    private static final int GRAIN = 1 << 14;

    /**
     * mean and 1/sqrt(var + eps) of elements [base, base + n), in one pass: sums of d = x - x0 and d^2,
     * shifted by the group's first element x0 so that a large mean does not cancel
     * (var = (sum d^2 - (sum d)^2 / n) / n); in double, or with the Vector API in float32 lanes over
     * blocks of at most 512 elements added into double (SumsSimd).
     */
    private static void stats(CpuStorage a, int base, int n, double eps, float[] tmp, double[] out) {
        double s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        int i = 0;
        if (a.f != null && SimdSupport.AVAILABLE) {
            // float32 lanes over blocks, added into double (SumsSimd); x0 as below
            float x0 = a.f[base];
            SumsSimd.shiftedMoments(a.f, base, n, x0, tmp, out);
            double sd = out[0], var = Math.max(0.0, (out[1] - sd * sd / n) / n);
            out[0] = x0 + sd / n;
            out[1] = 1.0 / Math.sqrt(var + eps);
        } else if (a.f != null) {
            float[] f = a.f;
            double x0 = f[base], s2 = 0, s3 = 0, q2 = 0, q3 = 0;
            // four independent chains per sum: the adds do not wait on each other
            for (; i + 3 < n; i += 4) {
                double d0 = f[base + i] - x0, d1 = f[base + i + 1] - x0, d2 = f[base + i + 2] - x0, d3 = f[base + i + 3] - x0;
                s0 += d0; s1 += d1; s2 += d2; s3 += d3;
                q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3;
            }
            for (; i < n; i++) { double d = f[base + i] - x0; s0 += d; q0 += d * d; }
            double sd = (s0 + s1) + (s2 + s3), var = Math.max(0.0, ((q0 + q1) + (q2 + q3) - sd * sd / n) / n);
            out[0] = x0 + sd / n;
            out[1] = 1.0 / Math.sqrt(var + eps);
        } else {
            // float64: the two-pass formula (the gradcheck's precision)
            double[] d = a.d;
            for (; i + 1 < n; i += 2) { s0 += d[base + i]; s1 += d[base + i + 1]; }
            for (; i < n; i++) s0 += d[base + i];
            double mu = (s0 + s1) / n;
            for (i = 0; i + 1 < n; i += 2) { double c0 = d[base + i] - mu, c1 = d[base + i + 1] - mu; q0 += c0 * c0; q1 += c1 * c1; }
            for (; i < n; i++) { double c = d[base + i] - mu; q0 += c * c; }
            out[0] = mu;
            out[1] = 1.0 / Math.sqrt((q0 + q1) / n + eps);
        }
    }

    /**
     * out = {sum t[pt + i], sum t[pt + i] (f[pf + i] - mu)} over i in [0, len): with the Vector API in float32 lanes
     * added into double (SumsSimd.centredDot, f - mu formed as the affine loops do), else in
     * double with four chains each.
     */
    private static void sums(float[] t, int pt, float[] f, int pf, int len, double mu, float[] tmp, double[] out) {
        if (SimdSupport.AVAILABLE) {
            float mf = (float) mu, ml = (float) (mu - mf);
            SumsSimd.centredDot(t, pt, f, pf, len, mf, ml, tmp, out);
            return;
        }
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            double t0 = t[pt + i], t1 = t[pt + i + 1], t2 = t[pt + i + 2], t3 = t[pt + i + 3];
            a0 += t0; a1 += t1; a2 += t2; a3 += t3;
            b0 += t0 * (f[pf + i] - mu); b1 += t1 * (f[pf + i + 1] - mu); b2 += t2 * (f[pf + i + 2] - mu); b3 += t3 * (f[pf + i + 3] - mu);
        }
        for (; i < len; i++) { double t0 = t[pt + i]; a0 += t0; b0 += t0 * (f[pf + i] - mu); }
        out[0] = (a0 + a1) + (a2 + a3);
        out[1] = (b0 + b1) + (b2 + b3);
    }

    /**
     * o[base + i] = (a[base + i] - mu) * p + q for i in [0, len). float32 arithmetic for float32 data,
     * with mu split into mf + ml (float32 head and tail): x - mf is exact for x near mu, so a large
     * mean does not cost the centred value its precision.
     */
    private static void affine(CpuStorage a, CpuStorage o, int base, int len, double mu, double p, double q) {
        affine(a, base, o, base, len, mu, p, q);
    }

    /** o[po + i] = (a[pa + i] - mu) * p + q for i in [0, len), as {@link #affine(CpuStorage, CpuStorage, int, int, double, double, double)}. */
    private static void affine(CpuStorage a, int pa, CpuStorage o, int po, int len, double mu, double p, double q) {
        if (a.f != null) {
            float[] f = a.f, of = o.f;
            float mf = (float) mu, ml = (float) (mu - mf), pf = (float) p, qf = (float) q;
            for (int i = 0; i < len; i++) of[po + i] = (f[pa + i] - mf - ml) * pf + qf;
        } else {
            double[] d = a.d, od = o.d;
            for (int i = 0; i < len; i++) od[po + i] = (d[pa + i] - mu) * p + q;
        }
    }

    private static double get(CpuStorage s, int i) {
        return s == null ? 0 : s.get(i);
    }

    /** The (B, G) float64 tensors that receive each group's mean and rstd. */
    private static Tensor[] statsTensors(int b, int groups) {
        return new Tensor[] {Tensor.zeros(DType.F64, b, groups), Tensor.zeros(DType.F64, b, groups)};
    }

    /**
     * {y, mean, rstd}: y = (x - mu) r gamma + beta, then silu(y) when silu; gamma, beta: (C) or
     * null; mean, rstd: (B, G) float64, the exact statistics y was made with (what
     * {@link #backward} takes). The silu is applied to each group's run while it is in cache,
     * with the silu kernels' own loops (the same bits as a separate silu).
     */
    public static Tensor[] forward(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, boolean silu) {
        int[] s = x.shape();
        int b = s[0], c = s[1], cpg = c / groups, sp = x.numel() / Math.max(1, b * c), n = cpg * sp;
        Tensor cx = CpuBackend.compact(x), y = CpuBackend.alloc(x.dtype(), s);
        Tensor[] stats = statsTensors(b, groups);
        double[] mean = CpuBackend.st(stats[0]).d, rstd = CpuBackend.st(stats[1]).d;
        CpuStorage a = CpuBackend.st(cx), o = CpuBackend.st(y);
        CpuStorage ga = gamma == null ? null : CpuBackend.st(CpuBackend.compact(gamma)),
                be = beta == null ? null : CpuBackend.st(CpuBackend.compact(beta));
        Parallel.forRange(b * groups, Math.max(1, GRAIN / Math.max(1, n)), (lo, hi) -> {
            double[] st = new double[2];
            float[] tmp = SimdSupport.AVAILABLE ? SumsSimd.scratch() : null;
            for (int bg = lo; bg < hi; bg++) {
                int base = bg * n, g = bg % groups;
                stats(a, base, n, eps, tmp, st);
                double mu = st[0], r = st[1];
                mean[bg] = mu;
                rstd[bg] = r;
                for (int k = 0; k < cpg; k++) {
                    int ch = g * cpg + k;
                    double gm = ga == null ? 1 : ga.get(ch);
                    affine(a, o, base + k * sp, sp, mu, r * gm, get(be, ch));
                }
                if (silu) CpuBackend.siluInPlace(o, base, base + n);
            }
        });
        return new Tensor[] {y, stats[0], stats[1]};
    }

    /**
     * {y, dy, mean, rstd} in one pass over each group's statistics: y as {@link #forward}, and
     * dy = gamma r (dx - mean dx - xhat mean(xhat dx)) + dgamma xhat + dbeta with xhat = (x - mu) r;
     * per element an affine map of dx and x. dx, dgamma, dbeta may be null (zero). When silu, the
     * results are silu(y) and silu'(y) dy, each group's run in place while it is in cache (the
     * bits of a separate silu forward+JVP).
     */
    public static Tensor[] forwardJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups,
                                      double eps, boolean silu) {
        int[] s = x.shape();
        int b = s[0], c = s[1], cpg = c / groups, sp = x.numel() / Math.max(1, b * c), n = cpg * sp;
        Tensor cx = CpuBackend.compact(x), y = CpuBackend.alloc(x.dtype(), s), yp = CpuBackend.alloc(x.dtype(), s);
        Tensor[] stats = statsTensors(b, groups);
        double[] mean = CpuBackend.st(stats[0]).d, rstd = CpuBackend.st(stats[1]).d;
        CpuStorage a = CpuBackend.st(cx), o = CpuBackend.st(y), da = dx == null ? null : CpuBackend.st(CpuBackend.compact(dx));
        CpuStorage po = CpuBackend.st(yp), be = beta == null ? null : CpuBackend.st(CpuBackend.compact(beta));
        CpuStorage ga = gamma == null ? null : CpuBackend.st(CpuBackend.compact(gamma)),
                dga = dgamma == null ? null : CpuBackend.st(CpuBackend.compact(dgamma)),
                dbe = dbeta == null ? null : CpuBackend.st(CpuBackend.compact(dbeta));
        boolean fused = a.f != null && SimdSupport.AVAILABLE;
        Parallel.forRange(b * groups, Math.max(1, GRAIN / Math.max(1, n)), (lo, hi) -> {
            double[] st = new double[2], st2 = new double[2];
            float[] tmp = SimdSupport.AVAILABLE ? SumsSimd.scratch() : null;
            NormSimd.Jvp jk = fused ? new NormSimd.Jvp() : null;
            float[][] pad = fused ? NormSimd.pads() : null;
            if (fused) {
                jk.groupNorm = true;
                jk.silu = silu;
                jk.hasDx = da != null;
            }
            for (int bg = lo; bg < hi; bg++) {
                int base = bg * n, g = bg % groups;
                stats(a, base, n, eps, tmp, st);
                double mu = st[0], r = st[1], dmu = 0, cross = 0;
                mean[bg] = mu;
                rstd[bg] = r;
                if (da != null) {
                    double s0 = 0, c0 = 0;
                    if (a.f != null) {
                        sums(da.f, base, a.f, base, n, mu, tmp, st2);
                        s0 = st2[0];
                        c0 = st2[1];
                    } else {
                        double[] d = a.d, dd = da.d;
                        for (int i = base; i < base + n; i++) { double t = dd[i]; s0 += t; c0 += (d[i] - mu) * t; }
                    }
                    dmu = s0 / n;
                    cross = r * c0 / n; // mean(xhat dx)
                }
                for (int k = 0; k < cpg; k++) {
                    int ch = g * cpg + k, off = base + k * sp;
                    double gm = ga == null ? 1 : ga.get(ch);
                    // dy = A dx + Bc (x - mu) + Cc
                    double A = gm * r, Bc = get(dga, ch) * r - gm * r * r * cross, Cc = get(dbe, ch) - A * dmu;
                    if (fused) {
                        // y, dy and their silu in one pass over the channel, with the float coefficients of the loops below
                        jk.mf = (float) mu;
                        jk.ml = (float) (mu - jk.mf);
                        jk.p = (float) (r * gm);
                        jk.q = (float) get(be, ch);
                        jk.a = (float) A;
                        jk.b = (float) Bc;
                        jk.cc = (float) Cc;
                        NormSimd.jvp(jk, a.f, da == null ? null : da.f, po.f, o.f, off, sp, pad);
                        continue;
                    }
                    affine(a, po, off, sp, mu, r * gm, get(be, ch));
                    if (da == null) {
                        affine(a, o, off, sp, mu, Bc, Cc);
                    } else if (a.f != null) {
                        float[] f = a.f, df = da.f, of = o.f;
                        float af = (float) A, bf = (float) Bc, cf = (float) Cc, mf = (float) mu, ml = (float) (mu - mf);
                        for (int i = off; i < off + sp; i++) of[i] = af * df[i] + bf * (f[i] - mf - ml) + cf;
                    } else {
                        double[] d = a.d, dd = da.d, od = o.d;
                        for (int i = off; i < off + sp; i++) od[i] = A * dd[i] + Bc * (d[i] - mu) + Cc;
                    }
                }
                if (silu && !fused) CpuBackend.siluJvpRange(po, 0, o, 0, po, o, null, base, base + n);
            }
        });
        return new Tensor[] {yp, y, stats[0], stats[1]};
    }

    /**
     * {gx, ggamma, gbeta} for the cotangent gy, from the statistics mean, rstd (B, G) that
     * {@link #forward} returned for x: with gh = gy gamma,
     * gx = r (gh - mean gh - xhat mean(gh xhat)), ggamma = sum over (B, S) of gy xhat, gbeta = sum of gy.
     * ggamma/gbeta are null unless wantGamma (and gamma given) / wantBeta. When silu (the forward
     * applied silu to y = xhat gamma + beta), gy is first replaced by gy silu'(y), with y recomputed
     * per group as the forward made it, into a per-group scratch (the bits of a separate
     * silu_backward on the saved y); beta is then needed (null: zero), else it is unused.
     */
    public static Tensor[] backward(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, Tensor gy, boolean wantGamma,
                                    boolean wantBeta, int groups, boolean silu) {
        double[] mus = CpuBackend.st(CpuBackend.compact(mean)).d, rs = CpuBackend.st(CpuBackend.compact(rstd)).d;
        int[] s = x.shape();
        int b = s[0], c = s[1], cpg = c / groups, sp = x.numel() / Math.max(1, b * c), n = cpg * sp;
        Tensor cx = CpuBackend.compact(x), gx = CpuBackend.alloc(x.dtype(), s);
        CpuStorage a = CpuBackend.st(cx), o = CpuBackend.st(gx), gs = CpuBackend.st(CpuBackend.compact(gy));
        CpuStorage ga = gamma == null ? null : CpuBackend.st(CpuBackend.compact(gamma));
        CpuStorage be = silu && beta != null ? CpuBackend.st(CpuBackend.compact(beta)) : null;
        double[] sumGy = new double[b * c], sumGyXhat = new double[b * c];
        boolean fused = a.f != null && SimdSupport.AVAILABLE;
        Parallel.forRange(b * groups, Math.max(1, GRAIN / Math.max(1, n)), (lo, hi) -> {
            double[] st2 = new double[2];
            float[] tmp = SimdSupport.AVAILABLE ? SumsSimd.scratch() : null;
            // with silu: the group's y and gy silu'(y) (n elements each; fused: gy silu'(y) only)
            CpuStorage gz = silu ? CpuStorage.allocateUninitialized(x.dtype(), n) : null,
                    zs = silu && !fused ? CpuStorage.allocateUninitialized(x.dtype(), n) : null;
            float[][] pad = fused ? NormSimd.pads() : null;
            for (int bg = lo; bg < hi; bg++) {
                int base = bg * n, g = bg % groups, bi = bg / groups;
                double mu = mus[bg], r = rs[bg], m1 = 0, m2 = 0;
                // the cotangent of the affine output: element i of the group at t[i - tb]
                CpuStorage t = gs;
                int tb = 0;
                if (silu && fused) {
                    t = gz;
                    tb = base;
                } else if (silu) {
                    for (int k = 0; k < cpg; k++) {
                        int ch = g * cpg + k;
                        affine(a, base + k * sp, zs, k * sp, sp, mu, r * (ga == null ? 1 : ga.get(ch)), get(be, ch));
                    }
                    CpuBackend.siluBackwardRange(zs, gs, base, gz, n);
                    t = gz;
                    tb = base;
                }
                for (int k = 0; k < cpg; k++) {
                    int ch = g * cpg + k, off = base + k * sp;
                    double s0 = 0, s1 = 0;
                    if (silu && fused) {
                        // gy silu'(y) with y recomputed, into gz (= t), in one pass over the channel
                        float mf = (float) mu;
                        NormSimd.groupNormSiluGz(a.f, gs.f, off, sp, mf, (float) (mu - mf), (float) (r * (ga == null ? 1 : ga.get(ch))),
                                (float) get(be, ch), gz.f, off - tb, pad);
                    }
                    if (a.f != null) {
                        sums(t.f, off - tb, a.f, off, sp, mu, tmp, st2);
                        s0 = st2[0];
                        s1 = st2[1];
                    } else {
                        double[] d = a.d, gd = t.d;
                        for (int i = off; i < off + sp; i++) { double v = gd[i - tb]; s0 += v; s1 += v * (d[i] - mu); }
                    }
                    sumGy[bi * c + ch] = s0;
                    sumGyXhat[bi * c + ch] = s1 * r;
                    double gm = ga == null ? 1 : ga.get(ch);
                    m1 += gm * s0;
                    m2 += gm * s1 * r;
                }
                m1 /= n;
                m2 /= n;
                for (int k = 0; k < cpg; k++) {
                    int ch = g * cpg + k, off = base + k * sp;
                    double gm = ga == null ? 1 : ga.get(ch);
                    // gx = A gy + Bc (x - mu) + Cc
                    double A = r * gm, Bc = -r * r * m2, Cc = -r * m1;
                    if (fused) {
                        float mf = (float) mu;
                        NormSimd.groupNormBackwardApply(t.f, off - tb, a.f, off, sp, mf, (float) (mu - mf), (float) A, (float) Bc, (float) Cc, o.f);
                    } else if (a.f != null) {
                        float[] f = a.f, gf = t.f, of = o.f;
                        float af = (float) A, bf = (float) Bc, cf = (float) Cc, mf = (float) mu, ml = (float) (mu - mf);
                        for (int i = off, j = off - tb; i < off + sp; i++, j++) of[i] = af * gf[j] + bf * (f[i] - mf - ml) + cf;
                    } else {
                        double[] d = a.d, gd = t.d, od = o.d;
                        for (int i = off, j = off - tb; i < off + sp; i++, j++) od[i] = A * gd[j] + Bc * (d[i] - mu) + Cc;
                    }
                }
            }
        });
        Tensor gg = null, gb = null;
        if (gamma != null && wantGamma) {
            double[] v = new double[c];
            for (int bi = 0; bi < b; bi++) for (int ch = 0; ch < c; ch++) v[ch] += sumGyXhat[bi * c + ch];
            gg = Tensor.zeros(x.dtype(), c);
            CpuStorage t = CpuBackend.st(gg);
            for (int ch = 0; ch < c; ch++) t.set(ch, v[ch]);
        }
        if (wantBeta) {
            double[] v = new double[c];
            for (int bi = 0; bi < b; bi++) for (int ch = 0; ch < c; ch++) v[ch] += sumGy[bi * c + ch];
            gb = Tensor.zeros(x.dtype(), c);
            CpuStorage t = CpuBackend.st(gb);
            for (int ch = 0; ch < c; ch++) t.set(ch, v[ch]);
        }
        return new Tensor[] {gx, gg, gb};
    }
}
