package tangent.core.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges across the cores. The rule every kernel follows: each output element is
 * computed entirely inside one {@code body} call, in a fixed order, so results are bit-identical
 * for any number of threads (chunk boundaries may move; no sum is ever split across chunks).
 */
public final class Parallel {
    private Parallel() {}

    /** body(lo, hi) handles indices lo (inclusive) to hi (exclusive). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int lo, int hi);
    }

    private static volatile ForkJoinPool pool =
            new ForkJoinPool(Math.max(1, Integer.getInteger("tangent.threads", Runtime.getRuntime().availableProcessors())));

    /** Number of worker threads kernels use ({@code -Dtangent.threads=N} or {@link #setThreads} to change). */
    public static int threads() {
        return pool.getParallelism();
    }

    /**
     * Sets the number of worker threads (as {@code torch.set_num_threads}). Results do not depend on
     * it (see the class comment); only speed does: ops on a few thousand elements, such as a 2-D
     * MLP's at batch 256, spend more on handing chunks to a second thread than they save.
     * Call it between computations, not while kernels run.
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == threads()) return;
        ForkJoinPool old = pool;
        pool = new ForkJoinPool(n);
        old.shutdown();
    }

    /**
     * Runs body over [0, n) in chunks of at least {@code grain} indices. Runs inline when the
     * problem is a single chunk or when already on a worker thread of this pool.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        grain = Math.max(1, grain);
        int chunks = (n + grain - 1) / grain;
        int maxChunks = threads() * 4;
        if (chunks > maxChunks) {
            chunks = maxChunks;
        }
        ForkJoinPool p = pool;
        if (chunks <= 1 || p.getParallelism() == 1 || ForkJoinTask.getPool() == p) {
            body.run(0, n);
            return;
        }
        final int nChunks = chunks;
        final int per = (n + nChunks - 1) / nChunks;
        p.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] tasks = new RecursiveAction[nChunks];
                for (int c = 0; c < nChunks; c++) {
                    final int lo = c * per, hi = Math.min(n, lo + per);
                    tasks[c] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            if (lo < hi) body.run(lo, hi);
                        }
                    };
                }
                invokeAll(tasks);
            }
        });
    }
}
