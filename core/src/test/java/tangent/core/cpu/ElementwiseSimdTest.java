package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The vector exp behind the SiLU kernels: accuracy, and the same bits on every call. */
class ElementwiseSimdTest {
    @Test
    void expNonPositiveIsWithinTwoUlpsOverTheWholeRange() {
        Assumptions.assumeTrue(SimdSupport.AVAILABLE, "SKIPPED: the JVM runs without --add-modules jdk.incubator.vector");
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] in = new float[lanes], out = new float[lanes];
        double worst = 0;
        // y from 0 down to -110 (below -103.3 the result is 0 in float32), dense near 0
        for (int k = 0; k < 200_000; k++) {
            for (int l = 0; l < lanes; l++) {
                double u = (k * lanes + l) / (200_000.0 * lanes);
                in[l] = (float) (-110 * u * u);
            }
            ElementwiseSimd.expNonPositive(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, in, 0)).intoArray(out, 0);
            for (int l = 0; l < lanes; l++) {
                float want = (float) Math.exp(in[l]);
                // ulps measured at the float32 result; a subnormal's ulp is Float.MIN_VALUE
                double err = Math.abs(out[l] - Math.exp(in[l])) / Math.ulp(Math.max(want, Float.MIN_VALUE));
                worst = Math.max(worst, err);
            }
        }
        assertTrue(worst <= 2.0, "worst error " + worst + " ulps");
    }

    @Test
    void siluGivesTheSameBitsBeforeAndAfterJitCompilation() {
        Assumptions.assumeTrue(SimdSupport.AVAILABLE, "SKIPPED: the JVM runs without --add-modules jdk.incubator.vector");
        int n = 4099;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((i - n / 2) * 0.013);
        float[] first = new float[n], again = new float[n];
        ElementwiseSimd.silu(x, 0, first, 0, n); // early calls run interpreted
        for (int rep = 0; rep < 3000; rep++) ElementwiseSimd.silu(x, 0, again, 0, n); // then compiled
        for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(first[i]), Float.floatToRawIntBits(again[i]), "x = " + x[i]);
    }
}
