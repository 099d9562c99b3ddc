package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 1x1 stride-1 unpadded convolutions, forward and backward-input, with the Vector API (16
 * float lanes, used only when {@link GemmF32#simd} and {@link ConvDirect#USABLE}; this class is
 * never loaded without {@code jdk.incubator.vector}). Per image b, with P = H*W pixels:
 * <ul>
 * <li>forward: y(b, o, p) = sum_c w(o, c) x(b, c, p), a GEMM (O x C) * (C x P);
 * <li>backward-input: gx(b, c, p) = sum_o w(o, c) gy(b, o, p), the same with w transposed.
 * </ul>
 * (Backward-weight stays on the GEMM lowering: a lane-partial kernel here was faster on one thread
 * but not on two, where its few large tasks waited on the pool's workers waking up.)
 *
 * <p>A tile is RM = 8 output channels x NB = 48 positions (24 accumulators); per input channel k,
 * 3 vector loads of an input row, 8 weight broadcasts and 24 FMAs. Images of at least
 * {@link #INPLACE_MIN_P} pixels whose output channels fill whole tiles are computed in place
 * ({@link #runInPlace}: tiles read and write the image rows directly). Otherwise ({@link #run})
 * the batch's pixels are walked as one sequence of N = B*P positions n = b*P + p (the images'
 * pixels concatenated), cut into chunks whose input rows are first gathered, per channel, into
 * per-thread buffers (zero past the chunk's positions up to whole tiles; they stay in L2), so
 * tiles never straddle an image boundary and small images (P = 49) waste no vector lanes; the
 * tiles' output rows are then scattered to the images. Either way out(m, n) is the FMA chain over
 * k = 0..K-1 in order from +0 — for the forward the same chain as the GEMM lowering (the tests
 * compare the bits) — so neither the path nor the chunking (which follows the thread count)
 * changes the bits.
 */
final class ConvPointwise {
    private ConvPointwise() {}

    static final VectorSpecies<Float> S = ConvDirect.S;
    /** Tile: RM output channels x NB positions (3 vectors). */
    static final int RM = 8, NB = 48;
    /**
     * Forward and backward-input: chunks per thread (at least MIN_LEN positions each). Several per
     * thread let the calling thread start while the pool's workers wake up, and balance the rest.
     */
    static final int TASKS_PER_THREAD = 4, MIN_LEN = 144;
    /**
     * Images of at least this many pixels (or of a multiple of 16) run without gathering when the
     * output channels fill whole tiles ({@link #runInPlace}); smaller ones (7x7) are gathered, so
     * that their tiles waste no lanes. 14x14 measured faster in place (about 1.7x vs 1.45x GEMM).
     */
    static final int INPLACE_MIN_P = 64;
    /** Gathered input and output rows of one chunk, at most (floats): stays in L2. */
    static final int CHUNK_FLOATS = 1 << 17;

    /** Per-thread scratch: packed weights (caller), a chunk's gathered rows and outputs (workers). */
    private static final class Scratch {
        float[] w = new float[0], a = new float[0], b = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Row stride (floats) of gathered rows of len positions: len plus 16 when that makes it an odd
     * number of 64-byte lines, so that rows do not all fall in the same L1 sets.
     */
    static int rowStride(int len) {
        int ld = roundUp(len, 16);
        return (ld / 16) % 2 == 1 ? ld : ld + 16;
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /** y (B, O, P) = w (O, C) applied to x (B, C, P). */
    static void forward(float[] x, float[] w, float[] y, int B, int C, int P, int O) {
        Scratch s = SCRATCH.get();
        // wp[(blk*C + c)*RM + r] = w(blk*RM + r, c), zero for rows past O
        int M = roundUp(O, RM);
        float[] wp = s.w = ConvDirect.grow(s.w, M * C);
        for (int o = 0; o < M; o++) {
            int d = (o / RM) * C * RM + o % RM, src = o * C;
            for (int c = 0; c < C; c++, d += RM) wp[d] = o < O ? w[src + c] : 0f;
        }
        run(x, C, wp, M, O, B, P, y);
    }

    /** gx (B, C, P) = w (O, C) transposed applied to gy (B, O, P). */
    static void backwardInput(float[] gy, float[] w, float[] gx, int B, int C, int P, int O) {
        Scratch s = SCRATCH.get();
        // wp[(blk*O + o)*RM + r] = w(o, blk*RM + r), zero for columns past C
        int M = roundUp(C, RM);
        float[] wp = s.w = ConvDirect.grow(s.w, M * O);
        for (int o = 0; o < O; o++)
            for (int c = 0; c < M; c++) wp[((c / RM) * O + o) * RM + c % RM] = c < C ? w[o * C + c] : 0f;
        run(gy, O, wp, M, C, B, P, gx);
    }

    /**
     * out (B, Mo, P) = the first Mo of the M (a multiple of RM) rows of wp (M x K, packed by blocks
     * of RM rows) times in (B, K, P). Chunks of whole tiles (no longer than L2 allows, about
     * {@link #TASKS_PER_THREAD} per thread) run in parallel; each gathers its input rows, computes
     * every tile into its output rows and scatters them to out.
     */
    private static void run(float[] in, int K, float[] wp, int M, int Mo, int B, int P, float[] out) {
        // (in place when possible: see INPLACE_MIN_P)
        if (M == Mo && (P % 16 == 0 || P >= INPLACE_MIN_P)) {
            runInPlace(in, K, wp, M, B, P, out);
            return;
        }
        final int N = B * P, threads = Parallel.threads();
        int maxLen = Math.max(NB, CHUNK_FLOATS / (K + M) / NB * NB);
        int tasks = (N + maxLen - 1) / maxLen;
        tasks = Math.max(1, Math.min(Math.max(tasks, TASKS_PER_THREAD * threads), (N + MIN_LEN - 1) / MIN_LEN));
        final int len = roundUp((N + tasks - 1) / tasks, NB), chunks = (N + len - 1) / len, blocks = M / RM;
        final int ld = rowStride(len);
        final int[] off = rows(K, ld);
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            Scratch s = SCRATCH.get();
            float[] xp = s.a = ConvDirect.grow(s.a, K * ld);
            float[] ob = s.b = ConvDirect.grow(s.b, M * ld);
            for (int t = lo; t < hi; t++) {
                int n0 = t * len, n = Math.min(len, N - n0), nb = roundUp(n, NB);
                gather(in, K, P, n0, n, nb, xp, ld);
                for (int p = 0; p < nb; p += NB)
                    for (int blk = 0; blk < blocks; blk++)
                        ConvDirect.tile(xp, p, off, K, wp, blk * K * RM, ob, blk * RM * ld + p, ld);
                scatter(ob, ld, Mo, P, n0, n, out);
            }
        });
    }

    /**
     * {@link #run} for M == Mo without gathering. A task is a range of whole tiles of one image
     * (about {@link #TASKS_PER_THREAD} tasks per thread); tiles read the input rows and write the
     * output rows in place (row stride P), the image's last P mod 48 positions by 1-vector tiles
     * ({@link #tile16}), the last P mod 16 of them through a zero-padded 16-wide copy. Same FMA
     * chains as {@link #run}.
     */
    private static void runInPlace(float[] in, int K, float[] wp, int M, int B, int P, float[] out) {
        final int threads = Parallel.threads(), full = P / NB * NB, v16 = P / 16 * 16, rem = P - v16;
        final int blocks = M / RM;
        final int[] off = rows(K, P);
        // tiles of NB positions per task: enough tasks for the threads, never past one image
        int perImage = Math.max(1, Math.min((P + NB - 1) / NB, (TASKS_PER_THREAD * threads + B - 1) / B));
        final int seg = roundUp((P + perImage - 1) / perImage, NB), segs = (P + seg - 1) / seg;
        Parallel.forRange(B * segs, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int b = t / segs, p0 = (t % segs) * seg, p1 = Math.min(P, p0 + seg);
                int ib = b * K * P, ob = b * M * P;
                for (int p = p0; p < Math.min(p1, full); p += NB)
                    for (int blk = 0; blk < blocks; blk++)
                        ConvDirect.tile(in, ib + p, off, K, wp, blk * K * RM, out, ob + blk * RM * P + p, P);
                for (int p = Math.max(p0, full); p < Math.min(p1, v16); p += 16)
                    for (int blk = 0; blk < blocks; blk++)
                        tile16(in, ib + p, P, K, wp, blk * K * RM, out, ob + blk * RM * P + p, P);
                if (rem > 0 && p1 == P) {
                    // the last rem < 16 positions: gathered (zero-padded) into a 16-wide block
                    Scratch s = SCRATCH.get();
                    float[] xr = s.a = ConvDirect.grow(s.a, K * 16), orr = s.b = ConvDirect.grow(s.b, M * 16);
                    for (int k = 0; k < K; k++) {
                        System.arraycopy(in, ib + k * P + v16, xr, k * 16, rem);
                        java.util.Arrays.fill(xr, k * 16 + rem, k * 16 + 16, 0f);
                    }
                    for (int blk = 0; blk < blocks; blk++) tile16(xr, 0, 16, K, wp, blk * K * RM, orr, blk * RM * 16, 16);
                    for (int m = 0; m < M; m++) System.arraycopy(orr, m * 16, out, ob + m * P + v16, rem);
                }
            }
        });
    }

    /** {@link ConvDirect#tile} for 16 positions (one vector per output channel). */
    private static void tile16(float[] inp, int ib, int ld, int K, float[] wp, int wb,
                               float[] op, int ob, int os) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
        for (int k = 0, a = wb, i = ib; k < K; k++, a += RM, i += ld) {
            FloatVector v = FloatVector.fromArray(S, inp, i);
            c0 = FloatVector.broadcast(S, wp[a]).fma(v, c0);
            c1 = FloatVector.broadcast(S, wp[a + 1]).fma(v, c1);
            c2 = FloatVector.broadcast(S, wp[a + 2]).fma(v, c2);
            c3 = FloatVector.broadcast(S, wp[a + 3]).fma(v, c3);
            c4 = FloatVector.broadcast(S, wp[a + 4]).fma(v, c4);
            c5 = FloatVector.broadcast(S, wp[a + 5]).fma(v, c5);
            c6 = FloatVector.broadcast(S, wp[a + 6]).fma(v, c6);
            c7 = FloatVector.broadcast(S, wp[a + 7]).fma(v, c7);
        }
        c0.intoArray(op, ob);
        c1.intoArray(op, ob + os);
        c2.intoArray(op, ob + 2 * os);
        c3.intoArray(op, ob + 3 * os);
        c4.intoArray(op, ob + 4 * os);
        c5.intoArray(op, ob + 5 * os);
        c6.intoArray(op, ob + 6 * os);
        c7.intoArray(op, ob + 7 * os);
    }

    /**
     * dst[k*ld + i] = src(b, k, p) for the chunk's positions n0 + i = b*P + p (i < n) of every
     * channel k < K of src (B, K, P); dst[k*ld + i] = 0 for n <= i < nb.
     */
    private static void gather(float[] src, int K, int P, int n0, int n, int nb, float[] dst, int ld) {
        int b0 = n0 / P, p0 = n0 - b0 * P;
        for (int k = 0; k < K; k++) {
            int d = k * ld, i = 0, b = b0, p = p0;
            while (i < n) {
                int seg = Math.min(P - p, n - i);
                System.arraycopy(src, (b * K + k) * P + p, dst, d + i, seg);
                i += seg;
                b++;
                p = 0;
            }
            if (nb > n) java.util.Arrays.fill(dst, d + n, d + nb, 0f);
        }
    }

    /** out(b, m, p) = ob[m*ld + i] for the chunk's positions n0 + i = b*P + p (i < n), m < Mo. */
    private static void scatter(float[] ob, int ld, int Mo, int P, int n0, int n, float[] out) {
        int b0 = n0 / P, p0 = n0 - b0 * P;
        for (int m = 0; m < Mo; m++) {
            int s = m * ld, i = 0, b = b0, p = p0;
            while (i < n) {
                int seg = Math.min(P - p, n - i);
                System.arraycopy(ob, s + i, out, (b * Mo + m) * P + p, seg);
                i += seg;
                b++;
                p = 0;
            }
        }
    }

    /** Row offsets {0, ld, 2 ld, ...} of K input rows: the 1x1 case of ConvDirect.tile's tap offsets. */
    private static int[] rows(int K, int ld) {
        int[] off = new int[K];
        for (int k = 0; k < K; k++) off[k] = k * ld;
        return off;
    }
}
