package tangent.scm.train;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.function.ToLongFunction;

/**
 * Moves the JVM's young collections to the boundary between training steps.
 *
 * <p>Why: a U-Net step allocates its activations and tangents afresh (fmnist-xs at batch 32: about
 * 1 GB per step) and holds most of them until the backward pass ends. A young collection that
 * falls inside a step copies that live gigabyte (0.06-2 s here, the slow end when the copy touches
 * fresh pages), so one step in a few took twice as long. Between steps only the parameters,
 * optimizer state, EMA and data are live (about 40 MB for fmnist-xs), and a collection costs about
 * 10 ms.
 *
 * <p>Rule: after each step, if the eden space has less room than the largest step seen so far
 * needs (grown by 10 %), collect now ({@link System#gc()}). A step that allocates little (the 2-D
 * MLP: a few MB) triggers this once in hundreds of steps; a step larger than eden cannot be helped
 * and is left alone. {@code -Dtangent.gcBetweenSteps=false} turns it off; so does the JVM flag
 * -XX:+DisableExplicitGC.
 */
public final class StepCollector {
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("tangent.gcBetweenSteps", "true").trim());

    private final MemoryPoolMXBean eden = findEden();
    private long usedAfterLast = -1;
    private long collectionsAfterLast;
    private long largestStep;
    private int collected;

    private static MemoryPoolMXBean findEden() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getName().contains("Eden")) return p;
        return null;
    }

    /** Collections so far, all of the JVM's collectors. */
    public static long collections() {
        return overCollectors(GarbageCollectorMXBean::getCollectionCount);
    }

    /** Milliseconds spent collecting so far, all of the JVM's collectors (accumulated by each). */
    public static long collectionMillis() {
        return overCollectors(GarbageCollectorMXBean::getCollectionTime);
    }

    /** The sum of f over the JVM's collectors (a collector reporting -1, undefined, counts 0). */
    private static long overCollectors(ToLongFunction<GarbageCollectorMXBean> f) {
        long n = 0;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, f.applyAsLong(g));
        return n;
    }

    /** Call once after each step (after the optimizer and EMA updates). */
    public void afterStep() {
        if (!ENABLED || eden == null) return;
        MemoryUsage u = eden.getUsage();
        long used = u.getUsed(), gcs = collections();
        if (usedAfterLast >= 0 && gcs == collectionsAfterLast) largestStep = Math.max(largestStep, used - usedAfterLast);
        usedAfterLast = used;
        collectionsAfterLast = gcs;
        if (shouldCollect(u.getCommitted() - used, largestStep, u.getCommitted())) {
            System.gc();
            collected++;
            usedAfterLast = eden.getUsage().getUsed();
            collectionsAfterLast = collections();
        }
    }

    /** The rule: a known step size that no longer fits in the eden's room (with 10 % margin) but fits in an empty eden. */
    static boolean shouldCollect(long room, long largestStep, long edenSize) {
        return largestStep > 0 && room < largestStep + largestStep / 10 && largestStep < edenSize;
    }

    /** Collections this object asked for. */
    public int collected() {
        return collected;
    }

    /** The largest eden growth of one step seen (bytes); 0 before two steps ran without a collection. */
    public long largestStep() {
        return largestStep;
    }
}
