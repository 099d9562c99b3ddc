package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Tensor;

/**
 * The tests' JVM runs as bin/scm does (jdk.internal.misc exported) and with
 * -Dtangent.uninitialized=nan (pom.xml): kernel outputs come from uninitialized arrays filled with
 * NaN, so an element a kernel leaves unwritten shows up as NaN in every other test's results.
 */
class UninitializedArraysTest {
    @Test
    void theTestsRunWithUninitializedArraysPoisonedWithNaN() {
        assertTrue(UninitializedArrays.available(), "jdk.internal.misc.Unsafe should be reachable (--add-exports in pom.xml)");
        assertTrue(UninitializedArrays.POISON, "-Dtangent.uninitialized=nan should be set (pom.xml)");
        for (int n : new int[] {1, 17, 100_000}) {
            float[] f = UninitializedArrays.floats(n);
            double[] d = UninitializedArrays.doubles(n);
            assertEquals(n, f.length);
            assertEquals(n, d.length);
            for (int i = 0; i < n; i++) assertTrue(Float.isNaN(f[i]) && Double.isNaN(d[i]), "element " + i + " of " + n);
        }
    }

    @Test
    void emptyIsUninitializedButZerosAreZero() {
        CpuBackend cpu = CpuBackend.INSTANCE;
        for (DType dt : DType.values()) {
            Tensor e = cpu.empty(dt, new int[] {3, 5}), z = cpu.zeros(dt, new int[] {3, 5});
            for (double v : e.toDoubleArray()) assertTrue(Double.isNaN(v), dt + " empty under the NaN poison");
            for (double v : z.toDoubleArray()) assertEquals(0.0, v, dt + " zeros");
        }
    }
}
