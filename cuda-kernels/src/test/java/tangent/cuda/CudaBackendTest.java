package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static tangent.cuda.CudaTesting.*;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.ReduceFn;
import tangent.core.backend.UnaryFn;

/**
 * Every Backend kernel of CudaBackend against CpuBackend, on random inputs including strided,
 * offset and broadcast views and odd sizes, in both dtypes. Tolerances: float64 1e-12 relative
 * (elementwise, reductions), float32 1e-6 relative + 1e-6 absolute (elementwise; the GPU's float
 * functions are within 2 ulp, the CPU computes some in double); products scale with K.
 */
@Tag("cuda")
class CudaBackendTest extends CudaScopedTest {
    private final Random r = new Random(42);

    static double rtol(DType dt) {
        return dt == DType.F32 ? 1e-6 : 1e-12;
    }

    static double atol(DType dt) {
        return dt == DType.F32 ? 1e-6 : 1e-13;
    }

    // ---- creation and copies ----------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void creationAndTransfers(DType dt) {
        close("zeros", CPU.zeros(dt, new int[] {3, 5}), GPU.zeros(dt, new int[] {3, 5}), 0, 0);
        close("full", CPU.full(dt, new int[] {7, 1, 3}, -1.25), GPU.full(dt, new int[] {7, 1, 3}, -1.25), 0, 0);
        close("full rank 0", CPU.full(dt, new int[0], 3.5), GPU.full(dt, new int[0], 3.5), 0, 0);
        assertEquals(0, GPU.zeros(dt, new int[] {0, 4}).numel());
        Tensor[] t = compact(r, dt, 1000003);
        close("fromArray/toDoubleArray", t[0], t[1], 0, 0);
        assertArrayEquals(t[0].toFloatArray(), t[1].toFloatArray(), "toFloatArray");
        Tensor[] v = transposed(r, dt, 5, 7);
        assertArrayEquals(v[0].toDoubleArray(), GPU.toDoubleArray(v[1]), "download of a strided view");
        assertArrayEquals(v[0].toFloatArray(), GPU.toFloatArray(v[1]), "download of a strided view as float32");
    }

    @Test
    void copyIntoStridedWithConversion() {
        for (DType from : DType.values())
            for (DType to : DType.values()) {
                Tensor[] src = transposed(r, from, 6, 9);
                // destination: a strided slice (every other column) of a (6, 18) tensor
                Tensor[] dst = compact(r, to, 6, 18);
                Tensor dc = Tensor.view(dst[0].storage(), new int[] {6, 9}, new int[] {18, 2}, 1);
                Tensor dg = Tensor.view(dst[1].storage(), new int[] {6, 9}, new int[] {18, 2}, 1);
                CPU.copyInto(src[0], dc);
                GPU.copyInto(src[1], dg);
                close("copyInto " + from + " -> " + to, dst[0], dst[1], 0, 0);
                // contiguous same-dtype path (cuMemcpyDtoD) and a broadcast (stride 0) source
                Tensor[] a = compact(r, from, 4, 5), b = compact(r, from, 4, 5);
                CPU.copyInto(a[0], b[0]);
                GPU.copyInto(a[1], b[1]);
                close("contiguous copy", b[0], b[1], 0, 0);
                Tensor[] row = compact(r, from, 1, 5), out = compact(r, to, 4, 5);
                CPU.copyInto(row[0].expand(4, 5), out[0]);
                GPU.copyInto(Tensor.view(row[1].storage(), new int[] {4, 5}, new int[] {0, 1}, 0), out[1]);
                close("broadcast copy", out[0], out[1], 0, 0);
            }
        // host -> device copy into a view (Tensor.copyFrom of a CPU tensor into a CUDA one)
        Tensor[] d = compact(r, DType.F32, 3, 4);
        Tensor host = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
        d[1].copyFrom(host);
        assertArrayEquals(host.toFloatArray(), d[1].toFloatArray());
    }

    // ---- elementwise ------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(UnaryFn.class)
    void unary(UnaryFn fn) {
        for (DType dt : DType.values()) {
            boolean pos = fn == UnaryFn.LOG || fn == UnaryFn.SQRT || fn == UnaryFn.RSQRT;
            double[][] params = fn == UnaryFn.POW ? new double[][] {{2, 0}, {3, 0}, {0.5, 0}, {-1, 0}, {1.5, 0}, {1, 0}}
                    : fn == UnaryFn.CLAMP ? new double[][] {{-0.5, 0.7}}
                    : fn == UnaryFn.SCALE ? new double[][] {{-1.7, 0}} : fn == UnaryFn.ADD_SCALAR ? new double[][] {{0.3, 0}} : new double[][] {{0, 0}};
            for (double[] p : params) {
                Tensor[] x = pos || fn == UnaryFn.POW ? positive(r, dt, 33, 65) : transposed(r, dt, 33, 65);
                close(fn + " " + dt + " p " + p[0], CPU.unary(fn, x[0], p[0], p[1]), GPU.unary(fn, x[1], p[0], p[1]), rtol(dt) * 4,
                        atol(dt));
                Tensor[] big = view(r, dt, 1 << 20, new int[] {1 << 19}, new int[] {2}, 1, pos ? 0.1 : -20, 20);
                close(fn + " " + dt + " strided 512K", CPU.unary(fn, big[0], p[0], p[1]), GPU.unary(fn, big[1], p[0], p[1]),
                        rtol(dt) * 4, atol(dt));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryFn.class)
    void binaryWithBroadcasting(BinaryFn fn) {
        for (DType dt : DType.values()) {
            double rt = fn == BinaryFn.SILU_BACKWARD ? rtol(dt) * 4 : rtol(dt), at = atol(dt);
            Tensor[] a = compact(r, dt, 3, 1, 5), b = compact(r, dt, 4, 1);
            close(fn + " (3,1,5) (4,1)", CPU.binary(fn, a[0], b[0], new int[] {3, 4, 5}), GPU.binary(fn, a[1], b[1], new int[] {3, 4, 5}), rt, at);
            Tensor[] t = transposed(r, dt, 7, 6, 11), s = compact(r, dt);
            close(fn + " strided x scalar", CPU.binary(fn, t[0], s[0], t[0].shape()), GPU.binary(fn, t[1], s[1], t[1].shape()), rt, at);
            close(fn + " scalar x strided", CPU.binary(fn, s[0], t[0], t[0].shape()), GPU.binary(fn, s[1], t[1], t[1].shape()), rt, at);
            Tensor[] u = compact(r, dt, (1 << 20) + 3), v = compact(r, dt, (1 << 20) + 3);
            close(fn + " contiguous 1M+3", CPU.binary(fn, u[0], v[0], u[0].shape()), GPU.binary(fn, u[1], v[1], u[1].shape()), rt, at);
            // equal values for the comparisons
            close(fn + " x with itself", CPU.binary(fn, a[0], a[0], a[0].shape()), GPU.binary(fn, a[1], a[1], a[1].shape()), rt, at);
            // 2 x 3 x 2 x 3 x 2 x 2: a permuted view (several non-mergeable dims)
            Tensor[] p = compact(r, dt, 2, 3, 2, 3, 2, 2);
            Tensor pc = p[0].permute(5, 3, 1, 0, 2, 4), pg = Tensor.view(p[1].storage(), pc.shape(), pc.strides(), 0);
            Tensor[] q = compact(r, dt, 3, 1, 2, 1, 2);
            close(fn + " permuted rank 6", CPU.binary(fn, pc, q[0], pc.shape()), GPU.binary(fn, pg, q[1], pg.shape()), rt, at);
        }
    }

    @Test
    void where() {
        for (DType dt : DType.values())
            for (DType ct : DType.values()) {
                Tensor[] c0 = compact(r, ct, 4, 1, 6);
                Tensor cc = CPU.binary(BinaryFn.GT, c0[0], CPU.full(ct, new int[0], 0), c0[0].shape());
                Tensor cg = GPU.binary(BinaryFn.GT, c0[1], GPU.full(ct, new int[0], 0), c0[1].shape());
                Tensor[] a = transposed(r, dt, 4, 5, 6), b = compact(r, dt, 5, 1);
                close("where " + dt + " cond " + ct, CPU.where(cc, a[0], b[0], new int[] {4, 5, 6}), GPU.where(cg, a[1], b[1], new int[] {4, 5, 6}),
                        0, 0);
            }
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Test
    void reduce() {
        int[][] axesSets = {{0}, {1}, {2}, {3}, {0, 2}, {1, 3}, {0, 1, 2, 3}, {1, 2, 3}, {0, 1}};
        for (DType dt : DType.values())
            for (ReduceFn fn : ReduceFn.values()) {
                for (int[] axes : axesSets) {
                    Tensor[] x = compact(r, dt, 3, 4, 5, 6);
                    check(fn, x, axes, dt);
                    Tensor[] t = transposed(r, dt, 3, 4, 6, 5);
                    check(fn, t, axes, dt);
                }
                check(fn, compact(r, dt, (1 << 22) + 7), new int[] {0}, dt);            // chunked: 1 output
                check(fn, compact(r, dt, 10, 5000), new int[] {1}, dt);                 // block per output
                check(fn, compact(r, dt, 5000, 10), new int[] {0}, dt);                 // block per output, strided
                check(fn, compact(r, dt, 3000, 33), new int[] {1}, dt);                 // thread per output
                check(fn, transposed(r, dt, 64, 32, 24, 24), new int[] {0, 2, 3}, dt);  // GroupNorm/bias-like
                check(fn, compact(r, dt, 0, 5), new int[] {0}, dt);                     // empty reduction
            }
    }

    private static void check(ReduceFn fn, Tensor[] x, int[] axes, DType dt) {
        long inner = 1;
        for (int a : axes) inner *= x[0].shape()[a];
        String what = fn + " " + dt + " of " + Shape.str(x[0].shape()) + " over " + str(axes);
        if (fn == ReduceFn.MAX) close(what, CPU.reduce(fn, x[0], axes), GPU.reduce(fn, x[1], axes), 0, 0);
        else close(what, CPU.reduce(fn, x[0], axes), GPU.reduce(fn, x[1], axes), dt == DType.F32 ? 1e-6 : 1e-12,
                (dt == DType.F32 ? 1e-6 : 1e-13) * Math.sqrt(inner));
    }

    @Test
    void reductionsAreDeterministic() {
        Tensor[] x = compact(r, DType.F32, 3, 1 << 20);
        float[] a = GPU.reduce(ReduceFn.SUM, x[1], new int[] {1}).toFloatArray();
        for (int i = 0; i < 3; i++) assertArrayEquals(a, GPU.reduce(ReduceFn.SUM, x[1], new int[] {1}).toFloatArray());
    }

    // ---- matmul -------------------------------------------------------------------------------

    private static void mm(String what, Tensor[] a, Tensor[] b, boolean ta, boolean tb, int[] out, DType dt, int k) {
        double tol = dt == DType.F32 ? 4e-6 * Math.sqrt(k) : 1e-13 * Math.sqrt(k);
        scaled(what + " " + dt + (ta ? " tA" : "") + (tb ? " tB" : ""), CPU.matmul(a[0], b[0], ta, tb, out), GPU.matmul(a[1], b[1], ta, tb, out),
                tol);
    }

    @Test
    void matmul() {
        for (DType dt : DType.values()) {
            for (int[] mnk : new int[][] {{37, 53, 29}, {128, 128, 8}, {129, 127, 130}, {1, 1, 1}, {1, 300, 17}, {200, 3, 1}}) {
                int m = mnk[0], n = mnk[1], k = mnk[2];
                for (boolean ta : new boolean[] {false, true})
                    for (boolean tb : new boolean[] {false, true}) {
                        Tensor[] a = compact(r, dt, ta ? new int[] {k, m} : new int[] {m, k});
                        Tensor[] b = compact(r, dt, tb ? new int[] {n, k} : new int[] {k, n});
                        mm("matmul " + str(mnk), a, b, ta, tb, new int[] {m, n}, dt, k);
                        Tensor[] ab = compact(r, dt, ta ? new int[] {3, k, m} : new int[] {3, m, k});
                        Tensor[] bb = compact(r, dt, tb ? new int[] {3, n, k} : new int[] {3, k, n});
                        mm("batched", ab, bb, ta, tb, new int[] {3, m, n}, dt, k);
                        mm("batched x rank 2", ab, b, ta, tb, new int[] {3, m, n}, dt, k);
                        mm("rank 2 x batched", a, bb, ta, tb, new int[] {3, m, n}, dt, k);
                    }
            }
            // non-compact operands (copied first) and a 4-D batch
            Tensor[] a = transposed(r, dt, 2, 3, 19, 23), b = transposed(r, dt, 2, 3, 23, 17);
            mm("strided 4-D", a, b, false, false, new int[] {2, 3, 19, 17}, dt, 23);
            Tensor[] z1 = compact(r, dt, 4, 0), z2 = compact(r, dt, 0, 5);
            close("K = 0", CPU.matmul(z1[0], z2[0], false, false, new int[] {4, 5}), GPU.matmul(z1[1], z2[1], false, false, new int[] {4, 5}), 0, 0);
        }
    }

    @Test
    void gemm1024() {
        Tensor[] a = compact(r, DType.F32, 1024, 1024), b = compact(r, DType.F32, 1024, 1024);
        mm("gemm 1024^3", a, b, false, false, new int[] {1024, 1024}, DType.F32, 1024);
        mm("gemm 1024^3", a, b, true, true, new int[] {1024, 1024}, DType.F32, 1024);
    }

    // ---- convolution and resampling --------------------------------------------------------------

    private void conv(DType dt, int[] xs, int[] ws, int stride, int pad, double tol) {
        Tensor[] x = compact(r, dt, xs), w = compact(r, dt, ws);
        String what = "x " + str(xs) + " w " + str(ws) + " stride " + stride + " pad " + pad + " " + dt;
        Tensor yc = CPU.conv2d(x[0], w[0], stride, pad), yg = GPU.conv2d(x[1], w[1], stride, pad);
        scaled("conv2d " + what, yc, yg, tol);
        Tensor[] gy = compact(r, dt, yc.shape());
        scaled("conv2d_backward_input " + what, CPU.conv2dBackwardInput(gy[0], w[0], xs, stride, pad),
                GPU.conv2dBackwardInput(gy[1], w[1], xs, stride, pad), tol);
        Tensor gwc = CPU.conv2dBackwardWeight(x[0], gy[0], ws, stride, pad), gwg = GPU.conv2dBackwardWeight(x[1], gy[1], ws, stride, pad);
        scaled("conv2d_backward_weight " + what, gwc, gwg, tol * 4);
        assertArrayEquals(gwg.toFloatArray(), GPU.conv2dBackwardWeight(x[1], gy[1], ws, stride, pad).toFloatArray(),
                "conv2d_backward_weight is deterministic");
    }

    @Test
    void conv2dSmall() {
        for (DType dt : DType.values()) {
            double tol = dt == DType.F32 ? 1e-5 : 1e-12;
            conv(dt, new int[] {2, 3, 7, 9}, new int[] {5, 3, 3, 3}, 1, 1, tol);
            conv(dt, new int[] {2, 3, 7, 9}, new int[] {5, 3, 3, 3}, 2, 0, tol);
            conv(dt, new int[] {3, 4, 8, 8}, new int[] {6, 4, 1, 1}, 1, 0, tol);
            conv(dt, new int[] {1, 2, 11, 10}, new int[] {3, 2, 5, 5}, 2, 2, tol);
            conv(dt, new int[] {2, 1, 5, 5}, new int[] {1, 1, 3, 2}, 3, 1, tol);
        }
    }

    @Test
    void conv2dChunkedIm2col() {
        long saved = CudaBackend.colLimit;
        CudaBackend.colLimit = 3 * 27 * 63; // forces chunks of a few images
        try {
            int[] xs = {7, 3, 7, 9}, ws = {5, 3, 3, 3};
            Tensor[] x = compact(r, DType.F64, xs), w = compact(r, DType.F64, ws), gy = compact(r, DType.F64, 7, 5, 7, 9);
            scaled("chunked im2col conv2d", CPU.conv2d(x[0], w[0], 1, 1), GPU.conv2dIm2col(x[1], w[1], 1, 1), 1e-12);
            scaled("chunked im2col backward-input", CPU.conv2dBackwardInput(gy[0], w[0], xs, 1, 1),
                    GPU.conv2dBackwardInputIm2col(gy[1], w[1], xs, 1, 1), 1e-12);
            scaled("chunked im2col backward-weight", CPU.conv2dBackwardWeight(x[0], gy[0], ws, 1, 1),
                    GPU.conv2dBackwardWeightIm2col(x[1], gy[1], ws, 1, 1), 1e-12);
        } finally {
            CudaBackend.colLimit = saved;
        }
    }

    @Test
    void conv2dLarge64() {
        conv(DType.F32, new int[] {32, 64, 28, 28}, new int[] {64, 64, 3, 3}, 1, 1, 2e-5);
    }

    @Test
    void conv2dLarge128() {
        conv(DType.F32, new int[] {32, 128, 14, 14}, new int[] {128, 128, 3, 3}, 1, 1, 2e-5);
    }

    @Test
    void upsampleAndSumPool() {
        for (DType dt : DType.values()) {
            Tensor[] x = transposed(r, dt, 2, 3, 5, 4);
            close("upsample2x " + dt, CPU.upsample2x(x[0]), GPU.upsample2x(x[1]), 0, 0);
            Tensor[] y = transposed(r, dt, 2, 3, 6, 8);
            close("sumPool2x " + dt, CPU.sumPool2x(y[0]), GPU.sumPool2x(y[1]), 0, 0);
        }
    }

    @Test
    void cpuTensorIsRejectedByName() {
        Tensor c = Tensor.zeros(DType.F32, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GPU.unary(UnaryFn.NEG, c, 0, 0));
        assertTrue(e.getMessage().contains("Cuda.to"), e.getMessage());
    }
}
