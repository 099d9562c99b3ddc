package tangent.scm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.Tensor;

/** The stable-target velocity against closed forms: no references, and a two-point distribution whose posterior is a tanh. */
class StableTargetTest {
    static final double SIGMA_D = 0.5;

    @Test
    void withoutReferencesItIsTheOneSampleVelocity() {
        double[] x0 = {0.3, -0.2, 0.7, 0.1}, z = {0.4, 0.25, -0.6, 0.05}, t = {0.2, 1.3};
        Tensor v = StableTarget.velocity(Tensor.of(x0, 2, 2), Tensor.of(z, 2, 2), Tensor.of(t, 2), Tensor.of(new double[0], 0, 2), SIGMA_D);
        double[] got = v.toDoubleArray();
        for (int i = 0; i < 4; i++) {
            double ti = t[i / 2];
            assertEquals(Math.cos(ti) * z[i] - Math.sin(ti) * x0[i], got[i], 1e-15, "element " + i);
        }
    }

    /**
     * Data +-a with equal probability (1-D): E[x0 | x_t] = a tanh(a cos t x_t / (sigma_d^2 sin^2 t)),
     * so E[v | x_t] = (cos t x_t - E[x0 | x_t]) / sin t. References: 2000 copies of each point, so
     * x0's own extra weight moves the estimate by at most 1/4000 of the gap 2a (tolerance 2e-3 a / sin t).
     */
    @Test
    void twoPointDataGiveTheExactPosteriorVelocity() {
        double a = 0.5;
        int copies = 2000;
        double[] ref = new double[2 * copies];
        for (int j = 0; j < copies; j++) {
            ref[2 * j] = a;
            ref[2 * j + 1] = -a;
        }
        double[] x0 = {a, -a, a, a, -a}, z = {0.3, -0.1, -0.9, 0.05, 0.6}, t = {0.1, 0.5, 0.9, 1.2, 1.5};
        double[] got = StableTarget.velocity(Tensor.of(x0, 5, 1), Tensor.of(z, 5, 1), Tensor.of(t, 5), Tensor.of(ref, 2 * copies, 1), SIGMA_D)
                .toDoubleArray();
        for (int i = 0; i < 5; i++) {
            double c = Math.cos(t[i]), s = Math.sin(t[i]);
            double xt = c * x0[i] + s * z[i];
            double mean = a * Math.tanh(a * c * xt / (SIGMA_D * SIGMA_D * s * s));
            double exact = (c * xt - mean) / s;
            assertEquals(exact, got[i], 2e-3 * a / s, "t = " + t[i]);
        }
    }

    @Test
    void mismatchedShapesAreRefused() {
        Tensor x0 = Tensor.of(new double[4], 2, 2);
        assertThrows(IllegalArgumentException.class,
                () -> StableTarget.velocity(x0, x0, Tensor.of(new double[2], 2), Tensor.of(new double[3], 1, 3), SIGMA_D));
    }
}
