package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 products of small matrices with the Vector API: C[b] = op(A[b]) op(B[b]) with M and K
 * at most 128 (the attention block's 49 x 64 and 49 x 49 matrices, batched; the 32 x 128 x 128
 * linear layers). Layouts and arguments as {@link Gemm#sgemm}. Used by CpuBackend's matmul and
 * matmulJvp (the MatMul op; the convolutions keep the tiled GEMM) only when
 * {@link SimdSupport#AVAILABLE} and {@link GemmF32#simd}, for the shapes {@link #applies} accepts.
 *
 * <p>One task per batch entry and panel of {@link #W} columns (4 vectors): the panel of op(B) is
 * packed into a zero-padded scratch, then blocks of 6 rows x 4 vectors (24 accumulators) run over
 * all of K in registers, starting from zero, and are stored to a scratch row block that is copied
 * (or added) into C. The forward+JVP ({@link #jvp}) packs B once for y = A B and dA B, and dB
 * once for A dB.
 *
 * <p>Order: each C(i, j) is the sequential FMA chain c = fma(A(i,k), B(k,j), c) for k = 0..K-1
 * from c = 0, exactly as {@link GemmSimd}; with accumulate, the finished chain is then added to C.
 * So results are bit-identical to the general SIMD path, for any thread count.
 */
final class GemmSmall {
    private GemmSmall() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Packed columns: four vectors. */
    static final int W = 4 * L;
    /** Largest M and K taken: packed B (K x W) and the C block (M x W) then stay within L1 and L2. */
    static final int MAX_M = 128, MAX_K = 128;

    /**
     * Whether this kernel takes the product: M and K at most 128 and no panel narrower than three
     * vectors (it would waste most of the 4-vector blocks); not a single transposed-A product (the
     * linear layers' weight gradients g^T x measured no faster). A single task (one panel, one
     * batch entry: at most 2 MFLOP) runs on the calling thread.
     */
    static boolean applies(int batch, boolean transA, int M, int N, int K) {
        int rest = N % W;
        return batch >= 1 && !(transA && batch == 1) && M >= 1 && M <= MAX_M && K >= 1 && K <= MAX_K && N >= 1
                && (rest == 0 || rest > 3 * L);
    }

    static int panels(int N) {
        return (N + W - 1) / W;
    }

    private static final class Work {
        final float[] bp = new float[MAX_K * W], cb = new float[MAX_M * W];
    }

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    static void gemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                     float[] a, int aOff, int aBatch, int lda,
                     float[] b, int bOff, int bBatch, int ldb,
                     float[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        int ars = transA ? 1 : lda, aks = transA ? lda : 1, P = panels(N);
        Parallel.forRange(batch * P, 1, (lo, hi) -> {
            Work w = WORK.get();
            for (int t = lo; t < hi; t++) {
                int bi = t / P, j0 = t % P * W, nw = Math.min(W, N - j0);
                pack(b, bOff + bi * bBatch, ldb, transB, K, j0, nw, w.bp);
                product(w, M, nw, K, a, aOff + bi * aBatch, ars, aks, c, cOff + bi * cBatch + j0, ldc, accumulate);
            }
        });
    }

    /**
     * y = op(a) op(b) and dy = op(da) op(b) + op(a) op(db) (either tangent may be null, not both),
     * y and dy compact (batch, M, N). Each operand x comes with its {offset, batch stride, leading
     * dimension} lx. dy is the first product's rounded chain plus the second's, as two GEMMs with
     * accumulate would form it.
     */
    static void jvp(int batch, boolean transA, boolean transB, int M, int N, int K,
                    float[] a, int[] la, float[] da, int[] lda, float[] b, int[] lb, float[] db, int[] ldb,
                    float[] y, float[] dy) {
        int ars = transA ? 1 : la[2], aks = transA ? la[2] : 1;
        int dars = da == null ? 0 : transA ? 1 : lda[2], daks = da == null ? 0 : transA ? lda[2] : 1;
        int mn = M * N, P = panels(N);
        Parallel.forRange(batch * P, 1, (lo, hi) -> {
            Work w = WORK.get();
            for (int t = lo; t < hi; t++) {
                int bi = t / P, j0 = t % P * W, nw = Math.min(W, N - j0), co = bi * mn + j0;
                pack(b, lb[0] + bi * lb[1], lb[2], transB, K, j0, nw, w.bp);
                product(w, M, nw, K, a, la[0] + bi * la[1], ars, aks, y, co, N, false);
                if (da != null) product(w, M, nw, K, da, lda[0] + bi * lda[1], dars, daks, dy, co, N, false);
                if (db != null) {
                    pack(db, ldb[0] + bi * ldb[1], ldb[2], transB, K, j0, nw, w.bp);
                    product(w, M, nw, K, a, la[0] + bi * la[1], ars, aks, dy, co, N, da != null);
                }
            }
        });
    }

    /** bp[k W + j] = op(B)(k, j0 + j) for k < K, j < N; columns N..W zero. */
    private static void pack(float[] b, int bo, int ldb, boolean transB, int K, int j0, int N, float[] bp) {
        if (!transB) {
            for (int k = 0; k < K; k++) {
                System.arraycopy(b, bo + k * ldb + j0, bp, k * W, N);
                java.util.Arrays.fill(bp, k * W + N, (k + 1) * W, 0f);
            }
            return;
        }
        // B stored N x K: op(B)(k, j) = b[bo + j ldb + k]; eight rows of b at a time into eight
        // consecutive columns of bp
        bo += j0 * ldb;
        int j = 0;
        for (; j + 8 <= N; j += 8) {
            int s = bo + j * ldb;
            for (int k = 0, o = j; k < K; k++, o += W) {
                int t = s + k;
                bp[o] = b[t];
                bp[o + 1] = b[t + ldb];
                bp[o + 2] = b[t + 2 * ldb];
                bp[o + 3] = b[t + 3 * ldb];
                bp[o + 4] = b[t + 4 * ldb];
                bp[o + 5] = b[t + 5 * ldb];
                bp[o + 6] = b[t + 6 * ldb];
                bp[o + 7] = b[t + 7 * ldb];
            }
        }
        for (; j < N; j++) {
            int s = bo + j * ldb;
            for (int k = 0; k < K; k++) bp[k * W + j] = b[s + k];
        }
        for (int k = 0; k < K; k++) java.util.Arrays.fill(bp, k * W + N, (k + 1) * W, 0f);
    }

    /** C(i, j) (+)= sum_k A(i, k) bp[k W + j], A(i, k) = a[ap + i ars + k aks], C(i, j) = c[co + i ldc + j]. */
    private static void product(Work w, int M, int N, int K, float[] a, int ap, int ars, int aks,
                                float[] c, int co, int ldc, boolean accumulate) {
        float[] bp = w.bp, cb = w.cb;
        int i = 0;
        for (; i + 6 <= M; i += 6) k6x4(bp, K, a, ap + i * ars, ars, aks, cb, i * W);
        for (; i < M; i++) k1x4(bp, K, a, ap + i * ars, aks, cb, i * W);
        for (i = 0; i < M; i++) {
            int cr = co + i * ldc, q = i * W;
            if (accumulate) for (int j = 0; j < N; j++) c[cr + j] += cb[q + j];
            else System.arraycopy(cb, q, c, cr, N);
        }
    }

    /** cb rows at q, q + W, ..., q + 5W (4 vectors each) = the chains of 6 rows of A from p. */
    private static void k6x4(float[] bp, int K, float[] a, int p, int ars, int aks, float[] cb, int q) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
        for (int k = 0, o = 0; k < K; k++, p += aks, o += W) {
            FloatVector b0 = FloatVector.fromArray(S, bp, o), b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, o + 2 * L), b3 = FloatVector.fromArray(S, bp, o + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[p + ars]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[p + 2 * ars]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[p + 3 * ars]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, a[p + 4 * ars]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, a[p + 5 * ars]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        c00.intoArray(cb, q);
        c01.intoArray(cb, q + L);
        c02.intoArray(cb, q + 2 * L);
        c03.intoArray(cb, q + 3 * L);
        q += W;
        c10.intoArray(cb, q);
        c11.intoArray(cb, q + L);
        c12.intoArray(cb, q + 2 * L);
        c13.intoArray(cb, q + 3 * L);
        q += W;
        c20.intoArray(cb, q);
        c21.intoArray(cb, q + L);
        c22.intoArray(cb, q + 2 * L);
        c23.intoArray(cb, q + 3 * L);
        q += W;
        c30.intoArray(cb, q);
        c31.intoArray(cb, q + L);
        c32.intoArray(cb, q + 2 * L);
        c33.intoArray(cb, q + 3 * L);
        q += W;
        c40.intoArray(cb, q);
        c41.intoArray(cb, q + L);
        c42.intoArray(cb, q + 2 * L);
        c43.intoArray(cb, q + 3 * L);
        q += W;
        c50.intoArray(cb, q);
        c51.intoArray(cb, q + L);
        c52.intoArray(cb, q + 2 * L);
        c53.intoArray(cb, q + 3 * L);
    }

    /** cb row at q (4 vectors) = the chains of the row of A at p. */
    private static void k1x4(float[] bp, int K, float[] a, int p, int aks, float[] cb, int q) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z;
        for (int k = 0, o = 0; k < K; k++, p += aks, o += W) {
            FloatVector x = FloatVector.broadcast(S, a[p]);
            c0 = x.fma(FloatVector.fromArray(S, bp, o), c0);
            c1 = x.fma(FloatVector.fromArray(S, bp, o + L), c1);
            c2 = x.fma(FloatVector.fromArray(S, bp, o + 2 * L), c2);
            c3 = x.fma(FloatVector.fromArray(S, bp, o + 3 * L), c3);
        }
        c0.intoArray(cb, q);
        c1.intoArray(cb, q + L);
        c2.intoArray(cb, q + 2 * L);
        c3.intoArray(cb, q + 3 * L);
    }
}
