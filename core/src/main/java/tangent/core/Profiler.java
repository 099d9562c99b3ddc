package tangent.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A per-op timing hook for finding hot spots: with {@code -Dtangent.profile=true}, {@link Op}
 * times every forward kernel by op name and by the phase it ran in (primal, inside a JVP rule,
 * inside a VJP rule) and prints a table of total milliseconds at JVM exit (or on {@link #dump}).
 * Off by default; then it costs one static boolean test per op.
 *
 * <p>The MB column is the heap the calling thread allocated since its previous profiled kernel
 * ended, charged to this kernel: its output arrays and scratch, plus the small objects of the code
 * between the two (scratch allocated by worker threads is not counted). With
 * {@code -Dtangent.profile.shapes=true} each row is also keyed by its inputs' shapes.
 */
public final class Profiler {
    private Profiler() {}

    /** Whether the hook is on ({@code -Dtangent.profile=true}). */
    public static final boolean ON = Boolean.getBoolean("tangent.profile");

    /** Whether rows are keyed by the inputs' shapes too ({@code -Dtangent.profile.shapes=true}). */
    public static final boolean SHAPES = ON && Boolean.getBoolean("tangent.profile.shapes");

    static final String PRIMAL = "primal", JVP = "jvp", VJP = "vjp";
    private static final ThreadLocal<String> PHASE = ThreadLocal.withInitial(() -> PRIMAL);

    private static final class Stat {
        final LongAdder nanos = new LongAdder(), calls = new LongAdder(), elems = new LongAdder(), bytes = new LongAdder();
    }

    private static final Map<String, Stat> STATS = new ConcurrentHashMap<>();

    static {
        if (ON) Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(table())));
    }

    static String phase() {
        return PHASE.get();
    }

    /** Sets the phase, returning the previous one (restore it with another call). */
    static String enter(String phase) {
        String prev = PHASE.get();
        PHASE.set(phase);
        return prev;
    }

    static void exit(String prev) {
        PHASE.set(prev);
    }

    /** Bytes this thread had allocated when its last profiled kernel ended. */
    private static final ThreadLocal<long[]> ALLOCATED = ThreadLocal.withInitial(() -> new long[1]);

    /** The calling thread's allocated bytes, or 0 where jdk.management is not readable (a module path without it). */
    private static long allocated() {
        try {
            return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                    .getCurrentThreadAllocatedBytes();
        } catch (LinkageError | ClassCastException e) {
            return 0;
        }
    }

    static void add(String op, long nanos, long outElems) {
        Stat s = STATS.computeIfAbsent(PHASE.get() + " " + op, k -> new Stat());
        long[] last = ALLOCATED.get();
        long now = allocated();
        if (last[0] > 0 && now > 0) s.bytes.add(now - last[0]);
        last[0] = now;
        s.nanos.add(nanos);
        s.calls.increment();
        s.elems.add(outElems);
    }

    /** The op's row name: with {@link #SHAPES}, followed by its inputs' shapes. */
    static String row(String op, Tensor[] inputs) {
        if (!SHAPES) return op;
        StringBuilder b = new StringBuilder(op);
        for (Tensor t : inputs) if (t != null) b.append(' ').append(Shape.str(t.shape()));
        return b.toString();
    }

    /** Records a kernel called directly by a rule (not through an op), e.g. a fused JVP: pass System.nanoTime() at its start. */
    public static void kernel(String name, long startNanos, long outElems) {
        if (ON) add(name, System.nanoTime() - startNanos, outElems);
    }

    /** Clears the counters (e.g. after warm-up). */
    public static void reset() {
        STATS.clear();
    }

    /** The table: phase, op, total ms, calls, mean output elements, MB allocated; sorted by time. */
    public static String table() {
        List<Map.Entry<String, Stat>> rows = new ArrayList<>(STATS.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue().nanos.sum(), a.getValue().nanos.sum()));
        double total = 0;
        for (Map.Entry<String, Stat> e : rows) total += e.getValue().nanos.sum() / 1e6;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%n== tangent.profile: %.1f ms in op kernels ==%n", total));
        b.append(String.format(Locale.ROOT, "%-7s %-32s %10s %8s %12s %10s%n", "phase", "op", "ms", "calls", "elems/call", "MB"));
        for (Map.Entry<String, Stat> e : rows) {
            Stat s = e.getValue();
            String[] k = e.getKey().split(" ", 2);
            long c = s.calls.sum();
            b.append(String.format(Locale.ROOT, "%-7s %-32s %10.1f %8d %12d %10.1f%n", k[0], k[1], s.nanos.sum() / 1e6, c,
                    c == 0 ? 0 : s.elems.sum() / c, s.bytes.sum() / 1e6));
        }
        return b.toString();
    }

    /** Prints the table to stderr and clears it. */
    public static void dump() {
        System.err.print(table());
        reset();
    }
}
