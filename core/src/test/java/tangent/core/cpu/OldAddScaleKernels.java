package tangent.core.cpu;

import tangent.core.Tensor;

/**
 * The CPU loops of the add_scale op (tangent.core.ops.AddScale): y = (a + b) c and its tangent
 * dy = (da + db) c, each element with the composite's operations in its order (the dtype's add,
 * then the multiply by c rounded to the dtype, as CpuBackend.unary's SCALE), so the results equal
 * a.add(b).mul(c) bit for bit. Elementwise, so independent of the thread count.
 */
final class OldAddScaleKernels {
    private OldAddScaleKernels() {}

    private static final int GRAIN = 1 << 14;

    /** o[i] = (a[i] + b[i]) c, or a[i] c when b is null; a, b contiguous views (offset ao, bo). */
    private static void run(Tensor a, Tensor b, double c, Tensor y) {
        CpuStorage sa = CpuBackend.st(a), sb = b == null ? null : CpuBackend.st(b), so = CpuBackend.st(y);
        int ao = a.offset(), bo = b == null ? 0 : b.offset(), n = y.numel();
        Parallel.forRange(n, GRAIN, (lo, hi) -> {
            if (so.f != null) {
                float[] fa = sa.f, fo = so.f;
                float cf = (float) c;
                if (sb == null) {
                    for (int i = lo; i < hi; i++) fo[i] = cf * fa[ao + i];
                } else {
                    float[] fb = sb.f;
                    for (int i = lo; i < hi; i++) fo[i] = cf * (fa[ao + i] + fb[bo + i]);
                }
            } else {
                double[] da = sa.d, dO = so.d;
                if (sb == null) {
                    for (int i = lo; i < hi; i++) dO[i] = c * da[ao + i];
                } else {
                    double[] db = sb.d;
                    for (int i = lo; i < hi; i++) dO[i] = c * (da[ao + i] + db[bo + i]);
                }
            }
        });
    }

    /** (a + b) c; a, b of one shape and dtype. */
    static Tensor forward(Tensor a, Tensor b, double c) {
        Tensor y = CpuBackend.alloc(a.dtype(), a.shape());
        run(CpuBackend.contiguous(a), CpuBackend.contiguous(b), c, y);
        return y;
    }

    /** {(a + b) c, (da + db) c}; da or db may be null (zero), not both. */
    static Tensor[] forwardJvp(Tensor a, Tensor da, Tensor b, Tensor db, double c) {
        Tensor y = forward(a, b, c), dy = CpuBackend.alloc(a.dtype(), a.shape());
        Tensor t0 = da != null ? da : db, t1 = da != null ? db : null;
        run(CpuBackend.contiguous(t0), t1 == null ? null : CpuBackend.contiguous(t1), c, dy);
        return new Tensor[] {y, dy};
    }
}
