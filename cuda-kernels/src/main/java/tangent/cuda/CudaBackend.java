package tangent.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.Broadcast;
import tangent.core.backend.ReduceFn;
import tangent.core.backend.UnaryFn;
import tangent.core.cpu.CpuBackend;

/**
 * The CUDA backend: the {@link Backend} kernels on our own CUDA C kernels (src/main/cuda), launched
 * through JCuda's driver API on the legacy default stream. Same semantics as {@link CpuBackend}:
 * inputs may be strided views (elementwise kernels and reductions read them in place, with up to 8
 * non-mergeable dimensions; GEMM and convolution first make compact copies), outputs are compact.
 * <ul>
 *   <li>elementwise.cu: fill, copy (strided, dtype conversion), unary, binary (broadcast), where</li>
 *   <li>reduce.cu: SUM / MAX over any axes, accumulated in float64 for both dtypes, fixed order
 *       (deterministic, no atomics)</li>
 *   <li>gemm.cu: batched GEMM, 128x128 tiles with 8x8 register blocks, transA/transB, rank-2
 *       operands broadcast (batch stride 0); float32 accumulates in float</li>
 *   <li>igemm.cu ({@link CudaConv}): conv2d as implicit GEMMs with the batch folded in (forward with
 *       the bias, the dual forward reading W once, backward-input, split-K backward-weight summed in
 *       a fixed order); the default</li>
 *   <li>conv.cu: im2col / col2im (gather, no atomics) around the GEMM, selected by
 *       -Dtangent.cuda.conv=im2col; upsample2x, sumPool2x</li>
 *   <li>norm.cu, act.cu ({@link CudaFused}): Backend's fused primitives (group_norm, pixel_norm,
 *       silu and softmax with their tangents; the statistics they save have x's dtype)</li>
 * </ul>
 * Every output is a new {@link CudaStorage}: it joins the current {@link CudaScope}, or belongs to
 * the caller. Temporaries (compact copies, im2col buffers) are closed before returning.
 */
public final class CudaBackend implements Backend {
    public static final CudaBackend INSTANCE = new CudaBackend();

    private static final int THREADS = 256;
    /**
     * Convolutions as implicit GEMMs (igemm.cu, {@link CudaConv}); -Dtangent.cuda.conv=im2col selects
     * im2col with the batched GEMM (conv.cu + gemm.cu) instead.
     */
    static final boolean IMPLICIT_CONV = !"im2col".equals(System.getProperty("tangent.cuda.conv"));
    /** Largest im2col buffer (elements); convolutions of bigger batches run in chunks of images. */
    static long colLimit = 1L << 26;

    private CudaBackend() {}

    @Override
    public Device device() {
        return Device.CUDA;
    }

    // ---- helpers ---------------------------------------------------------------------------

    static CudaStorage st(String kernel, Tensor x) {
        if (!(x.storage() instanceof CudaStorage))
            throw new IllegalArgumentException(kernel + ": a tensor " + Shape.str(x.shape()) + " on " + x.device()
                    + " reached the CUDA backend; move it with tangent.cuda.Cuda.to(x, Device.CUDA) first");
        return (CudaStorage) x.storage();
    }

    /** Device address of x's first element. */
    static CUdeviceptr ptr(String kernel, Tensor x) {
        return st(kernel, x).pointer(x.offset());
    }

    static Tensor alloc(DType dtype, int[] shape) {
        return Tensor.compact(new CudaStorage(dtype, Shape.numel(shape)), shape);
    }

    private static String sfx(DType d) {
        return d == DType.F32 ? "f32" : "f64";
    }

    private static void close(Tensor t) {
        ((CudaStorage) t.storage()).close();
    }

    /** x when compact, else a compact copy (the caller closes it when it is not x). */
    Tensor compact(Tensor x) {
        st("compact", x);
        if (x.isCompact()) return x;
        Tensor y = alloc(x.dtype(), x.shape());
        copyInto(x, y);
        return y;
    }

    private static void closeIfTemp(Tensor temp, Tensor original) {
        if (temp != original) close(temp);
    }

    static int blocks(long n) {
        long sms = Math.max(1, Cuda.smCount());
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, sms * 32));
    }

    /** Launches a kernel; errors name it, its grid and block and the shapes involved. */
    static void launch(String kernel, int gx, int gy, int gz, int bx, Supplier<String> shapes, Object... args) {
        Cuda.ensureContext();
        NativePointerObject[] ps = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Integer) ps[i] = Pointer.to(new int[] {(Integer) a});
            else if (a instanceof Long) ps[i] = Pointer.to(new long[] {(Long) a});
            else if (a instanceof Double) ps[i] = Pointer.to(new double[] {(Double) a});
            else if (a instanceof Float) ps[i] = Pointer.to(new float[] {(Float) a});
            else if (a instanceof int[]) ps[i] = Pointer.to((int[]) a);
            else if (a instanceof Pointer) ps[i] = Pointer.to((Pointer) a);
            else throw new IllegalArgumentException("launch " + kernel + ": unsupported argument " + a);
        }
        String where = kernel + " <<<grid (" + gx + ", " + gy + ", " + gz + "), block (" + bx + ")>>>";
        int r = cuLaunchKernel(Cuda.function(kernel), gx, gy, gz, bx, 1, 1, 0, null, Pointer.to(ps), null);
        if (r != CUresult.CUDA_SUCCESS)
            throw new CudaException("CUDA kernel " + where + " failed to launch: " + CUresult.stringFor(r) + "; " + shapes.get());
        if (Cuda.SYNC) {
            r = cuCtxSynchronize();
            if (r != CUresult.CUDA_SUCCESS)
                throw new CudaException("CUDA kernel " + where + " failed: " + CUresult.stringFor(r) + "; " + shapes.get());
        } else {
            Cuda.lastLaunch = where;
        }
    }

    /** 1-D grid-stride launch over n elements. */
    static void launch1d(String kernel, long n, Supplier<String> shapes, Object... args) {
        launch(kernel, blocks(n), 1, 1, THREADS, shapes, args);
    }

    static final int MAXR = 8;

    /**
     * The packed Idx struct (common.cuh): int rank, int shape[8], int st[4][8]. Drops size-1
     * dimensions and merges neighbours that are contiguous for every operand, so most views
     * become rank 1 or 2; the row-major enumeration order is unchanged.
     */
    static int[] idx(String kernel, int[] shape, int[]... strides) {
        int ops = strides.length;
        List<long[]> dims = new ArrayList<>(); // {size, st0, st1, ...}
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            long[] cur = new long[1 + ops];
            cur[0] = shape[d];
            for (int k = 0; k < ops; k++) cur[1 + k] = strides[k][d];
            if (!dims.isEmpty()) {
                long[] last = dims.get(dims.size() - 1);
                boolean merge = true;
                for (int k = 0; k < ops; k++) merge &= last[1 + k] == cur[1 + k] * cur[0];
                if (merge) {
                    last[0] *= cur[0];
                    for (int k = 0; k < ops; k++) last[1 + k] = cur[1 + k];
                    continue;
                }
            }
            dims.add(cur);
        }
        if (dims.size() > MAXR)
            throw new UnsupportedOperationException(kernel + ": a view of shape " + Shape.str(shape) + " with strides "
                    + Arrays.deepToString(strides) + " has " + dims.size() + " non-mergeable dimensions; the CUDA kernels take at most "
                    + MAXR + " (make it contiguous first)");
        int[] p = new int[1 + MAXR + 4 * MAXR];
        if (dims.isEmpty()) {
            p[0] = 1;
            p[1] = 1;
            return p;
        }
        p[0] = dims.size();
        for (int d = 0; d < dims.size(); d++) {
            long[] cur = dims.get(d);
            p[1 + d] = (int) cur[0];
            for (int k = 0; k < ops; k++) p[1 + MAXR + k * MAXR + d] = (int) cur[1 + k];
        }
        return p;
    }

    private static Supplier<String> shapes(Object... namedShapes) {
        return () -> {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i + 1 < namedShapes.length; i += 2) {
                if (b.length() > 0) b.append(", ");
                Object v = namedShapes[i + 1];
                String s = v instanceof Tensor ? Shape.str(((Tensor) v).shape()) + " " + ((Tensor) v).dtype()
                        + (((Tensor) v).isCompact() ? "" : " strides " + Arrays.toString(((Tensor) v).strides()))
                        : v instanceof int[] ? Shape.str((int[]) v) : String.valueOf(v);
                b.append(namedShapes[i]).append(' ').append(s);
            }
            return b.toString();
        };
    }

    // ---- creation and copies -------------------------------------------------------------

    @Override
    public Tensor zeros(DType dtype, int[] shape) {
        Tensor t = alloc(dtype, shape);
        long bytes = (long) t.numel() * dtype.bytes;
        if (bytes > 0) {
            Cuda.ensureContext();
            Cuda.check("cuMemsetD8 (zeros " + Shape.str(shape) + ")", cuMemsetD8(st("zeros", t).pointer(), (byte) 0, bytes));
        }
        return t;
    }

    @Override
    public Tensor full(DType dtype, int[] shape, double value) {
        Tensor t = alloc(dtype, shape);
        long n = t.numel();
        if (n > 0) launch1d("fill_" + sfx(dtype), n, shapes("out", t), ptr("fill", t), n, value);
        return t;
    }

    @Override
    public Tensor fromArray(float[] data, int[] shape) {
        Tensor t = alloc(DType.F32, shape);
        if (data.length != t.numel())
            throw new IllegalArgumentException("fromArray: " + data.length + " values for shape " + Shape.str(shape));
        if (data.length > 0) {
            Cuda.ensureContext();
            Cuda.checkAfterSync("cuMemcpyHtoD (" + Shape.str(shape) + " float32)",
                    cuMemcpyHtoD(st("fromArray", t).pointer(), Pointer.to(data), (long) data.length * 4));
        }
        return t;
    }

    @Override
    public Tensor fromArray(double[] data, int[] shape) {
        Tensor t = alloc(DType.F64, shape);
        if (data.length != t.numel())
            throw new IllegalArgumentException("fromArray: " + data.length + " values for shape " + Shape.str(shape));
        if (data.length > 0) {
            Cuda.ensureContext();
            Cuda.checkAfterSync("cuMemcpyHtoD (" + Shape.str(shape) + " float64)",
                    cuMemcpyHtoD(st("fromArray", t).pointer(), Pointer.to(data), (long) data.length * 8));
        }
        return t;
    }

    /** A compact tensor of the dtype with x's values (x itself if already so; else the caller closes it). */
    private Tensor compactAs(Tensor x, DType dtype) {
        st("download", x);
        if (x.dtype() == dtype && x.isCompact()) return x;
        Tensor y = alloc(dtype, x.shape());
        copyInto(x, y);
        return y;
    }

    @Override
    public float[] toFloatArray(Tensor x) {
        Tensor c = compactAs(x, DType.F32);
        float[] out = new float[c.numel()];
        try {
            if (out.length > 0) {
                Cuda.ensureContext();
                Cuda.checkAfterSync("cuMemcpyDtoH (" + Shape.str(x.shape()) + " to float32)",
                        cuMemcpyDtoH(Pointer.to(out), st("toFloatArray", c).pointer(), (long) out.length * 4));
            }
        } finally {
            closeIfTemp(c, x);
        }
        return out;
    }

    @Override
    public double[] toDoubleArray(Tensor x) {
        Tensor c = compactAs(x, DType.F64);
        double[] out = new double[c.numel()];
        try {
            if (out.length > 0) {
                Cuda.ensureContext();
                Cuda.checkAfterSync("cuMemcpyDtoH (" + Shape.str(x.shape()) + " to float64)",
                        cuMemcpyDtoH(Pointer.to(out), st("toDoubleArray", c).pointer(), (long) out.length * 8));
            }
        } finally {
            closeIfTemp(c, x);
        }
        return out;
    }

    @Override
    public void copyInto(Tensor src, Tensor dst) {
        if (!Arrays.equals(src.shape(), dst.shape()))
            throw new IllegalArgumentException("copy: source " + Shape.str(src.shape()) + " and destination "
                    + Shape.str(dst.shape()) + " differ");
        st("copy", dst);
        if (src.device() == Device.CPU) {
            // host -> device into a (possibly strided) view: upload compactly, then copy on the device
            Tensor up = src.dtype() == DType.F32 ? fromArray(CpuBackend.INSTANCE.toFloatArray(src), src.shape())
                    : fromArray(CpuBackend.INSTANCE.toDoubleArray(src), src.shape());
            try {
                copyInto(up, dst);
            } finally {
                close(up);
            }
            return;
        }
        long n = dst.numel();
        if (n == 0) return;
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()) {
            Cuda.ensureContext();
            Cuda.check("cuMemcpyDtoD (copy " + Shape.str(src.shape()) + " " + src.dtype() + ")",
                    cuMemcpyDtoD(ptr("copy", dst), ptr("copy", src), n * src.dtype().bytes));
            return;
        }
        String k = "copy_" + sfx(src.dtype()) + "_" + sfx(dst.dtype());
        launch1d(k, n, shapes("src", src, "dst", dst), ptr(k, dst), ptr(k, src), idx(k, dst.shape(), dst.strides(), src.strides()), n);
    }

    // ---- elementwise ---------------------------------------------------------------------

    @Override
    public Tensor unary(UnaryFn fn, Tensor x, double p1, double p2) {
        String k = "unary_" + sfx(x.dtype());
        st(k, x);
        Tensor y = alloc(x.dtype(), x.shape());
        long n = y.numel();
        if (n > 0)
            launch1d(k, n, shapes("fn", fn, "x", x), fn.ordinal(), ptr(k, y), ptr(k, x), idx(k, x.shape(), x.strides(), y.strides()),
                    n, p1, p2);
        return y;
    }

    @Override
    public Tensor binary(BinaryFn fn, Tensor a, Tensor b, int[] outShape) {
        String k = "binary_" + sfx(a.dtype());
        st(k, a);
        st(k, b);
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(k + " (" + fn + "): dtypes differ, " + a.dtype() + " and " + b.dtype());
        Tensor y = alloc(a.dtype(), outShape);
        long n = y.numel();
        if (n > 0)
            launch1d(k, n, shapes("fn", fn, "a", a, "b", b, "out", outShape), fn.ordinal(), ptr(k, y), ptr(k, a), ptr(k, b),
                    idx(k, outShape, Broadcast.strides(a.shape(), a.strides(), outShape),
                            Broadcast.strides(b.shape(), b.strides(), outShape), y.strides()), n);
        return y;
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b, int[] outShape) {
        String k = "where_" + sfx(a.dtype()) + "_c" + (cond.dtype() == DType.F32 ? "32" : "64");
        st(k, cond);
        st(k, a);
        st(k, b);
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(k + ": dtypes differ, " + a.dtype() + " and " + b.dtype());
        Tensor y = alloc(a.dtype(), outShape);
        long n = y.numel();
        if (n > 0)
            launch1d(k, n, shapes("cond", cond, "a", a, "b", b, "out", outShape), ptr(k, y), ptr(k, cond), ptr(k, a), ptr(k, b),
                    idx(k, outShape, Broadcast.strides(cond.shape(), cond.strides(), outShape),
                            Broadcast.strides(a.shape(), a.strides(), outShape),
                            Broadcast.strides(b.shape(), b.strides(), outShape), y.strides()), n);
        return y;
    }

    // ---- reductions ------------------------------------------------------------------------

    @Override
    public Tensor reduce(ReduceFn fn, Tensor x, int[] axes) {
        String s = sfx(x.dtype());
        st("reduce", x);
        int[] shape = x.shape(), strides = x.strides();
        int[] outShape = Shape.keepDims(shape, axes);
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes) reduced[a] = true;
        int nk = shape.length - axes.length;
        int[] keptShape = new int[nk], keptStrides = new int[nk], redShape = new int[axes.length], redStrides = new int[axes.length];
        for (int i = 0, kk = 0, r = 0; i < shape.length; i++) {
            if (reduced[i]) {
                redShape[r] = shape[i];
                redStrides[r++] = strides[i];
            } else {
                keptShape[kk] = shape[i];
                keptStrides[kk++] = strides[i];
            }
        }
        long outer = Shape.numel(keptShape), inner = Shape.numel(redShape);
        int isMax = fn == ReduceFn.MAX ? 1 : 0;
        if (outer == 0) return alloc(x.dtype(), outShape);
        if (inner == 0) return full(x.dtype(), outShape, isMax == 1 ? Double.NEGATIVE_INFINITY : 0.0);
        Tensor y = alloc(x.dtype(), outShape);
        Supplier<String> desc = shapes("fn", fn, "x", x, "axes", Arrays.toString(axes));
        int[] kept = idx("reduce", keptShape, keptStrides), red = idx("reduce", redShape, redStrides);
        if (inner <= 64) {
            String k = "reduce_thread_" + s;
            launch1d(k, outer, desc, isMax, ptr(k, y), ptr(k, x), kept, red, outer, inner);
            return y;
        }
        int block = inner >= 4096 ? 256 : 128;
        long target = 4L * Math.max(1, Cuda.smCount());
        int chunks = (int) Math.max(1, Math.min((target + outer - 1) / outer, (inner + 4095) / 4096));
        while (outer * chunks > Integer.MAX_VALUE) chunks--;
        long chunkLen = (inner + chunks - 1) / chunks;
        String k = "reduce_block_" + s;
        if (chunks == 1) {
            launch(k, (int) outer, 1, 1, block, desc, isMax, ptr(k, y), ptr(k, y) /* unused */, ptr(k, x), kept, red, inner, 1, chunkLen);
            return y;
        }
        Tensor partial = alloc(DType.F64, new int[] {(int) (outer * chunks)});
        try {
            launch(k, (int) (outer * chunks), 1, 1, block, desc, isMax, ptr(k, y), ptr(k, partial), ptr(k, x), kept, red, inner, chunks,
                    chunkLen);
            String f = "reduce_finish_" + s;
            launch1d(f, outer, desc, isMax, ptr(f, y), ptr(f, partial), outer, chunks);
        } finally {
            close(partial);
        }
        return y;
    }

    // ---- linear algebra and images --------------------------------------------------------

    /**
     * C[z] = op(A[z]) op(B[z]) for z < batch (see gemm.cu); pointers at element 0 of batch 0,
     * batch strides in elements (0 = shared operand), ldc = n.
     */
    static void gemm(DType dt, boolean ta, boolean tb, int m, int n, int k, Pointer a, int lda, long sA, Pointer b, int ldb, long sB,
                     Pointer c, long sC, int batch, Supplier<String> desc) {
        if (m == 0 || n == 0 || batch == 0) return;
        String name = "gemm_" + sfx(dt) + "_" + (ta ? "t" : "n") + (tb ? "t" : "n");
        int gx = (n + 127) / 128, gy = (m + 127) / 128;
        if (gy > 65535) throw new UnsupportedOperationException(name + ": M = " + m + " exceeds 65535 * 128 rows; " + desc.get());
        Supplier<String> d = () -> "M " + m + ", N " + n + ", K " + k + ", batch " + batch + ", lda " + lda + ", ldb " + ldb + "; " + desc.get();
        long bytes = dt.bytes;
        for (int z0 = 0; z0 < batch; z0 += 65535) {
            int nz = Math.min(65535, batch - z0);
            launch(name, gx, gy, nz, 256, d, m, n, k, a.withByteOffset(z0 * sA * bytes), lda, sA, b.withByteOffset(z0 * sB * bytes), ldb, sB,
                    c.withByteOffset(z0 * sC * bytes), sC);
        }
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB, int[] outShape) {
        st("matmul", a);
        st("matmul", b);
        int r = outShape.length;
        int m = outShape[r - 2], n = outShape[r - 1];
        int[] as = a.shape();
        int k = transA ? as[as.length - 2] : as[as.length - 1];
        int batch = Shape.numel(Arrays.copyOf(outShape, r - 2));
        long aBatch = a.dim() == 2 ? 0 : (long) m * k, bBatch = b.dim() == 2 ? 0 : (long) k * n;
        int lda = transA ? m : k, ldb = transB ? k : n;
        Tensor y = alloc(a.dtype(), outShape);
        if (y.numel() == 0) return y;
        if (k == 0) {
            Cuda.ensureContext();
            Cuda.check("cuMemsetD8 (matmul with K = 0)", cuMemsetD8(st("matmul", y).pointer(), (byte) 0, (long) y.numel() * a.dtype().bytes));
            return y;
        }
        Tensor ca = compact(a), cb = compact(b);
        try {
            gemm(a.dtype(), transA, transB, m, n, k, ptr("matmul", ca), lda, aBatch, ptr("matmul", cb), ldb, bBatch, ptr("matmul", y),
                    (long) m * n, batch, shapes("matmul a", a, "b", b, "transA", transA, "transB", transB, "out", outShape));
        } finally {
            closeIfTemp(ca, a);
            closeIfTemp(cb, b);
        }
        return y;
    }

    private static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    private static boolean pointwise(int kh, int kw, int stride, int pad) {
        return kh == 1 && kw == 1 && stride == 1 && pad == 0;
    }

    /** Images per im2col chunk. */
    private static int chunk(int batch, long colPerImage) {
        return (int) Math.max(1, Math.min(batch, colLimit / Math.max(1, colPerImage)));
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, int stride, int pad) {
        return IMPLICIT_CONV ? CudaConv.forward(x, null, w, null, stride, pad)[0] : conv2dIm2col(x, w, stride, pad);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int pad) {
        if (IMPLICIT_CONV) return CudaConv.forward(x, null, w, bias, stride, pad)[0];
        return Backend.super.conv2d(x, w, bias, stride, pad);
    }

    @Override
    public Tensor[] conv2dDual(Tensor x, Tensor dx, Tensor w, Tensor bias, int stride, int pad) {
        if (!IMPLICIT_CONV) return null;
        if (dx == null) return new Tensor[] {conv2d(x, w, bias, stride, pad), zeros(x.dtype(), outShape(x.shape(), w.shape(), stride, pad))};
        return CudaConv.forward(x, dx, w, bias, stride, pad);
    }

    private static int[] outShape(int[] xs, int[] ws, int stride, int pad) {
        return new int[] {xs[0], ws[0], outSize(xs[2], ws[2], stride, pad), outSize(xs[3], ws[3], stride, pad)};
    }

    /** conv2d through im2col (gather) and the batched GEMM, image chunk by image chunk. */
    Tensor conv2dIm2col(Tensor x, Tensor w, int stride, int pad) {
        int[] xs = x.shape(), ws = w.shape();
        int B = xs[0], C = xs[1], H = xs[2], W = xs[3], O = ws[0], kh = ws[2], kw = ws[3];
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad);
        st("conv2d", x);
        st("conv2d", w);
        DType dt = x.dtype();
        Tensor y = C == 0 ? zeros(dt, new int[] {B, O, Ho, Wo}) : alloc(dt, new int[] {B, O, Ho, Wo});
        if (y.numel() == 0 || C == 0) return y;
        int P = Ho * Wo, R = C * kh * kw;
        Supplier<String> desc = shapes("conv2d x", x, "w", w, "stride", stride, "pad", pad);
        Tensor cx = compact(x), cw = compact(w);
        Tensor col = null;
        try {
            Pointer px = ptr("conv2d", cx), pw = ptr("conv2d", cw), py = ptr("conv2d", y);
            long bytes = dt.bytes;
            if (pointwise(kh, kw, stride, pad)) {
                gemm(dt, false, false, O, P, C, pw, C, 0, px, P, (long) C * P, py, (long) O * P, B, desc);
                return y;
            }
            int nb = chunk(B, (long) R * P);
            col = alloc(dt, new int[] {nb * R * P});
            Pointer pc = ptr("im2col", col);
            for (int b0 = 0; b0 < B; b0 += nb) {
                int cnt = Math.min(nb, B - b0);
                String k = "im2col_" + sfx(dt);
                launch1d(k, (long) cnt * R * P, desc, pc, px.withByteOffset((long) b0 * C * H * W * bytes), cnt, C, H, W, kh, kw, stride, pad,
                        Ho, Wo);
                gemm(dt, false, false, O, P, R, pw, R, 0, pc, P, (long) R * P, py.withByteOffset((long) b0 * O * P * bytes), (long) O * P,
                        cnt, desc);
            }
        } finally {
            closeIfTemp(cx, x);
            closeIfTemp(cw, w);
            if (col != null) close(col);
        }
        return y;
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        if (IMPLICIT_CONV) return CudaConv.backwardInput(gy, w, xShape, stride, pad);
        return conv2dBackwardInputIm2col(gy, w, xShape, stride, pad);
    }

    /** The adjoint through the GEMM and col2im (gather, no atomics). */
    Tensor conv2dBackwardInputIm2col(Tensor gy, Tensor w, int[] xShape, int stride, int pad) {
        int[] ws = w.shape(), gs = gy.shape();
        int B = xShape[0], C = xShape[1], H = xShape[2], W = xShape[3], O = ws[0], kh = ws[2], kw = ws[3];
        int Ho = gs[2], Wo = gs[3];
        st("conv2d_backward_input", gy);
        st("conv2d_backward_input", w);
        DType dt = gy.dtype();
        int P = Ho * Wo, R = C * kh * kw;
        if (O == 0 || P == 0) return zeros(dt, xShape);
        Tensor gx = alloc(dt, xShape);
        if (gx.numel() == 0) return gx;
        Supplier<String> desc = shapes("conv2d_backward_input gy", gy, "w", w, "x", xShape, "stride", stride, "pad", pad);
        Tensor cg = compact(gy), cw = compact(w);
        Tensor col = null;
        try {
            Pointer pg = ptr("conv2d_backward_input", cg), pw = ptr("conv2d_backward_input", cw), px = ptr("conv2d_backward_input", gx);
            long bytes = dt.bytes;
            if (pointwise(kh, kw, stride, pad)) {
                gemm(dt, true, false, C, P, O, pw, C, 0, pg, P, (long) O * P, px, (long) C * P, B, desc);
                return gx;
            }
            int nb = chunk(B, (long) R * P);
            col = alloc(dt, new int[] {nb * R * P});
            Pointer pc = ptr("col2im", col);
            for (int b0 = 0; b0 < B; b0 += nb) {
                int cnt = Math.min(nb, B - b0);
                gemm(dt, true, false, R, P, O, pw, R, 0, pg.withByteOffset((long) b0 * O * P * bytes), P, (long) O * P, pc, (long) R * P, cnt,
                        desc);
                String k = "col2im_" + sfx(dt);
                launch1d(k, (long) cnt * C * H * W, desc, px.withByteOffset((long) b0 * C * H * W * bytes), pc, cnt, C, H, W, kh, kw, stride,
                        pad, Ho, Wo);
            }
        } finally {
            closeIfTemp(cg, gy);
            closeIfTemp(cw, w);
            if (col != null) close(col);
        }
        return gx;
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        if (IMPLICIT_CONV) return CudaConv.backwardWeight(x, gy, wShape, stride, pad);
        return conv2dBackwardWeightIm2col(x, gy, wShape, stride, pad);
    }

    /** One GEMM per image into (B, O, R) partials over im2col, then the deterministic sum over B. */
    Tensor conv2dBackwardWeightIm2col(Tensor x, Tensor gy, int[] wShape, int stride, int pad) {
        int[] xs = x.shape(), gs = gy.shape();
        int B = xs[0], C = xs[1], H = xs[2], W = xs[3], O = wShape[0], kh = wShape[2], kw = wShape[3];
        int Ho = gs[2], Wo = gs[3];
        st("conv2d_backward_weight", x);
        st("conv2d_backward_weight", gy);
        DType dt = x.dtype();
        int P = Ho * Wo, R = C * kh * kw;
        if (B == 0 || P == 0) return zeros(dt, wShape);
        if (O == 0 || R == 0) return alloc(dt, wShape);
        Supplier<String> desc = shapes("conv2d_backward_weight x", x, "gy", gy, "w", wShape, "stride", stride, "pad", pad);
        Tensor cx = compact(x), cg = compact(gy);
        Tensor col = null, partial = null;
        try {
            Pointer px = ptr("conv2d_backward_weight", cx), pg = ptr("conv2d_backward_weight", cg);
            long bytes = dt.bytes;
            // one (O, R) product per image, then a deterministic sum over the images
            partial = alloc(dt, new int[] {B, O * R});
            Pointer pp = ptr("conv2d_backward_weight", partial);
            if (pointwise(kh, kw, stride, pad)) {
                gemm(dt, false, true, O, C, P, pg, P, (long) O * P, px, P, (long) C * P, pp, (long) O * R, B, desc);
            } else {
                int nb = chunk(B, (long) R * P);
                col = alloc(dt, new int[] {nb * R * P});
                Pointer pc = ptr("im2col", col);
                for (int b0 = 0; b0 < B; b0 += nb) {
                    int cnt = Math.min(nb, B - b0);
                    String k = "im2col_" + sfx(dt);
                    launch1d(k, (long) cnt * R * P, desc, pc, px.withByteOffset((long) b0 * C * H * W * bytes), cnt, C, H, W, kh, kw, stride,
                            pad, Ho, Wo);
                    gemm(dt, false, true, O, R, P, pg.withByteOffset((long) b0 * O * P * bytes), P, (long) O * P, pc, P, (long) R * P,
                            pp.withByteOffset((long) b0 * O * R * bytes), (long) O * R, cnt, desc);
                }
            }
            Tensor sum = reduce(ReduceFn.SUM, partial, new int[] {0});
            return Tensor.compact(sum.storage(), wShape);
        } finally {
            closeIfTemp(cx, x);
            closeIfTemp(cg, gy);
            if (col != null) close(col);
            if (partial != null) close(partial);
        }
    }

    @Override
    public Tensor upsample2x(Tensor x) {
        int[] s = x.shape();
        String k = "upsample2x_" + sfx(x.dtype());
        st(k, x);
        Tensor y = alloc(x.dtype(), new int[] {s[0], s[1], 2 * s[2], 2 * s[3]});
        long n = y.numel();
        if (n == 0) return y;
        Tensor c = compact(x);
        try {
            launch1d(k, n, shapes("x", x), ptr(k, y), ptr(k, c), (long) s[0] * s[1], s[2], s[3]);
        } finally {
            closeIfTemp(c, x);
        }
        return y;
    }

    @Override
    public Tensor sumPool2x(Tensor x) {
        int[] s = x.shape();
        String k = "sumpool2x_" + sfx(x.dtype());
        st(k, x);
        Tensor y = alloc(x.dtype(), new int[] {s[0], s[1], s[2] / 2, s[3] / 2});
        long n = y.numel();
        if (n == 0) return y;
        Tensor c = compact(x);
        try {
            launch1d(k, n, shapes("x", x), ptr(k, y), ptr(k, c), (long) s[0] * s[1], s[2] / 2, s[3] / 2);
        } finally {
            closeIfTemp(c, x);
        }
        return y;
    }

    // ---- fused primitives (norm.cu, act.cu through CudaFused) -------------------------------

    @Override
    public Tensor[] groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        Tensor[] r = CudaFused.groupNorm(x, null, gamma, beta, null, null, groups, eps, false);
        return new Tensor[] {r[0], r[2], r[3]};
    }

    @Override
    public Tensor[] groupNormJvp(Tensor x, Tensor dx, Tensor gamma, Tensor beta, Tensor dgamma, Tensor dbeta, int groups, double eps) {
        return CudaFused.groupNorm(x, dx, gamma, beta, dgamma, dbeta, groups, eps, true);
    }

    @Override
    public Tensor[] groupNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, boolean wantGamma, boolean wantBeta,
                                      int groups) {
        return CudaFused.groupNormBackward(x, gamma, mean, rstd, gy, wantGamma, wantBeta, groups);
    }

    @Override
    public Tensor[] siluJvp(Tensor x, Tensor dx, boolean wantDerivative) {
        return CudaFused.siluJvp(x, dx, wantDerivative);
    }

    @Override
    public Tensor[] pixelNorm(Tensor v, int axis, double eps) {
        Tensor[] r = CudaFused.pixelNorm(v, null, axis, eps, false);
        return new Tensor[] {r[0], r[2]};
    }

    @Override
    public Tensor[] pixelNormJvp(Tensor v, Tensor dv, int axis, double eps) {
        return CudaFused.pixelNorm(v, dv, axis, eps, true);
    }

    @Override
    public Tensor pixelNormBackward(Tensor v, Tensor rstd, Tensor gy, int axis) {
        return CudaFused.pixelNormBackward(v, rstd, gy, axis);
    }

    @Override
    public Tensor[] softmaxJvp(Tensor x, Tensor dx, int axis) {
        return CudaFused.softmax(x, dx, axis, true);
    }
}
