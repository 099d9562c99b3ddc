package tangent.scm.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import tangent.scm.data.Toy2d;

/**
 * Sample-quality measures for the 2-D toys (points interleaved {@code [x0, y0, x1, y1, ...]} in the
 * data units of {@link Toy2d}) that see what a person sees in the scatter plot:
 *
 * <ul>
 *   <li>{@link #checkerboardSupport}: the share of points on the board's filled squares (the data:
 *       exactly 1). Blur and stray points between the squares lower it, even when a sliced
 *       Wasserstein distance barely moves.</li>
 *   <li>{@link #nearModeShare} / {@link #modesCovered} (eight Gaussians): the share of points within
 *       {@link #MODE_RADIUS} = 3 sigma of the nearest of the 8 centres (the data: 1 - exp(-9/2) =
 *       0.9889, the 2-D Gaussian's mass within 3 sigma), and the number of centres that hold at
 *       least a quarter of their fair share 1/8 of the points.</li>
 *   <li>{@link #energyDistance}: for every toy, the energy distance of the two empirical measures
 *       (V-statistic, always &gt;= 0)
 *       {@code E = 2/(n m) sum_ij |a_i - b_j| - 1/n^2 sum_ij |a_i - a_j| - 1/m^2 sum_ij |b_i - b_j|},
 *       and {@link #mmd}, the squared MMD with a Gaussian kernel of bandwidth {@link #MMD_BANDWIDTH},
 *       each compared with its data-to-data floor (two independent data samples of the same sizes).</li>
 * </ul>
 */
public final class ToyMetrics {
    private ToyMetrics() {}

    /** Radius around a centre of the eight Gaussians that counts as "near the mode": 3 sigma. */
    public static final double MODE_RADIUS = 3 * Toy2d.EIGHT_GAUSSIANS_SIGMA;
    /** The data's own share within {@link #MODE_RADIUS}: 1 - exp(-r^2 / (2 sigma^2)) = 1 - exp(-4.5). */
    public static final double MODE_SHARE_OF_DATA = 1 - Math.exp(-4.5);

    /** Side of one checkerboard square in data units (the 4x4 board spans [-sqrt 3, sqrt 3]). */
    public static final double CHECKER_CELL = Math.sqrt(3.0) / 2.0;

    /** True when (x, y) lies on a filled square: cells (col, row) in 0..3 with col + row even. */
    public static boolean onCheckerboard(double x, double y) {
        double u = x / CHECKER_CELL + 2, v = y / CHECKER_CELL + 2;   // board coordinates in [0, 4]
        if (!(u >= 0 && u <= 4 && v >= 0 && v <= 4)) return false;
        int col = Math.min(3, (int) Math.floor(u)), row = Math.min(3, (int) Math.floor(v));
        return ((col + row) & 1) == 0;
    }

    /** Share of points on the checkerboard's filled squares. */
    public static double checkerboardSupport(double[] pts) {
        int n = count(pts), on = 0;
        for (int i = 0; i < n; i++) if (onCheckerboard(pts[2 * i], pts[2 * i + 1])) on++;
        return (double) on / n;
    }

    /**
     * The class (as {@link Toy2d#sampleLabeled} numbers them) of the region a point lies in, or -1:
     * checkerboard, the filled square 2 col + row / 2 (-1 between squares); eight_gaussians, the
     * nearest centre (its sector: how sharp the samples are is {@link #nearModeShare}'s business);
     * two_moons has no regions here (-1).
     */
    public static int classOf(String toy, double x, double y) {
        if (toy.equals("checkerboard")) {
            if (!onCheckerboard(x, y)) return -1;
            int col = Math.min(3, (int) Math.floor(x / CHECKER_CELL + 2)), row = Math.min(3, (int) Math.floor(y / CHECKER_CELL + 2));
            return 2 * col + row / 2;
        }
        if (toy.equals("eight_gaussians")) return nearestMode(new double[] {x, y}, Double.POSITIVE_INFINITY)[0];
        return -1;
    }

    /** Share of samples that land in the region of the class they were asked for ({@link #classOf}); NaN for two_moons. */
    public static double classMatch(String toy, double[] pts, int[] labels) {
        int n = count(pts);
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " points");
        if (toy.equals("two_moons")) return Double.NaN;
        int hit = 0;
        for (int i = 0; i < n; i++) if (classOf(toy, pts[2 * i], pts[2 * i + 1]) == labels[i]) hit++;
        return (double) hit / n;
    }

    /** The centre of mode k (0..7) of the eight Gaussians: radius sqrt(2 (1 - sigma^2)), angle k pi/4. */
    public static double[] modeCentre(int k) {
        double s = Toy2d.EIGHT_GAUSSIANS_SIGMA, r = Math.sqrt(2 * (1 - s * s)), a = k * Math.PI / 4;
        return new double[] {r * Math.cos(a), r * Math.sin(a)};
    }

    /** Index 0..7 of the nearest centre to each point within {@code radius}, or -1. */
    public static int[] nearestMode(double[] pts, double radius) {
        int n = count(pts);
        double[][] c = new double[8][];
        for (int k = 0; k < 8; k++) c[k] = modeCentre(k);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bestD = radius * radius;
            for (int k = 0; k < 8; k++) {
                double dx = pts[2 * i] - c[k][0], dy = pts[2 * i + 1] - c[k][1], d = dx * dx + dy * dy;
                if (d <= bestD) {
                    bestD = d;
                    best = k;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** Share of points within {@link #MODE_RADIUS} of a centre of the eight Gaussians. */
    public static double nearModeShare(double[] pts) {
        int near = 0;
        for (int k : nearestMode(pts, MODE_RADIUS)) if (k >= 0) near++;
        return (double) near / count(pts);
    }

    /** Number of centres (0..8) holding at least n/32 points (a quarter of the fair share) within {@link #MODE_RADIUS}. */
    public static int modesCovered(double[] pts) {
        int n = count(pts);
        int[] per = new int[8];
        for (int k : nearestMode(pts, MODE_RADIUS)) if (k >= 0) per[k]++;
        int covered = 0;
        for (int k = 0; k < 8; k++) if (per[k] * 32L >= n) covered++;
        return covered;
    }

    /** The energy distance (V-statistic) between two 2-D point sets, of any sizes. */
    public static double energyDistance(double[] a, double[] b) {
        return 2 * meanDistance(a, b) - meanDistance(a, a) - meanDistance(b, b);
    }

    /** Bandwidth h of {@link #mmd}'s Gaussian kernel in data units: about a quarter of a checkerboard square. */
    public static final double MMD_BANDWIDTH = 0.2;

    /**
     * The squared maximum mean discrepancy (V-statistic, always &gt;= 0) with the Gaussian kernel
     * k(x, y) = exp(-|x - y|^2 / (2 h^2)): mean k(a, a') + mean k(b, b') - 2 mean k(a, b). With h
     * below the scale of the data's details it sees blurred edges and stray points, which the energy
     * distance (dominated by the large scales) barely does.
     */
    public static double mmd(double[] a, double[] b, double h) {
        if (!(h > 0)) throw new IllegalArgumentException("MMD bandwidth must be > 0, got " + h);
        double g = -0.5 / (h * h);
        return meanKernel(a, a, g) + meanKernel(b, b, g) - 2 * meanKernel(a, b, g);
    }

    /** (1 / (n m)) sum_ij exp(g |a_i - b_j|^2), 2-D. */
    static double meanKernel(double[] a, double[] b, double g) {
        return meanOverPairs(a, b, d2 -> Math.exp(g * d2));
    }

    /** (1 / (n m)) sum_ij |a_i - b_j| over all pairs, 2-D. */
    static double meanDistance(double[] a, double[] b) {
        return meanOverPairs(a, b, Math::sqrt);
    }

    /** (1 / (n m)) sum_ij f(|a_i - b_j|^2) over all pairs of two 2-D point sets. */
    private static double meanOverPairs(double[] a, double[] b, java.util.function.DoubleUnaryOperator f) {
        int n = count(a), m = count(b);
        double s = 0;
        for (int i = 0; i < n; i++) {
            double ax = a[2 * i], ay = a[2 * i + 1], row = 0;
            for (int j = 0; j < m; j++) {
                double dx = ax - b[2 * j], dy = ay - b[2 * j + 1];
                row += f.applyAsDouble(dx * dx + dy * dy);
            }
            s += row;
        }
        return s / ((double) n * m);
    }

    /**
     * The quality measures of samples of the named toy against fresh data, keyed with {@code suffix}
     * (e.g. {@code "_2step"}): {@code support} (checkerboard), {@code near_mode} and {@code modes}
     * (eight Gaussians), {@code energy} and {@code mmd} (all; their floors are the same measures between
     * two independent data samples).
     */
    public static Map<String, Double> of(String toy, double[] samples, double[] data, String suffix) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (toy.equals("checkerboard")) m.put("support" + suffix, checkerboardSupport(samples));
        if (toy.equals("eight_gaussians")) {
            m.put("near_mode" + suffix, nearModeShare(samples));
            m.put("modes" + suffix, (double) modesCovered(samples));
        }
        m.put("energy" + suffix, energyDistance(samples, data));
        m.put("mmd" + suffix, mmd(samples, data, MMD_BANDWIDTH));
        return m;
    }

    /** The floors: {@code energy} and {@code mmd} between two independent data samples, what a perfect model scores. */
    public static Map<String, Double> floors(double[] data, double[] data2) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("energy_floor_data_vs_data", energyDistance(data, data2));
        m.put("mmd_floor_data_vs_data", mmd(data, data2, MMD_BANDWIDTH));
        return m;
    }

    private static int count(double[] pts) {
        if (pts.length == 0 || pts.length % 2 != 0)
            throw new IllegalArgumentException("2-D points must be interleaved x, y with at least one point, got length " + pts.length);
        return pts.length / 2;
    }
}
