package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Parallel#setThreads} changes the worker count in a running JVM, and the kernels give the
 * same bits for 1, 2 and 3 threads (the property ThreadCountTest checks across JVMs started with
 * -Dtangent.threads): a float32 GEMM whose 300 columns split into several chunks, and a parallel
 * elementwise pass.
 */
class ParallelTest {

    @Test
    void setThreadsChangesTheCountAndNotTheBits() {
        int saved = Parallel.threads();
        try {
            float[] first = null;
            for (int t : new int[] {1, 2, 3}) {
                Parallel.setThreads(t);
                assertEquals(t, Parallel.threads());
                float[] out = compute();
                if (first == null) first = out;
                else assertArrayEquals(first, out, "threads " + t + " vs 1");
            }
        } finally {
            Parallel.setThreads(saved);
        }
        assertEquals(saved, Parallel.threads());
    }

    @Test
    void nonPositiveCountIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }

    /** C = A B (64x200 by 200x300), then c -> c * c + 1 chunk by chunk: both through the pool. */
    private static float[] compute() {
        Random r = new Random(7);
        int m = 64, k = 200, n = 300;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        Gemm.sgemm(1, false, false, m, n, k, a, 0, 0, k, b, 0, 0, n, c, 0, 0, n, false);
        Parallel.forRange(c.length, 1000, (lo, hi) -> {
            for (int i = lo; i < hi; i++) c[i] = c[i] * c[i] + 1f;
        });
        return c;
    }
}
