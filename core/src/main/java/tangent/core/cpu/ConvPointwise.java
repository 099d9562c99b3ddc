package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 1x1 stride-1 unpadded convolutions with the Vector API (16 float lanes, used only when {@link GemmF32#simd} and {@link ConvDirect#USABLE}; this class is
 * never loaded without {@code jdk.incubator.vector}). Per image b, with P = H*W pixels:
 * <ul>
 * <li>forward: y(b, o, p) = sum_c w(o, c) x(b, c, p), a GEMM (O x C) * (C x P);
 * <li>backward-input: gx(b, c, p) = sum_o w(o, c) gy(b, o, p), the same with w transposed;
 * <li>backward-weight: gw(o, c) = sum_b sum_p gy(b, o, p) x(b, c, p).
 * </ul>
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
 *
 * <p>Backward-weight ({@link #backwardWeight}): the N = B*P positions are cut into splits that
 * depend on the shapes only ({@link #bwSplits}), run in parallel, each in chunks of
 * {@link #BW_CHUNK} positions gathered like the forward's (gy and x rows). A tile is BO = 8 output
 * x BC = 3 input channels, 16 lanes of positions each (per vector of positions, 11 loads and 24
 * FMAs). Lane l of the accumulator of (o, c) is the FMA chain, from +0, over the split's positions
 * n with (n - start) mod 16 == l, in order (chunks carry it on in memory). gw(o, c) = the sum over
 * splits, in order, of those 16-lane vectors, then folded by halves (lanes l + 8, l + 4, l + 2,
 * l + 1): bits depend on the shapes only, never on the thread count. (Faster than the GEMM
 * lowering's per-image panels, which pack both operands for a short K = P: 1.1-2.4x on
 * fmnist-xs's shapes, 2 threads.)
 */
final class ConvPointwise {
    private ConvPointwise() {}

    static final VectorSpecies<Float> S = ConvDirect.S;
    /** Tile: RM output channels x NB positions (3 vectors). */
    static final int RM = 8, NB = 48;
    /**
     * Forward and backward-input: chunks per thread (at least MIN_LEN positions each). Several per
     * thread balance the work when chunks take unequal time (the last image's tail, a busy core).
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
    /** Backward-weight tile: BO output channels x BC input channels, 16 lanes of positions each. */
    static final int BO = 8, BC = 3;
    /**
     * Backward-weight: at most this many splits of the positions, each of at least SPLIT_MIN
     * (each split has its own 16-lane partials, O*C*16 floats, added at the end; on 2 threads 2
     * measured faster than 4 on every fmnist-xs shape). A function of the shapes only, never of
     * the thread count. Benchmarks may change it.
     */
    static volatile int bwSplits = 2;
    static final int SPLIT_MIN = 256;
    /**
     * Backward-weight chunk: BW_CHUNK positions, gathered into rows BW_LD floats apart (33 lines,
     * an odd number); for O + C = 256 rows about 540 KB, in L2, and a tile's 8 gy rows 17 KB, in L1.
     */
    static final int BW_CHUNK = 512, BW_LD = 528;

    /** Per-thread scratch: packed weights (caller), a chunk's gathered rows and outputs (workers). */
    private static final class Scratch {
        float[] w = new float[0], a = new float[0], b = new float[0], part = new float[0];
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

    /** Lane rotations by 8, 4, 2, 1 for the fixed-order fold of a 16-lane partial. */
    private static final VectorShuffle<Float> R8 = VectorShuffle.fromOp(S, i -> (i + 8) & 15),
            R4 = VectorShuffle.fromOp(S, i -> (i + 4) & 15), R2 = VectorShuffle.fromOp(S, i -> (i + 2) & 15),
            R1 = VectorShuffle.fromOp(S, i -> (i + 1) & 15);

    /** gw (O, C) = sum over images and pixels of gy (B, O, P) times x (B, C, P); B*P >= 1. */
    static void backwardWeight(float[] x, float[] gy, float[] gw, int B, int C, int P, int O) {
        final int N = B * P;
        int sp0 = Math.max(1, Math.min(bwSplits, N / SPLIT_MIN));
        final int per = roundUp((N + sp0 - 1) / sp0, 16), splits = (N + per - 1) / per;
        final int tilesO = (O + BO - 1) / BO, tilesC = (C + BC - 1) / BC, partN = tilesO * tilesC * BO * BC * 16;
        final int chunk = BW_CHUNK, ld = BW_LD;
        Scratch sc = SCRATCH.get();
        // part[sp*partN + ((ti*tilesC + tj)*BO*BC + r*BC + q)*16 + l]: lane l of split sp's (ti*BO + r, tj*BC + q)
        final float[] part = sc.part = ConvDirect.grow(sc.part, splits * partN);
        Parallel.forRange(splits, 1, (lo, hi) -> {
            Scratch s = SCRATCH.get();
            float[] gl = s.a = ConvDirect.grow(s.a, tilesO * BO * ld);
            float[] xl = s.b = ConvDirect.grow(s.b, tilesC * BC * ld);
            for (int sp = lo; sp < hi; sp++) {
                int a = sp * per, e = Math.min(N, a + per);
                for (int n0 = a; n0 < e; n0 += chunk) {
                    int n = Math.min(chunk, e - n0), nb = roundUp(n, 16);
                    gather(gy, O, P, n0, n, nb, gl, ld);
                    gather(x, C, P, n0, n, nb, xl, ld);
                    for (int ti = 0; ti < tilesO; ti++)
                        for (int tj = 0; tj < tilesC; tj++)
                            tileWc(gl, ti * BO * ld, xl, tj * BC * ld, nb, part,
                                    sp * partN + (ti * tilesC + tj) * BO * BC * 16, n0 == a);
                }
            }
        });
        Parallel.forRange(O, 8, (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int ti = o / BO, r = o % BO;
                for (int c = 0; c < C; c++) {
                    int idx = ((ti * tilesC + c / BC) * BO * BC + r * BC + c % BC) * 16;
                    FloatVector v = FloatVector.fromArray(S, part, idx);
                    for (int sp = 1; sp < splits; sp++) v = v.add(FloatVector.fromArray(S, part, sp * partN + idx));
                    v = v.add(v.rearrange(R8));
                    v = v.add(v.rearrange(R4));
                    v = v.add(v.rearrange(R2));
                    v = v.add(v.rearrange(R1));
                    gw[o * C + c] = v.lane(0);
                }
            }
        });
    }

    /**
     * acc[ab + (r*BC + q)*16 + l] (+)= FMA chain over v < nb/16 of gl[gb + r*BW_LD + 16v + l] *
     * xl[xb + q*BW_LD + 16v + l], for r < BO, q < BC (from +0 when first, else carried on). The
     * row stride is the constant BW_LD so that the 11 rows are one base plus fixed displacements
     * (11 separate row indices spilled registers and ran about 1.4x slower).
     */
    private static void tileWc(float[] gl, int gb, float[] xl, int xb, int nb,
                              float[] acc, int ab, boolean first) {
        FloatVector a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32, a40, a41, a42, a50, a51, a52, a60, a61, a62, a70, a71, a72;
        if (first) {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z; a10 = z; a11 = z; a12 = z; a20 = z; a21 = z; a22 = z; a30 = z; a31 = z; a32 = z; a40 = z; a41 = z; a42 = z; a50 = z; a51 = z; a52 = z; a60 = z; a61 = z; a62 = z; a70 = z; a71 = z; a72 = z;
        } else {
            a00 = FloatVector.fromArray(S, acc, ab + 0);
            a01 = FloatVector.fromArray(S, acc, ab + 16);
            a02 = FloatVector.fromArray(S, acc, ab + 32);
            a10 = FloatVector.fromArray(S, acc, ab + 48);
            a11 = FloatVector.fromArray(S, acc, ab + 64);
            a12 = FloatVector.fromArray(S, acc, ab + 80);
            a20 = FloatVector.fromArray(S, acc, ab + 96);
            a21 = FloatVector.fromArray(S, acc, ab + 112);
            a22 = FloatVector.fromArray(S, acc, ab + 128);
            a30 = FloatVector.fromArray(S, acc, ab + 144);
            a31 = FloatVector.fromArray(S, acc, ab + 160);
            a32 = FloatVector.fromArray(S, acc, ab + 176);
            a40 = FloatVector.fromArray(S, acc, ab + 192);
            a41 = FloatVector.fromArray(S, acc, ab + 208);
            a42 = FloatVector.fromArray(S, acc, ab + 224);
            a50 = FloatVector.fromArray(S, acc, ab + 240);
            a51 = FloatVector.fromArray(S, acc, ab + 256);
            a52 = FloatVector.fromArray(S, acc, ab + 272);
            a60 = FloatVector.fromArray(S, acc, ab + 288);
            a61 = FloatVector.fromArray(S, acc, ab + 304);
            a62 = FloatVector.fromArray(S, acc, ab + 320);
            a70 = FloatVector.fromArray(S, acc, ab + 336);
            a71 = FloatVector.fromArray(S, acc, ab + 352);
            a72 = FloatVector.fromArray(S, acc, ab + 368);
        }
        for (int v = 0; v < nb; v += 16) {
            FloatVector y0 = FloatVector.fromArray(S, xl, xb + v);
            FloatVector y1 = FloatVector.fromArray(S, xl, xb + BW_LD + v);
            FloatVector y2 = FloatVector.fromArray(S, xl, xb + 2 * BW_LD + v);
            FloatVector g = FloatVector.fromArray(S, gl, gb + v);
            a00 = g.fma(y0, a00);
            a01 = g.fma(y1, a01);
            a02 = g.fma(y2, a02);
            g = FloatVector.fromArray(S, gl, gb + 1 * BW_LD + v);
            a10 = g.fma(y0, a10);
            a11 = g.fma(y1, a11);
            a12 = g.fma(y2, a12);
            g = FloatVector.fromArray(S, gl, gb + 2 * BW_LD + v);
            a20 = g.fma(y0, a20);
            a21 = g.fma(y1, a21);
            a22 = g.fma(y2, a22);
            g = FloatVector.fromArray(S, gl, gb + 3 * BW_LD + v);
            a30 = g.fma(y0, a30);
            a31 = g.fma(y1, a31);
            a32 = g.fma(y2, a32);
            g = FloatVector.fromArray(S, gl, gb + 4 * BW_LD + v);
            a40 = g.fma(y0, a40);
            a41 = g.fma(y1, a41);
            a42 = g.fma(y2, a42);
            g = FloatVector.fromArray(S, gl, gb + 5 * BW_LD + v);
            a50 = g.fma(y0, a50);
            a51 = g.fma(y1, a51);
            a52 = g.fma(y2, a52);
            g = FloatVector.fromArray(S, gl, gb + 6 * BW_LD + v);
            a60 = g.fma(y0, a60);
            a61 = g.fma(y1, a61);
            a62 = g.fma(y2, a62);
            g = FloatVector.fromArray(S, gl, gb + 7 * BW_LD + v);
            a70 = g.fma(y0, a70);
            a71 = g.fma(y1, a71);
            a72 = g.fma(y2, a72);
        }
        a00.intoArray(acc, ab + 0);
        a01.intoArray(acc, ab + 16);
        a02.intoArray(acc, ab + 32);
        a10.intoArray(acc, ab + 48);
        a11.intoArray(acc, ab + 64);
        a12.intoArray(acc, ab + 80);
        a20.intoArray(acc, ab + 96);
        a21.intoArray(acc, ab + 112);
        a22.intoArray(acc, ab + 128);
        a30.intoArray(acc, ab + 144);
        a31.intoArray(acc, ab + 160);
        a32.intoArray(acc, ab + 176);
        a40.intoArray(acc, ab + 192);
        a41.intoArray(acc, ab + 208);
        a42.intoArray(acc, ab + 224);
        a50.intoArray(acc, ab + 240);
        a51.intoArray(acc, ab + 256);
        a52.intoArray(acc, ab + 272);
        a60.intoArray(acc, ab + 288);
        a61.intoArray(acc, ab + 304);
        a62.intoArray(acc, ab + 320);
        a70.intoArray(acc, ab + 336);
        a71.intoArray(acc, ab + 352);
        a72.intoArray(acc, ab + 368);
    }
}
