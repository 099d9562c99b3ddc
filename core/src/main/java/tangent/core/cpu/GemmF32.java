package tangent.core.cpu;

import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * float32 GEMM engine behind {@link Gemm#sgemm}.
 *
 * <p>Structure: C is cut into output tiles (mc rows x nc columns of one batch entry). One tile is
 * computed entirely by one thread: for each K block of {@link #KC} it packs op(B) rows into
 * separate zero-based {@code float[]} rows (C2 in JDK 17 only vectorises loops whose array
 * indices share one induction expression, so the hot loop must index every array by the same
 * plain {@code j}), then for every row i of the tile and every four consecutive k it runs
 * {@code c[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]} over the tile's columns, with c a
 * zero-based accumulator row. K is walked in sub-blocks of {@link #KS} so the B rows in use stay
 * in L1 while all tile rows pass over them.
 *
 * <p>When {@link SimdSupport#AVAILABLE} (JVM started with {@code --add-modules jdk.incubator.vector}),
 * the per-tile arithmetic is done by {@link GemmSimd} instead: register-blocked Vector API
 * micro-kernels whose per-element order is the sequential FMA chain over k (see there); packing,
 * tiling and write-out are shared. The pure-Java description below is the fallback.
 *
 * <p>Determinism: the sum for C(i, j) is always ((((0 + g0) + g1) + ...) where g_t is the group
 * a(4t)b(4t) + a(4t+1)b(4t+1) + a(4t+2)b(4t+2) + a(4t+3)b(4t+3) evaluated left to right, followed
 * by the K % 4 trailing single products; this order depends on K only, never on tile shapes or
 * thread counts.
 */
final class GemmF32 {
    private GemmF32() {}

    /** K block packed per pass (multiple of KS). */
    static final int KC = 256;
    /** K sub-block whose B rows stay in L1 while the tile rows sweep over them (multiple of 4). */
    static final int KS = Integer.getInteger("tangent.gemm.ks", 16);
    /** Maximum tile width (columns). */
    static final int NC = Integer.getInteger("tangent.gemm.nc", 512);
    /** Row length of the scratch rows: NC rounded up so vector kernels may run into the padding. */
    static final int NCP = roundUp(NC, 64);
    /** Maximum tile height (rows). */
    static final int MC = Integer.getInteger("tangent.gemm.mc", 64);

    /** Per-thread scratch: packed B rows and the tile accumulator rows. */
    static final class Work {
        final float[][] bp = new float[KC][NCP];
        float[][] cb = new float[MC][NCP];

        float[][] cb(int rows) {
            if (cb.length < rows) {
                float[][] n = java.util.Arrays.copyOf(cb, rows);
                for (int i = cb.length; i < rows; i++) n[i] = new float[NCP];
                cb = n;
            }
            return cb;
        }
    }

    /**
     * Source of op(B) panels: fills bp[k][0..nr) = op(B)(kb + k, j0 + j) for k < kc. Lets callers
     * (convolution) generate B on the fly, e.g. im2col straight into the packed rows.
     */
    interface Panel {
        void pack(int kb, int kc, int j0, int nr, float[][] bp);
    }

    /**
     * Single GEMM with a generated B: C(i, n) (+)= sum_k A(i, k) op(B)(k, n), A(i, k) =
     * a[aOff + i*ars + k*aks], and C(i, n) stored at c[cOff + i*ldc + (n / segLen)*segStride + n % segLen]
     * (segments let C columns span several images). Tiles of at most mc rows run in parallel
     * unless already on a worker. Same summation order as {@link #gemm}.
     */
    static void gemmPanel(int mc, int M, int N, int K, float[] a, int aOff, int ars, int aks, Panel panel,
                          float[] c, int cOff, int ldc, int segLen, int segStride, boolean accumulate) {
        if (M <= 0 || N <= 0) return;
        // Column tiles are whole PANEL_UNIT strips (the vector kernels' 2-vector width with AVX-512),
        // so no tile but the last ends in a 1-vector tail; shapes only affect speed, never results.
        final int tilesM = (M + mc - 1) / mc, strips = (N + PANEL_UNIT - 1) / PANEL_UNIT;
        int tilesN = (N + NC - 1) / NC;
        while (tilesN < strips && (strips + tilesN - 1) / tilesN * PANEL_UNIT > NC) tilesN++;
        int threads = Parallel.insideRange() ? 1 : Parallel.threads();
        if (threads > 1 && tilesM * tilesN >= 4 * threads) {
            // Parallel.forRange cuts the tiles into at most 4*threads equal chunks: make the tile
            // count a multiple of that so the chunks hold equal work.
            int q = 4 * threads;
            for (int t = tilesN; t <= Math.min(strips, 2 * tilesN); t++) {
                if ((tilesM * t) % q == 0) {
                    tilesN = t;
                    break;
                }
            }
        }
        final int tN = tilesN;
        Parallel.forRange(tilesM * tilesN, 1, (lo, hi) -> {
            Work w = WORK.get();
            for (int t = lo; t < hi; t++) {
                int tm = t / tN, tn = t % tN;
                int i0 = tm * mc;
                int j0 = (int) ((long) tn * strips / tN) * PANEL_UNIT;
                int j1 = Math.min(N, (int) ((long) (tn + 1) * strips / tN) * PANEL_UNIT);
                if (j1 <= j0) continue;
                tile(w, Math.min(mc, M - i0), j1 - j0, K, a, aOff + i0 * ars, ars, aks, panel, j0,
                        c, cOff + i0 * ldc, ldc, segLen, segStride, accumulate);
            }
        });
    }

    /** Column granularity of gemmPanel tiles: two 16-float vectors. */
    static final int PANEL_UNIT = 32;

    /**
     * Whether tiles use the Vector API micro-kernels ({@link GemmSimd}, FMA chain) instead of the
     * pure-Java ones. Decided once by {@link SimdSupport}; tests may flip it (only while no GEMM runs).
     */
    static volatile boolean simd = SimdSupport.AVAILABLE;

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    static void gemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                     float[] a, int aOff, int aBatch, int lda,
                     float[] b, int bOff, int bBatch, int ldb,
                     float[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        if (batch <= 0 || M <= 0 || N <= 0) return;
        if (K <= 0) {
            if (!accumulate) {
                for (int bi = 0; bi < batch; bi++)
                    for (int i = 0; i < M; i++) {
                        int co = cOff + bi * cBatch + i * ldc;
                        java.util.Arrays.fill(c, co, co + N, 0f);
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

    /**
     * {y, dy} of CpuBackend.matmulJvp by {@link GemmSmall#jvp} (B and dB packed once per batch
     * entry, one parallel pass) when the operands are float32, the vector kernels are on and
     * {@link GemmSmall#applies}; else null. Bit-identical to the three separate GEMMs.
     */
    static Tensor[] matmulJvpSmall(Tensor a, Tensor da, Tensor b, Tensor db, boolean transA, boolean transB, int[] outShape) {
        if (!simd || a.dtype() != DType.F32 || b.dtype() != DType.F32 || (da == null && db == null)
                || (da != null && da.dtype() != DType.F32) || (db != null && db.dtype() != DType.F32)) return null;
        int r = outShape.length, m = outShape[r - 2], n = outShape[r - 1];
        int[] as = a.shape(), bs = b.shape();
        int k = transA ? as[as.length - 2] : as[as.length - 1];
        int batch = Shape.numel(java.util.Arrays.copyOf(outShape, r - 2));
        if (!GemmSmall.applies(batch, transA, m, n, k)) return null;
        Tensor[] x = {a, da, b, db};
        int[][] lay = new int[4][];
        for (int i = 0; i < 4; i++) {
            if (x[i] == null) continue;
            x[i] = CpuBackend.matrixReadable(x[i]);
            lay[i] = CpuBackend.matrixLayout(x[i]);
        }
        Tensor y = CpuBackend.alloc(DType.F32, outShape), dy = CpuBackend.alloc(DType.F32, outShape);
        GemmSmall.jvp(batch, transA, transB, m, n, k, CpuBackend.st(x[0]).f, lay[0], x[1] == null ? null : CpuBackend.st(x[1]).f,
                lay[1], CpuBackend.st(x[2]).f, lay[2], x[3] == null ? null : CpuBackend.st(x[3]).f, lay[3],
                CpuBackend.st(y).f, CpuBackend.st(dy).f);
        return new Tensor[] {y, dy};
    }

    /** Same as gemm with a given tile shape (mc <= MC, nc <= NC); results never depend on it. */
    static void gemmTiled(int mc, int nc, int batch, boolean transA, boolean transB, int M, int N, int K,
                          float[] a, int aOff, int aBatch, int lda,
                          float[] b, int bOff, int bBatch, int ldb,
                          float[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
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
                int ao = aOff + bi * aBatch, bo = bOff + bi * bBatch;
                int ars = transA ? 1 : lda, aks = transA ? lda : 1;
                Panel panel = (kb, kc, pj0, pnr, bp) -> GemmPack.packB(b, bo, ldb, transB, kb, kc, pj0, pnr, bp);
                tile(w, mr, nr, K, a, ao + i0 * ars, ars, aks, panel, j0,
                        c, cOff + bi * cBatch + i0 * ldc, ldc, Integer.MAX_VALUE, 0, accumulate);
            }
        });
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /**
     * One output tile: mr rows starting at aBase (A(i, k) = a[aBase + i*ars + k*aks]) times columns
     * j0..j0+nr of the panel source; C(i, n) at c[co + i*ldc + (n / segLen)*segStride + n % segLen].
     */
    private static void tile(Work w, int mr, int nr, int K, float[] a, int aBase, int ars, int aks,
                             Panel panel, int j0, float[] c, int co, int ldc, int segLen, int segStride,
                             boolean accumulate) {
        float[][] bp = w.bp, cb = w.cb(mr);
        boolean vec = simd;
        int nz = vec ? roundUp(nr, 64) : nr; // SIMD computes whole vectors (<= 64 lanes) into padding
        for (int i = 0; i < mr; i++) java.util.Arrays.fill(cb[i], 0, nz, 0f);
        for (int kb = 0; kb < K; kb += KC) {
            int kc = Math.min(KC, K - kb);
            panel.pack(kb, kc, j0, nr, bp);
            if (vec) {
                GemmSimd.block(bp, kc, cb, mr, nr, a, aBase + kb * aks, ars, aks);
                continue;
            }
            for (int ks = 0; ks < kc; ks += KS) {
                int ke = Math.min(kc, ks + KS);
                for (int i = 0; i < mr; i++) {
                    float[] crow = cb[i];
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
            float[] crow = cb[i];
            int rowBase = co + i * ldc;
            for (int d = 0; d < nr; ) {
                int n = j0 + d, seg = n / segLen, off = n - seg * segLen;
                int cnt = Math.min(nr - d, segLen - off);
                int cr = rowBase + seg * segStride + off;
                if (accumulate) {
                    for (int j = 0; j < cnt; j++) c[cr + j] += crow[d + j];
                } else {
                    System.arraycopy(crow, d, c, cr, cnt);
                }
                d += cnt;
            }
        }
    }

    /** c[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]; all arrays zero-based so C2 vectorises. */
    static void kernel4(float a0, float a1, float a2, float a3,
                        float[] b0, float[] b1, float[] b2, float[] b3, float[] c, int n) {
        for (int j = 0; j < n; j++) c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }

    static void kernel1(float a0, float[] b0, float[] c, int n) {
        for (int j = 0; j < n; j++) c[j] += a0 * b0[j];
    }
}
