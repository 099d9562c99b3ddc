package tangent.scm.train;

import java.util.Locale;

/**
 * Up-front size checks: a request whose memory cannot fit in this JVM's heap, or whose array would
 * exceed Java's array length limit, is refused with the number that would be needed, before any
 * work starts (instead of an OutOfMemoryError or a NegativeArraySizeException later).
 */
public final class Memory {
    private Memory() {}

    /** The largest array length the JVM reliably allocates. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Refuses what (e.g. "--batch 1000000000") when bytes exceeds {@link Runtime#maxMemory}; the
     * message ends with remedy (e.g. "use a smaller --batch").
     */
    public static void require(String what, long bytes, String remedy) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes < 0 || bytes > max)
            throw new IllegalArgumentException(what + " needs at least " + (bytes < 0 ? "more than 8 EiB" : human(bytes))
                    + " of memory but this JVM may use " + human(max) + " (java -Xmx): " + remedy);
    }

    /** Refuses what when one array of that many elements would exceed {@link #MAX_ARRAY}. */
    public static void requireArray(String what, long elements, String remedy) {
        if (elements < 0 || elements > MAX_ARRAY)
            throw new IllegalArgumentException(what + " needs an array of " + (elements < 0 ? "more than 2^63" : Long.toString(elements))
                    + " elements, more than Java's limit of " + MAX_ARRAY + ": " + remedy);
    }

    /** e.g. "3.2 GiB". */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
