package tangent.core.cpu;

/**
 * float64 GEMM engine behind {@link Gemm#dgemm}: the same tiling, packing, kernel shape and fixed
 * summation order as {@link GemmF32}, on doubles (used for gradient checks; correctness first).
 */
final class GemmF64 {
    private GemmF64() {}

    /** K block packed per pass (multiple of KS). */
    static final int KC = 256;
    /** K sub-block whose B rows stay in L1 while the tile rows sweep over them (multiple of 4). */
    static final int KS = Integer.getInteger("tangent.gemm.ks", 16);
    /** Maximum tile width (columns). */
    static final int NC = Integer.getInteger("tangent.gemm.nc", 512);
    /** Maximum tile height (rows). */
    static final int MC = Integer.getInteger("tangent.gemm.mc", 64);

    /** Per-thread scratch: packed B rows and the tile accumulator rows. */
    static final class Work {
        final double[][] bp = new double[KC][NC];
        final double[][] cb = new double[MC][NC];
    }

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    static void gemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                     double[] a, int aOff, int aBatch, int lda,
                     double[] b, int bOff, int bBatch, int ldb,
                     double[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        if (batch <= 0 || M <= 0 || N <= 0) return;
        if (K <= 0) {
            if (!accumulate) {
                for (int bi = 0; bi < batch; bi++)
                    for (int i = 0; i < M; i++) {
                        int co = cOff + bi * cBatch + i * ldc;
                        java.util.Arrays.fill(c, co, co + N, 0d);
                    }
            }
            return;
        }
        // Tile shape: only affects speed, never results.
        int tilesN = (N + NC - 1) / NC;
        int nc = roundUp((N + tilesN - 1) / tilesN, 16);
        if (nc > NC) nc = NC;
        tilesN = (N + nc - 1) / nc;
        int mc = Math.min(MC, M);
        int threads = Parallel.insideRange() ? 1 : Parallel.threads();
        if (threads > 1) {
            // Make enough tiles for the workers to share (at least ~4 per thread when possible).
            long want = 4L * threads;
            while (mc > 8 && (long) batch * tilesN * ((M + mc - 1) / mc) < want) mc = (mc + 1) / 2;
        }
        gemmTiled(mc, nc, batch, transA, transB, M, N, K, a, aOff, aBatch, lda, b, bOff, bBatch, ldb,
                c, cOff, cBatch, ldc, accumulate);
    }

    /** Same as gemm with a given tile shape (mc <= MC, nc <= NC); results never depend on it. */
    static void gemmTiled(int mc, int nc, int batch, boolean transA, boolean transB, int M, int N, int K,
                          double[] a, int aOff, int aBatch, int lda,
                          double[] b, int bOff, int bBatch, int ldb,
                          double[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        int tilesN = (N + nc - 1) / nc;
        final int fnc = nc, fmc = mc;
        final int tilesM = (M + mc - 1) / mc, tN = tilesN;
        int tiles = batch * tilesM * tilesN;
        long flopsPerTile = 2L * mc * nc * K;
        int grain = (int) Math.max(1, Math.min(tiles, (1L << 20) / Math.max(1, flopsPerTile)));
        Parallel.forRange(tiles, grain, (lo, hi) -> {
            Work w = WORK.get();
            for (int t = lo; t < hi; t++) {
                int bi = t / (tilesM * tN), rem = t % (tilesM * tN);
                int tm = rem / tN, tn = rem % tN;
                int i0 = tm * fmc, j0 = tn * fnc;
                int mr = Math.min(fmc, M - i0), nr = Math.min(fnc, N - j0);
                tile(w, transA, transB, mr, nr, K,
                        a, aOff + bi * aBatch, lda, i0,
                        b, bOff + bi * bBatch, ldb, j0,
                        c, cOff + bi * cBatch + i0 * ldc + j0, ldc, accumulate);
            }
        });
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /** One output tile: rows i0..i0+mr of op(A), columns j0..j0+nr of op(B). */
    private static void tile(Work w, boolean transA, boolean transB, int mr, int nr, int K,
                             double[] a, int ao, int lda, int i0,
                             double[] b, int bo, int ldb, int j0,
                             double[] c, int co, int ldc, boolean accumulate) {
        double[][] bp = w.bp, cb = w.cb;
        for (int i = 0; i < mr; i++) java.util.Arrays.fill(cb[i], 0, nr, 0d);
        // A(i, k) = a[aBase + i*ars + k*aks]
        int ars = transA ? 1 : lda, aks = transA ? lda : 1;
        int aBase = ao + i0 * ars;
        for (int kb = 0; kb < K; kb += KC) {
            int kc = Math.min(KC, K - kb);
            GemmPack.packB(b, bo, ldb, transB, kb, kc, j0, nr, bp);
            for (int ks = 0; ks < kc; ks += KS) {
                int ke = Math.min(kc, ks + KS);
                for (int i = 0; i < mr; i++) {
                    double[] crow = cb[i];
                    int ap = aBase + i * ars + (kb + ks) * aks;
                    int k = ks;
                    for (; k + 3 < ke; k += 4, ap += 4 * aks) {
                        kernel4(a[ap], a[ap + aks], a[ap + 2 * aks], a[ap + 3 * aks],
                                bp[k], bp[k + 1], bp[k + 2], bp[k + 3], crow, nr);
                    }
                    for (; k < ke; k++, ap += aks) kernel1(a[ap], bp[k], crow, nr);
                }
            }
        }
        for (int i = 0; i < mr; i++) {
            double[] crow = cb[i];
            int cr = co + i * ldc;
            if (accumulate) {
                for (int j = 0; j < nr; j++) c[cr + j] += crow[j];
            } else {
                System.arraycopy(crow, 0, c, cr, nr);
            }
        }
    }

    /** c[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]; all arrays zero-based so C2 vectorises. */
    static void kernel4(double a0, double a1, double a2, double a3,
                        double[] b0, double[] b1, double[] b2, double[] b3, double[] c, int n) {
        for (int j = 0; j < n; j++) c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }

    static void kernel1(double a0, double[] b0, double[] c, int n) {
        for (int j = 0; j < n; j++) c[j] += a0 * b0[j];
    }
}
