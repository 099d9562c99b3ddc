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
 * e = exp(-|x|) (see {@link #expNonPositive}; never overflows), p = 1 / (1 + e), q = e p,
 * s = sigmoid(x) = x >= 0 ? p : q,   1 - s = x >= 0 ? q : p     (no cancellation on either side)
 * silu(x) = x s,   silu'(x) = s (1 + x (1 - s))
 * </pre>
 * Against the float64 scalar definition these differ by a few float32 ulps (SiluBackwardTest).
 *
 * <p>Only IEEE operations that are exactly rounded (add, mul, fma, div, conversions, bit moves)
 * appear here. The Vector API's own EXP is not used: its compiled (intrinsic) and interpreted
 * forms may differ in the last bit, which made two identical training runs in one JVM differ
 * and broke bit-exact resume.
 */
final class ElementwiseSimd {
    private ElementwiseSimd() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: for |v| < 2^22, (v + ROUND) - ROUND is v rounded to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f; // ln 2 = LN2_HI + LN2_LO

    /**
     * exp(y) for y <= 0, within about 1 ulp (Cephes' expf): y = n ln2 + r with n = round(y log2 e),
     * |r| <= ln2 / 2, exp(r) by a degree-6 polynomial, times 2^n built from exponent bits in two
     * halves (so results down to the smallest subnormal are right). y below -104 gives 0.
     */
    static FloatVector expNonPositive(FloatVector y) {
        y = y.max(-104f);
        // n = round(y log2 e): y log2 e <= 0, so truncating v = y log2 e - 0.5 (in [-151, -0.5]) rounds
        // to nearest. Truncation of v < 0 is its ceiling: rint(v) = (v + ROUND) - ROUND, plus one where
        // that is below v. (JDK 17's C2 has no vector float-to-int conversion: a convert() here would
        // run lane by lane on boxed vectors; these are exactly rounded float operations instead.)
        FloatVector v = y.mul(LOG2E).sub(0.5f);
        FloatVector rv = v.add(ROUND).sub(ROUND);
        FloatVector nf = rv.blend(rv.add(1f), rv.lt(v));
        FloatVector r = nf.fma(FloatVector.broadcast(S, -LN2_HI), y);
        r = nf.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector poly = FloatVector.broadcast(S, 1.9875691500e-4f);
        poly = poly.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        poly = poly.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        poly = poly.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        poly = poly.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        poly = poly.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector er = poly.mul(r.mul(r)).add(r).add(1f);
        // 2^n = 2^n1 2^n2 with n1 = n / 2, n2 = n - n1, both >= -75: normal floats
        // the integer n sits in the low mantissa bits of nf + ROUND (ulp 1 on [2^23, 2^24))
        jdk.incubator.vector.IntVector n = nf.add(ROUND).reinterpretAsInts().sub(ROUND_BITS);
        jdk.incubator.vector.IntVector n1 = n.lanewise(VectorOperators.ASHR, 1), n2 = n.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(s1).mul(s2);
    }

    /** Length n rounded up to whole vectors. */
    static int padded(int n) {
        return (n + S.length() - 1) / S.length() * S.length();
    }

    /** a[j] = exp(a[j]) by {@link #expNonPositive} for j in [0, n), n a multiple of the vector length, a[j] <= 0. */
    static void expNonPositiveInPlace(float[] a, int n) {
        for (int j = 0; j < n; j += S.length()) expNonPositive(FloatVector.fromArray(S, a, j)).intoArray(a, j);
    }

    /** a[j] = a[j] / d for j in [0, n), n a multiple of the vector length. */
    static void divideInPlace(float[] a, int n, float d) {
        for (int j = 0; j < n; j += S.length()) FloatVector.fromArray(S, a, j).div(d).intoArray(a, j);
    }

    /*
     * sigmoid(x) and 1 - sigmoid(x) are written out in each loop below (e = exp(-|x|), p, q, then
     * two blends) rather than returned from a helper as a pair: a returned array of vectors is not
     * always scalar-replaced by C2, and then every vector of every element is boxed (the fused
     * SiLU+JVP loop ran about twice as slow that way).
     */

    /*
     * Each kernel runs whole vectors only; a last partial vector goes through the same loop on
     * zero-padded copies (lanes are independent, so it gets the same bits as in a full vector).
     * On JDK 17 masked loads and stores are slow paths (run lane by lane on boxed vectors), and a
     * second, masked copy of the arithmetic in the same method would push C2 past its inlining
     * budget, after which the vector operations are no longer intrinsified and each one allocates.
     */

    /** o[i] = silu(a[off + i]) for i in [lo, hi). */
    static void silu(float[] a, int off, float[] o, int lo, int hi) {
        int n = hi - lo, full = S.loopBound(n), r = n - full;
        siluVectors(a, off + lo, o, lo, full);
        if (r == 0) return;
        float[] ta = new float[S.length()], to = new float[S.length()];
        System.arraycopy(a, off + lo + full, ta, 0, r);
        siluVectors(ta, 0, to, 0, S.length());
        System.arraycopy(to, 0, o, lo + full, r);
    }

    private static void siluVectors(float[] a, int pa, float[] o, int po, int n) {
        for (int j = 0; j < n; j += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, pa + j);
            FloatVector e = expNonPositive(x.abs().neg());
            FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p);
            x.mul(p.blend(q, x.lt(0f))).intoArray(o, po + j);
        }
    }

    /** o[po + j] = b[pb + j] silu'(a[pa + j]) for j in [0, n). */
    static void siluBackward(float[] a, int pa, float[] b, int pb, float[] o, int po, int n) {
        int full = S.loopBound(n), r = n - full;
        siluBackwardVectors(a, pa, b, pb, o, po, full);
        if (r == 0) return;
        float[] ta = new float[S.length()], tb = new float[S.length()], to = new float[S.length()];
        System.arraycopy(a, pa + full, ta, 0, r);
        System.arraycopy(b, pb + full, tb, 0, r);
        siluBackwardVectors(ta, 0, tb, 0, to, 0, S.length());
        System.arraycopy(to, 0, o, po + full, r);
    }

    private static void siluBackwardVectors(float[] a, int pa, float[] b, int pb, float[] o, int po, int n) {
        for (int j = 0; j < n; j += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, pa + j);
            FloatVector e = expNonPositive(x.abs().neg());
            FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p);
            VectorMask<Float> neg = x.lt(0f);
            FloatVector s = p.blend(q, neg), s1 = q.blend(p, neg);
            FloatVector g = s.mul(x.mul(s1).add(1f)); // silu'(x) = s (1 + x (1 - s))
            FloatVector.fromArray(S, b, pb + j).mul(g).intoArray(o, po + j);
        }
    }

    /** y = silu(x), dy = t silu'(x) and, when der != null, der = silu'(x), for i in [lo, hi). */
    static void siluForwardJvp(float[] a, int off, float[] t, int toff, float[] y, float[] dy, float[] der, int lo, int hi) {
        int n = hi - lo, full = S.loopBound(n), r = n - full;
        siluForwardJvpVectors(a, off + lo, t, toff + lo, y, dy, der, lo, full);
        if (r == 0) return;
        int v = S.length();
        float[] ta = new float[v], tt = new float[v], ty = new float[v], tdy = new float[v], tder = der == null ? null : new float[v];
        System.arraycopy(a, off + lo + full, ta, 0, r);
        System.arraycopy(t, toff + lo + full, tt, 0, r);
        siluForwardJvpVectors(ta, 0, tt, 0, ty, tdy, tder, 0, v);
        System.arraycopy(ty, 0, y, lo + full, r);
        System.arraycopy(tdy, 0, dy, lo + full, r);
        if (der != null) System.arraycopy(tder, 0, der, lo + full, r);
    }

    private static void siluForwardJvpVectors(float[] a, int pa, float[] t, int pt, float[] y, float[] dy, float[] der,
                                              int po, int n) {
        for (int j = 0; j < n; j += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, pa + j);
            FloatVector e = expNonPositive(x.abs().neg());
            FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p);
            VectorMask<Float> neg = x.lt(0f);
            FloatVector s = p.blend(q, neg), s1 = q.blend(p, neg);
            FloatVector g = s.mul(x.mul(s1).add(1f));
            x.mul(s).intoArray(y, po + j);
            FloatVector.fromArray(S, t, pt + j).mul(g).intoArray(dy, po + j);
            if (der != null) g.intoArray(der, po + j);
        }
    }
}
