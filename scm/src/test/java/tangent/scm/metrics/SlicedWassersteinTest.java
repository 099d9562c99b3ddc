package tangent.scm.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import tangent.scm.data.Toy2d;

class SlicedWassersteinTest {
    static double[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        double[] p = new double[2 * n];
        for (int i = 0; i < p.length; i++) p[i] = r.nextGaussian();
        return p;
    }

    @Test
    void zeroForIdenticalAndPermutedSets() {
        double[] a = gaussian(300, 1);
        assertEquals(0, SlicedWasserstein.distance(a, a.clone(), 64, 3), 0);
        double[] perm = new double[a.length];
        for (int i = 0; i < 300; i++) {
            int j = (i * 7 + 11) % 300; // 7 is coprime with 300 -> permutation
            perm[2 * j] = a[2 * i];
            perm[2 * j + 1] = a[2 * i + 1];
        }
        assertEquals(0, SlicedWasserstein.distance(a, perm, 64, 3), 1e-12);
    }

    @Test
    void shiftHasClosedForm() {
        // Translating every point by v shifts each projection by v.theta, sorting is unchanged, so
        // SW1 = mean_k |v.theta_k| and SW2 = sqrt(mean_k (v.theta_k)^2) exactly.
        double vx = 0.6, vy = -0.8; // |v| = 1
        double[] a = gaussian(400, 2);
        double[] b = a.clone();
        for (int i = 0; i < 400; i++) {
            b[2 * i] += vx;
            b[2 * i + 1] += vy;
        }
        int k = 4000;
        double[] th = SlicedWasserstein.projections(k, 2, 9);
        double s1 = 0, s2 = 0;
        for (int q = 0; q < k; q++) {
            assertEquals(1, Math.hypot(th[2 * q], th[2 * q + 1]), 1e-12);
            double d = vx * th[2 * q] + vy * th[2 * q + 1];
            s1 += Math.abs(d);
            s2 += d * d;
        }
        double sw1 = SlicedWasserstein.sw1(a, b, 2, k, 9);
        assertEquals(s1 / k, sw1, 1e-12);
        assertEquals(Math.sqrt(s2 / k), SlicedWasserstein.sw2(a, b, 2, k, 9), 1e-12);
        // expectation over uniform directions: E|v.theta| = 2|v|/pi, E(v.theta)^2 = |v|^2/2
        assertEquals(2 / Math.PI, sw1, 0.02);
        assertEquals(Math.sqrt(0.5), SlicedWasserstein.sw2(a, b, 2, k, 9), 0.02);
        assertEquals(sw1, SlicedWasserstein.distance(b, a, k, 9), 1e-12, "symmetric");
    }

    @Test
    void oneDimensionalIsExactW1() {
        double[] a = {0, 2, 1};
        double[] b = {5, 3, 4.5};
        // sorted: 0 1 2 vs 3 4.5 5 -> |3| + |3.5| + |3| over 3
        assertEquals((3 + 3.5 + 3) / 3.0, SlicedWasserstein.sw1(a, b, 1, 5, 0), 1e-12);
        assertEquals(Math.sqrt((9 + 12.25 + 9) / 3.0), SlicedWasserstein.sw2(a, b, 1, 5, 0), 1e-12);
    }

    @Test
    void seededAndFloorBelowModelError() {
        double[] d1 = Toy2d.sample("eight_gaussians", 2000, 1);
        double[] d2 = Toy2d.sample("eight_gaussians", 2000, 2);
        double floor = SlicedWasserstein.floor(d1, d2, 128, 5);
        assertEquals(floor, SlicedWasserstein.floor(d1, d2, 128, 5), 0);
        assertTrue(floor > 0 && floor < 0.08, "floor " + floor);
        double avg = SlicedWasserstein.floor(s -> Toy2d.sample("eight_gaussians", 2000, s), 3, 128, 5);
        assertTrue(avg > 0 && avg < 0.08, "floor " + avg);
        double[] blurred = gaussian(2000, 3); // a "model" that only learned mean and variance
        double bad = SlicedWasserstein.distance(d1, blurred, 128, 5);
        assertTrue(bad > 3 * floor, "model " + bad + " vs floor " + floor);
        assertNotEquals(SlicedWasserstein.distance(d1, blurred, 16, 5), SlicedWasserstein.distance(d1, blurred, 16, 6));
        assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.distance(d1, new double[10], 8, 0));
    }
}
