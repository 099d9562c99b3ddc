package tangent.scm.data;

import java.util.List;
import java.util.Random;

/**
 * Seeded samplers for 2-D toy distributions. Every sampler returns points interleaved as
 * {@code [x0, y0, x1, y1, ...]} (length {@code 2n}) and is exact and reproducible: it uses only
 * {@link java.util.Random}, whose algorithm (including {@code nextGaussian}) is fixed by the Java
 * specification, so the same {@code (name, n, seed)} gives bit-identical numbers on every JVM.
 *
 * <p>Scaling (each distribution has mean 0 and standard deviation exactly 1 per axis in
 * expectation):
 * <ul>
 *   <li>{@code checkerboard}: 4x4 board with 8 filled cells ((col + row) even), x uniform on the
 *       board, y uniform within the filled cells of x's column. Marginals are uniform on
 *       [-2, 2] (std 2/sqrt(3)), scaled by sqrt(3)/2 so the board spans [-sqrt(3), sqrt(3)]^2.</li>
 *   <li>{@code eight_gaussians}: 8 isotropic Gaussians with std {@value #EIGHT_GAUSSIANS_SIGMA}
 *       centred at angles k*pi/4 on a circle of radius r = sqrt(2 (1 - sigma^2)) ~= 1.407; the
 *       per-axis variance is r^2/2 + sigma^2 = 1.</li>
 *   <li>{@code two_moons}: the classic (sklearn-style) moons, upper (cos t, sin t) and lower
 *       (1 - cos t, 0.5 - sin t) with t ~ U(0, pi), plus Gaussian noise of std
 *       {@value #TWO_MOONS_NOISE}; then standardised with the exact moments of that mixture:
 *       x' = (x - 0.5) / sqrt(3/4 + s^2), y' = (y - 1/4) / sqrt(1/2 - 4/pi^2 + (4/pi - 1/2)^2 / 4 + s^2).</li>
 * </ul>
 */
public final class Toy2d {
    private Toy2d() {}

    /** Std of each of the eight Gaussians (after scaling). */
    public static final double EIGHT_GAUSSIANS_SIGMA = 0.1;
    /** Std of the Gaussian noise added to the raw two-moons curves (before standardising). */
    public static final double TWO_MOONS_NOISE = 0.05;

    /** Names accepted by {@link #sample(String, int, long)}. */
    public static final List<String> NAMES = List.of("checkerboard", "eight_gaussians", "two_moons");

    /** Returns the valid distribution names. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * Draws {@code n} points from the named distribution with the given seed.
     *
     * @return interleaved x, y coordinates, length {@code 2n}
     * @throws IllegalArgumentException for an unknown name (message lists valid names) or n &lt; 0
     */
    public static double[] sample(String name, int n, long seed) {
        return sampleLabeled(name, n, seed).points();
    }

    /** Points with the class each came from (see {@link #classes}); the points equal {@link #sample}'s. */
    public record Labeled(double[] points, int[] labels) {}

    /**
     * The number of classes of a toy, for class-conditional models: checkerboard 8 (the filled
     * squares, numbered column by column from the bottom left), eight_gaussians 8 (the modes, k at
     * angle k pi/4), two_moons 2 (0 upper, 1 lower).
     */
    public static int classes(String name) {
        check(name);
        return name.equals("two_moons") ? 2 : 8;
    }

    /** Like {@link #sample(String, int, long)}, with each point's class. */
    public static Labeled sampleLabeled(String name, int n, long seed) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0, got " + n);
        check(name);
        Random rng = new Random(seed);
        int[] labels = new int[n];
        double[] pts = switch (name) {
            case "checkerboard" -> checkerboard(n, rng, labels);
            case "eight_gaussians" -> eightGaussians(n, rng, labels);
            default -> twoMoons(n, rng, labels);
        };
        return new Labeled(pts, labels);
    }

    private static void check(String name) {
        if (!NAMES.contains(name == null ? "" : name))
            throw new IllegalArgumentException("unknown toy distribution '" + name + "'; valid names: " + String.join(", ", NAMES));
    }

    /** Like {@link #sample(String, int, long)} but as float[] (same numbers rounded to float). */
    public static float[] sampleFloat(String name, int n, long seed) {
        double[] d = sample(name, n, seed);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private static double[] checkerboard(int n, Random rng, int[] labels) {
        final double scale = Math.sqrt(3.0) / 2.0;
        double[] out = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double x = rng.nextDouble() * 4.0 - 2.0; // [-2, 2)
            int col = Math.min(3, (int) Math.floor(x + 2.0)); // 0..3
            int row = 2 * rng.nextInt(2) + (col & 1); // rows with (row + col) even
            double y = row - 2.0 + rng.nextDouble();
            labels[i] = 2 * col + row / 2;
            out[2 * i] = x * scale;
            out[2 * i + 1] = y * scale;
        }
        return out;
    }

    private static double[] eightGaussians(int n, Random rng, int[] labels) {
        final double s = EIGHT_GAUSSIANS_SIGMA;
        final double r = Math.sqrt(2.0 * (1.0 - s * s));
        double[] out = new double[2 * n];
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(8);
            labels[i] = k;
            double a = k * Math.PI / 4.0;
            out[2 * i] = r * Math.cos(a) + s * rng.nextGaussian();
            out[2 * i + 1] = r * Math.sin(a) + s * rng.nextGaussian();
        }
        return out;
    }

    private static double[] twoMoons(int n, Random rng, int[] labels) {
        final double s = TWO_MOONS_NOISE;
        final double varX = 0.75 + s * s;
        final double d = 4.0 / Math.PI - 0.5;
        final double varY = 0.5 - 4.0 / (Math.PI * Math.PI) + d * d / 4.0 + s * s;
        final double sx = Math.sqrt(varX), sy = Math.sqrt(varY);
        double[] out = new double[2 * n];
        for (int i = 0; i < n; i++) {
            boolean upper = rng.nextBoolean();
            labels[i] = upper ? 0 : 1;
            double t = rng.nextDouble() * Math.PI;
            double x, y;
            if (upper) {
                x = Math.cos(t);
                y = Math.sin(t);
            } else {
                x = 1.0 - Math.cos(t);
                y = 0.5 - Math.sin(t);
            }
            x += s * rng.nextGaussian();
            y += s * rng.nextGaussian();
            out[2 * i] = (x - 0.5) / sx;
            out[2 * i + 1] = (y - 0.25) / sy;
        }
        return out;
    }
}
