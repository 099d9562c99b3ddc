package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API float32 sums: reductions' rows ({@link CpuBackend#sumF32}), scale_shift's backward
 * and the group_norm loops ({@link FusedGroupNormKernels}); used only when
 * {@link SimdSupport#AVAILABLE}. A range is cut into blocks of at most BLOCK whole vectors from its
 * start; within a block each lane sums in float32 (two accumulators per sum, at most BLOCK / 2
 * terms each), the block's lanes are then added into double in lane order, and the elements after
 * the last whole vector are added one by one in double. The order depends only on the range's
 * start and length, never on the thread count. Only exactly rounded operations (sub, add, fma)
 * are used, and lanes are summed by scalar code, not reduceLanes, so compiled and interpreted
 * runs give the same bits.
 *
 * <p>Each block is one method with one counted loop whose vector accumulators are stored before
 * it returns: JDK 17's C2 boxes vectors that stay live across a loop nested in another.
 */
final class SumsSimd {
    private SumsSimd() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Whole vectors per block: each float32 accumulator lane takes at most BLOCK / 2 terms. */
    private static final int BLOCK = 32;

    /** Scratch each caller passes to the sums: 2 L floats. */
    static float[] scratch() {
        return new float[2 * L];
    }

    /**
     * out = {sum d, sum d^2} with d = f[i] - x0 (float32) over i in [p, p + n); the shift x0 keeps
     * a large mean from cancelling in the caller's variance.
     */
    static void shiftedMoments(float[] f, int p, int n, float x0, float[] tmp, double[] out) {
        int full = n - n % L;
        double s = 0, q = 0;
        for (int b = 0; b < full; b += BLOCK * L) {
            moments(f, p + b, Math.min(BLOCK * L, full - b) / L, x0, tmp);
            for (int k = 0; k < L; k++) { s += tmp[k]; q += tmp[L + k]; }
        }
        for (int i = p + full; i < p + n; i++) { float d = f[i] - x0; s += d; q += d * d; }
        out[0] = s;
        out[1] = q;
    }

    /** tmp[0, L) = lanes of sum d, tmp[L, 2L) = lanes of sum d^2 over nv whole vectors from p. */
    private static void moments(float[] f, int p, int nv, float x0, float[] tmp) {
        FloatVector c = FloatVector.broadcast(S, x0), z = FloatVector.zero(S);
        FloatVector s0 = z, s1 = z, q0 = z, q1 = z;
        int end = p + (nv & ~1) * L;
        for (int i = p; i < end; i += 2 * L) {
            FloatVector d0 = FloatVector.fromArray(S, f, i).sub(c), d1 = FloatVector.fromArray(S, f, i + L).sub(c);
            s0 = s0.add(d0);
            s1 = s1.add(d1);
            q0 = d0.fma(d0, q0);
            q1 = d1.fma(d1, q1);
        }
        if ((nv & 1) != 0) {
            FloatVector d0 = FloatVector.fromArray(S, f, end).sub(c);
            s0 = s0.add(d0);
            q0 = d0.fma(d0, q0);
        }
        s0.add(s1).intoArray(tmp, 0);
        q0.add(q1).intoArray(tmp, L);
    }

    /**
     * out = {sum t[pt + i], sum t[pt + i] ((f[p + i] - mf) - ml)} over i in [0, n), the centred factor in
     * float32 as the affine loops form it (mu = mf + ml, float32 head and tail).
     */
    static void centredDot(float[] t, int pt, float[] f, int p, int n, float mf, float ml, float[] tmp, double[] out) {
        int full = n - n % L;
        double s = 0, q = 0;
        for (int b = 0; b < full; b += BLOCK * L) {
            dot(t, pt + b, f, p + b, Math.min(BLOCK * L, full - b) / L, mf, ml, tmp);
            for (int k = 0; k < L; k++) { s += tmp[k]; q += tmp[L + k]; }
        }
        for (int i = full; i < n; i++) { float v = t[pt + i]; s += v; q += v * (f[p + i] - mf - ml); }
        out[0] = s;
        out[1] = q;
    }

    /** tmp[0, L) = lanes of sum t, tmp[L, 2L) = lanes of sum t ((f - mf) - ml) over nv whole vectors from pt and p. */
    private static void dot(float[] t, int pt, float[] f, int p, int nv, float mf, float ml, float[] tmp) {
        FloatVector m = FloatVector.broadcast(S, mf), l = FloatVector.broadcast(S, ml), z = FloatVector.zero(S);
        FloatVector s0 = z, s1 = z, q0 = z, q1 = z;
        int end = (nv & ~1) * L, d = pt - p;
        for (int i = p; i < p + end; i += 2 * L) {
            FloatVector t0 = FloatVector.fromArray(S, t, i + d), t1 = FloatVector.fromArray(S, t, i + d + L);
            FloatVector c0 = FloatVector.fromArray(S, f, i).sub(m).sub(l), c1 = FloatVector.fromArray(S, f, i + L).sub(m).sub(l);
            s0 = s0.add(t0);
            s1 = s1.add(t1);
            q0 = t0.fma(c0, q0);
            q1 = t1.fma(c1, q1);
        }
        if ((nv & 1) != 0) {
            FloatVector t0 = FloatVector.fromArray(S, t, pt + end), c0 = FloatVector.fromArray(S, f, p + end).sub(m).sub(l);
            s0 = s0.add(t0);
            q0 = t0.fma(c0, q0);
        }
        s0.add(s1).intoArray(tmp, 0);
        q0.add(q1).intoArray(tmp, L);
    }
    /** sum a[i] over i in [p, p + n) (see the class comment for the order). */
    static double sum(float[] a, int p, int n) {
        return sum(a, p, n, n >= L ? new float[L] : null);
    }

    /** {@link #sum(float[], int, int)} with the caller's scratch tmp of at least L floats (unused, may be null, when n < L). */
    static double sum(float[] a, int p, int n, float[] tmp) {
        int full = n - n % L;
        double s = 0;
        for (int b = 0; b < full; b += BLOCK * L) {
            plain(a, p + b, Math.min(BLOCK * L, full - b) / L, tmp);
            for (int k = 0; k < L; k++) s += tmp[k];
        }
        for (int i = p + full; i < p + n; i++) s += a[i];
        return s;
    }

    /**
     * acc = 0; acc += sum(a, p + off[r], len) for r = 0..rows-1 in order ({@link #sum} per row):
     * the same double as that loop. Rows go in groups of four whose lane sums run interleaved (four
     * independent double chains instead of one). tmp: at least 4 L floats.
     */
    static double sumOfRows(float[] a, int p, int[] off, int rows, int len, float[] tmp) {
        int full = len - len % L;
        double acc = 0;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int p0 = p + off[r], p1 = p + off[r + 1], p2 = p + off[r + 2], p3 = p + off[r + 3];
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int b = 0; b < full; b += BLOCK * L) {
                int nv = Math.min(BLOCK * L, full - b) / L;
                plain4(a, p0 + b, p1 + b, p2 + b, p3 + b, nv, tmp);
                for (int k = 0; k < L; k++) {
                    s0 += tmp[k];
                    s1 += tmp[L + k];
                    s2 += tmp[2 * L + k];
                    s3 += tmp[3 * L + k];
                }
            }
            for (int i = full; i < len; i++) {
                s0 += a[p0 + i];
                s1 += a[p1 + i];
                s2 += a[p2 + i];
                s3 += a[p3 + i];
            }
            acc += s0;
            acc += s1;
            acc += s2;
            acc += s3;
        }
        for (; r < rows; r++) acc += sum(a, p + off[r], len, tmp);
        return acc;
    }

    /** tmp[q L, (q + 1) L) = lanes of sum a over nv whole vectors from p_q, q = 0..3, as {@link #plain}. */
    private static void plain4(float[] a, int p0, int p1, int p2, int p3, int nv, float[] tmp) {
        FloatVector z = FloatVector.zero(S);
        FloatVector s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
        int end = (nv & ~1) * L;
        for (int i = 0; i < end; i += 2 * L) {
            s00 = s00.add(FloatVector.fromArray(S, a, p0 + i));
            s01 = s01.add(FloatVector.fromArray(S, a, p0 + i + L));
            s10 = s10.add(FloatVector.fromArray(S, a, p1 + i));
            s11 = s11.add(FloatVector.fromArray(S, a, p1 + i + L));
            s20 = s20.add(FloatVector.fromArray(S, a, p2 + i));
            s21 = s21.add(FloatVector.fromArray(S, a, p2 + i + L));
            s30 = s30.add(FloatVector.fromArray(S, a, p3 + i));
            s31 = s31.add(FloatVector.fromArray(S, a, p3 + i + L));
        }
        if ((nv & 1) != 0) {
            s00 = s00.add(FloatVector.fromArray(S, a, p0 + end));
            s10 = s10.add(FloatVector.fromArray(S, a, p1 + end));
            s20 = s20.add(FloatVector.fromArray(S, a, p2 + end));
            s30 = s30.add(FloatVector.fromArray(S, a, p3 + end));
        }
        s00.add(s01).intoArray(tmp, 0);
        s10.add(s11).intoArray(tmp, L);
        s20.add(s21).intoArray(tmp, 2 * L);
        s30.add(s31).intoArray(tmp, 3 * L);
    }

    /** tmp[0, L) = lanes of sum a over nv whole vectors from p. */
    private static void plain(float[] a, int p, int nv, float[] tmp) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0;
        int end = p + (nv & ~1) * L;
        for (int i = p; i < end; i += 2 * L) {
            s0 = s0.add(FloatVector.fromArray(S, a, i));
            s1 = s1.add(FloatVector.fromArray(S, a, i + L));
        }
        if ((nv & 1) != 0) s0 = s0.add(FloatVector.fromArray(S, a, end));
        s0.add(s1).intoArray(tmp, 0);
    }

    /**
     * sum of the float32 products g[pg + i] x[p + i] (each rounded, as a mul then a sum would) over
     * i in [0, n), in {@link #sum}'s order: equal to sum over the product array.
     */
    static double sumProducts(float[] g, int pg, float[] x, int p, int n) {
        int full = n - n % L;
        double s = 0;
        if (full > 0) {
            float[] tmp = new float[L];
            for (int b = 0; b < full; b += BLOCK * L) {
                products(g, pg + b, x, p + b, Math.min(BLOCK * L, full - b) / L, tmp);
                for (int k = 0; k < L; k++) s += tmp[k];
            }
        }
        for (int i = full; i < n; i++) s += g[pg + i] * x[p + i];
        return s;
    }

    /** tmp[0, L) = lanes of sum (g x rounded) over nv whole vectors from pg and p. */
    private static void products(float[] g, int pg, float[] x, int p, int nv, float[] tmp) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0;
        int end = (nv & ~1) * L, d = pg - p;
        for (int i = p; i < p + end; i += 2 * L) {
            s0 = s0.add(FloatVector.fromArray(S, g, i + d).mul(FloatVector.fromArray(S, x, i)));
            s1 = s1.add(FloatVector.fromArray(S, g, i + d + L).mul(FloatVector.fromArray(S, x, i + L)));
        }
        if ((nv & 1) != 0) s0 = s0.add(FloatVector.fromArray(S, g, pg + end).mul(FloatVector.fromArray(S, x, p + end)));
        s0.add(s1).intoArray(tmp, 0);
    }
}
