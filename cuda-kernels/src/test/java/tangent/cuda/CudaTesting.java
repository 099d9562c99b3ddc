package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Random;
import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.cpu.CpuBackend;
import tangent.core.cpu.CpuStorage;

/** Helpers for the GPU tests: the same view over a CPU storage and a CUDA copy of it. */
final class CudaTesting {
    private CudaTesting() {}

    static final CpuBackend CPU = CpuBackend.INSTANCE;
    static final CudaBackend GPU = CudaBackend.INSTANCE;

    /** {cpu, gpu}: the same view (shape, strides, offset) of equal storages of len random values in [lo, hi). */
    static Tensor[] view(Random r, DType dt, int len, int[] shape, int[] strides, int offset, double lo, double hi) {
        double[] d = new double[len];
        for (int i = 0; i < len; i++) d[i] = lo + (hi - lo) * r.nextDouble();
        CpuStorage cs;
        Tensor g;
        if (dt == DType.F32) {
            float[] f = new float[len];
            for (int i = 0; i < len; i++) f[i] = (float) d[i];
            cs = new CpuStorage(f.clone());
            g = GPU.fromArray(f, new int[] {len});
        } else {
            cs = new CpuStorage(d.clone());
            g = GPU.fromArray(d, new int[] {len});
        }
        return new Tensor[] {Tensor.view(cs, shape, strides, offset), Tensor.view(g.storage(), shape, strides, offset)};
    }

    static Tensor[] compact(Random r, DType dt, int... shape) {
        return view(r, dt, Shape.numel(shape), shape, Shape.contiguousStrides(shape), 0, -2, 2);
    }

    static Tensor[] positive(Random r, DType dt, int... shape) {
        return view(r, dt, Shape.numel(shape), shape, Shape.contiguousStrides(shape), 0, 0.1, 3);
    }

    /** A non-compact view of the given shape: the transpose of its last two axes' storage, at an offset. */
    static Tensor[] transposed(Random r, DType dt, int... shape) {
        int n = shape.length;
        int[] t = shape.clone();
        t[n - 1] = shape[n - 2];
        t[n - 2] = shape[n - 1];
        int[] ts = Shape.contiguousStrides(t);
        int[] st = ts.clone();
        st[n - 1] = ts[n - 2];
        st[n - 2] = ts[n - 1];
        return view(r, dt, Shape.numel(shape) + 3, shape, st, 3, -2, 2);
    }

    /** max |cpu - gpu| <= atol + rtol |cpu| elementwise; NaNs must agree; shapes and dtypes must match. */
    static void close(String what, Tensor cpu, Tensor gpu, double rtol, double atol) {
        assertArrayEquals(cpu.shape(), gpu.shape(), what + ": shape");
        assertEquals(cpu.dtype(), gpu.dtype(), what + ": dtype");
        assertEquals(tangent.core.Device.CUDA, gpu.device(), what + ": device");
        double[] a = cpu.toDoubleArray(), b = gpu.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) || Double.isNaN(b[i])) {
                assertTrue(Double.isNaN(a[i]) && Double.isNaN(b[i]), what + ": NaN mismatch at " + i + ": cpu " + a[i] + " gpu " + b[i]);
                continue;
            }
            if (a[i] == b[i]) continue;
            double err = Math.abs(a[i] - b[i]);
            if (!(err <= atol + rtol * Math.abs(a[i])))
                fail(what + ": element " + i + " of " + Shape.str(cpu.shape()) + ": cpu " + a[i] + " gpu " + b[i] + " (|diff| " + err
                        + " > " + atol + " + " + rtol + " |cpu|)");
        }
    }

    /** max |cpu - gpu| <= tol * max(1, max |cpu|). */
    static void scaled(String what, Tensor cpu, Tensor gpu, double tol) {
        assertArrayEquals(cpu.shape(), gpu.shape(), what + ": shape");
        scaled(what, cpu.toDoubleArray(), gpu, tol);
    }

    /** max |ref - gpu| <= tol * max(1, max |ref|), for a reference computed on the host. */
    static void scaled(String what, double[] a, Tensor gpu, double tol) {
        assertNotNull(gpu, what + ": missing output");
        double[] b = gpu.toDoubleArray();
        assertEquals(a.length, b.length, what + ": length");
        double scale = 1, worst = 0;
        int at = -1;
        for (double v : a) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) {
            double e = Math.abs(a[i] - b[i]);
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        assertTrue(worst <= tol * scale, what + ": max |diff| " + worst + " at " + at + " > " + tol + " * " + scale + " (cpu "
                + (at >= 0 ? a[at] : 0) + ", gpu " + (at >= 0 ? b[at] : 0) + ")");
    }

    static String str(int[] s) {
        return Arrays.toString(s);
    }
}
