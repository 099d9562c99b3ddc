package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The between-steps collection rule, and the collector on the running JVM. */
class StepCollectorTest {
    static final long MB = 1 << 20;

    @Test
    void collectsOnlyWhenTheNextStepWouldNotFitButAnEmptyEdenWould() {
        assertFalse(StepCollector.shouldCollect(1000 * MB, 0, 3000 * MB), "no step measured yet");
        assertFalse(StepCollector.shouldCollect(2000 * MB, 1800 * MB, 3200 * MB), "room for 1.1x the step");
        assertTrue(StepCollector.shouldCollect(1900 * MB, 1800 * MB, 3200 * MB), "room under 1.1x the step");
        assertTrue(StepCollector.shouldCollect(0, 5 * MB, 3200 * MB), "a small step when eden is full");
        assertFalse(StepCollector.shouldCollect(100 * MB, 4000 * MB, 3200 * MB), "a step larger than eden cannot be helped");
    }

    @Test
    void measuresStepsAndNeverFailsOnThisJvm() {
        StepCollector c = new StepCollector();
        long sink = 0;
        for (int step = 0; step < 5; step++) {
            float[][] work = new float[16][1 << 16];   // about 4 MB per "step"
            for (float[] w : work) sink += w.length;
            c.afterStep();
        }
        assertEquals(5L * 16 * (1 << 16), sink);
        assertTrue(c.largestStep() >= 0);
        assertTrue(c.collected() <= 5);
    }

    @Test
    void countsAnExplicitCollectionAndItsTime() {
        long n0 = StepCollector.collections(), ms0 = StepCollector.collectionMillis();
        System.gc();   // not disabled in the tests' JVM: a full collection, counted by its collector
        assertTrue(StepCollector.collections() > n0, "System.gc() counted");
        assertTrue(StepCollector.collectionMillis() >= ms0, "collection time never goes down");
    }
}
