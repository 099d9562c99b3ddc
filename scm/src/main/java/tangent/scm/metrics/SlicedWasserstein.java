package tangent.scm.metrics;

import java.util.Arrays;
import java.util.Random;
import java.util.function.LongFunction;

/**
 * Sliced Wasserstein distance between two equal-size empirical point sets.
 *
 * <p>For K random unit directions θ_k (drawn seeded: normalised standard Gaussian vectors, i.e.
 * uniform on the sphere), both sets are projected onto θ_k and sorted; for equal-size empirical
 * measures the 1-D optimal coupling matches sorted values, so
 * <ul>
 *   <li>{@link #sw1} (the default, {@link #distance}) is the <b>sliced Wasserstein-1</b> distance
 *       {@code SW1 = (1/K) sum_k (1/N) sum_i |sort(X θ_k)_i - sort(Y θ_k)_i|};</li>
 *   <li>{@link #sw2} is the sliced Wasserstein-2 distance
 *       {@code SW2 = sqrt((1/K) sum_k (1/N) sum_i (sort(X θ_k)_i - sort(Y θ_k)_i)^2)}.</li>
 * </ul>
 * Points are interleaved, {@code [x0_0, x0_1, ..., x1_0, ...]} with {@code dim} coordinates each.
 * Because finite samples never match exactly, compare a model against the "data floor":
 * the distance between two independent samples of the data distribution ({@link #floor}).
 */
public final class SlicedWasserstein {
    private SlicedWasserstein() {}

    /** Default number of projections. */
    public static final int DEFAULT_PROJECTIONS = 256;

    /** Sliced W1 between two 2-D point sets with {@link #DEFAULT_PROJECTIONS} projections. */
    public static double distance(double[] a, double[] b, long seed) {
        return sw1(a, b, 2, DEFAULT_PROJECTIONS, seed);
    }

    /** Sliced W1 between two 2-D point sets (interleaved x, y) with {@code k} projections. */
    public static double distance(double[] a, double[] b, int k, long seed) {
        return sw1(a, b, 2, k, seed);
    }

    /** Sliced Wasserstein-1 between two point sets of dimension {@code dim}. */
    public static double sw1(double[] a, double[] b, int dim, int k, long seed) {
        return compute(a, b, dim, projections(k, dim, seed), 1);
    }

    /** Sliced Wasserstein-2 between two point sets of dimension {@code dim}. */
    public static double sw2(double[] a, double[] b, int dim, int k, long seed) {
        return compute(a, b, dim, projections(k, dim, seed), 2);
    }

    /**
     * The seeded projection directions used by {@link #sw1}/{@link #sw2}: {@code k} unit vectors of
     * length {@code dim}, row-major ({@code k * dim}). Exposed for tests and reproducibility.
     */
    public static double[] projections(int k, int dim, long seed) {
        if (k <= 0 || dim <= 0) throw new IllegalArgumentException("k and dim must be positive");
        Random rng = new Random(seed);
        double[] th = new double[k * dim];
        for (int p = 0; p < k; p++) {
            double norm;
            do {
                norm = 0;
                for (int j = 0; j < dim; j++) {
                    double g = rng.nextGaussian();
                    th[p * dim + j] = g;
                    norm += g * g;
                }
            } while (norm < 1e-20);
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim; j++) th[p * dim + j] /= norm;
        }
        return th;
    }

    /**
     * Sliced distance with explicit projections ({@code dirs}: rows of length {@code dim}, assumed
     * unit), order {@code p} 1 or 2.
     */
    public static double compute(double[] a, double[] b, int dim, double[] dirs, int p) {
        if (p != 1 && p != 2) throw new IllegalArgumentException("p must be 1 or 2");
        if (a.length != b.length) {
            throw new IllegalArgumentException("point sets must have equal size: " + a.length / dim + " vs " + b.length / dim);
        }
        if (a.length % dim != 0 || a.length == 0 || dirs.length % dim != 0) {
            throw new IllegalArgumentException("bad lengths for dim " + dim);
        }
        int n = a.length / dim, k = dirs.length / dim;
        double[] pa = new double[n], pb = new double[n];
        double total = 0;
        for (int q = 0; q < k; q++) {
            for (int i = 0; i < n; i++) {
                double sa = 0, sb = 0;
                for (int j = 0; j < dim; j++) {
                    double t = dirs[q * dim + j];
                    sa += a[i * dim + j] * t;
                    sb += b[i * dim + j] * t;
                }
                pa[i] = sa;
                pb[i] = sb;
            }
            Arrays.sort(pa);
            Arrays.sort(pb);
            double s = 0;
            for (int i = 0; i < n; i++) {
                double d = pa[i] - pb[i];
                s += p == 1 ? Math.abs(d) : d * d;
            }
            total += s / n;
        }
        double mean = total / k;
        return p == 1 ? mean : Math.sqrt(mean);
    }

    /** Float convenience for {@link #sw1} (2-D). */
    public static double distance(float[] a, float[] b, int k, long seed) {
        return sw1(toDouble(a), toDouble(b), 2, k, seed);
    }

    /**
     * Data-to-data floor: sliced W1 between two independent samples of the same distribution
     * (e.g. two seeds of the data sampler). A model cannot be expected to beat this with the same
     * sample size.
     */
    public static double floor(double[] sample1, double[] sample2, int k, long seed) {
        return sw1(sample1, sample2, 2, k, seed);
    }

    /**
     * Data-to-data floor estimated from a seeded sampler ({@code seed -> interleaved 2-D points of
     * size n}): the mean over {@code repeats} of the SW1 between samples drawn with seeds
     * {@code 2r+1} and {@code 2r+2} (offset by {@code seed}).
     */
    public static double floor(LongFunction<double[]> sampler, int repeats, int k, long seed) {
        if (repeats <= 0) throw new IllegalArgumentException("repeats must be positive");
        double s = 0;
        for (int r = 0; r < repeats; r++) {
            s += sw1(sampler.apply(seed + 2L * r + 1), sampler.apply(seed + 2L * r + 2), 2, k, seed + r);
        }
        return s / repeats;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
