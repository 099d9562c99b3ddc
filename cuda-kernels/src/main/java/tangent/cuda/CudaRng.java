package tangent.cuda;

import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * {@link Rng}'s counter-based streams drawn on the device (rng.cu): the same (seed, counter) gives
 * the same numbers as the CPU's Rng (uniform and bernoulli bit-identical, normal to the last bits
 * of double log/sqrt/sincos), and nothing is uploaded. The state is two longs and advances exactly
 * as Rng's does, so {@link #toRng()} hands it back to the CPU (checkpoints) at any point.
 * Not thread-safe (like Rng).
 */
public final class CudaRng {
    private final long seed;
    private long counter;

    public CudaRng(long seed, long counter) {
        this.seed = seed;
        this.counter = counter;
    }

    /** The device twin of rng at its current position (rng itself is not advanced). */
    public static CudaRng of(Rng rng) {
        return new CudaRng(rng.seed(), rng.counter());
    }

    /** The CPU stream at this one's position. */
    public Rng toRng() {
        return new Rng(seed, counter);
    }

    public long counter() {
        return counter;
    }

    private static String sfx(DType d) {
        return d == DType.F32 ? "f32" : "f64";
    }

    /** Standard normal numbers (Box-Muller on pairs; an odd count uses up one more draw, as Rng). */
    public Tensor normal(DType dtype, int... shape) {
        Tensor t = CudaBackend.alloc(dtype, shape);
        long n = t.numel();
        String k = "rng_normal_" + sfx(dtype);
        if (n > 0) CudaBackend.launch1d(k, (n + 1) / 2, () -> "normal " + Shape.str(shape), CudaBackend.ptr(k, t), n, seed, counter);
        counter += n + (n & 1);
        return t;
    }

    /** Uniform numbers in [lo, hi). */
    public Tensor uniform(DType dtype, double lo, double hi, int... shape) {
        Tensor t = CudaBackend.alloc(dtype, shape);
        long n = t.numel();
        String k = "rng_uniform_" + sfx(dtype);
        if (n > 0) CudaBackend.launch1d(k, n, () -> "uniform " + Shape.str(shape), CudaBackend.ptr(k, t), n, seed, counter, lo, hi);
        counter += n;
        return t;
    }

    /** A 0/1 mask with P(1) = pKeep. */
    public Tensor bernoulli(DType dtype, double pKeep, int... shape) {
        Tensor t = CudaBackend.alloc(dtype, shape);
        long n = t.numel();
        String k = "rng_bernoulli_" + sfx(dtype);
        if (n > 0) CudaBackend.launch1d(k, n, () -> "bernoulli " + Shape.str(shape), CudaBackend.ptr(k, t), n, seed, counter, pKeep);
        counter += n;
        return t;
    }
}
