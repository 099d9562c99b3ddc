package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.backend.Backend;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.ReduceFn;
import tangent.core.backend.UnaryFn;
import tangent.core.cpu.CpuStorage;
import tangent.core.ops.Conv2dBackwardInput;
import tangent.core.ops.Conv2dBackwardWeight;
import tangent.core.ops.SumPool2x;

/** Tensors: views, copies, conversions, printing, broadcasting, float32/float64 kernel agreement, Rng and parallel determinism. */
class TensorTest {
    static Tensor seq(int... s) {
        double[] v = new double[Shape.numel(s)];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.of(v, s);
    }

    @Test
    void viewsShareStorage() {
        Tensor a = seq(2, 3, 4);
        Tensor r = a.reshape(6, 4);
        assertSame(a.storage(), r.storage(), "reshape of a contiguous tensor is a view");
        Tensor t = a.transpose(0, 2);
        assertSame(a.storage(), t.storage());
        assertArrayEquals(new int[] {4, 3, 2}, t.shape());
        assertArrayEquals(new int[] {1, 4, 12}, t.strides());
        assertFalse(t.isContiguous());
        assertEquals(13.0, t.get(1, 0, 1));
        Tensor p = a.permute(1, 2, 0);
        assertSame(a.storage(), p.storage());
        Tensor s = a.slice(1, 1, 3);
        assertSame(a.storage(), s.storage());
        assertEquals(4, s.offset());
        assertEquals(a.get(1, 2, 3), s.get(1, 1, 3));
        Tensor e = Tensor.of(new double[] {1, 2, 3}, 3, 1).expand(2, 3, 4);
        assertSame(0, e.strides()[2]);
        assertEquals(0, e.strides()[0]);
        assertEquals(3.0, e.get(1, 2, 3));
        // reshape of a non-contiguous tensor copies
        Tensor rc = t.reshape(24);
        assertNotSame(a.storage(), rc.storage());
        assertArrayEquals(t.contiguous().toDoubleArray(), rc.toDoubleArray());
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor a = seq(3, 4);
        Tensor c = a.contiguous();
        assertSame(a.storage(), c.storage());
        Tensor t = a.transpose(0, 1).contiguous();
        assertNotSame(a.storage(), t.storage());
        assertTrue(t.isCompact());
        assertArrayEquals(new double[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, t.toDoubleArray());
        Tensor sl = a.slice(0, 1, 3); // contiguous with an offset
        assertTrue(sl.isContiguous());
        assertFalse(sl.isCompact());
        assertArrayEquals(new double[] {4, 5, 6, 7, 8, 9, 10, 11}, sl.toDoubleArray());
    }

    @Test
    void javaArraysRoundTrip() {
        float[] f = {1.5f, -2f, 3.25f, 0f, 7f, 8f};
        Tensor tf = Tensor.of(f, 2, 3);
        assertEquals(DType.F32, tf.dtype());
        assertArrayEquals(f, tf.toFloatArray());
        f[0] = 99; // of() copies
        assertEquals(1.5, tf.get(0, 0));
        float[] out = tf.toFloatArray();
        out[1] = 42; // toFloatArray copies
        assertEquals(-2.0, tf.get(0, 1));
        double[] d = {1e-300, 2, 3};
        Tensor td = Tensor.of(d, 3);
        assertArrayEquals(d, td.toDoubleArray());
        assertArrayEquals(new float[] {0f, 2f, 3f}, td.toFloatArray());
        assertArrayEquals(new double[] {1.5, -2, 3.25, 0, 7, 8}, tf.toDoubleArray());
        assertEquals(2.0, Tensor.scalar(DType.F64, 2).item());
        assertEquals(0, Tensor.scalar(DType.F64, 2).dim());
        assertArrayEquals(new double[] {1, 3, 5}, seq(3, 2).transpose(0, 1).slice(0, 1, 2).toDoubleArray());
    }

    @Test
    void toStringOfSmallTensors() {
        assertEquals("tensor([[0., 1., 2.], [3., 4., 5.]], shape=(2, 3), dtype=float64)", seq(2, 3).toString());
        assertEquals("tensor(0.5000, shape=(), dtype=float32)", Tensor.scalar(DType.F32, 0.5).toString());
        assertTrue(seq(100).toString().startsWith("tensor([0., 1., "), "100 elements print in full");
        Tensor x = seq(2).requiresGrad(true);
        assertTrue(x.toString().endsWith(", requiresGrad)"));
        assertTrue(x.mul(2.0).toString().contains("op=scale"));
        assertEquals("tensor([[0., 2.], [1., 3.]], shape=(2, 2), dtype=float64)", seq(2, 2).transpose(0, 1).toString());
    }

    @Test
    void broadcastingSemantics() {
        Tensor col = Tensor.of(new double[] {0, 10, 20}, 3, 1), row = Tensor.of(new double[] {1, 2, 3, 4}, 1, 4);
        Tensor s = col.add(row);
        assertArrayEquals(new int[] {3, 4}, s.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24}, s.toDoubleArray());
        Tensor a = seq(2, 3, 4), v = Tensor.of(new double[] {1, 1, 1, 100}, 4);
        Tensor b = a.mul(v);
        assertArrayEquals(new int[] {2, 3, 4}, b.shape());
        assertEquals(a.get(1, 2, 3) * 100, b.get(1, 2, 3));
        assertEquals(a.get(1, 2, 2), b.get(1, 2, 2));
        Tensor sc = a.sub(Tensor.scalar(DType.F64, 1));
        assertEquals(a.get(1, 1, 1) - 1, sc.get(1, 1, 1));
        assertArrayEquals(new int[] {2, 3, 4}, Shape.broadcast("t", new int[] {3, 1}, new int[] {2, 1, 4}));
        assertArrayEquals(new int[] {0, 3}, Shape.broadcast("t", new int[] {0, 1}, new int[] {3}));
        // a transposed operand broadcasts too
        Tensor tt = seq(4, 3).transpose(0, 1).add(v);
        assertEquals(seq(4, 3).get(3, 2) + 100, tt.get(2, 3));
    }

    // ---- float32 vs float64 agreement of every CPU kernel family -----------------------------------

    /** Runs f on float64 inputs and on the same inputs as float32; the float32 result must match the float64 one cast to float32. */
    static void agree(String what, Function<Tensor[], Tensor> f, double tol, Tensor... x64) {
        Tensor[] x32 = new Tensor[x64.length];
        for (int i = 0; i < x64.length; i++) x32[i] = x64[i].to(DType.F32);
        Tensor y64 = f.apply(x64), y32 = f.apply(x32);
        assertEquals(DType.F32, y32.dtype(), what);
        assertArrayEquals(y64.shape(), y32.shape(), what);
        float[] ref = y64.toFloatArray(), got = y32.toFloatArray();
        double scale = 1;
        for (float r : ref) scale = Math.max(scale, Math.abs(r));
        for (int i = 0; i < ref.length; i++)
            assertEquals(ref[i], got[i], tol * scale, what + " element " + i);
    }

    @Test
    void float32AgreesWithFloat64() {
        Rng rng = new Rng(11);
        Tensor a = rng.normal(DType.F64, 3, 5, 7), b = rng.normal(DType.F64, 5, 1), pos = rng.uniform(DType.F64, 0.5, 2, 3, 5, 7);
        for (UnaryFn fn : UnaryFn.values()) {
            Backend be = Backend.of(Device.CPU);
            double p1 = fn == UnaryFn.CLAMP ? -0.5 : fn == UnaryFn.POW ? 1.7 : 0.3, p2 = 0.5;
            Tensor in = fn == UnaryFn.LOG || fn == UnaryFn.SQRT || fn == UnaryFn.RSQRT || fn == UnaryFn.POW ? pos : a;
            // a strided (transposed) input and a compact one
            agree("unary " + fn, x -> be.unary(fn, x[0], p1, p2), 1e-6, in);
            agree("unary strided " + fn, x -> be.unary(fn, x[0].transpose(0, 2), p1, p2), 1e-6, in);
        }
        for (BinaryFn fn : BinaryFn.values()) {
            Tensor other = fn == BinaryFn.DIV ? pos.slice(0, 0, 1) : b;
            agree("binary " + fn, x -> Backend.of(x[0]).binary(fn, x[0], x[1], Shape.broadcast("t", x[0].shape(), x[1].shape())),
                    1e-6, a, other);
            agree("binary same shape " + fn, x -> Backend.of(x[0]).binary(fn, x[0], x[1], x[0].shape()), 1e-6, a, pos);
            agree("binary scalar-left " + fn, x -> Backend.of(x[0]).binary(fn, x[1], x[0], x[0].shape()), 1e-6, pos,
                    Tensor.scalar(DType.F64, 0.7));
        }
        agree("where", x -> F.where(x[0], x[1], x[2]), 0, rng.bernoulli(DType.F64, 0.5, 5, 1), a, b);
        agree("sum", x -> x[0].sum(new int[] {0, 2}, false), 1e-6, a);
        agree("sum all", x -> x[0].sum(), 1e-6, a);
        agree("max", x -> x[0].max(new int[] {1}, true), 0, a);
        agree("reduce of strided", x -> Backend.of(x[0]).reduce(ReduceFn.SUM, x[0].permute(2, 0, 1), new int[] {1}), 1e-6, a);
        Tensor m1 = rng.normal(DType.F64, 2, 17, 33), m2 = rng.normal(DType.F64, 33, 9), m3 = rng.normal(DType.F64, 2, 9, 33);
        agree("matmul", x -> x[0].matmul(x[1]), 1e-5, m1, m2);
        agree("matmul ^T ^T", x -> F.matmul(x[0], x[1], true, true), 1e-5, m1.transpose(1, 2).contiguous(), m3);
        agree("matmul batched ^T", x -> F.matmul(x[0], x[1], false, true), 1e-5, m1, m3);
        Tensor img = rng.normal(DType.F64, 2, 3, 9, 8), w = rng.normal(DType.F64, 4, 3, 3, 3);
        for (int[] sp : new int[][] {{1, 1}, {2, 1}, {2, 0}, {1, 0}}) {
            int st = sp[0], pd = sp[1];
            agree("conv2d s" + st + " p" + pd, x -> F.conv2d(x[0], x[1], null, st, pd), 1e-5, img, w);
            int[] ys = F.conv2d(img, w, null, st, pd).shape();
            Tensor gy = rng.normal(DType.F64, ys);
            agree("conv2d_backward_input s" + st + " p" + pd,
                    x -> new Conv2dBackwardInput(img.shape(), st, pd).apply(x[0], x[1]), 1e-5, gy, w);
            agree("conv2d_backward_weight s" + st + " p" + pd,
                    x -> new Conv2dBackwardWeight(w.shape(), st, pd).apply(x[0], x[1]), 1e-5, img, gy);
        }
        agree("upsample2x", x -> F.upsample2x(x[0]), 0, img);
        agree("sum_pool2x", x -> new SumPool2x().apply(x[0]), 1e-6, img.slice(2, 0, 8));
        agree("copy strided", x -> x[0].permute(2, 0, 1).contiguous(), 0, a);
        agree("concat", x -> F.concat(1, x[0], x[1].transpose(0, 1).expand(3, 1, 7)), 0, a, rng.normal(DType.F64, 7, 1));
        agree("cast", x -> x[0].to(DType.F64).to(x[0].dtype()), 0, a);
    }

    // ---- determinism ----------------------------------------------------------------------------

    @Test
    void rngIsDeterministic() {
        Rng r1 = new Rng(42), r2 = new Rng(42), r3 = new Rng(43);
        double[] a = r1.normalArray(101), b = r2.normalArray(101);
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, r3.normalArray(101)));
        assertEquals(r1.counter(), r2.counter());
        // restoring (seed, counter) continues the same stream
        Rng resumed = new Rng(r1.seed(), r1.counter());
        assertArrayEquals(r1.uniformArray(10, -1, 1), resumed.uniformArray(10, -1, 1));
        assertArrayEquals(new Rng(7).split().normalArray(5), new Rng(7).split().normalArray(5));
        assertArrayEquals(new Rng(9).normal(DType.F32, 4, 5).toFloatArray(), new Rng(9).normal(DType.F32, 4, 5).toFloatArray());
        double[] u = new Rng(1).uniformArray(10000, 0, 1);
        double mean = 0;
        for (double x : u) {
            assertTrue(x >= 0 && x < 1);
            mean += x / u.length;
        }
        assertEquals(0.5, mean, 0.02);
        Tensor mask = new Rng(3).bernoulli(DType.F64, 0.7, 1000);
        assertEquals(700, mask.sum().item(), 60);
    }

    /**
     * The parallel kernels compute every output element inside one chunk in a fixed order, so a
     * result must be bit-identical to a single-chunk computation. (Running with
     * -Dtangent.threads=1 and 2 would need two JVMs; instead we compare the parallel kernel with a
     * sequential computation in the same order, and with the same kernel on a one-row problem,
     * which always runs as a single chunk.)
     */
    @Test
    void parallelKernelsMatchSingleChunkResults() {
        Rng rng = new Rng(12);
        Tensor x = rng.normal(DType.F32, 256, 3000); // 768k elements: many chunks
        float[] xv = x.toFloatArray();
        float[] sums = x.sum(new int[] {1}, false).toFloatArray();
        for (int r = 0; r < 256; r++) {
            // the same kernel on the row alone (one chunk) gives the same bits; a plain double sum agrees closely
            assertEquals(x.slice(0, r, r + 1).contiguous().sum(new int[] {1}, false).item(), sums[r], 0.0, "row " + r);
            double acc = 0;
            for (int j = 0; j < 3000; j++) acc += xv[r * 3000 + j];
            assertEquals(acc, sums[r], 1e-5 * Math.sqrt(3000), "row " + r);
        }
        float[] colMax = x.max(new int[] {0}, false).toFloatArray();
        for (int j = 0; j < 3000; j += 97) {
            float m = Float.NEGATIVE_INFINITY;
            for (int r = 0; r < 256; r++) m = Math.max(m, xv[r * 3000 + j]);
            assertEquals(m, colMax[j]);
        }
        Tensor a = rng.normal(DType.F32, 512, 64), b = rng.normal(DType.F32, 64, 96);
        float[] full = a.matmul(b).toFloatArray();
        for (int r : new int[] {0, 1, 255, 511}) {
            float[] one = a.slice(0, r, r + 1).matmul(b).toFloatArray();
            for (int j = 0; j < 96; j++) assertEquals(one[j], full[r * 96 + j], "matmul row " + r + " col " + j);
        }
        // elementwise: parallel over chunks, sequential by definition per element
        float[] e = x.exp().toFloatArray();
        for (int i = 0; i < xv.length; i += 1013) assertEquals((float) Math.exp(xv[i]), e[i]);
        assertTrue(((CpuStorage) x.storage()).f.length == xv.length);
    }
}
