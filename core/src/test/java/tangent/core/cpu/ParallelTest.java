package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Chunks reach every index once (and forEachTask every task once), nested calls run inline,
 * exceptions reach the caller, and {@link Parallel#setThreads} changes the worker count in a
 * running JVM, and the kernels give the same bits for 1, 2 and 3 threads (the property
 * ThreadCountTest checks across JVMs started with -Dtangent.threads): a float32 GEMM whose 300
 * columns split into several chunks, and a parallel elementwise pass.
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

    /** Every index is visited once: from the caller, from inside a chunk (inline), from two threads at once. */
    @Test
    void everyIndexOnceNestedAndConcurrent() throws Exception {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(3);
            int n = 10_000;
            int[] hits = new int[n];
            Parallel.forRange(n / 100, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    final int row = i;
                    Parallel.forRange(100, 10, (a, b) -> {
                        for (int j = a; j < b; j++) hits[row * 100 + j]++;
                    });
                }
            });
            for (int i = 0; i < n; i++) assertEquals(1, hits[i], "index " + i);
            long[][] sums = new long[2][1];
            Thread[] ts = new Thread[2];
            for (int t = 0; t < 2; t++) {
                final long[] sum = sums[t];
                ts[t] = new Thread(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        java.util.concurrent.atomic.AtomicLong acc = new java.util.concurrent.atomic.AtomicLong();
                        Parallel.forRange(1000, 10, (lo, hi) -> {
                            long s = 0;
                            for (int i = lo; i < hi; i++) s += i;
                            acc.addAndGet(s);
                        });
                        sum[0] += acc.get();
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts) t.join();
            for (long[] sum : sums) assertEquals(200L * 999 * 1000 / 2, sum[0]);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /**
     * forEachTask runs every task exactly once, with fewer, as many or more tasks than threads,
     * with none, and from inside a chunk (inline).
     */
    @Test
    void forEachTaskRunsEveryTaskOnce() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(3);
            for (int tasks : new int[] {0, 1, 2, 3, 4, 50}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(tasks);
                Parallel.forEachTask(tasks, hits::incrementAndGet);
                for (int t = 0; t < tasks; t++) assertEquals(1, hits.get(t), "task " + t + " of " + tasks);
            }
            int[] nested = new int[4 * 7];
            Parallel.forRange(4, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    final int row = i;
                    Parallel.forEachTask(7, t -> nested[row * 7 + t]++);
                }
            });
            for (int i = 0; i < nested.length; i++) assertEquals(1, nested[i], "nested task " + i);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** An exception thrown by a chunk on any thread reaches the caller as itself. */
    @Test
    void aChunksExceptionReachesTheCaller() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            for (int bad : new int[] {0, 7}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                        Parallel.forRange(8, 1, (lo, hi) -> {
                            if (lo == bad) throw new IllegalArgumentException("chunk " + lo);
                        }));
                assertEquals("chunk " + bad, e.getMessage());
            }
            int[] after = new int[100];
            Parallel.forRange(100, 10, (lo, hi) -> {
                for (int i = lo; i < hi; i++) after[i] = i;
            });
            for (int i = 0; i < 100; i++) assertEquals(i, after[i], "the pool still works after an exception");
        } finally {
            Parallel.setThreads(saved);
        }
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
