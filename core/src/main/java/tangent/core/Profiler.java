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
 */
public final class Profiler {
    private Profiler() {}

    /** Whether the hook is on ({@code -Dtangent.profile=true}). */
    public static final boolean ON = Boolean.getBoolean("tangent.profile");

    static final String PRIMAL = "primal", JVP = "jvp", VJP = "vjp";
    private static final ThreadLocal<String> PHASE = ThreadLocal.withInitial(() -> PRIMAL);

    private static final class Stat {
        final LongAdder nanos = new LongAdder(), calls = new LongAdder(), elems = new LongAdder();
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

    static void add(String op, long nanos, long outElems) {
        Stat s = STATS.computeIfAbsent(PHASE.get() + " " + op, k -> new Stat());
        s.nanos.add(nanos);
        s.calls.increment();
        s.elems.add(outElems);
    }

    /** Records a kernel called directly by a rule (not through an op), e.g. a fused JVP: pass System.nanoTime() at its start. */
    public static void kernel(String name, long startNanos, long outElems) {
        if (ON) add(name, System.nanoTime() - startNanos, outElems);
    }

    /** Clears the counters (e.g. after warm-up). */
    public static void reset() {
        STATS.clear();
    }

    /** The table: phase, op, total ms, calls, mean output elements; sorted by time. */
    public static String table() {
        List<Map.Entry<String, Stat>> rows = new ArrayList<>(STATS.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue().nanos.sum(), a.getValue().nanos.sum()));
        double total = 0;
        for (Map.Entry<String, Stat> e : rows) total += e.getValue().nanos.sum() / 1e6;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%n== tangent.profile: %.1f ms in op kernels ==%n", total));
        b.append(String.format(Locale.ROOT, "%-7s %-24s %10s %8s %12s%n", "phase", "op", "ms", "calls", "elems/call"));
        for (Map.Entry<String, Stat> e : rows) {
            Stat s = e.getValue();
            String[] k = e.getKey().split(" ", 2);
            long c = s.calls.sum();
            b.append(String.format(Locale.ROOT, "%-7s %-24s %10.1f %8d %12d%n", k[0], k[1], s.nanos.sum() / 1e6, c,
                    c == 0 ? 0 : s.elems.sum() / c));
        }
        return b.toString();
    }

    /** Prints the table to stderr and clears it. */
    public static void dump() {
        System.err.print(table());
        reset();
    }
}
