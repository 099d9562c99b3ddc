package tangent.scm.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class Toy2dTest {
    @Test
    void sameSeedSameNumbersDifferentSeedDifferent() {
        for (String name : Toy2d.names()) {
            double[] a = Toy2d.sample(name, 500, 42);
            double[] b = Toy2d.sample(name, 500, 42);
            double[] c = Toy2d.sample(name, 500, 43);
            assertEquals(1000, a.length);
            assertArrayEquals(a, b, name);
            assertFalse(java.util.Arrays.equals(a, c), name);
            float[] f = Toy2d.sampleFloat(name, 500, 42);
            assertEquals((float) a[17], f[17]);
        }
    }

    @Test
    void unitStdZeroMeanPerAxis() {
        int n = 200_000;
        for (String name : Toy2d.names()) {
            double[] p = Toy2d.sample(name, n, 7);
            for (int axis = 0; axis < 2; axis++) {
                double s = 0, ss = 0;
                for (int i = 0; i < n; i++) {
                    double v = p[2 * i + axis];
                    s += v;
                    ss += v * v;
                }
                double mean = s / n, std = Math.sqrt(ss / n - mean * mean);
                assertEquals(0, mean, 0.01, name + " axis " + axis + " mean");
                assertEquals(1, std, 0.01, name + " axis " + axis + " std");
            }
        }
    }

    @Test
    void checkerboardPointsLieOnFilledCells() {
        double scale = Math.sqrt(3) / 2;
        double[] p = Toy2d.sample("checkerboard", 20_000, 1);
        int[] cells = new int[16];
        for (int i = 0; i < p.length / 2; i++) {
            double x = p[2 * i] / scale, y = p[2 * i + 1] / scale;
            assertTrue(Math.abs(x) <= 2 && Math.abs(y) <= 2);
            int col = (int) Math.floor(x + 2), row = (int) Math.floor(y + 2);
            assertEquals(0, (col + row) % 2, "point in empty cell: " + x + "," + y);
            cells[row * 4 + col]++;
        }
        for (int c = 0; c < 16; c++) {
            if (((c / 4) + (c % 4)) % 2 == 0) assertEquals(2500, cells[c], 250, "cell " + c);
        }
    }

    @Test
    void eightGaussiansHasEightBalancedModes() {
        double s = Toy2d.EIGHT_GAUSSIANS_SIGMA, r = Math.sqrt(2 * (1 - s * s));
        double[] p = Toy2d.sample("eight_gaussians", 16_000, 3);
        int[] counts = new int[8];
        for (int i = 0; i < p.length / 2; i++) {
            int best = -1;
            double bd = Double.MAX_VALUE;
            for (int k = 0; k < 8; k++) {
                double dx = p[2 * i] - r * Math.cos(k * Math.PI / 4), dy = p[2 * i + 1] - r * Math.sin(k * Math.PI / 4);
                double d = Math.sqrt(dx * dx + dy * dy);
                if (d < bd) {
                    bd = d;
                    best = k;
                }
            }
            assertTrue(bd < 6 * s, "point far from every centre: " + bd);
            counts[best]++;
        }
        for (int c : counts) assertEquals(2000, c, 200);
    }

    @Test
    void twoMoonsLieNearTheCurves() {
        double ns = Toy2d.TWO_MOONS_NOISE;
        double sx = Math.sqrt(0.75 + ns * ns);
        double d = 4 / Math.PI - 0.5;
        double sy = Math.sqrt(0.5 - 4 / (Math.PI * Math.PI) + d * d / 4 + ns * ns);
        double[] p = Toy2d.sample("two_moons", 5000, 9);
        int upper = 0;
        for (int i = 0; i < p.length / 2; i++) {
            double x = p[2 * i] * sx + 0.5, y = p[2 * i + 1] * sy + 0.25; // undo standardisation
            double du = Math.abs(Math.hypot(x, y) - 1);             // distance to unit circle (upper moon)
            double dl = Math.abs(Math.hypot(x - 1, y - 0.5) - 1);   // circle centred (1, 0.5) (lower moon)
            assertTrue(Math.min(du, dl) < 6 * ns, "point off both moons: " + x + "," + y);
            if (du < dl) upper++;
        }
        assertEquals(2500, upper, 150);
    }

    @Test
    void unknownNameListsValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Toy2d.sample("spirals", 10, 0));
        for (String n : Toy2d.names()) assertTrue(e.getMessage().contains(n), e.getMessage());
        assertTrue(e.getMessage().contains("spirals"));
        assertThrows(IllegalArgumentException.class, () -> Toy2d.sample("checkerboard", -1, 0));
    }
}
