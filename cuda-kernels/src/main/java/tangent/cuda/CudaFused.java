package tangent.cuda;

import static tangent.cuda.CudaBackend.alloc;
import static tangent.cuda.CudaBackend.launch;
import static tangent.cuda.CudaBackend.ptr;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * The fused primitives of {@link CudaBackend} (Backend's optional methods) on norm.cu and act.cu:
 * group_norm forward, forward with tangent and backward; pixel_norm likewise; silu with its tangent;
 * softmax with its tangent and cotangent; the ResBlock modulation. Inputs may be strided views
 * (contiguous copies are made and closed here); outputs are compact and belong to the caller or
 * the current {@link CudaScope}. Saved statistics (group_norm mean and rstd, pixel_norm rstd) have
 * the input's dtype.
 */
final class CudaFused {
    private CudaFused() {}

    /** A null device pointer: the kernels read it as "absent" (no tangent, no affine term). */
    static final CUdeviceptr NULL = new CUdeviceptr();

    /** Contiguous inputs for one kernel, with the copies it made (closed by {@link #close}). */
    private static final class Inputs implements AutoCloseable {
        final String kernel;
        final List<Tensor> temps = new ArrayList<>();

        Inputs(String kernel) {
            this.kernel = kernel;
        }

        /** x itself when contiguous, else a compact copy; null stays null. */
        Tensor take(Tensor x) {
            if (x == null) return null;
            CudaBackend.st(kernel, x);
            if (x.isContiguous()) return x;
            Tensor c = alloc(x.dtype(), x.shape());
            CudaBackend.INSTANCE.copyInto(x, c);
            temps.add(c);
            return c;
        }

        Pointer p(Tensor x) {
            return x == null ? NULL : ptr(kernel, x);
        }

        @Override
        public void close() {
            for (Tensor t : temps) ((CudaStorage) t.storage()).close();
        }
    }

    static String sfx(DType d) {
        return d == DType.F32 ? "f32" : "f64";
    }

    private static void sameDType(String kernel, Tensor x, Tensor... others) {
        for (Tensor o : others)
            if (o != null && o.dtype() != x.dtype())
                throw new IllegalArgumentException(kernel + ": dtypes differ, " + x.dtype() + " and " + o.dtype() + " "
                        + Shape.str(o.shape()));
    }

    private static Supplier<String> desc(String what, Object... shapes) {
        return () -> {
            StringBuilder b = new StringBuilder(what);
            for (Object s : shapes) {
                b.append(' ');
                b.append(s instanceof Tensor ? Shape.str(((Tensor) s).shape()) + " " + ((Tensor) s).dtype() : String.valueOf(s));
            }
            return b.toString();
        };
    }

    // ---- group_norm -----------------------------------------------------------------------

    /** Threads per (sample, group) block: enough to cover n elements a few times, a multiple of 32. */
    static int gnThreads(int n) {
        return n >= 2048 ? 256 : n >= 256 ? 128 : 64;
    }

    /**
     * {y, dy or null, mean (B, G), rstd (B, G)}: y = GN(x), and when withTangent
     * dy = gamma rstd (dx - mean dx - xhat mean(xhat dx)) + dgamma xhat + dbeta (nulls are zeros).
     */
    static Tensor[] groupNorm(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups, double eps,
                              boolean withTangent) {
        String k = "group_norm_fwd_" + sfx(x.dtype());
        int[] s = x.shape();
        if (s.length < 2 || groups <= 0 || s[1] % groups != 0)
            throw new IllegalArgumentException(k + ": " + groups + " groups do not divide the channels of " + Shape.str(s));
        sameDType(k, x, dx, gamma, beta, dgamma, dbeta);
        int B = s[0], C = s[1], S = x.numel() / Math.max(1, B * C), n = C / groups * S;
        Tensor y = alloc(x.dtype(), s), dy = withTangent ? alloc(x.dtype(), s) : null;
        Tensor mean = alloc(x.dtype(), new int[] {B, groups}), rstd = alloc(x.dtype(), new int[] {B, groups});
        if (B * groups > 0 && n > 0) {
            try (Inputs in = new Inputs(k)) {
                Tensor cx = in.take(x), cdx = in.take(dx), cg = in.take(gamma), cb = in.take(beta), cdg = in.take(dgamma),
                        cdb = in.take(dbeta);
                launch(k, B * groups, 1, 1, gnThreads(n), desc("x", x, "groups", groups, "dx", dx == null ? "none" : "given"),
                        in.p(y), in.p(dy), in.p(mean), in.p(rstd), in.p(cx), in.p(cdx), in.p(cg), in.p(cb), in.p(cdg), in.p(cdb),
                        C, S, groups, eps);
            }
        }
        return new Tensor[] {y, dy, mean, rstd};
    }

    /** {gx, ggamma or null, gbeta or null} from the forward's mean and rstd (B, G). */
    static Tensor[] groupNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, boolean wantGamma, boolean wantBeta,
                                      int groups) {
        String k = "group_norm_bwd_" + sfx(x.dtype());
        int[] s = x.shape();
        if (s.length < 2 || groups <= 0 || s[1] % groups != 0)
            throw new IllegalArgumentException(k + ": " + groups + " groups do not divide the channels of " + Shape.str(s));
        sameDType(k, x, gamma, mean, rstd, gy);
        int B = s[0], C = s[1], S = x.numel() / Math.max(1, B * C);
        if (mean.numel() != B * groups || rstd.numel() != B * groups)
            throw new IllegalArgumentException(k + ": mean " + Shape.str(mean.shape()) + " and rstd " + Shape.str(rstd.shape())
                    + " must hold (B, G) = (" + B + ", " + groups + ") statistics for x " + Shape.str(s));
        Tensor gx = alloc(x.dtype(), s);
        Tensor gg = null, gb = null;
        if (x.numel() == 0) {
            if (wantGamma) gg = CudaBackend.INSTANCE.zeros(x.dtype(), new int[] {C});
            if (wantBeta) gb = CudaBackend.INSTANCE.zeros(x.dtype(), new int[] {C});
            return new Tensor[] {gx, gg, gb};
        }
        gg = wantGamma ? alloc(x.dtype(), new int[] {C}) : null;
        gb = wantBeta ? alloc(x.dtype(), new int[] {C}) : null;
        Tensor pg = wantGamma ? alloc(DType.F64, new int[] {B, C}) : null, pb = wantBeta ? alloc(DType.F64, new int[] {B, C}) : null;
        Supplier<String> d = desc("x", x, "groups", groups);
        try (Inputs in = new Inputs(k)) {
            Tensor cx = in.take(x), cg = in.take(gamma), cm = in.take(mean), cr = in.take(rstd), cgy = in.take(gy);
            launch(k, B * groups, 1, 1, gnThreads(S * 2), d, in.p(gx), in.p(pg), in.p(pb), in.p(cx), in.p(cg), in.p(cm), in.p(cr),
                    in.p(cgy), C, S, groups);
            String f = "group_norm_colsum_" + sfx(x.dtype());
            if (gg != null) CudaBackend.launch1d(f, C, d, in.p(gg), in.p(pg), B, C);
            if (gb != null) CudaBackend.launch1d(f, C, d, in.p(gb), in.p(pb), B, C);
        } finally {
            if (pg != null) ((CudaStorage) pg.storage()).close();
            if (pb != null) ((CudaStorage) pb.storage()).close();
        }
        return new Tensor[] {gx, gg, gb};
    }

    // ---- rows along an axis: pixel_norm, softmax ------------------------------------------------

    /** {outer, n, inner} of x viewed around the axis. */
    static int[] rows(String kernel, Tensor x, int axis) {
        int a = Shape.axis(kernel, axis, x.dim());
        int[] s = x.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= s[i];
        for (int i = a + 1; i < s.length; i++) inner *= s[i];
        return new int[] {outer, s[a], inner};
    }

    /** One warp per row: 8 rows per block of 256, at most 32 blocks per SM (grid-stride beyond). */
    private static int rowBlocks(long rows) {
        return (int) Math.max(1, Math.min((rows + 7) / 8, 32L * Math.max(1, Cuda.smCount())));
    }

    private static int[] keep(int[] s, int axis) {
        int[] r = s.clone();
        r[axis] = 1;
        return r;
    }

    /** {y, dy or null, rstd (size 1 at axis)}. */
    static Tensor[] pixelNorm(Tensor v, Tensor dv, int axis, double eps, boolean withTangent) {
        String k = "pixel_norm_fwd_" + sfx(v.dtype());
        sameDType(k, v, dv);
        int[] r = rows(k, v, axis);
        long nrows = (long) r[0] * r[2];
        Tensor y = alloc(v.dtype(), v.shape());
        Tensor dy = withTangent ? (dv == null ? CudaBackend.INSTANCE.zeros(v.dtype(), v.shape()) : alloc(v.dtype(), v.shape())) : null;
        Tensor rstd = alloc(v.dtype(), keep(v.shape(), Shape.axis(k, axis, v.dim())));
        if (nrows > 0 && r[1] > 0)
            try (Inputs in = new Inputs(k)) {
                Tensor cv = in.take(v), cdv = in.take(dv);
                launch(k, rowBlocks(nrows), 1, 1, 256, desc("v", v, "axis", axis), in.p(y), in.p(cdv == null ? null : dy), in.p(rstd), in.p(cv), in.p(cdv),
                        nrows, r[1], r[2], eps);
            }
        return new Tensor[] {y, dy, rstd};
    }

    /** gv = rstd (gy - y mean_axis(y gy)), y = v rstd. */
    static Tensor pixelNormBackward(Tensor v, Tensor rstd, Tensor gy, int axis) {
        String k = "pixel_norm_bwd_" + sfx(v.dtype());
        sameDType(k, v, rstd, gy);
        int[] r = rows(k, v, axis);
        long nrows = (long) r[0] * r[2];
        if (rstd.numel() != nrows)
            throw new IllegalArgumentException(k + ": rstd " + Shape.str(rstd.shape()) + " does not hold one value per row of v "
                    + Shape.str(v.shape()) + " along axis " + axis);
        Tensor gv = alloc(v.dtype(), v.shape());
        if (nrows > 0 && r[1] > 0)
            try (Inputs in = new Inputs(k)) {
                Tensor cv = in.take(v), cr = in.take(rstd), cgy = in.take(gy);
                launch(k, rowBlocks(nrows), 1, 1, 256, desc("v", v, "axis", axis), in.p(gv), in.p(cv), in.p(cr), in.p(cgy), nrows, r[1],
                        r[2]);
            }
        return gv;
    }

    /** {y, dy or null}: softmax along the axis and, when withTangent, dy = y (dx - sum_axis(y dx)). */
    static Tensor[] softmax(Tensor x, Tensor dx, int axis, boolean withTangent) {
        String k = "softmax_fwd_" + sfx(x.dtype());
        sameDType(k, x, dx);
        int[] r = rows(k, x, axis);
        long nrows = (long) r[0] * r[2];
        Tensor y = alloc(x.dtype(), x.shape());
        Tensor dy = withTangent ? (dx == null ? CudaBackend.INSTANCE.zeros(x.dtype(), x.shape()) : alloc(x.dtype(), x.shape())) : null;
        if (nrows > 0 && r[1] > 0)
            try (Inputs in = new Inputs(k)) {
                Tensor cx = in.take(x), cdx = in.take(dx);
                launch(k, rowBlocks(nrows), 1, 1, 256, desc("x", x, "axis", axis), in.p(y), in.p(cdx == null ? null : dy), in.p(cx),
                        in.p(cdx), nrows, r[1], r[2]);
            }
        return new Tensor[] {y, dy};
    }

    /** gx = y (gy - sum_axis(y gy)) from the softmax output y. */
    static Tensor softmaxBackward(Tensor y, Tensor gy, int axis) {
        String k = "softmax_vjp_" + sfx(y.dtype());
        sameDType(k, y, gy);
        int[] r = rows(k, y, axis);
        long nrows = (long) r[0] * r[2];
        Tensor gx = alloc(y.dtype(), y.shape());
        if (nrows > 0 && r[1] > 0)
            try (Inputs in = new Inputs(k)) {
                Tensor cy = in.take(y), cgy = in.take(gy);
                launch(k, rowBlocks(nrows), 1, 1, 256, desc("y", y, "axis", axis), in.p(gx), in.p(cy), in.p(cgy), nrows, r[1], r[2]);
            }
        return gx;
    }

    // ---- elementwise: silu, modulation -------------------------------------------------------

    /** {silu(x), dx silu'(x), silu'(x) or null}; a null dx gives dy = 0. */
    static Tensor[] siluJvp(Tensor x, Tensor dx, boolean wantDerivative) {
        String k = "silu_jvp_" + sfx(x.dtype());
        sameDType(k, x, dx);
        Tensor y = alloc(x.dtype(), x.shape()), der = wantDerivative ? alloc(x.dtype(), x.shape()) : null;
        long n = x.numel();
        Tensor dy;
        try (Inputs in = new Inputs(k)) {
            Tensor cx = in.take(x), cdx = in.take(dx);
            if (cdx == null) {
                // silu'(x) and y need the pass over x anyway; dx = 0 costs a memset
                dy = CudaBackend.INSTANCE.zeros(x.dtype(), x.shape());
                cdx = dy;
            } else {
                dy = alloc(x.dtype(), x.shape());
            }
            if (n > 0) {
                long work = x.dtype() == DType.F32 ? (n + 3) / 4 : n;
                CudaBackend.launch1d(k, work, desc("x", x), in.p(y), in.p(dy), in.p(der), in.p(cx), in.p(cdx), n);
            }
        }
        return new Tensor[] {y, dy, der};
    }

    /**
     * The ResBlock modulation with residual: y = s g + b + res, dy = ds g + s dg + db + dres, for
     * g (B, C, S...) and s, b (B, C); res, and every tangent, may be null (zero). Returns {y, dy or
     * null (when every tangent is null)}.
     */
    static Tensor[] modulate(Tensor g, Tensor dg, Tensor s, Tensor ds, Tensor b, Tensor db, Tensor res, Tensor dres) {
        String k = "modulate_" + sfx(g.dtype());
        sameDType(k, g, dg, s, ds, b, db, res, dres);
        int[] gs = g.shape();
        int B = gs[0], C = gs[1];
        if (s.numel() != (long) B * C || b.numel() != (long) B * C)
            throw new IllegalArgumentException(k + ": s " + Shape.str(s.shape()) + " and b " + Shape.str(b.shape())
                    + " must hold (B, C) = (" + B + ", " + C + ") values for g " + Shape.str(gs));
        long n = g.numel();
        int S = (int) (n / Math.max(1, (long) B * C));
        boolean tangent = dg != null || ds != null || db != null || dres != null;
        Tensor y = alloc(g.dtype(), gs), dy = tangent ? alloc(g.dtype(), gs) : null;
        if (n > 0)
            try (Inputs in = new Inputs(k)) {
                CudaBackend.launch1d(k, n, desc("g", g), in.p(y), in.p(dy), in.p(in.take(g)), in.p(in.take(dg)), in.p(in.take(s)),
                        in.p(in.take(ds)), in.p(in.take(b)), in.p(in.take(db)), in.p(in.take(res)), in.p(in.take(dres)), n, S);
            }
        return new Tensor[] {y, dy};
    }
}
