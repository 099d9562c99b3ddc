package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API float32 loops for SiLU, used only when {@link SimdSupport#AVAILABLE} (the JVM has
 * {@code --add-modules jdk.incubator.vector}); callers check that first, so this class is never
 * loaded otherwise. Every element goes through the same float32 operations (tails use masked
 * vectors, not a scalar loop), so results do not depend on chunk boundaries or thread count, and
 * the three kernels agree bit for bit with each other:
 * <pre>
 * e = exp(-|x|) (the Vector API's EXP; never overflows), p = 1 / (1 + e), q = e p,
 * s = sigmoid(x) = x >= 0 ? p : q,   1 - s = x >= 0 ? q : p     (no cancellation on either side)
 * silu(x) = x s,   silu'(x) = s (1 + x (1 - s))
 * </pre>
 * Against the float64 scalar definition these differ by a few float32 ulps (SiluBackwardTest).
 */
final class ElementwiseSimd {
    private ElementwiseSimd() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** {s, 1 - s} of x. */
    private static FloatVector[] sigmoid(FloatVector x) {
        FloatVector e = x.abs().neg().lanewise(VectorOperators.EXP);
        FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p);
        VectorMask<Float> neg = x.lt(0f);
        return new FloatVector[] {p.blend(q, neg), q.blend(p, neg)};
    }

    /** o[i] = silu(a[off + i]) for i in [lo, hi). */
    static void silu(float[] a, int off, float[] o, int lo, int hi) {
        for (int i = lo; i < hi; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector x = FloatVector.fromArray(S, a, off + i, m);
            x.mul(sigmoid(x)[0]).intoArray(o, i, m);
        }
    }

    /** o[po + j] = b[pb + j] silu'(a[pa + j]) for j in [0, n). */
    static void siluBackward(float[] a, int pa, float[] b, int pb, float[] o, int po, int n) {
        for (int j = 0; j < n; j += S.length()) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector x = FloatVector.fromArray(S, a, pa + j, m);
            FloatVector[] s = sigmoid(x);
            FloatVector g = s[0].mul(x.mul(s[1]).add(1f));
            FloatVector.fromArray(S, b, pb + j, m).mul(g).intoArray(o, po + j, m);
        }
    }

    /** y = silu(x), dy = t silu'(x) and, when der != null, der = silu'(x), for i in [lo, hi). */
    static void siluForwardJvp(float[] a, int off, float[] t, int toff, float[] y, float[] dy, float[] der, int lo, int hi) {
        for (int i = lo; i < hi; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, hi);
            FloatVector x = FloatVector.fromArray(S, a, off + i, m);
            FloatVector[] s = sigmoid(x);
            FloatVector g = s[0].mul(x.mul(s[1]).add(1f));
            x.mul(s[0]).intoArray(y, i, m);
            FloatVector.fromArray(S, t, toff + i, m).mul(g).intoArray(dy, i, m);
            if (der != null) g.intoArray(der, i, m);
        }
    }
}
