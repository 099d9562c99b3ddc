package tangent.core;

/**
 * Seeded, counter-based random numbers: value i of a draw is a hash of (seed, counter + i), so the
 * same seed gives the same numbers on every run and every thread count. Its whole state is two
 * longs ({@link #seed()}, {@link #counter()}), which checkpoints save and restore.
 */
public final class Rng {
    private final long seed;
    private long counter;

    /** A stream starting at counter 0. */
    public Rng(long seed) {
        this(seed, 0);
    }

    /** A stream resumed at a saved position. */
    public Rng(long seed, long counter) {
        this.seed = seed;
        this.counter = counter;
    }

    /** The seed (saved with {@link #counter()} to resume the stream). */
    public long seed() {
        return seed;
    }

    /** How many values have been drawn so far. */
    public long counter() {
        return counter;
    }

    /** An independent stream derived from this one (advances this one by one draw). */
    public Rng split() {
        return new Rng(mix(seed ^ mix(counter++ + 0x5851F42D4C957F2DL)), 0);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long bits(long i) {
        return mix(seed * 0x9E3779B97F4A7C15L + mix(i + 0x632BE59BD9B4E019L));
    }

    /** Uniform in [0, 1) with 53 random bits. */
    private double u01(long i) {
        return (bits(i) >>> 11) * 0x1.0p-53;
    }

    /** One uniform number in [0, 1). */
    public double nextDouble() {
        return u01(counter++);
    }

    /** One standard normal number. */
    public double nextGaussian() {
        double[] v = normalArray(1);
        return v[0];
    }

    /** n uniform numbers in [lo, hi). */
    public double[] uniformArray(int n, double lo, double hi) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = lo + (hi - lo) * u01(counter + i);
        counter += n;
        return out;
    }

    /** n standard normal numbers (Box-Muller on pairs). */
    public double[] normalArray(int n) {
        double[] out = new double[n];
        long base = counter;
        for (int i = 0; i < n; i += 2) {
            double u1 = 1.0 - u01(base + i), u2 = u01(base + i + 1);
            double r = Math.sqrt(-2.0 * Math.log(u1)), th = 2 * Math.PI * u2;
            out[i] = r * Math.cos(th);
            if (i + 1 < n) out[i + 1] = r * Math.sin(th);
        }
        counter += n + (n & 1);
        return out;
    }

    /** Standard normal values (Box-Muller) of the given shape on the CPU. */
    public Tensor normal(DType dtype, int... shape) {
        return fromDoubles(normalArray(Shape.numel(shape)), dtype, shape);
    }

    /** Uniform values in [lo, hi) of the given shape on the CPU. */
    public Tensor uniform(DType dtype, double lo, double hi, int... shape) {
        return fromDoubles(uniformArray(Shape.numel(shape), lo, hi), dtype, shape);
    }

    /** A 0/1 mask with P(1) = pKeep. */
    public Tensor bernoulli(DType dtype, double pKeep, int... shape) {
        double[] u = uniformArray(Shape.numel(shape), 0, 1);
        for (int i = 0; i < u.length; i++) u[i] = u[i] < pKeep ? 1 : 0;
        return fromDoubles(u, dtype, shape);
    }

    private static Tensor fromDoubles(double[] v, DType dtype, int[] shape) {
        if (dtype == DType.F64) return Tensor.of(v, shape);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.of(f, shape);
    }
}
