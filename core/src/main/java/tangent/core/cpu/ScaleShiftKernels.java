package tangent.core.cpu;

import tangent.core.Tensor;

/**
 * The CPU loops of the scale_shift op (tangent.core.ops.ScaleShift): y = x s + b with x viewed as
 * planes (B, C, S) and s, b holding one value per plane, shape (B, C, 1, ...) or, shared by the
 * batch, (1, C, 1, ...). Per element each loop does exactly the operations of the composite rules,
 * in their order, rounded to the dtype after each (Java never fuses a multiply-add): the forward
 * x s then + b; the tangent dx s, + x ds, + db; the VJP gy s, and the sums of gy and of the
 * rounded products gy x the way CpuBackend.reduce sums them (float32: per plane four chains in
 * double, the planes of a channel added in batch order; float64: one chain). So the results are
 * bit-identical to the composite rules; ScaleShiftTest compares them.
 *
 * <p>Work is split by unit: a plane when s, b are per sample, a channel (its planes in batch
 * order) when they are shared by the batch; a unit is never split, so results do not depend on the
 * thread count.
 *
 * <p>With silu (the op scale_shift_silu) the forward and the forward+JVP finish each plane with the
 * silu kernels' loops in place while it is in cache, and the VJP first turns gy into
 * gy silu'(x s + b), recomputing x s + b per plane into a scratch: the bits of scale_shift followed
 * by a separate silu. float32 with the Vector API: {@link NormSimd} does each plane of the silu
 * variant's forward+JVP and VJP in one pass instead (the same bits).
 */
final class ScaleShiftKernels {
    private ScaleShiftKernels() {}

    private static final int GRAIN = 1 << 14;

    /** Geometry of x (B, C, S...) against coefficients (sb, C, 1, ...), sb = B or 1. */
    private static final class Geo {
        final int b, c, sp, sb, units, perUnit;

        Geo(Tensor x, Tensor s) {
            int[] xs = x.shape();
            b = xs[0];
            c = xs[1];
            sp = x.numel() / Math.max(1, b * c);
            sb = s.shape()[0];
            units = sb * c;
            perUnit = sb == b ? 1 : b;
        }

        /** The k-th plane of unit u (k < perUnit). */
        int plane(int u, int k) {
            return perUnit == 1 ? u : k * c + u;
        }

        int grain() {
            return Math.max(1, GRAIN / Math.max(1, sp * perUnit));
        }
    }

    private static CpuStorage st(Tensor t) {
        return t == null ? null : CpuBackend.st(CpuBackend.compact(t));
    }

    private static Tensor like(Tensor x) {
        return CpuBackend.alloc(x.dtype(), x.shape());
    }

    /** y = x s + b, then silu(y) when silu. */
    static Tensor forward(Tensor x, Tensor s, Tensor b, boolean silu) {
        Geo g = new Geo(x, s);
        Tensor y = like(x);
        CpuStorage a = st(x), ss = st(s), bs = st(b), o = CpuBackend.st(y);
        int sp = g.sp;
        Parallel.forRange(g.units, g.grain(), (lo, hi) -> {
            for (int u = lo; u < hi; u++)
                for (int k = 0; k < g.perUnit; k++) {
                    int off = g.plane(u, k) * sp;
                    if (a.f != null) {
                        float[] f = a.f, of = o.f;
                        float sv = ss.f[u], bv = bs.f[u];
                        for (int i = off; i < off + sp; i++) of[i] = f[i] * sv + bv;
                    } else {
                        double[] d = a.d, od = o.d;
                        double sv = ss.d[u], bv = bs.d[u];
                        for (int i = off; i < off + sp; i++) od[i] = d[i] * sv + bv;
                    }
                    if (silu) CpuBackend.siluInPlace(o, off, off + sp);
                }
        });
        return y;
    }

    /**
     * {y, dy}: y = x s + b, dy = dx s + x ds + db (in that order; a null tangent is zero and its term
     * is left out; at least one is given); with silu, then silu(y) and silu'(y) dy.
     */
    static Tensor[] forwardJvp(Tensor x, Tensor dx, Tensor s, Tensor ds, Tensor b, Tensor db, boolean silu) {
        Geo g = new Geo(x, s);
        Tensor y = like(x), dy = like(x);
        CpuStorage a = st(x), da = st(dx), ss = st(s), dss = st(ds), bs = st(b), dbs = st(db);
        CpuStorage o = CpuBackend.st(y), dO = CpuBackend.st(dy);
        int sp = g.sp;
        boolean fused = silu && a.f != null && SimdSupport.AVAILABLE;
        Parallel.forRange(g.units, g.grain(), (lo, hi) -> {
            NormSimd.Jvp jk = fused ? new NormSimd.Jvp() : null;
            float[][] pad = fused ? NormSimd.pads() : null;
            if (fused) {
                jk.silu = true;
                jk.hasDx = da != null;
                jk.hasDs = dss != null;
                jk.hasDb = dbs != null;
            }
            for (int u = lo; u < hi; u++)
                for (int k = 0; k < g.perUnit; k++) {
                    int off = g.plane(u, k) * sp, end = off + sp;
                    if (fused) {
                        // the affine maps and the silu in one pass over the plane
                        jk.sv = ss.f[u];
                        jk.bv = bs.f[u];
                        jk.dsv = dss == null ? 0 : dss.f[u];
                        jk.dbv = dbs == null ? 0 : dbs.f[u];
                        NormSimd.jvp(jk, a.f, da == null ? null : da.f, o.f, dO.f, off, sp, pad);
                        continue;
                    }
                    if (a.f != null) {
                        float[] f = a.f, of = o.f, t = dO.f;
                        float sv = ss.f[u], bv = bs.f[u];
                        for (int i = off; i < end; i++) of[i] = f[i] * sv + bv;
                        // the tangent term by term over the plane (it stays in L1 between passes)
                        if (da != null) {
                            float[] df = da.f;
                            for (int i = off; i < end; i++) t[i] = df[i] * sv;
                        }
                        if (dss != null) {
                            float dsv = dss.f[u];
                            if (da != null) for (int i = off; i < end; i++) t[i] = t[i] + f[i] * dsv;
                            else for (int i = off; i < end; i++) t[i] = f[i] * dsv;
                        }
                        if (dbs != null) {
                            float dbv = dbs.f[u];
                            if (da != null || dss != null) for (int i = off; i < end; i++) t[i] = t[i] + dbv;
                            else java.util.Arrays.fill(t, off, end, dbv);
                        }
                    } else {
                        double[] d = a.d, od = o.d, t = dO.d;
                        double sv = ss.d[u], bv = bs.d[u];
                        for (int i = off; i < end; i++) od[i] = d[i] * sv + bv;
                        if (da != null) {
                            double[] dd = da.d;
                            for (int i = off; i < end; i++) t[i] = dd[i] * sv;
                        }
                        if (dss != null) {
                            double dsv = dss.d[u];
                            if (da != null) for (int i = off; i < end; i++) t[i] = t[i] + d[i] * dsv;
                            else for (int i = off; i < end; i++) t[i] = d[i] * dsv;
                        }
                        if (dbs != null) {
                            double dbv = dbs.d[u];
                            if (da != null || dss != null) for (int i = off; i < end; i++) t[i] = t[i] + dbv;
                            else java.util.Arrays.fill(t, off, end, dbv);
                        }
                    }
                    if (silu) CpuBackend.siluJvpRange(o, 0, dO, 0, o, dO, null, off, end);
                }
        });
        return new Tensor[] {y, dy};
    }

    /**
     * {gx, gs, gb}: gx = gy s, gs = sum over each unit's planes of gy x, gb = the same sum of gy;
     * gs, gb of s's shape. Each is null unless wanted. With silu (b given) gy is first replaced by
     * gy silu'(x s + b), per plane in a scratch; without, b is unused.
     */
    static Tensor[] backward(Tensor x, Tensor s, Tensor b, Tensor gy, boolean wantX, boolean wantS, boolean wantB, boolean silu) {
        Geo g = new Geo(x, s);
        Tensor gx = wantX ? like(x) : null, gs = wantS ? like(s) : null, gb = wantB ? like(s) : null;
        CpuStorage a = st(x), ss = st(s), gys = st(gy), bs = silu ? st(b) : null;
        CpuStorage ox = gx == null ? null : CpuBackend.st(gx), os = gs == null ? null : CpuBackend.st(gs),
                ob = gb == null ? null : CpuBackend.st(gb);
        int sp = g.sp;
        boolean fused = silu && a.f != null && SimdSupport.AVAILABLE;
        Parallel.forRange(g.units, g.grain(), (lo, hi) -> {
            // with silu: one plane's x s + b, and gy silu'(x s + b) (fused: NormSimd's scratch)
            CpuStorage zs = silu && !fused ? CpuStorage.allocateUninitialized(x.dtype(), sp) : null,
                    gz = silu && !fused ? CpuStorage.allocateUninitialized(x.dtype(), sp) : null;
            float[] tmp = fused ? NormSimd.scratch() : null;
            double[] sums = fused ? new double[2] : null;
            for (int u = lo; u < hi; u++) {
                double accS = 0, accB = 0;
                for (int k = 0; k < g.perUnit; k++) {
                    int off = g.plane(u, k) * sp, end = off + sp;
                    if (fused) {
                        // the silu's derivative, gx and both sums in one pass over the plane
                        NormSimd.scaleShiftSiluBackward(a.f, gys.f, ox == null ? null : ox.f, off, sp, ss.f[u], bs.f[u], tmp, sums);
                        accB += sums[0];
                        accS += sums[1];
                        continue;
                    }
                    // the cotangent of x s + b: element i of the plane at t[i - tb]
                    CpuStorage t = gys;
                    int tb = 0;
                    if (silu) {
                        if (a.f != null) {
                            float[] f = a.f, z = zs.f;
                            float sv = ss.f[u], bv = bs.f[u];
                            for (int i = 0; i < sp; i++) z[i] = f[off + i] * sv + bv;
                        } else {
                            double[] z = zs.d;
                            double sv = ss.d[u], bv = bs.d[u];
                            for (int i = 0; i < sp; i++) z[i] = a.d[off + i] * sv + bv;
                        }
                        CpuBackend.siluBackwardRange(zs, gys, off, gz, sp);
                        t = gz;
                        tb = off;
                    }
                    if (a.f != null) {
                        float[] f = a.f, gf = t.f;
                        if (ox != null) {
                            float[] of = ox.f;
                            float sv = ss.f[u];
                            for (int i = off; i < end; i++) of[i] = gf[i - tb] * sv;
                        }
                        if (os != null) accS += sumProducts(gf, off - tb, f, off, sp);
                        if (ob != null) accB += CpuBackend.sumF32(gf, off - tb, sp);
                    } else {
                        double[] d = a.d, gd = t.d;
                        if (ox != null) {
                            double[] od = ox.d;
                            double sv = ss.d[u];
                            for (int i = off; i < end; i++) od[i] = gd[i - tb] * sv;
                        }
                        // one chain through the whole unit, as CpuBackend.reduce sums float64
                        if (os != null) for (int i = off; i < end; i++) accS += gd[i - tb] * d[i];
                        if (ob != null) for (int i = off; i < end; i++) accB += gd[i - tb];
                    }
                }
                if (os != null) os.set(u, accS);
                if (ob != null) ob.set(u, accB);
            }
        });
        return new Tensor[] {gx, gs, gb};
    }

    /**
     * Sum of the float32 products g[pg + j] x[p + j], j < len: the same order and roundings as
     * {@link CpuBackend#sumF32} over the rounded products (SumsSimd with the Vector API, else in
     * double with four chains).
     */
    private static double sumProducts(float[] g, int pg, float[] x, int p, int len) {
        if (SimdSupport.AVAILABLE) return SumsSimd.sumProducts(g, pg, x, p, len);
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            a0 += g[pg + j] * x[p + j];
            a1 += g[pg + j + 1] * x[p + j + 1];
            a2 += g[pg + j + 2] * x[p + j + 2];
            a3 += g[pg + j + 3] * x[p + j + 3];
        }
        for (; j < len; j++) a0 += g[pg + j] * x[p + j];
        return (a0 + a1) + (a2 + a3);
    }
}
