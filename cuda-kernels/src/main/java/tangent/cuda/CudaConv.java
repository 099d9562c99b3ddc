package tangent.cuda;

import static tangent.cuda.CudaBackend.alloc;
import static tangent.cuda.CudaBackend.launch;
import static tangent.cuda.CudaBackend.ptr;

import java.util.function.Supplier;
import jcuda.Pointer;
import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * conv2d on the implicit-GEMM kernels of igemm.cu: the batch folded into the GEMM's N (forward,
 * backward-input) or K (backward-weight, split over blocks and summed in a fixed order), operands
 * gathered from the NCHW tensors inside the kernel (no im2col buffer, no loop over images).
 * Tiles: 64 x 128 (float32) and 64 x 64 (float64) outputs per block of 256 threads, K steps of 16.
 * float32 multiplies in FP32 FFMA, or on the tensor cores with TF32 operands and float32
 * accumulation after {@link Cuda#setConvPrecision}("tf32") (the *_tf32 kernels).
 */
final class CudaConv {
    private CudaConv() {}

    static final int BM = 64, BK = 16;

    /** float32 convolutions on the tensor cores (TF32 operands); see {@link Cuda#setConvPrecision}. */
    static volatile boolean tf32 = "tf32".equals(System.getProperty("tangent.cuda.precision", "fp32"));

    /** The kernel-name suffix: f64, f32 (FFMA) or tf32 (tensor cores, float32 data). */
    static String sfx(DType dt) {
        return dt == DType.F32 && tf32 ? "tf32" : CudaFused.sfx(dt);
    }

    static int bn(DType dt) {
        return dt == DType.F32 ? 128 : 64;
    }

    /** The ConvShape struct of igemm.cu: B, C, H, W, O, KH, KW, Ho, Wo, stride, pad. */
    static int[] convShape(int[] xs, int[] ws, int stride, int pad) {
        int ho = (xs[2] + 2 * pad - ws[2]) / stride + 1, wo = (xs[3] + 2 * pad - ws[3]) / stride + 1;
        return new int[] {xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], ho, wo, stride, pad};
    }

    private static void check(String k, int[] cs, Tensor... ts) {
        long n = 0;
        for (Tensor t : ts) n = Math.max(n, t.numel());
        long in = (long) cs[0] * cs[1] * cs[2] * cs[3], out = (long) cs[0] * cs[4] * cs[7] * cs[8];
        if (Math.max(n, Math.max(in, out)) > Integer.MAX_VALUE || (long) cs[1] * cs[5] * cs[6] * cs[4] > Integer.MAX_VALUE)
            throw new UnsupportedOperationException(k + ": tensors of more than 2^31 - 1 elements are not supported (x "
                    + Shape.str(new int[] {cs[0], cs[1], cs[2], cs[3]}) + ", " + cs[4] + " output channels)");
    }

    private static Supplier<String> desc(String k, Tensor x, Tensor w, int stride, int pad) {
        return () -> k + " x " + Shape.str(x.shape()) + " " + x.dtype() + ", w " + Shape.str(w.shape()) + ", stride " + stride + ", pad " + pad;
    }

    /** x when compact, else a compact copy (closed by the caller when it is not x). */
    private static Tensor compact(Tensor x) {
        return x == null ? null : CudaBackend.INSTANCE.compact(x);
    }

    private static void closeIfTemp(Tensor temp, Tensor original) {
        if (temp != null && temp != original) ((CudaStorage) temp.storage()).close();
    }

    /** {conv(x, w) + bias, conv(dx, w) or null}: one launch, W read once per tile for both when dx is given. */
    static Tensor[] forward(Tensor x, Tensor dx, Tensor w, Tensor bias, int stride, int pad) {
        DType dt = x.dtype();
        String k = (dx == null ? "conv_fwd_" : "conv_dual_") + sfx(dt);
        CudaBackend.st(k, x);
        CudaBackend.st(k, w);
        int[] cs = convShape(x.shape(), w.shape(), stride, pad);
        check(k, cs, x, w);
        int[] ys = {cs[0], cs[4], cs[7], cs[8]};
        Tensor y = alloc(dt, ys), dy = dx == null ? null : alloc(dt, ys);
        int M = cs[4], N = cs[0] * cs[7] * cs[8];
        if (M == 0 || N == 0) return new Tensor[] {y, dy};
        Tensor cx = compact(x), cdx = compact(dx), cw = compact(w), cb = compact(bias);
        try {
            Pointer pb = cb == null ? CudaFused.NULL : ptr(k, cb);
            int gx = (N + bn(dt) - 1) / bn(dt), gy = (M + BM - 1) / BM;
            if (dx == null) launch(k, gx, gy, 1, 256, desc(k, x, w, stride, pad), ptr(k, y), ptr(k, cw), ptr(k, cx), pb, cs);
            else launch(k, gx, gy, 1, 256, desc(k, x, w, stride, pad), ptr(k, y), ptr(k, dy), ptr(k, cw), ptr(k, cx), ptr(k, cdx), pb, cs);
        } finally {
            closeIfTemp(cx, x);
            closeIfTemp(cdx, dx);
            closeIfTemp(cw, w);
            closeIfTemp(cb, bias);
        }
        return new Tensor[] {y, dy};
    }

    /** gx (B, C, H, W) = the adjoint of conv2d in x applied to gy. */
    static Tensor backwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        DType dt = gy.dtype();
        String k = "conv_bwd_input_" + sfx(dt);
        CudaBackend.st(k, gy);
        CudaBackend.st(k, w);
        int[] cs = convShape(xShape, w.shape(), stride, pad);
        check(k, cs, gy, w);
        Tensor gx = alloc(dt, xShape);
        int M = cs[1], N = cs[0] * cs[2] * cs[3];
        if (M == 0 || N == 0) return gx;
        Tensor cg = compact(gy), cw = compact(w);
        try {
            launch(k, (N + bn(dt) - 1) / bn(dt), (M + BM - 1) / BM, 1, 256, desc(k, gy, w, stride, pad), ptr(k, gx), ptr(k, cw), ptr(k, cg),
                    cs);
        } finally {
            closeIfTemp(cg, gy);
            closeIfTemp(cw, w);
        }
        return gx;
    }

    /**
     * Splits of K for backward-weight: enough blocks for two per SM, each split at least 8 K steps;
     * {splits, kChunk} with kChunk a multiple of BK and splits = ceil(K / kChunk).
     */
    static int[] splitK(int tiles, long K, int sms) {
        long want = Math.max(1, (2L * sms + tiles - 1) / tiles);
        long most = Math.max(1, (K + 8 * BK - 1) / (8 * BK));
        long splits = Math.min(want, most);
        long chunk = (K + splits - 1) / splits;
        chunk = (chunk + BK - 1) / BK * BK;
        return new int[] {(int) ((K + chunk - 1) / chunk), (int) chunk};
    }

    /** gw (O, C, kh, kw) = sum over the batch and pixels of gy times the gathered x. */
    static Tensor backwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        DType dt = x.dtype();
        String k = "conv_bwd_weight_" + sfx(dt);
        CudaBackend.st(k, x);
        CudaBackend.st(k, gy);
        int[] cs = convShape(x.shape(), wShape, stride, pad);
        check(k, cs, x, gy);
        int M = cs[4], N = cs[1] * cs[5] * cs[6];
        long K = (long) cs[0] * cs[7] * cs[8];
        if (K == 0) return CudaBackend.INSTANCE.zeros(dt, wShape);
        Tensor gw = alloc(dt, wShape);
        if (M == 0 || N == 0) return gw;
        int gx = (N + bn(dt) - 1) / bn(dt), gyb = (M + BM - 1) / BM;
        int[] sk = splitK(gx * gyb, K, Cuda.smCount());
        Tensor cx = compact(x), cg = compact(gy), partial = null;
        Supplier<String> d = () -> desc(k, x, gy, stride, pad).get() + ", w " + Shape.str(wShape) + ", split-K " + sk[0] + " x " + sk[1];
        try {
            if (sk[0] == 1) {
                launch(k, gx, gyb, 1, 256, d, ptr(k, gw), ptr(k, cg), ptr(k, cx), cs, sk[1]);
            } else {
                partial = alloc(dt, new int[] {sk[0], M * N});
                launch(k, gx, gyb, sk[0], 256, d, ptr(k, partial), ptr(k, cg), ptr(k, cx), cs, sk[1]);
                String f = "conv_splitk_sum_" + CudaFused.sfx(dt);
                CudaBackend.launch1d(f, (long) M * N, d, ptr(f, gw), ptr(f, partial), sk[0], (long) M * N);
            }
        } finally {
            closeIfTemp(cx, x);
            closeIfTemp(cg, gy);
            if (partial != null) ((CudaStorage) partial.storage()).close();
        }
        return gw;
    }
}
