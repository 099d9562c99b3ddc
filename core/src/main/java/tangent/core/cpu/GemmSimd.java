package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 register-blocked micro-kernels written with the Vector API ({@code jdk.incubator.vector}).
 *
 * <p>Only ever loaded through {@link SimdSupport} after it has checked that the module is in the
 * boot layer; no other class may reference this one directly at run time unless
 * {@link SimdSupport#AVAILABLE} is true.
 *
 * <p>Works on one K block of a {@link GemmF32} tile: packed op(B) rows {@code bp[k][0..nr)}, the
 * tile's zero-based accumulator rows {@code cb[i]}, and A(i, kb + k) = a[ab + i*ars + k*aks]. Blocks
 * of 6 rows x 2 vectors (12 accumulators) are held in registers over a K sub-block and loaded
 * from / stored to cb around it.
 *
 * <p>Order: every C(i, j) is the plain sequential FMA chain c = fma(A(i,k), B(k,j), c) for
 * k = 0, 1, ..., K-1 starting from c = 0 (one rounding per k). The order depends on K only — not
 * on the vector width, the tile shape, the block a row or column falls into, or the thread count —
 * so results are bit-identical for any of those. They differ from the pure-Java path (which
 * rounds a*b and the adds separately) by ordinary float rounding.
 */
final class GemmSimd {
    private GemmSimd() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector (16 with AVX-512, 8 with AVX2). */
    static final int L = S.length();
    /** Maximum K sub-block: the 2-vector B strip of this many rows stays in L1 while all row blocks pass. */
    static final int KSV = Integer.getInteger("tangent.gemm.simd.ks", 128);
    /** A floats per K sub-block (mr x ksv) kept in L1 with the B strip: 32 KiB. */
    static final int A_L1_FLOATS = Integer.getInteger("tangent.gemm.simd.al1", 8192);

    /** Columns actually computed for nr requested ones (padding lanes have B = 0 and are never stored). */
    static int padded(int nr) {
        return (nr + L - 1) / L * L;
    }

    /**
     * cb[i][0..nr) = fma chain over k < kc of A(i, k) * bp[k][j] onto cb, for i < mr. bp rows and cb
     * rows must be at least padded(nr) long; bp columns nr..padded(nr) are zeroed here, so cb's padding
     * columns only ever receive A * 0 terms; the caller never reads them.
     */
    static void block(float[][] bp, int kc, float[][] cb, int mr, int nr, float[] a, int ab, int ars, int aks) {
        int np = padded(nr);
        if (np > nr) for (int k = 0; k < kc; k++) java.util.Arrays.fill(bp[k], nr, np, 0f);
        // K sub-block: keep the A block (mr rows x ksv) within about 32 KiB of L1 as well
        int ksv = Math.min(KSV, Math.max(16, (A_L1_FLOATS / Math.max(1, mr)) & ~15));
        for (int ks = 0; ks < kc; ks += ksv) {
            int ke = Math.min(kc, ks + ksv);
            int j = 0;
            for (; j + 2 * L <= np; j += 2 * L) {
                int i = 0;
                for (; i + 6 <= mr; i += 6) k6x2(bp, ks, ke, cb, i, j, a, ab + i * ars, ars, aks);
                if (i + 4 <= mr) {
                    k4x2(bp, ks, ke, cb, i, j, a, ab + i * ars, ars, aks);
                    i += 4;
                }
                if (i + 2 <= mr) {
                    k2x2(bp, ks, ke, cb, i, j, a, ab + i * ars, ars, aks);
                    i += 2;
                }
                if (i < mr) k1x2(bp, ks, ke, cb, i, j, a, ab + i * ars, aks);
            }
            if (j < np) {
                int i = 0;
                for (; i + 6 <= mr; i += 6) k6x1(bp, ks, ke, cb, i, j, a, ab + i * ars, ars, aks);
                for (; i < mr; i++) k1x1(bp, ks, ke, cb, i, j, a, ab + i * ars, aks);
            }
        }
    }

    private static void k6x2(float[][] bp, int ks, int ke, float[][] cb, int i, int j,
                             float[] a, int ap, int ars, int aks) {
        float[] r0 = cb[i], r1 = cb[i + 1], r2 = cb[i + 2], r3 = cb[i + 3], r4 = cb[i + 4], r5 = cb[i + 5];
        int jl = j + L;
        FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, jl);
        FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, jl);
        FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, jl);
        FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, jl);
        FloatVector c40 = FloatVector.fromArray(S, r4, j), c41 = FloatVector.fromArray(S, r4, jl);
        FloatVector c50 = FloatVector.fromArray(S, r5, j), c51 = FloatVector.fromArray(S, r5, jl);
        int p = ap + ks * aks;
        for (int k = ks; k < ke; k++, p += aks) {
            float[] b = bp[k];
            FloatVector b0 = FloatVector.fromArray(S, b, j), b1 = FloatVector.fromArray(S, b, jl);
            FloatVector x = FloatVector.broadcast(S, a[p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[p + ars]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[p + 2 * ars]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[p + 3 * ars]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[p + 4 * ars]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[p + 5 * ars]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(r0, j);
        c01.intoArray(r0, jl);
        c10.intoArray(r1, j);
        c11.intoArray(r1, jl);
        c20.intoArray(r2, j);
        c21.intoArray(r2, jl);
        c30.intoArray(r3, j);
        c31.intoArray(r3, jl);
        c40.intoArray(r4, j);
        c41.intoArray(r4, jl);
        c50.intoArray(r5, j);
        c51.intoArray(r5, jl);
    }

    private static void k4x2(float[][] bp, int ks, int ke, float[][] cb, int i, int j,
                             float[] a, int ap, int ars, int aks) {
        float[] r0 = cb[i], r1 = cb[i + 1], r2 = cb[i + 2], r3 = cb[i + 3];
        int jl = j + L;
        FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, jl);
        FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, jl);
        FloatVector c20 = FloatVector.fromArray(S, r2, j), c21 = FloatVector.fromArray(S, r2, jl);
        FloatVector c30 = FloatVector.fromArray(S, r3, j), c31 = FloatVector.fromArray(S, r3, jl);
        int p = ap + ks * aks;
        for (int k = ks; k < ke; k++, p += aks) {
            float[] b = bp[k];
            FloatVector b0 = FloatVector.fromArray(S, b, j), b1 = FloatVector.fromArray(S, b, jl);
            FloatVector x = FloatVector.broadcast(S, a[p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[p + ars]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[p + 2 * ars]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[p + 3 * ars]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(r0, j);
        c01.intoArray(r0, jl);
        c10.intoArray(r1, j);
        c11.intoArray(r1, jl);
        c20.intoArray(r2, j);
        c21.intoArray(r2, jl);
        c30.intoArray(r3, j);
        c31.intoArray(r3, jl);
    }

    private static void k2x2(float[][] bp, int ks, int ke, float[][] cb, int i, int j,
                             float[] a, int ap, int ars, int aks) {
        float[] r0 = cb[i], r1 = cb[i + 1];
        int jl = j + L;
        FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, jl);
        FloatVector c10 = FloatVector.fromArray(S, r1, j), c11 = FloatVector.fromArray(S, r1, jl);
        int p = ap + ks * aks;
        for (int k = ks; k < ke; k++, p += aks) {
            float[] b = bp[k];
            FloatVector b0 = FloatVector.fromArray(S, b, j), b1 = FloatVector.fromArray(S, b, jl);
            FloatVector x = FloatVector.broadcast(S, a[p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[p + ars]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
        }
        c00.intoArray(r0, j);
        c01.intoArray(r0, jl);
        c10.intoArray(r1, j);
        c11.intoArray(r1, jl);
    }

    private static void k1x2(float[][] bp, int ks, int ke, float[][] cb, int i, int j,
                             float[] a, int ap, int aks) {
        float[] r0 = cb[i];
        int jl = j + L;
        FloatVector c00 = FloatVector.fromArray(S, r0, j), c01 = FloatVector.fromArray(S, r0, jl);
        int p = ap + ks * aks;
        for (int k = ks; k < ke; k++, p += aks) {
            float[] b = bp[k];
            FloatVector x = FloatVector.broadcast(S, a[p]);
            c00 = x.fma(FloatVector.fromArray(S, b, j), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, jl), c01);
        }
        c00.intoArray(r0, j);
        c01.intoArray(r0, jl);
    }

    private static void k6x1(float[][] bp, int ks, int ke, float[][] cb, int i, int j,
                             float[] a, int ap, int ars, int aks) {
        float[] r0 = cb[i], r1 = cb[i + 1], r2 = cb[i + 2], r3 = cb[i + 3], r4 = cb[i + 4], r5 = cb[i + 5];
        FloatVector c0 = FloatVector.fromArray(S, r0, j), c1 = FloatVector.fromArray(S, r1, j);
        FloatVector c2 = FloatVector.fromArray(S, r2, j), c3 = FloatVector.fromArray(S, r3, j);
        FloatVector c4 = FloatVector.fromArray(S, r4, j), c5 = FloatVector.fromArray(S, r5, j);
        int p = ap + ks * aks;
        for (int k = ks; k < ke; k++, p += aks) {
            FloatVector b0 = FloatVector.fromArray(S, bp[k], j);
            c0 = FloatVector.broadcast(S, a[p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[p + ars]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[p + 2 * ars]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[p + 3 * ars]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[p + 4 * ars]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[p + 5 * ars]).fma(b0, c5);
        }
        c0.intoArray(r0, j);
        c1.intoArray(r1, j);
        c2.intoArray(r2, j);
        c3.intoArray(r3, j);
        c4.intoArray(r4, j);
        c5.intoArray(r5, j);
    }

    private static void k1x1(float[][] bp, int ks, int ke, float[][] cb, int i, int j,
                             float[] a, int ap, int aks) {
        float[] r0 = cb[i];
        FloatVector c0 = FloatVector.fromArray(S, r0, j);
        int p = ap + ks * aks;
        for (int k = ks; k < ke; k++, p += aks) {
            c0 = FloatVector.broadcast(S, a[p]).fma(FloatVector.fromArray(S, bp[k], j), c0);
        }
        c0.intoArray(r0, j);
    }

    /**
     * Checks on a tiny problem that the kernels produce the scalar FMA chain exactly (guards
     * against a broken or unexpected Vector API implementation). Returns false on any mismatch.
     */
    static boolean selfTest() {
        int mr = 13, nr = 2 * L + 3, kc = 5;
        float[][] bp = new float[kc][padded(nr)];
        float[][] cb = new float[mr][padded(nr)];
        float[] a = new float[mr * kc];
        java.util.Random r = new java.util.Random(11);
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        for (float[] row : bp) for (int j = 0; j < nr; j++) row[j] = r.nextFloat() - 0.5f;
        block(bp, kc, cb, mr, nr, a, 0, kc, 1);
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < nr; j++) {
                float c = 0f;
                for (int k = 0; k < kc; k++) c = Math.fma(a[i * kc + k], bp[k][j], c);
                if (Float.floatToRawIntBits(c) != Float.floatToRawIntBits(cb[i][j])) return false;
            }
        return true;
    }
}
