package tangent.scm.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tangent.scm.data.Toy2d;

class ToyMetricsTest {
    static final double C = ToyMetrics.CHECKER_CELL;   // sqrt(3)/2

    @Test
    void checkerboardCellsByHand() {
        // board coordinates u = x / C + 2: cell (col, row) = (floor u, floor v), filled when col + row is even
        double h = C / 2;
        assertTrue(ToyMetrics.onCheckerboard(-2 * C + h, -2 * C + h));   // (0, 0)
        assertFalse(ToyMetrics.onCheckerboard(-C + h, -2 * C + h));      // (1, 0)
        assertTrue(ToyMetrics.onCheckerboard(h, h));                     // (2, 2)
        assertFalse(ToyMetrics.onCheckerboard(-h, h));                   // (1, 2)
        assertTrue(ToyMetrics.onCheckerboard(2 * C - 1e-9, 2 * C - 1e-9)); // (3, 3), the far corner
        assertFalse(ToyMetrics.onCheckerboard(2 * C + 1e-6, 0.1));       // off the board
        assertFalse(ToyMetrics.onCheckerboard(Double.NaN, 0));
        // 3 of these 4 points are on filled squares
        double[] pts = {-2 * C + h, -2 * C + h, h, h, -h, h, C + h, C + h};
        assertEquals(0.75, ToyMetrics.checkerboardSupport(pts), 0);
    }

    @Test
    void checkerboardDataIsAllOnSupportAndUniformNoiseHalf() {
        assertEquals(1.0, ToyMetrics.checkerboardSupport(Toy2d.sample("checkerboard", 5000, 3)), 0);
        // uniform on the board: half the area is filled; binomial std sqrt(.25/20000) = 0.0035
        Random r = new Random(4);
        double[] u = new double[2 * 20000];
        for (int i = 0; i < u.length; i++) u[i] = (r.nextDouble() * 4 - 2) * C;
        assertEquals(0.5, ToyMetrics.checkerboardSupport(u), 0.015);
        // an isotropic Gaussian blob of std 1 around 0: its support share by 2-D quadrature over the 8 squares
        double[] g = new double[2 * 40000];
        for (int i = 0; i < g.length; i++) g[i] = r.nextGaussian();
        double expected = 0;
        for (int col = 0; col < 4; col++)
            for (int row = 0; row < 4; row++)
                if ((col + row) % 2 == 0)
                    expected += (phi((col - 1) * C) - phi((col - 2) * C)) * (phi((row - 1) * C) - phi((row - 2) * C));
        assertEquals(expected, ToyMetrics.checkerboardSupport(g), 0.01);
    }

    /** Standard normal CDF (Zelen and Severo 26.2.17, |error| < 7.5e-8). */
    static double phi(double x) {
        double t = 1 / (1 + 0.2316419 * Math.abs(x));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double q = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
        return x >= 0 ? 1 - q : q;
    }

    @Test
    void eightGaussiansShareAndModes() {
        double[] data = Toy2d.sample("eight_gaussians", 40000, 5);
        // the data's share within 3 sigma is the 2-D Gaussian's 1 - exp(-9/2); binomial std ~0.0005
        assertEquals(ToyMetrics.MODE_SHARE_OF_DATA, ToyMetrics.nearModeShare(data), 0.003);
        assertEquals(8, ToyMetrics.modesCovered(data));
        // points by hand: at centre 0, 0.29 from centre 2 (inside), 0.31 from centre 5 (outside), the origin (outside)
        double[] c0 = ToyMetrics.modeCentre(0), c2 = ToyMetrics.modeCentre(2), c5 = ToyMetrics.modeCentre(5);
        assertEquals(0, c2[0], 1e-12);
        assertEquals(Math.sqrt(2 * 0.99), c2[1], 1e-12);
        double[] pts = {c0[0], c0[1], c2[0] + 0.29, c2[1], c5[0], c5[1] - 0.31, 0, 0};
        assertArrayEquals(new int[] {0, 2, -1, -1}, ToyMetrics.nearestMode(pts, ToyMetrics.MODE_RADIUS));
        assertEquals(0.5, ToyMetrics.nearModeShare(pts), 0);
        // only modes holding >= n/32 of the points count: a sample collapsed onto two modes covers 2
        double[] two = new double[2 * 64];
        for (int i = 0; i < 64; i++) {
            double[] c = ToyMetrics.modeCentre(i < 60 ? 1 : 6);   // mode 6 gets 4 = 64/16 points: >= 64/32
            two[2 * i] = c[0];
            two[2 * i + 1] = c[1];
        }
        assertEquals(2, ToyMetrics.modesCovered(two));
        two[2 * 63 + 1] = 0;   // mode 6 (centre (0, -r)) down to 3 points: still >= 2 = 64/32
        assertEquals(2, ToyMetrics.modesCovered(two));
        for (int i = 61; i < 64; i++) two[2 * i + 1] = 0;   // mode 6 down to 1 point
        assertEquals(1, ToyMetrics.modesCovered(two));
    }

    @Test
    void classOfARegion() {
        double h = C / 2;
        assertEquals(0, ToyMetrics.classOf("checkerboard", -2 * C + h, -2 * C + h));   // (col 0, row 0)
        assertEquals(1, ToyMetrics.classOf("checkerboard", -2 * C + h, h));            // (0, 2)
        assertEquals(2, ToyMetrics.classOf("checkerboard", -C + h, -C + h));           // (1, 1)
        assertEquals(7, ToyMetrics.classOf("checkerboard", C + h, C + h));             // (3, 3)
        assertEquals(-1, ToyMetrics.classOf("checkerboard", -C + h, -2 * C + h));      // (1, 0): empty
        // the labels Toy2d gives agree with the regions, for every point of the data
        for (String toy : new String[] {"checkerboard", "eight_gaussians"}) {
            Toy2d.Labeled d = Toy2d.sampleLabeled(toy, 3000, 8);
            assertArrayEquals(Toy2d.sample(toy, 3000, 8), d.points());
            assertEquals(1.0, ToyMetrics.classMatch(toy, d.points(), d.labels()), toy.equals("checkerboard") ? 0 : 1e-3);
        }
        double[] c6 = ToyMetrics.modeCentre(6);
        assertEquals(6, ToyMetrics.classOf("eight_gaussians", 0.5 * c6[0], 0.5 * c6[1]));   // far from the centre, in its sector
        assertEquals(0.5, ToyMetrics.classMatch("eight_gaussians", new double[] {c6[0], c6[1], c6[0], c6[1]}, new int[] {6, 5}), 0);
        assertTrue(Double.isNaN(ToyMetrics.classMatch("two_moons", new double[] {0, 0}, new int[] {0})));
    }

    @Test
    void energyDistanceByHand() {
        // point masses at a and b: 2|a - b| - 0 - 0
        assertEquals(2 * 5, ToyMetrics.energyDistance(new double[] {0, 0}, new double[] {3, 4}), 1e-12);
        // A = {(0,0), (2,0)}, B = {(0,0)}: cross mean (0 + 2)/2 = 1, within A (0 + 2 + 2 + 0)/4 = 1, within B 0
        assertEquals(2 * 1 - 1 - 0, ToyMetrics.energyDistance(new double[] {0, 0, 2, 0}, new double[] {0, 0}), 1e-12);
        double[] a = SlicedWassersteinTest.gaussian(200, 1);
        assertEquals(0, ToyMetrics.energyDistance(a, a), 1e-12);
        double[] b = SlicedWassersteinTest.gaussian(150, 2);
        assertEquals(ToyMetrics.energyDistance(a, b), ToyMetrics.energyDistance(b, a), 1e-12);
        assertTrue(ToyMetrics.energyDistance(a, b) > 0);
    }

    @Test
    void energyDistanceOnALineIsTwiceTheCramerDistance() {
        // On a line the energy distance of two empirical measures equals 2 * integral (F(x) - G(x))^2 dx
        // (Szekely and Rizzo 2013), computed here from the sorted step functions: an independent route.
        Random r = new Random(7);
        int n = 300, m = 200;
        double[] xa = new double[n], xb = new double[m];
        for (int i = 0; i < n; i++) xa[i] = r.nextGaussian();
        for (int i = 0; i < m; i++) xb[i] = 0.5 + 1.5 * r.nextDouble();
        double[] a = new double[2 * n], b = new double[2 * m];
        for (int i = 0; i < n; i++) a[2 * i] = xa[i];
        for (int i = 0; i < m; i++) b[2 * i] = xb[i];
        double[] all = new double[n + m];
        System.arraycopy(xa, 0, all, 0, n);
        System.arraycopy(xb, 0, all, n, m);
        Arrays.sort(all);
        double[] sa = xa.clone(), sb = xb.clone();
        Arrays.sort(sa);
        Arrays.sort(sb);
        double cramer = 0;
        int ia = 0, ib = 0;
        for (int k = 0; k + 1 < all.length; k++) {
            while (ia < n && sa[ia] <= all[k]) ia++;
            while (ib < m && sb[ib] <= all[k]) ib++;
            double d = (double) ia / n - (double) ib / m;
            cramer += d * d * (all[k + 1] - all[k]);
        }
        assertEquals(2 * cramer, ToyMetrics.energyDistance(a, b), 1e-10);
    }

    @Test
    void mmdByHandAndAgainstTheGaussianClosedForm() {
        double h = 0.5;
        // point masses d apart: k(a,a) + k(b,b) - 2 k(a,b) = 2 - 2 exp(-d^2 / (2 h^2))
        assertEquals(2 - 2 * Math.exp(-1.0 / (2 * h * h)), ToyMetrics.mmd(new double[] {0, 0}, new double[] {0.6, 0.8}, h), 1e-12);
        // N(mu1, s^2 I) vs N(mu2, s^2 I) in 2-D: E k(X, X') = h^2 / (h^2 + 2 s^2), E k(X, Y) = the same
        // times exp(-|mu1 - mu2|^2 / (2 (h^2 + 2 s^2))); the V-statistic adds (2/n)(1 - E k(X, X'))
        double s = 0.3, dist = 0.4;
        int n = 3000;
        Random r = new Random(21);
        double[] a = new double[2 * n], b = new double[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            a[i] = s * r.nextGaussian();
            b[i] = s * r.nextGaussian() + (i % 2 == 0 ? dist : 0);
        }
        double q = h * h / (h * h + 2 * s * s);
        double exact = 2 * q * (1 - Math.exp(-dist * dist / (2 * (h * h + 2 * s * s)))) + 2.0 / n * (1 - q);
        // exact = 0.1977; the estimate's sampling std at n = 3000 is 0.0072 (12 seeds: mean 0.1958), so 3.5 std
        assertEquals(exact, ToyMetrics.mmd(a, b, h), 0.025);
        assertEquals(0, ToyMetrics.mmd(a, a, h), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ToyMetrics.mmd(a, b, 0));
    }

    @Test
    void floorIsSmallAndABlurredBoardIsNot() {
        double[] d1 = Toy2d.sample("checkerboard", 2000, 11), d2 = Toy2d.sample("checkerboard", 2000, 12);
        double floor = ToyMetrics.floors(d1, d2).get("energy_floor_data_vs_data");
        // E[V-statistic] for independent samples of one law: (1/n + 1/m) E|X - X'| ~ 1e-3 * 2 here
        assertTrue(floor > 0 && floor < 0.004, "floor " + floor);
        Random r = new Random(13);
        double[] blur = Toy2d.sample("checkerboard", 2000, 14);
        for (int i = 0; i < blur.length; i++) blur[i] += 0.25 * r.nextGaussian();
        double e = ToyMetrics.energyDistance(blur, d1);
        // measured (these seeds): energy 1.66x its floor, MMD (h = 0.2) 2.5x its floor, support 0.643
        assertTrue(e > 1.4 * floor, "blurred board " + e + " vs floor " + floor);
        double h = ToyMetrics.MMD_BANDWIDTH, mmdFloor = ToyMetrics.floors(d1, d2).get("mmd_floor_data_vs_data"), mmd = ToyMetrics.mmd(blur, d1, h);
        assertTrue(mmdFloor > 0 && mmdFloor < 0.002, "MMD floor " + mmdFloor);   // V-statistic: ~ (2/n)(1 - E k) = 1e-3 + O(1/n)
        assertTrue(mmd > 2 * mmdFloor, "blurred board MMD " + mmd + " vs floor " + mmdFloor);
        assertTrue(ToyMetrics.checkerboardSupport(blur) < 0.85);
        Map<String, Double> m = ToyMetrics.of("checkerboard", blur, d1, "_2step");
        assertEquals(Map.of("support_2step", ToyMetrics.checkerboardSupport(blur), "energy_2step", e, "mmd_2step", mmd), m);
        assertEquals(4, ToyMetrics.of("eight_gaussians", d1, d2, "_x").size());
        assertEquals(2, ToyMetrics.of("two_moons", d1, d2, "_x").size());
        assertThrows(IllegalArgumentException.class, () -> ToyMetrics.checkerboardSupport(new double[] {1}));
    }
}
