package tangent.core.cpu;

import java.util.Arrays;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.ReduceFn;
import tangent.core.backend.UnaryFn;

/**
 * The CPU backend: loops over float[] (float32) and double[] (float64), spread over the cores by
 * {@link Parallel}. Hot paths (float32 elementwise, GEMM, convolution) have dedicated loops; the
 * rest go through {@link CpuStorage#get}/{@link CpuStorage#set}.
 */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private static final int GRAIN = 1 << 14;

    private CpuBackend() {}

    @Override
    public Device device() {
        return Device.CPU;
    }

    static CpuStorage st(Tensor x) {
        return (CpuStorage) x.storage();
    }

    /** An output the caller writes whole: its contents are unspecified ({@link UninitializedArrays}). */
    static Tensor alloc(DType dtype, int... shape) {
        return Tensor.compact(CpuStorage.allocateUninitialized(dtype, Shape.numel(shape)), shape);
    }

    /** x itself when its elements are one contiguous run, else a compact copy. */
    static Tensor contiguous(Tensor x) {
        if (x.isContiguous()) return x;
        Tensor y = alloc(x.dtype(), x.shape());
        INSTANCE.copyInto(x, y);
        return y;
    }

    /** x itself when compact (offset 0, whole storage), else a compact copy. */
    static Tensor compact(Tensor x) {
        if (x.isCompact()) return x;
        Tensor y = alloc(x.dtype(), x.shape());
        INSTANCE.copyInto(x, y);
        return y;
    }

    // ---- creation and copies -------------------------------------------------------------

    @Override
    public Tensor zeros(DType dtype, int[] shape) {
        return Tensor.compact(CpuStorage.allocate(dtype, Shape.numel(shape)), shape);
    }

    @Override
    public Tensor empty(DType dtype, int[] shape) {
        return alloc(dtype, shape);
    }

    @Override
    public Tensor full(DType dtype, int[] shape, double value) {
        Tensor t = alloc(dtype, shape);
        CpuStorage s = st(t);
        if (s.f != null) Arrays.fill(s.f, (float) value);
        else Arrays.fill(s.d, value);
        return t;
    }

    @Override
    public Tensor fromArray(float[] data, int[] shape) {
        return Tensor.compact(new CpuStorage(data.clone()), shape);
    }

    @Override
    public Tensor fromArray(double[] data, int[] shape) {
        return Tensor.compact(new CpuStorage(data.clone()), shape);
    }

    @Override
    public float[] toFloatArray(Tensor x) {
        Tensor c = x.dtype() == DType.F32 ? compact(x) : null;
        if (c != null) return c == x ? st(c).f.clone() : st(c).f;
        Tensor y = alloc(DType.F32, x.shape());
        copyInto(x, y);
        return st(y).f;
    }

    @Override
    public double[] toDoubleArray(Tensor x) {
        Tensor c = x.dtype() == DType.F64 ? compact(x) : null;
        if (c != null) return c == x ? st(c).d.clone() : st(c).d;
        Tensor y = alloc(DType.F64, x.shape());
        copyInto(x, y);
        return st(y).d;
    }

    @Override
    public void copyInto(Tensor src, Tensor dst) {
        if (!Arrays.equals(src.shape(), dst.shape()))
            throw new IllegalArgumentException("copy: source " + Shape.str(src.shape()) + " and destination "
                    + Shape.str(dst.shape()) + " differ");
        StridedRows it = new StridedRows(src.shape(), src.strides(), dst.strides());
        CpuStorage s = st(src), d = st(dst);
        int so = src.offset(), doff = dst.offset(), ss = it.inner(0), ds = it.inner(1), len = it.rowLength;
        Parallel.forRange(it.rows, Math.max(1, GRAIN / Math.max(1, len)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int a = so + it.rowOffset(0, r), b = doff + it.rowOffset(1, r);
                if (s.f != null && d.f != null) {
                    if (ss == 1 && ds == 1) System.arraycopy(s.f, a, d.f, b, len);
                    else for (int j = 0; j < len; j++) d.f[b + j * ds] = s.f[a + j * ss];
                } else if (s.d != null && d.d != null) {
                    if (ss == 1 && ds == 1) System.arraycopy(s.d, a, d.d, b, len);
                    else for (int j = 0; j < len; j++) d.d[b + j * ds] = s.d[a + j * ss];
                } else {
                    for (int j = 0; j < len; j++) d.set(b + j * ds, s.get(a + j * ss));
                }
            }
        });
    }

    // ---- elementwise ---------------------------------------------------------------------

    @Override
    public Tensor unary(UnaryFn fn, Tensor x, double p1, double p2) {
        Tensor c = contiguous(x);
        Tensor y = alloc(x.dtype(), x.shape());
        unaryInto(fn, st(c), c.offset(), st(y), y.numel(), p1, p2);
        return y;
    }

    /** o[i] = fn(a[off + i], p1, p2) for i < n; o may be a itself with off 0 (each element read before it is written). */
    private static void unaryInto(UnaryFn fn, CpuStorage a, int off, CpuStorage o, int n, double p1, double p2) {
        if (a.f != null) {
            Parallel.forRange(n, GRAIN, (lo, hi) -> ElementwiseF32.unary(fn, a.f, off, o.f, lo, hi, (float) p1, (float) p2));
        } else {
            Parallel.forRange(n, GRAIN, (lo, hi) -> {
                for (int i = lo; i < hi; i++) o.d[i] = fn.apply(a.d[off + i], p1, p2);
            });
        }
    }

    @Override
    public Tensor binary(BinaryFn fn, Tensor a, Tensor b, int[] outShape) {
        Tensor y = alloc(a.dtype(), outShape);
        binaryInto(fn, a, b, y);
        return y;
    }

    /** Same loops as binary, into acc itself: each element is read before it is written. */
    @Override
    public boolean addInPlace(Tensor acc, Tensor x) {
        if (!rowMajorWindow(acc) || !Arrays.equals(acc.shape(), x.shape()) || acc.dtype() != x.dtype()) return false;
        binaryInto(BinaryFn.ADD, acc, x, acc);
        return true;
    }

    /** unary(SCALE)'s loops with x as input and output. */
    @Override
    public boolean scaleInPlace(Tensor x, double c) {
        if (!x.isCompact()) return false;
        unaryInto(UnaryFn.SCALE, st(x), 0, st(x), x.numel(), c, 0);
        return true;
    }

    /**
     * Whether t's elements are distinct and its last axis contiguous: strides row-major, each at
     * least the extent of the axes after it (a compact tensor or a window of one).
     */
    private static boolean rowMajorWindow(Tensor t) {
        int[] s = t.shape(), st = t.strides();
        long extent = 1;
        for (int d = s.length - 1; d >= 0; d--) {
            if (s[d] == 1) continue;
            if (st[d] < extent || (extent == 1 && st[d] != 1)) return false;
            extent = (long) st[d] * s[d];
        }
        return true;
    }

    /**
     * y = fn(a, b) broadcast to y's shape; y fresh and compact, or a window of distinct elements
     * whose merged rows are contiguous (addInPlace: y is a, elementwise in place).
     */
    private static void binaryInto(BinaryFn fn, Tensor a, Tensor b, Tensor y) {
        int[] outShape = y.shape();
        StridedRows it = new StridedRows(outShape,
                StridedRows.broadcastStrides(a.shape(), a.strides(), outShape),
                StridedRows.broadcastStrides(b.shape(), b.strides(), outShape),
                y.strides());
        CpuStorage sa = st(a), sb = st(b), so = st(y);
        int ao = a.offset(), bo = b.offset(), yo = y.offset(), ia = it.inner(0), ib = it.inner(1), len = it.rowLength;
        if (it.inner(2) != 1 && len > 1) throw new IllegalStateException("binary: output rows are not contiguous");
        forRows(it, (r, j0, j1) -> {
            int pa = ao + it.rowOffset(0, r) + j0 * ia, pb = bo + it.rowOffset(1, r) + j0 * ib, po = yo + it.rowOffset(2, r) + j0;
            if (so.f != null) ElementwiseF32.binary(fn, sa.f, pa, ia, sb.f, pb, ib, so.f, po, j1 - j0);
            else for (int j = 0; j < j1 - j0; j++) so.d[po + j] = fn.apply(sa.d[pa + j * ia], sb.d[pb + j * ib]);
        });
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b, int[] outShape) {
        Tensor y = alloc(a.dtype(), outShape);
        StridedRows it = new StridedRows(outShape,
                StridedRows.broadcastStrides(cond.shape(), cond.strides(), outShape),
                StridedRows.broadcastStrides(a.shape(), a.strides(), outShape),
                StridedRows.broadcastStrides(b.shape(), b.strides(), outShape),
                y.strides());
        CpuStorage sc = st(cond), sa = st(a), sb = st(b), so = st(y);
        int[] base = {cond.offset(), a.offset(), b.offset(), 0};
        forRows(it, (r, j0, j1) -> {
            int pc = base[0] + it.rowOffset(0, r), pa = base[1] + it.rowOffset(1, r), pb = base[2] + it.rowOffset(2, r),
                    po = it.rowOffset(3, r);
            int ic = it.inner(0), ia = it.inner(1), ib = it.inner(2);
            for (int j = j0; j < j1; j++)
                so.set(po + j, sc.get(pc + j * ic) != 0 ? sa.get(pa + j * ia) : sb.get(pb + j * ib));
        });
        return y;
    }

    @FunctionalInterface
    private interface RowBody {
        void run(int row, int from, int to);
    }

    /** Parallel over rows, or over segments of one row when there are few long rows. */
    private static void forRows(StridedRows it, RowBody body) {
        int len = it.rowLength, rows = it.rows;
        if (rows == 0 || len == 0) return;
        int seg = rows >= Parallel.threads() * 2 ? len : Math.max(1024, (len + 7) / 8);
        int segs = (len + seg - 1) / seg;
        int tasks = rows * segs;
        int grain = Math.max(1, GRAIN / Math.max(1, Math.min(seg, len)));
        final int fseg = seg;
        Parallel.forRange(tasks, grain, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int r = t / segs, s = t % segs;
                int j0 = s * fseg, j1 = Math.min(len, j0 + fseg);
                body.run(r, j0, j1);
            }
        });
    }

    // ---- reductions ------------------------------------------------------------------------

    @Override
    public Tensor reduce(ReduceFn fn, Tensor x, int[] axes) {
        int[] shape = x.shape(), strides = x.strides();
        int[] outShape = Shape.keepDims(shape, axes);
        Tensor y = alloc(x.dtype(), outShape);
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes) reduced[a] = true;
        int nk = shape.length - axes.length;
        int[] keptShape = new int[nk], keptStrides = new int[nk], redShape = new int[axes.length], redStrides = new int[axes.length];
        for (int i = 0, k = 0, r = 0; i < shape.length; i++) {
            if (reduced[i]) {
                redShape[r] = shape[i];
                redStrides[r++] = strides[i];
            } else {
                keptShape[k] = shape[i];
                keptStrides[k++] = strides[i];
            }
        }
        StridedRows red = new StridedRows(redShape, redStrides);
        int outer = Shape.numel(keptShape), inner = red.inner(0), len = red.rowLength, rows = red.rows;
        CpuStorage s = st(x), o = st(y);
        int base = x.offset();
        boolean isMax = fn == ReduceFn.MAX;
        if (!isMax && s.f != null && inner == 1 && rows >= 4 && len > 0 && len < 512 && SimdSupport.AVAILABLE) {
            // float32 sums of short contiguous rows (e.g. a bias gradient over (B, H, W) of a 7x7 or
            // 14x14 map): the loop below's order, four rows' lane sums interleaved
            // (SumsSimd.sumOfRows); longer rows measured no faster than the loop
            int[] roff = new int[rows];
            for (int r = 0; r < rows; r++) roff[r] = red.rowOffset(0, r);
            Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(1, rows * len)), (lo, hi) -> {
                float[] tmp = new float[4 * SumsSimd.L];
                for (int ox = lo; ox < hi; ox++) {
                    int off = base, rem = ox;
                    for (int d = nk - 1; d >= 0; d--) {
                        off += (rem % keptShape[d]) * keptStrides[d];
                        rem /= keptShape[d];
                    }
                    o.f[ox] = (float) SumsSimd.sumOfRows(s.f, off, roff, rows, len, tmp);
                }
            });
            return y;
        }
        Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(1, rows * len)), (lo, hi) -> {
            for (int ox = lo; ox < hi; ox++) {
                int off = base, rem = ox;
                for (int d = nk - 1; d >= 0; d--) {
                    off += (rem % keptShape[d]) * keptStrides[d];
                    rem /= keptShape[d];
                }
                double acc = isMax ? Double.NEGATIVE_INFINITY : 0.0;
                for (int r = 0; r < rows; r++) {
                    int p = off + red.rowOffset(0, r);
                    if (s.f != null) {
                        float[] a = s.f;
                        if (isMax) for (int j = 0; j < len; j++) acc = Math.max(acc, a[p + j * inner]);
                        else if (inner == 1) acc += sumF32(a, p, len);
                        else for (int j = 0; j < len; j++) acc += a[p + j * inner];
                    } else {
                        double[] a = s.d;
                        if (isMax) for (int j = 0; j < len; j++) acc = Math.max(acc, a[p + j * inner]);
                        else for (int j = 0; j < len; j++) acc += a[p + j * inner];
                    }
                }
                o.set(ox, acc);
            }
        });
        return y;
    }

    /**
     * Sum of a[p .. p + len) in a fixed order (thread-count independent): with the Vector API in
     * float32 lanes over short blocks added into double ({@link SumsSimd#sum}), else in double with
     * four independent accumulators.
     */
    static double sumF32(float[] a, int p, int len) {
        if (SimdSupport.AVAILABLE) return SumsSimd.sum(a, p, len);
        return sumF32Java(a, p, len);
    }

    /** Floats of the scratch {@link #sumF32(float[], int, int, float[])} takes. */
    static int sumScratch() {
        return SimdSupport.AVAILABLE ? SumsSimd.L : 0;
    }

    /** {@link #sumF32(float[], int, int)} with caller's scratch of {@link #sumScratch} floats (no allocation). */
    static double sumF32(float[] a, int p, int len, float[] tmp) {
        if (SimdSupport.AVAILABLE) return SumsSimd.sum(a, p, len, tmp);
        return sumF32Java(a, p, len);
    }

    private static double sumF32Java(float[] a, int p, int len) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            a0 += a[p + j];
            a1 += a[p + j + 1];
            a2 += a[p + j + 2];
            a3 += a[p + j + 3];
        }
        for (; j < len; j++) a0 += a[p + j];
        return (a0 + a1) + (a2 + a3);
    }


    // ---- fused primitives ------------------------------------------------------------------

    @Override
    public Tensor[] groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        return FusedGroupNormKernels.forward(x, gamma, beta, groups, eps, false);
    }

    @Override
    public Tensor[] groupNormSilu(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        return FusedGroupNormKernels.forward(x, gamma, beta, groups, eps, true);
    }

    @Override
    public Tensor[] groupNormJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups,
                                 double eps) {
        return FusedGroupNormKernels.forwardJvp(x, dx, gamma, beta, dgamma, dbeta, groups, eps, false);
    }

    @Override
    public Tensor[] groupNormSiluJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups,
                                     double eps) {
        return FusedGroupNormKernels.forwardJvp(x, dx, gamma, beta, dgamma, dbeta, groups, eps, true);
    }

    @Override
    public Tensor[] groupNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, boolean wantGamma,
                                      boolean wantBeta, int groups) {
        return FusedGroupNormKernels.backward(x, gamma, null, mean, rstd, gy, wantGamma, wantBeta, groups, false);
    }

    @Override
    public Tensor[] groupNormSiluBackward(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, Tensor gy,
                                          boolean wantGamma, boolean wantBeta, int groups) {
        return FusedGroupNormKernels.backward(x, gamma, beta, mean, rstd, gy, wantGamma, wantBeta, groups, true);
    }

    @Override
    public Tensor scaleShift(Tensor x, Tensor s, Tensor b) {
        return ScaleShiftKernels.forward(x, s, b, false);
    }

    @Override
    public Tensor scaleShiftSilu(Tensor x, Tensor s, Tensor b) {
        return ScaleShiftKernels.forward(x, s, b, true);
    }

    @Override
    public Tensor[] scaleShiftJvp(Tensor x, Tensor dx, Tensor s, Tensor ds, Tensor b, Tensor db) {
        return ScaleShiftKernels.forwardJvp(x, dx, s, ds, b, db, false);
    }

    @Override
    public Tensor[] scaleShiftSiluJvp(Tensor x, Tensor dx, Tensor s, Tensor ds, Tensor b, Tensor db) {
        return ScaleShiftKernels.forwardJvp(x, dx, s, ds, b, db, true);
    }

    @Override
    public Tensor[] scaleShiftBackward(Tensor x, Tensor s, Tensor gy, boolean wantX, boolean wantS, boolean wantB) {
        return ScaleShiftKernels.backward(x, s, null, gy, wantX, wantS, wantB, false);
    }

    @Override
    public Tensor[] scaleShiftSiluBackward(Tensor x, Tensor s, Tensor b, Tensor gy, boolean wantX, boolean wantS, boolean wantB) {
        return ScaleShiftKernels.backward(x, s, b, gy, wantX, wantS, wantB, true);
    }

    @Override
    public Tensor addScale(Tensor a, Tensor b, double c) {
        return AddScaleKernels.forward(a, b, c);
    }

    @Override
    public Tensor[] addScaleJvp(Tensor a, Tensor da, Tensor b, Tensor db, double c) {
        return AddScaleKernels.forwardJvp(a, da, b, db, c);
    }

    /** y[b, c, ...] += bias[c] in place; y compact (B, C, ...) (a kernel's fresh output), bias (C) of y's dtype. */
    private static void addChannelBiasInPlace(Tensor y, Tensor bias) {
        int[] s = y.shape();
        int b = s[0], c = s[1], sp = y.numel() / Math.max(1, b * c);
        CpuStorage o = st(y), bs = st(compact(bias));
        Parallel.forRange(b * c, Math.max(1, GRAIN / Math.max(1, sp)), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int off = p * sp;
                if (o.f != null) {
                    float v = bs.f[p % c];
                    float[] f = o.f;
                    for (int i = off; i < off + sp; i++) f[i] += v;
                } else {
                    double v = bs.d[p % c];
                    double[] d = o.d;
                    for (int i = off; i < off + sp; i++) d[i] += v;
                }
            }
        });
    }

    /**
     * One pass, one exp per element; bit-identical to unary(SILU) and binary(SILU_BACKWARD) (the
     * same expressions).
     */
    @Override
    public Tensor[] siluJvp(Tensor x, Tensor dx, boolean saveDerivative) {
        Tensor c = contiguous(x), dc = contiguous(dx);
        Tensor y = alloc(x.dtype(), x.shape()), dy = alloc(x.dtype(), x.shape());
        Tensor der = saveDerivative ? alloc(x.dtype(), x.shape()) : null;
        CpuStorage a = st(c), da = st(dc), o = st(y), dO = st(dy), ds = der == null ? null : st(der);
        int off = c.offset(), doff = dc.offset(), n = y.numel();
        Parallel.forRange(n, GRAIN, (lo, hi) -> siluJvpRange(a, off, da, doff, o, dO, ds, lo, hi));
        return new Tensor[] {y, dy, der};
    }

    /** o[i] = silu(o[i]) for i in [from, to), with unary(SILU)'s loops (the fused norms' silu: the same bits). */
    static void siluInPlace(CpuStorage o, int from, int to) {
        if (o.f != null) ElementwiseF32.unary(UnaryFn.SILU, o.f, 0, o.f, from, to, 0f, 0f);
        else for (int i = from; i < to; i++) o.d[i] = UnaryFn.SILU.apply(o.d[i], 0, 0);
    }

    /**
     * out[i] = gy[gyOff + i] silu'(z[i]) for i in [0, n), with binary(SILU_BACKWARD)'s loops (the
     * fused norms' silu VJP: the same bits).
     */
    static void siluBackwardRange(CpuStorage z, CpuStorage gy, int gyOff, CpuStorage out, int n) {
        if (z.f != null) ElementwiseF32.binary(BinaryFn.SILU_BACKWARD, z.f, 0, 1, gy.f, gyOff, 1, out.f, 0, n);
        else for (int i = 0; i < n; i++) out.d[i] = BinaryFn.SILU_BACKWARD.apply(z.d[i], gy.d[gyOff + i]);
    }

    /**
     * o[i] = silu(a[off + i]), dO[i] = da[doff + i] silu'(a[off + i]) and, when ds != null,
     * ds[i] = silu'(a[off + i]), for i in [lo, hi); o may be a (off = 0) and dO may be da (doff = 0):
     * each element is read before it is written.
     */
    static void siluJvpRange(CpuStorage a, int off, CpuStorage da, int doff, CpuStorage o, CpuStorage dO, CpuStorage ds,
                             int lo, int hi) {
        if (a.f != null && SimdSupport.AVAILABLE) {
            ElementwiseSimd.siluForwardJvp(a.f, off, da.f, doff, o.f, dO.f, ds == null ? null : ds.f, lo, hi);
        } else if (a.f != null) {
            float[] af = a.f, df = da.f, of = o.f, dof = dO.f;
            if (ds == null) {
                for (int i = lo; i < hi; i++) {
                    double v = af[off + i], d = 1.0 + Math.exp(-v), s = 1.0 / d;
                    of[i] = (float) (v / d);
                    dof[i] = (float) (df[doff + i] * (s * (1.0 + v * (1.0 - s))));
                }
            } else {
                float[] sf = ds.f;
                for (int i = lo; i < hi; i++) {
                    double v = af[off + i], d = 1.0 + Math.exp(-v), s = 1.0 / d, g = s * (1.0 + v * (1.0 - s));
                    of[i] = (float) (v / d);
                    dof[i] = (float) (df[doff + i] * g);
                    sf[i] = (float) g;
                }
            }
        } else {
            for (int i = lo; i < hi; i++) {
                double v = a.d[off + i], d = 1.0 + Math.exp(-v), s = 1.0 / d, g = s * (1.0 + v * (1.0 - s));
                o.d[i] = UnaryFn.SILU.apply(v, 0, 0);
                dO.d[i] = da.d[doff + i] * g;
                if (ds != null) ds.d[i] = g;
            }
        }
    }

    @Override
    public Tensor[] pixelNorm(Tensor v, int axis, double eps) {
        return AxisKernels.pixelNorm(v, null, axis, eps);
    }

    @Override
    public Tensor[] pixelNormJvp(Tensor v, Tensor dv, int axis, double eps) {
        return AxisKernels.pixelNorm(v, dv, axis, eps);
    }

    @Override
    public Tensor pixelNormBackward(Tensor v, Tensor rstd, Tensor gy, int axis) {
        return AxisKernels.pixelNormBackward(v, rstd, gy, axis);
    }

    @Override
    public Tensor[] softmaxJvp(Tensor x, Tensor dx, int axis) {
        return AxisKernels.softmaxJvp(x, dx, axis);
    }

    /** Rows along the last axis in float32 with the vector exp; otherwise null (the composite, as softmaxJvp's loop). */
    @Override
    public Tensor softmax(Tensor x, int axis) {
        return AxisKernels.softmax(x, axis);
    }

    @Override
    public Tensor softmaxBackward(Tensor y, Tensor gy, int axis) {
        if (y.dtype() != gy.dtype() || !Arrays.equals(y.shape(), gy.shape())) return null;
        return AxisKernels.softmaxBackward(y, gy, axis);
    }

    /** The bias is added in place into the kernel's fresh output (no second tensor, one pass). */
    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        Tensor y = conv2d(x, w, stride, pad);
        if (bias != null) addChannelBiasInPlace(y, bias);
        return y;
    }

    /**
     * float32 3x3 stride-1 pad-1 convolutions on the direct kernels: one pass over x's and dx's
     * images with the weights packed once and the bias added as y is written
     * ({@link Conv2dKernels#forwardDual}). Otherwise the two convolutions with the weights made
     * compact once; the GEMMs read w in place (the CPU GEMM packs only the im2col side), so nothing
     * about w is repeated but its second read. The per-image results are bit-identical either way.
     */
    @Override
    public Tensor[] conv2dDual(Tensor x, Tensor dx, Tensor w, Tensor bias, int stride, int pad) {
        int[] xs = x.shape(), ws = w.shape();
        if (x.dtype() == DType.F32 && dx.dtype() == DType.F32 && Arrays.equals(xs, dx.shape())
                && Conv2dKernels.fusedDual(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad)) {
            Tensor cx = compact(x), cdx = compact(dx), cw = compact(w);
            int[] ys = {xs[0], ws[0], xs[2], xs[3]}; // 3x3, stride 1, pad 1: same size
            Tensor y = alloc(DType.F32, ys), dy = alloc(DType.F32, ys);
            Conv2dKernels.forwardDual(st(cx).f, st(cdx).f, st(cw).f, bias == null ? null : st(compact(bias)).f,
                    st(y).f, st(dy).f, xs[0], xs[1], xs[2], xs[3], ws[0]);
            return new Tensor[] {y, dy};
        }
        Tensor cw = compact(w);
        Tensor y = conv2d(x, cw, stride, pad), dy = conv2d(dx, cw, stride, pad);
        if (bias != null) addChannelBiasInPlace(y, bias);
        return new Tensor[] {y, dy};
    }

    // ---- linear algebra and images --------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB, int[] outShape) {
        Tensor y = alloc(a.dtype(), outShape);
        matmulInto(a, b, transA, transB, outShape, y, false);
        return y;
    }

    /**
     * y = op(a) op(b), dy = op(da) op(b) + op(a) op(db): the second tangent product is accumulated
     * into the first's output (the GEMM adds its finished sum to C), the same rounding as the
     * composite's separate products and add.
     */
    @Override
    public Tensor[] matmulJvp(Tensor a, Tensor da, Tensor b, Tensor db, boolean transA, boolean transB, int[] outShape) {
        Tensor[] small = GemmF32.matmulJvpSmall(a, da, b, db, transA, transB, outShape);
        if (small != null) return small;
        Tensor y = matmul(a, b, transA, transB, outShape);
        Tensor dy = alloc(a.dtype(), outShape);
        boolean acc = false;
        if (da != null) {
            matmulInto(da, b, transA, transB, outShape, dy, false);
            acc = true;
        }
        if (db != null) matmulInto(a, db, transA, transB, outShape, dy, acc);
        return new Tensor[] {y, dy};
    }

    /** y (compact, outShape) = op(a) op(b), or += when accumulate. */
    private static void matmulInto(Tensor a, Tensor b, boolean transA, boolean transB, int[] outShape, Tensor y,
                                   boolean accumulate) {
        int r = outShape.length;
        int m = outShape[r - 2], n = outShape[r - 1];
        int[] as = a.shape();
        int k = transA ? as[as.length - 2] : as[as.length - 1];
        int batch = Shape.numel(Arrays.copyOf(outShape, r - 2));
        // Operands are read in place when each batch entry is a row-major matrix with unit column
        // stride and the batch entries sit at one fixed stride (e.g. the q, k, v slices of one
        // qkv tensor); anything else is copied compact first. The GEMM result is the same either way.
        a = matrixReadable(a);
        b = matrixReadable(b);
        int[] la = matrixLayout(a), lb = matrixLayout(b);
        if (a.dtype() == DType.F32 && GemmF32.simd && GemmSmall.applies(batch, transA, m, n, k))
            // small products (attention's batched 49 x 64 matrices, the linear layers): the same FMA chains
            GemmSmall.gemm(batch, transA, transB, m, n, k, st(a).f, la[0], la[1], la[2], st(b).f, lb[0], lb[1], lb[2], st(y).f, 0, m * n, n, accumulate);
        else if (a.dtype() == DType.F32)
            Gemm.sgemm(batch, transA, transB, m, n, k, st(a).f, la[0], la[1], la[2], st(b).f, lb[0], lb[1], lb[2], st(y).f, 0, m * n, n, accumulate);
        else
            Gemm.dgemm(batch, transA, transB, m, n, k, st(a).d, la[0], la[1], la[2], st(b).d, lb[0], lb[1], lb[2], st(y).d, 0, m * n, n, accumulate);
    }

    /** x when {@link #matrixLayout} reads it in place, else a compact copy (which it always does). */
    static Tensor matrixReadable(Tensor x) {
        return matrixLayout(x) != null ? x : compact(x);
    }

    /**
     * {offset, batch stride, row stride} when x (batch..., R, C) can be read in place as
     * x[b, i, j] = storage[offset + b*batchStride + i*rowStride + j] over its flattened batch index b
     * (batch stride 0 for rank 2), else null. Needs unit column stride and batch axes that flatten
     * to one stride; axes of length 1 are ignored. Overlapping entries (e.g. a broadcast batch axis
     * of stride 0) are fine: operands are only read.
     */
    static int[] matrixLayout(Tensor x) {
        int[] s = x.shape(), t = x.strides();
        int d = s.length;
        int rows = s[d - 2], cols = s[d - 1];
        if (cols > 1 && t[d - 1] != 1) return null;
        int ld = rows > 1 ? t[d - 2] : cols;
        int bs = -1, expect = -1;
        for (int i = d - 3; i >= 0; i--) {
            if (s[i] == 1) continue;
            if (bs < 0) {
                bs = t[i];
                expect = bs * s[i];
            } else {
                if (t[i] != expect) return null;
                expect *= s[i];
            }
        }
        return new int[] {x.offset(), bs < 0 ? 0 : bs, ld};
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, int stride, int pad) {
        int[] xs = x.shape(), ws = w.shape();
        int ho = Conv2dKernels.outSize(xs[2], ws[2], stride, pad), wo = Conv2dKernels.outSize(xs[3], ws[3], stride, pad);
        Tensor cx = compact(x), cw = compact(w);
        Tensor y = alloc(x.dtype(), new int[] {xs[0], ws[0], ho, wo});
        if (x.dtype() == DType.F32)
            Conv2dKernels.forward(st(cx).f, st(cw).f, st(y).f, xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
        else
            Conv2dKernels.forward(st(cx).d, st(cw).d, st(y).d, xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
        return y;
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xs, int stride, int pad) {
        int[] ws = w.shape();
        Tensor cg = compact(gy), cw = compact(w);
        Tensor gx = alloc(gy.dtype(), xs);
        if (gy.dtype() == DType.F32)
            Conv2dKernels.backwardInput(st(cg).f, st(cw).f, st(gx).f, xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
        else
            Conv2dKernels.backwardInput(st(cg).d, st(cw).d, st(gx).d, xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
        return gx;
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] ws, int stride, int pad) {
        int[] xs = x.shape();
        Tensor cx = compact(x), cg = compact(gy);
        Tensor gw = alloc(x.dtype(), ws);
        if (x.dtype() == DType.F32)
            Conv2dKernels.backwardWeight(st(cx).f, st(cg).f, st(gw).f, xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
        else
            Conv2dKernels.backwardWeight(st(cx).d, st(cg).d, st(gw).d, xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
        return gw;
    }

    @Override
    public Tensor upsample2x(Tensor x) {
        int[] s = x.shape();
        int planes = s[0] * s[1], h = s[2], w = s[3];
        Tensor c = compact(x);
        Tensor y = alloc(x.dtype(), new int[] {s[0], s[1], 2 * h, 2 * w});
        CpuStorage a = st(c), o = st(y);
        Parallel.forRange(planes, Math.max(1, GRAIN / (4 * h * w + 1)), (lo, hi) -> {
            int w2 = 2 * w;
            for (int p = lo; p < hi; p++)
                for (int i = 0; i < h; i++) {
                    int src = (p * h + i) * w, dst = (p * 2 * h + 2 * i) * w2;
                    // one output row from the source row, then a copy of it below
                    if (a.f != null) {
                        float[] af = a.f, of = o.f;
                        for (int j = 0; j < w; j++) {
                            float v = af[src + j];
                            of[dst + 2 * j] = v;
                            of[dst + 2 * j + 1] = v;
                        }
                        System.arraycopy(of, dst, of, dst + w2, w2);
                    } else {
                        double[] ad = a.d, od = o.d;
                        for (int j = 0; j < w; j++) {
                            double v = ad[src + j];
                            od[dst + 2 * j] = v;
                            od[dst + 2 * j + 1] = v;
                        }
                        System.arraycopy(od, dst, od, dst + w2, w2);
                    }
                }
        });
        return y;
    }

    @Override
    public Tensor sumPool2x(Tensor x) {
        int[] s = x.shape();
        int planes = s[0] * s[1], h = s[2] / 2, w = s[3] / 2;
        Tensor c = compact(x);
        Tensor y = alloc(x.dtype(), new int[] {s[0], s[1], h, w});
        CpuStorage a = st(c), o = st(y);
        Parallel.forRange(planes, Math.max(1, GRAIN / (4 * h * w + 1)), (lo, hi) -> {
            for (int p = lo; p < hi; p++)
                for (int i = 0; i < h; i++) {
                    int r0 = (p * 2 * h + 2 * i) * 2 * w, r1 = r0 + 2 * w, out = (p * h + i) * w;
                    if (a.f != null) {
                        float[] af = a.f, of = o.f;
                        // same order as the generic (a + b) + c + d, in double then rounded: bit-identical
                        for (int j = 0; j < w; j++)
                            of[out + j] = (float) ((double) af[r0 + 2 * j] + af[r0 + 2 * j + 1] + af[r1 + 2 * j] + af[r1 + 2 * j + 1]);
                    } else {
                        double[] ad = a.d, od = o.d;
                        for (int j = 0; j < w; j++)
                            od[out + j] = ad[r0 + 2 * j] + ad[r0 + 2 * j + 1] + ad[r1 + 2 * j] + ad[r1 + 2 * j + 1];
                    }
                }
        });
        return y;
    }
}
