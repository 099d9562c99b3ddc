package tangent.core.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits index ranges across the cores. The rule every kernel follows: each output element is
 * computed entirely inside one {@code body} call, in a fixed order, so results are bit-identical
 * for any number of threads (chunk boundaries may move; no sum is ever split across chunks).
 *
 * <p>The pool: threads() - 1 worker threads, and the calling thread takes chunks too. Chunks go to
 * whichever thread asks next (an atomic counter); their boundaries depend only on n and grain.
 * A worker that runs out of work spins for {@link #SPIN_NANOS} before it parks: a step calls
 * forRange about a thousand times, with a few hundred microseconds of single-threaded work (tape,
 * allocation) between calls, and waking a parked thread took about 50 us on the 2-core VM, as
 * long as a small kernel's whole call (an OpenMP runtime spins in the same way, KMP_BLOCKTIME).
 */
public final class Parallel {
    private Parallel() {}

    /** body(lo, hi) handles indices lo (inclusive) to hi (exclusive). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int lo, int hi);
    }

    /** How long an idle worker polls for the next job before it parks (1 ms). */
    static final long SPIN_NANOS = 1_000_000L;

    private static volatile Pool pool =
            new Pool(Math.max(1, Integer.getInteger("tangent.threads", Runtime.getRuntime().availableProcessors())));

    /** True on a pool worker, and on a caller while its forRange runs: nested calls run inline. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    /** Number of threads kernels use ({@code -Dtangent.threads=N} or {@link #setThreads} to change). */
    public static int threads() {
        return pool.threads;
    }

    /** Whether the current thread is running a chunk of a forRange (a kernel then splits no further). */
    public static boolean insideRange() {
        return INSIDE.get()[0];
    }

    /**
     * Sets the number of threads (as {@code torch.set_num_threads}). Results do not depend on it
     * (see the class comment); only speed does: ops on a few thousand elements, such as a 2-D
     * MLP's at batch 256, spend more on handing chunks to a second thread than they save.
     * Call it between computations, not while kernels run.
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == threads()) return;
        Pool old = pool;
        pool = new Pool(n);
        old.shutdown();
    }

    /**
     * Runs body over [0, n) in chunks of at least {@code grain} indices (at most 4 per thread).
     * Runs inline when the problem is a single chunk, when called from inside a forRange, or when
     * another thread is using the pool.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        grain = Math.max(1, grain);
        Pool p = pool;
        int chunks = (int) Math.min((n + (long) grain - 1) / grain, p.threads * 4L);
        boolean[] inside = INSIDE.get();
        if (chunks <= 1 || p.threads == 1 || inside[0] || !p.lock.tryLock()) {
            body.run(0, n);
            return;
        }
        inside[0] = true;
        try {
            p.run(new Job(body, n, chunks));
        } finally {
            inside[0] = false;
            p.lock.unlock();
        }
    }

    /** One task of {@link #forEachTask}: task t, run on the calling thread. */
    @FunctionalInterface
    interface TaskBody {
        void run(int t);
    }

    /**
     * Runs body(t) for every t in [0, tasks), each thread taking the next task as it finishes one
     * (one {@link #forRange} chunk per thread, the tasks handed out by an atomic counter). Where
     * tasks are few and long, this ends the threads at most one task apart: a thread that starts
     * late (a parked worker) or runs slow leaves its tasks to the other, where forRange's chunks
     * (up to 8 of ConvDirect's tasks at 28x28) end up to a chunk apart (measured in the fmnist-xs
     * step, ConvDirect's forwardDual 32->32 @28: 0.19-0.34 against 0.57-1.0 ms of idle thread
     * time per call). Which thread runs a task must not change its result.
     */
    static void forEachTask(int tasks, TaskBody body) {
        final AtomicInteger next = new AtomicInteger();
        forRange(Math.min(tasks, threads()), 1, (lo, hi) -> {
            for (int t; (t = next.getAndIncrement()) < tasks; ) body.run(t);
        });
    }

    /** One forRange call: chunk c covers [c per, min(n, (c + 1) per)). */
    private static final class Job {
        final RangeBody body;
        final int n, chunks, per;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable error;

        Job(RangeBody body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.per = (n + chunks - 1) / chunks;
        }

        /** Takes and runs chunks until none is left. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int lo = c * per, hi = Math.min(n, lo + per);
                try {
                    if (lo < hi && error == null) body.run(lo, hi);
                } catch (Throwable t) {
                    error = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Pool {
        final int threads;
        final ReentrantLock lock = new ReentrantLock();
        private final Thread[] workers;
        /** Per worker: set while it is parked or about to park (the caller then unparks it). */
        private final AtomicInteger[] parked;
        private volatile Job job;
        /** Bumped (by the lock holder) after each new job is published. */
        private volatile long generation;
        private volatile boolean shutdown;

        Pool(int threads) {
            this.threads = threads;
            workers = new Thread[threads - 1];
            parked = new AtomicInteger[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                parked[i] = new AtomicInteger();
                final int id = i;
                workers[i] = new Thread(() -> loop(id), "tangent-worker-" + (i + 1));
                workers[i].setDaemon(true);
                workers[i].start();
            }
        }

        /** Publishes the job, works on it, and waits until every chunk is done. */
        void run(Job j) {
            job = j;
            generation = generation + 1;
            for (int i = 0; i < workers.length; i++)
                if (parked[i].get() != 0) LockSupport.unpark(workers[i]);
            j.work();
            for (int spins = 0; j.done.get() < j.chunks; spins++) {
                if (spins < 1 << 16) Thread.onSpinWait();
                else Thread.yield();
            }
            job = null;
            Throwable t = j.error;
            if (t instanceof RuntimeException) throw (RuntimeException) t;
            if (t instanceof Error) throw (Error) t;
            if (t != null) throw new IllegalStateException(t);
        }

        private void loop(int id) {
            INSIDE.get()[0] = true;
            long seen = generation;
            while (!shutdown) {
                long deadline = System.nanoTime() + SPIN_NANOS;
                while (generation == seen && !shutdown) {
                    if (System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    } else {
                        // Announce the park before re-checking: the caller bumps the generation
                        // before reading the flag, so one of the two sees the other's write.
                        parked[id].set(1);
                        if (generation == seen && !shutdown) LockSupport.park(this);
                        parked[id].set(0);
                    }
                }
                seen = generation;
                Job j = job;
                if (j != null) j.work();
            }
        }

        void shutdown() {
            shutdown = true;
            for (Thread w : workers) LockSupport.unpark(w);
        }
    }
}
