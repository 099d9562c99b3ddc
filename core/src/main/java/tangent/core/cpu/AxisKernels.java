package tangent.core.cpu;

import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * CPU loops of the normalisations along one axis: pixel norm (forward, forward+JVP, VJP) and
 * softmax (forward+JVP). x is viewed as (outer, n, inner) with n the axis' size; each column
 * (o, i) is one normalisation over its n elements at stride inner. Columns are independent and
 * each is computed by one thread in a fixed order, so results do not depend on the thread count.
 *
 * <p>The forwards repeat the composites' arithmetic step for step (float32 elementwise steps in
 * float32, sums in double in the order of CpuBackend.reduce: four chains when inner == 1 for
 * float32, else sequential), so y is bit-identical to the composite's; tangents and cotangents
 * are computed in double from the rounded y and rstd and rounded once.
 */
final class AxisKernels {
    private AxisKernels() {}

    private static final int GRAIN = 1 << 14;

    /** {outer, n, inner} of shape s split at axis a. */
    static int[] split(int[] s, int a) {
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= s[i];
        for (int i = a + 1; i < s.length; i++) inner *= s[i];
        return new int[] {outer, s[a], inner};
    }

    private static int grain(int n) {
        return Math.max(1, GRAIN / Math.max(1, n));
    }

    /** The sum over k of t[p + k st] as CpuBackend.reduce forms it for a float32 tensor of reduce stride st. */
    private static double sumF32(float[] t, int p, int n, int st) {
        if (st != 1) {
            double acc = 0;
            for (int k = 0; k < n; k++) acc += t[p + k * st];
            return acc;
        }
        return CpuBackend.sumF32(t, p, n);
    }

    // ---- pixel norm: rstd = (mean v^2 + eps)^(-1/2), y = v rstd ---------------------------------

    /**
     * {y, rstd} (rstd: v's shape with size 1 at the axis), as the composite
     * v * rsqrt(mean(v^2) + eps): float32 v^2, sum, (1/n) scale, + eps and rsqrt each rounded.
     * With dv non-null also dy = rstd (dv - y mean(y dv)): returns {y, dy, rstd}.
     */
    static Tensor[] pixelNorm(Tensor v, Tensor dv, int axis, double eps) {
        int[] s = v.shape(), d = split(s, axis);
        int outer = d[0], n = d[1], inner = d[2];
        Tensor cv = CpuBackend.compact(v), cd = dv == null ? null : CpuBackend.compact(dv);
        Tensor y = CpuBackend.alloc(v.dtype(), s), dy = dv == null ? null : CpuBackend.alloc(v.dtype(), s),
                r = CpuBackend.alloc(v.dtype(), Shape.keepDims(s, new int[] {axis}));
        CpuStorage a = CpuBackend.st(cv), ta = cd == null ? null : CpuBackend.st(cd), o = CpuBackend.st(y),
                to = dy == null ? null : CpuBackend.st(dy), ro = CpuBackend.st(r);
        Parallel.forRange(outer, grain(n * inner), (lo, hi) -> {
            float[] sq = a.f != null ? new float[n * inner] : null;
            for (int ob = lo; ob < hi; ob++) {
                int base = ob * n * inner;
                if (a.f != null) {
                    float[] f = a.f, of = o.f;
                    for (int j = 0; j < n * inner; j++) { float x = f[base + j]; sq[j] = x * x; }
                    float scale = (float) (1.0 / n), e = (float) eps;
                    for (int i = 0; i < inner; i++) {
                        float mean = n == 1 ? sq[i] : scale * (float) sumF32(sq, i, n, inner);
                        float rf = (float) (1.0 / Math.sqrt(mean + e));
                        ro.f[ob * inner + i] = rf;
                        double c = 0;
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            of[p] = f[p] * rf;
                            if (ta != null) c += (double) of[p] * ta.f[p];
                        }
                        if (ta != null) {
                            double m = c / n;
                            for (int k = 0; k < n; k++) {
                                int p = base + k * inner + i;
                                to.f[p] = (float) (rf * (ta.f[p] - of[p] * m));
                            }
                        }
                    }
                } else {
                    double[] f = a.d, od = o.d;
                    double scale = 1.0 / n;
                    for (int i = 0; i < inner; i++) {
                        double acc = 0;
                        for (int k = 0; k < n; k++) { double x = f[base + k * inner + i]; acc += x * x; }
                        double mean = n == 1 ? acc : scale * acc, rd = 1.0 / Math.sqrt(mean + eps), c = 0;
                        ro.d[ob * inner + i] = rd;
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            od[p] = f[p] * rd;
                            if (ta != null) c += od[p] * ta.d[p];
                        }
                        if (ta != null) {
                            double m = c / n;
                            for (int k = 0; k < n; k++) {
                                int p = base + k * inner + i;
                                to.d[p] = rd * (ta.d[p] - od[p] * m);
                            }
                        }
                    }
                }
            }
        });
        return dy == null ? new Tensor[] {y, r} : new Tensor[] {y, dy, r};
    }

    /** gv = rstd (gy - y mean(y gy)), y = v rstd, from the rstd the forward returned. */
    static Tensor pixelNormBackward(Tensor v, Tensor rstd, Tensor gy, int axis) {
        int[] s = v.shape(), d = split(s, axis);
        int outer = d[0], n = d[1], inner = d[2];
        Tensor cv = CpuBackend.compact(v), cg = CpuBackend.compact(gy), cr = CpuBackend.compact(rstd);
        Tensor gv = CpuBackend.alloc(v.dtype(), s);
        CpuStorage a = CpuBackend.st(cv), g = CpuBackend.st(cg), rs = CpuBackend.st(cr), o = CpuBackend.st(gv);
        Parallel.forRange(outer, grain(n * inner), (lo, hi) -> {
            for (int ob = lo; ob < hi; ob++) {
                int base = ob * n * inner;
                for (int i = 0; i < inner; i++) {
                    double r = rs.get(ob * inner + i), c = 0;
                    if (a.f != null) {
                        float rf = (float) r;
                        for (int k = 0; k < n; k++) { int p = base + k * inner + i; c += (double) (a.f[p] * rf) * g.f[p]; }
                        double m = c / n;
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            o.f[p] = (float) (r * (g.f[p] - (a.f[p] * rf) * m));
                        }
                    } else {
                        for (int k = 0; k < n; k++) { int p = base + k * inner + i; c += a.d[p] * r * g.d[p]; }
                        double m = c / n;
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            o.d[p] = r * (g.d[p] - a.d[p] * r * m);
                        }
                    }
                }
            }
        });
        return gv;
    }

    // ---- softmax: y = exp(x - max) / sum exp(x - max), dy = y (dx - sum(y dx)) -----------------

    /**
     * {y, dy}; y as the composite (float32 x - max, exp, sum, divide each rounded), except that
     * float32 rows along the last axis take the vector exp when {@link #vectorExp} (then y is
     * {@link #softmax}'s, within a few ulps of the composite's).
     */
    static Tensor[] softmaxJvp(Tensor x, Tensor dx, int axis) {
        int[] s = x.shape(), d = split(s, axis);
        int outer = d[0], n = d[1], inner = d[2];
        Tensor cx = CpuBackend.compact(x), cd = CpuBackend.compact(dx);
        Tensor y = CpuBackend.alloc(x.dtype(), s), dy = CpuBackend.alloc(x.dtype(), s);
        CpuStorage a = CpuBackend.st(cx), ta = CpuBackend.st(cd), o = CpuBackend.st(y), to = CpuBackend.st(dy);
        if (a.f != null && inner == 1 && n > 0) {
            softmaxJvpRows(a.f, ta.f, o.f, to.f, outer, n);
            return new Tensor[] {y, dy};
        }
        Parallel.forRange(outer, grain(n * inner), (lo, hi) -> {
            float[] e = a.f != null ? new float[n * inner] : null;
            for (int ob = lo; ob < hi; ob++) {
                int base = ob * n * inner;
                if (a.f != null) {
                    float[] f = a.f, of = o.f, tf = ta.f, dof = to.f;
                    for (int i = 0; i < inner; i++) {
                        double mx = Double.NEGATIVE_INFINITY;
                        for (int k = 0; k < n; k++) mx = Math.max(mx, f[base + k * inner + i]);
                        float m = (float) mx;
                        for (int k = 0; k < n; k++) e[k * inner + i] = (float) Math.exp(f[base + k * inner + i] - m);
                    }
                    for (int i = 0; i < inner; i++) {
                        float sum = (float) sumF32(e, i, n, inner);
                        double c = 0;
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            of[p] = e[k * inner + i] / sum;
                            c += (double) of[p] * tf[p];
                        }
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            dof[p] = (float) (of[p] * (tf[p] - c));
                        }
                    }
                } else {
                    double[] f = a.d, od = o.d, td = ta.d, dod = to.d;
                    for (int i = 0; i < inner; i++) {
                        double m = Double.NEGATIVE_INFINITY, sum = 0, c = 0;
                        for (int k = 0; k < n; k++) m = Math.max(m, f[base + k * inner + i]);
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            od[p] = Math.exp(f[p] - m);
                            sum += od[p];
                        }
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            od[p] = od[p] / sum;
                            c += od[p] * td[p];
                        }
                        for (int k = 0; k < n; k++) {
                            int p = base + k * inner + i;
                            dod[p] = od[p] * (td[p] - c);
                        }
                    }
                }
            }
        });
        return new Tensor[] {y, dy};
    }

    /** y, dy of rows rows of n contiguous float32 elements (the axis is the last one, n >= 1). */
    static void softmaxJvpRows(float[] x, float[] dx, float[] y, float[] dy, int rows, int n) {
        // groups of ROWS rows (softmaxRows); a few thousand elements a task
        int groups = (rows + ROWS - 1) / ROWS;
        boolean vexp = vectorExp();
        Parallel.forRange(groups, Math.max(1, 4096 / (ROWS * n)), (lo, hi) -> {
            double[] c = new double[ROWS];
            float[] tmp = new float[Math.max(1, CpuBackend.sumScratch())];
            float[] d = vexp ? new float[ElementwiseSimd.padded(n)] : null;
            for (int g = lo; g < hi; g++) {
                int r0 = g * ROWS, r1 = Math.min(rows, r0 + ROWS);
                softmaxRows(x, dx, y, dy, r0, r1, n, c, tmp, d);
            }
        });
    }

    /**
     * Whether float32 softmax rows along the last axis take the Vector API exp
     * ({@link ElementwiseSimd#expNonPositive}, within about 1 ulp; x - max <= 0 is its domain)
     * instead of Math.exp: when the vector kernels are on ({@link GemmF32#simd}).
     */
    static boolean vectorExp() {
        return SimdSupport.AVAILABLE && GemmF32.simd;
    }

    /**
     * Softmax of float32 rows along the last axis with the vector exp (the forward without the
     * tangent; y bit-identical to {@link #softmaxJvp}'s), or null where softmaxJvp would not take
     * it (then the composite is the forward).
     */
    static Tensor softmax(Tensor x, int axis) {
        int[] s = x.shape(), d = split(s, axis);
        int outer = d[0], n = d[1], inner = d[2];
        if (x.dtype() != tangent.core.DType.F32 || inner != 1 || n == 0 || !vectorExp()) return null;
        Tensor cx = CpuBackend.compact(x), y = CpuBackend.alloc(x.dtype(), s);
        float[] f = CpuBackend.st(cx).f, yf = CpuBackend.st(y).f;
        Parallel.forRange(outer, Math.max(1, 4096 / n), (lo, hi) -> {
            float[] tmp = new float[Math.max(1, CpuBackend.sumScratch())], e = new float[ElementwiseSimd.padded(n)];
            for (int r = lo; r < hi; r++) softmaxRow(f, yf, r * n, n, tmp, e);
        });
        return y;
    }

    /**
     * y[base, base + n) = softmax of f's row there: max, d = x - max (float32), e = exp(d) (the
     * vector exp when e != null, a scratch of ElementwiseSimd.padded(n) floats; else Math.exp in
     * double, rounded), sum e as CpuBackend.sumF32, y = e / sum.
     */
    private static void softmaxRow(float[] f, float[] y, int base, int n, float[] tmp, float[] e) {
        // the max in four chains (exact in any order)
        float m0 = f[base], m1 = m0, m2 = m0, m3 = m0;
        int k = 1;
        for (; k + 4 <= n; k += 4) {
            m0 = Math.max(m0, f[base + k]);
            m1 = Math.max(m1, f[base + k + 1]);
            m2 = Math.max(m2, f[base + k + 2]);
            m3 = Math.max(m3, f[base + k + 3]);
        }
        for (; k < n; k++) m0 = Math.max(m0, f[base + k]);
        float m = Math.max(Math.max(m0, m1), Math.max(m2, m3));
        if (e != null) {
            // the row in the scratch padded with zeros: exp and the divide in whole vectors
            for (k = 0; k < n; k++) e[k] = f[base + k] - m;
            java.util.Arrays.fill(e, n, e.length, 0f);
            ElementwiseSimd.expNonPositiveInPlace(e, e.length);
            ElementwiseSimd.divideInPlace(e, e.length, (float) CpuBackend.sumF32(e, 0, n, tmp));
            System.arraycopy(e, 0, y, base, n);
            return;
        }
        for (k = 0; k < n; k++) y[base + k] = (float) Math.exp(f[base + k] - m);
        float sum = (float) CpuBackend.sumF32(y, base, n, tmp);
        for (k = 0; k < n; k++) y[base + k] = y[base + k] / sum;
    }

    /**
     * gx = y (gy - c), c = sum_axis(y gy), as the composite rule's kernels form it: float32
     * products y gy, their sum as CpuBackend.reduce (sumF32 of the row when inner == 1, else
     * sequential in double; 0 + sum, rounded to float32), then the float32 subtract and multiply.
     * float64 the same in double. Bit-identical to the composite.
     */
    static Tensor softmaxBackward(Tensor y, Tensor gy, int axis) {
        int[] s = y.shape(), d = split(s, axis);
        int outer = d[0], n = d[1], inner = d[2];
        Tensor cy = CpuBackend.compact(y), cg = CpuBackend.compact(gy), gx = CpuBackend.alloc(y.dtype(), s);
        CpuStorage a = CpuBackend.st(cy), g = CpuBackend.st(cg), o = CpuBackend.st(gx);
        if (n == 0) return gx;
        Parallel.forRange(outer * inner, grain(n), (lo, hi) -> {
            float[] prod = a.f != null ? new float[n] : null, tmp = new float[Math.max(1, CpuBackend.sumScratch())];
            for (int col = lo; col < hi; col++) {
                int ob = col / inner, i = col % inner, base = ob * n * inner + i;
                if (a.f != null) {
                    float[] yf = a.f, gf = g.f, of = o.f;
                    for (int k = 0; k < n; k++) prod[k] = yf[base + k * inner] * gf[base + k * inner];
                    double acc = 0.0;
                    if (inner == 1) acc += CpuBackend.sumF32(prod, 0, n, tmp);
                    else for (int k = 0; k < n; k++) acc += prod[k];
                    float c = (float) acc;
                    for (int k = 0; k < n; k++) {
                        int p = base + k * inner;
                        of[p] = (gf[p] - c) * yf[p];
                    }
                } else {
                    double[] yd = a.d, gd = g.d, od = o.d;
                    double c = 0.0;
                    for (int k = 0; k < n; k++) c += yd[base + k * inner] * gd[base + k * inner];
                    for (int k = 0; k < n; k++) {
                        int p = base + k * inner;
                        od[p] = (gd[p] - c) * yd[p];
                    }
                }
            }
        });
        return gx;
    }

    /** Rows per group of {@link #softmaxRows}: their sums of y dx are independent chains. */
    private static final int ROWS = 4;

    /**
     * Softmax+JVP of float32 rows r0..r1 (at most ROWS) of n contiguous elements, the same
     * arithmetic as the general loop above: max, e = exp(x - max) (float32 subtract, exp in double,
     * rounded), y = e / sum e (sum as CpuBackend.sumF32), c = sum y dx in double in element order,
     * dy = y (dx - c) in double, rounded. y is first written with e, then divided in place.
     * The rows' c sums run interleaved (four chains instead of one, the same order within each).
     */
    private static void softmaxRows(float[] f, float[] t, float[] y, float[] dy, int r0, int r1, int n,
                                    double[] c, float[] tmp, float[] e) {
        for (int r = r0; r < r1; r++) softmaxRow(f, y, r * n, n, tmp, e);
        if (r1 - r0 == ROWS) {
            int b0 = r0 * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
            double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
            for (int k = 0; k < n; k++) {
                c0 += (double) y[b0 + k] * t[b0 + k];
                c1 += (double) y[b1 + k] * t[b1 + k];
                c2 += (double) y[b2 + k] * t[b2 + k];
                c3 += (double) y[b3 + k] * t[b3 + k];
            }
            c[0] = c0;
            c[1] = c1;
            c[2] = c2;
            c[3] = c3;
        } else {
            for (int r = r0; r < r1; r++) {
                int base = r * n;
                double s = 0;
                for (int k = 0; k < n; k++) s += (double) y[base + k] * t[base + k];
                c[r - r0] = s;
            }
        }
        for (int r = r0; r < r1; r++) {
            int base = r * n;
            double cr = c[r - r0];
            for (int k = 0; k < n; k++) dy[base + k] = (float) (y[base + k] * (t[base + k] - cr));
        }
    }
}
