package tangent.cuda;

import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * Fused in-place optimizer and EMA updates on the GPU (src/main/cuda/optim.cu): one kernel launch
 * per parameter tensor instead of a dozen elementwise ops. All operands must be compact CUDA
 * tensors (offset 0, whole storage) of one dtype and shape. Arithmetic in double, as in the CPU
 * loops of tangent.nn.optim; float32 storage rounds once per write.
 */
public final class CudaOptim {
    private CudaOptim() {}

    /** Adam (mode 0), RAdam rectified (1) or RAdam unrectified (2); see optim.cu for the formulas. */
    public static final int ADAM = 0, RADAM_RECT = 1, RADAM_PLAIN = 2;

    private static String sfx(DType d) {
        return d == DType.F32 ? "f32" : "f64";
    }

    private static void check(String what, Tensor ref, Tensor... ts) {
        for (Tensor t : ts) {
            CudaBackend.st(what, t);
            if (!t.isCompact() || t.offset() != 0 || t.storage().length() != t.numel() || t.dtype() != ref.dtype()
                    || !java.util.Arrays.equals(t.shape(), ref.shape()))
                throw new IllegalArgumentException(what + ": expected compact CUDA tensors of " + Shape.str(ref.shape()) + " "
                        + ref.dtype() + ", got " + Shape.str(t.shape()) + " " + t.dtype() + (t.isCompact() ? "" : " (a strided view)"));
        }
    }

    /**
     * One Adam-family step in place: p, m, v updated from gradient g (g may be a strided view: it
     * is made compact first). Coefficients as in optim.cu: decay (decoupled weight decay factor),
     * l2 (coupled weight decay), betas, a (step size), c (sqrt of the second bias correction),
     * eps, bc1 (first bias correction) and r (RAdam's rectification).
     */
    public static void adam(Tensor p, Tensor g, Tensor m, Tensor v, int mode, double decay, double l2, double b1, double b2,
                            double a, double c, double eps, double bc1, double r) {
        Tensor gc = g.isCompact() && g.offset() == 0 && g.storage().length() == g.numel() && g.dtype() == p.dtype() ? g
                : CudaBackend.INSTANCE.zeros(p.dtype(), g.shape());
        try {
            if (gc != g) CudaBackend.INSTANCE.copyInto(g, gc);
            check("adam_update", p, p, gc, m, v);
            long n = p.numel();
            if (n == 0) return;
            String k = "adam_update_" + sfx(p.dtype());
            CudaBackend.launch1d(k, n, () -> "p " + Shape.str(p.shape()) + " " + p.dtype(), CudaBackend.ptr(k, p), CudaBackend.ptr(k, gc),
                    CudaBackend.ptr(k, m), CudaBackend.ptr(k, v), n, mode, decay, l2, b1, b2, a, c, eps, bc1, r);
        } finally {
            if (gc != g) ((CudaStorage) gc.storage()).close();
        }
    }

    /** shadow = beta shadow + (1 - beta) p, in place (p compact, same dtype and shape). */
    public static void ema(Tensor shadow, Tensor p, double beta) {
        check("ema_update", shadow, shadow, p);
        long n = p.numel();
        if (n == 0) return;
        String k = "ema_update_" + sfx(p.dtype());
        CudaBackend.launch1d(k, n, () -> "shadow " + Shape.str(shadow.shape()) + " " + shadow.dtype(), CudaBackend.ptr(k, shadow),
                CudaBackend.ptr(k, p), n, beta);
    }
}
