package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops of the convolution lowering (col2im adds), used only when {@link GemmF32#simd}
 * (so this class is never loaded without {@code jdk.incubator.vector}). Each element gets the same
 * single float add as the scalar loop: results are identical on either path.
 */
final class ConvSimd {
    private ConvSimd() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** dst[d + t] += src[s + t] for t < n. */
    static void addInto(float[] dst, int d, float[] src, int s, int n) {
        int t = 0;
        for (int e = S.loopBound(n); t < e; t += S.length()) {
            FloatVector.fromArray(S, dst, d + t).add(FloatVector.fromArray(S, src, s + t)).intoArray(dst, d + t);
        }
        for (; t < n; t++) dst[d + t] += src[s + t];
    }
}
