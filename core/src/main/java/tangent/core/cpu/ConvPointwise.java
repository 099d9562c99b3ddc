package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
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
 * <p>Backward-weight ({@link #backwardWeight}), as ConvDirectBw's 3x3 kernel with the taps replaced
 * by input channels: of gy and x, the side with fewer channels is V, the other Q, and out(v, q) =
 * sum over the N = B*P positions n of V(v, n) Q(q, n). The positions are cut into splits that
 * depend on the shapes only ({@link #bwSplits}), run in parallel, each into its own partial sums
 * and walked in chunks of {@link #BW_CHUNK} positions (spanning images, so 7x7 images waste
 * nothing). Per chunk the rows of V and Q are first copied {@link #BW_LD} floats apart (sequential
 * reads of gy and x; gathers straight from them measured 1.1-1.3x slower with the data in memory),
 * then V is transposed to position-major in groups of 32 rows (one vector holds 16 rows of a
 * position); a tile ({@link #tile8}) holds 32 V rows x 8 Q rows (16 accumulators) and per position
 * does 2 vector loads, 8 broadcasts and 16 FMAs (an 8x3 tile over lanes of positions, 11 loads for
 * 24 FMAs and a fold of each lane partial, measured 1.1-1.6x slower on fmnist-xs's 14x14 and 7x7
 * shapes in the training step, equal at 28x28, where x and gy come from memory). Order: out(v, q) =
 * the sum, over the splits in order from the first's, of each split's partial; a split's partial =
 * the sum over its chunks in order, from the first's, of each chunk's FMA chain from +0 over its
 * positions in order. Bits depend on the shapes only, never on the thread count.
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
    /**
     * Backward-weight: at most this many splits of the positions, each of at least SPLIT_MIN
     * (each split has its own partial sums, about O*C floats, added at the end). A function of the
     * shapes only, never of the thread count. Benchmarks may change it.
     */
    static volatile int bwSplits = 2;
    static final int SPLIT_MIN = 256;
    /**
     * Backward-weight chunk: BW_CHUNK positions; V transposed (BW_CHUNK floats per row) and Q's
     * rows BW_LD floats apart (33 lines, an odd number): for 64 + 192 rows about 670 KB, in L2
     * (256 positions measured 1.3x slower, 1024 and 2048 equal).
     */
    static final int BW_CHUNK = 512, BW_LD = 528;

    /** Per-thread scratch: packed weights (caller), a chunk's gathered rows and outputs (workers). */
    private static final class Scratch {
        float[] w = new float[0], a = new float[0], b = new float[0], part = new float[0], st = new float[0];
        int[] idx = new int[16];
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

    /**
     * gw (O, C) = sum over images and pixels of gy (B, O, P) times x (B, C, P); B*P >= 1. Of gy and
     * x, the side with fewer channels (gy on a tie) is V, the other Q: out(v, q) = sum over the N
     * = B*P positions n of V(v, n) Q(q, n), with gw(o, c) = out(o, c) or out(c, o).
     */
    static void backwardWeight(float[] x, float[] gy, float[] gw, int B, int C, int P, int O) {
        final boolean vIsGy = O <= C;
        final float[] vs = vIsGy ? gy : x, qs = vIsGy ? x : gy;
        final int nv = vIsGy ? O : C, nq = vIsGy ? C : O;
        final int N = B * P;
        int sp0 = Math.max(1, Math.min(bwSplits, N / SPLIT_MIN));
        final int per = (N + sp0 - 1) / sp0, splits = (N + per - 1) / per;
        final int groups = (nv + 31) / 32, blocks = (nq + 7) / 8, partN = blocks * groups * 256;
        Scratch sc = SCRATCH.get();
        // part[sp*partN + (g*blocks + k8)*256 + k*32 + l]: split sp's out(g*32 + l, k8*8 + k)
        final float[] part = sc.part = ConvDirect.grow(sc.part, splits * partN);
        Parallel.forRange(splits, 1, (lo, hi) -> {
            Scratch s = SCRATCH.get();
            float[] vl = s.a = ConvDirect.grow(s.a, groups * 32 * BW_CHUNK);
            float[] ql = s.b = ConvDirect.grow(s.b, blocks * 8 * BW_LD);
            float[] vst = s.st = ConvDirect.grow(s.st, nv * BW_LD);
            for (int sp = lo; sp < hi; sp++) {
                int a = sp * per, e = Math.min(N, a + per);
                for (int n0 = a; n0 < e; n0 += BW_CHUNK) {
                    int n = Math.min(BW_CHUNK, e - n0);
                    gather(vs, nv, P, n0, n, n, vst, BW_LD);
                    transposeRows(vst, nv, n, vl, s.idx);
                    gather(qs, nq, P, n0, n, n, ql, BW_LD);
                    for (int k = nq; k < blocks * 8; k++) java.util.Arrays.fill(ql, k * BW_LD, k * BW_LD + n, 0f);
                    for (int g = 0; g < groups; g++)
                        for (int k8 = 0; k8 < blocks; k8++)
                            tile8(ql, k8 * 8 * BW_LD, vl, g * 32 * n, n, part, sp * partN + (g * blocks + k8) * 256, n0 == a);
                }
            }
        });
        // part[0] += part[sp] for sp = 1.. in order, then gw; blocks of 256 outputs in parallel
        Parallel.forRange(groups * blocks, Math.max(1, 4096 / 256), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int a0 = t * 256, g = t / blocks, k8 = t % blocks;
                for (int sp = 1; sp < splits; sp++)
                    for (int i = a0, d = sp * partN; i < a0 + 256; i += 16)
                        FloatVector.fromArray(S, part, i).add(FloatVector.fromArray(S, part, d + i)).intoArray(part, i);
                for (int k = 0, q = k8 * 8; k < 8 && q < nq; k++, q++)
                    for (int l = 0, v = g * 32; l < 32 && v < nv; l++, v++)
                        gw[vIsGy ? v * C + q : q * C + v] = part[a0 + k * 32 + l];
            }
        });
    }

    /**
     * dst[((k >> 5)*n + i)*32 + (k & 31)] = src[k*BW_LD + i] for i < n, k < K, and 0 for k from K up
     * to a multiple of 32. With K % 16 == 0, blocks of 16 rows x 16 positions are transposed in
     * registers ({@link ConvDirectBw#transpose16}) and the last n mod 16 positions gathered (16
     * rows of a position per gather).
     */
    private static void transposeRows(float[] src, int K, int n, float[] dst, int[] idx) {
        if (K % 16 == 0) {
            final int n16 = n & ~15;
            for (int j = 0; j < 16; j++) idx[j] = j * BW_LD;
            for (int k = 0; k < K; k += 16) {
                int d0 = ((k >> 5) * n) * 32 + (k & 31), sr = k * BW_LD;
                for (int m = 0; m < n16; m += 16) ConvDirectBw.transpose16(src, sr + m, BW_LD, dst, d0 + m * 32);
                for (int m = n16, d = d0 + n16 * 32; m < n; m++, d += 32)
                    FloatVector.fromArray(S, src, sr + m, idx, 0).intoArray(dst, d);
            }
        } else {
            for (int k = 0; k < K; k++)
                for (int m = 0, d = ((k >> 5) * n) * 32 + (k & 31), sr = k * BW_LD; m < n; m++, d += 32)
                    dst[d] = src[sr + m];
        }
        if (K % 32 != 0) {
            int g = K >> 5, v0 = K & 31;
            for (int m = 0, d = g * n * 32; m < n; m++, d += 32) java.util.Arrays.fill(dst, d + v0, d + 32, 0f);
        }
    }

    /**
     * acc[ab + k*32 + v] (+)= the FMA chain from +0 over the chunk's n positions m of
     * ql[qb + k*BW_LD + m] * vl[gb + m*32 + v], k < 8, v < 32; stored when first, else added. One
     * counted loop, two positions per iteration, every index linear in m (see ConvDirectBw.tile).
     */
    private static void tile8(float[] ql, int qb, float[] vl, int gb, int n, float[] acc, int ab, boolean first) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
        FloatVector e0 = z, e1 = z, e2 = z, e3 = z, e4 = z, e5 = z, e6 = z, e7 = z;
        final int n2 = n & ~1;
        FloatVector g0, g1, v;
        for (int m = 0; m < n2; m += 2) {
            g0 = FloatVector.fromArray(S, vl, gb + m * 32);
            g1 = FloatVector.fromArray(S, vl, gb + m * 32 + 16);
            v = FloatVector.broadcast(S, ql[qb + m]);
            a0 = v.fma(g0, a0);
            e0 = v.fma(g1, e0);
            v = FloatVector.broadcast(S, ql[qb + m + BW_LD]);
            a1 = v.fma(g0, a1);
            e1 = v.fma(g1, e1);
            v = FloatVector.broadcast(S, ql[qb + m + 2 * BW_LD]);
            a2 = v.fma(g0, a2);
            e2 = v.fma(g1, e2);
            v = FloatVector.broadcast(S, ql[qb + m + 3 * BW_LD]);
            a3 = v.fma(g0, a3);
            e3 = v.fma(g1, e3);
            v = FloatVector.broadcast(S, ql[qb + m + 4 * BW_LD]);
            a4 = v.fma(g0, a4);
            e4 = v.fma(g1, e4);
            v = FloatVector.broadcast(S, ql[qb + m + 5 * BW_LD]);
            a5 = v.fma(g0, a5);
            e5 = v.fma(g1, e5);
            v = FloatVector.broadcast(S, ql[qb + m + 6 * BW_LD]);
            a6 = v.fma(g0, a6);
            e6 = v.fma(g1, e6);
            v = FloatVector.broadcast(S, ql[qb + m + 7 * BW_LD]);
            a7 = v.fma(g0, a7);
            e7 = v.fma(g1, e7);
            int m1 = m + 1;
            g0 = FloatVector.fromArray(S, vl, gb + m1 * 32);
            g1 = FloatVector.fromArray(S, vl, gb + m1 * 32 + 16);
            v = FloatVector.broadcast(S, ql[qb + m1]);
            a0 = v.fma(g0, a0);
            e0 = v.fma(g1, e0);
            v = FloatVector.broadcast(S, ql[qb + m1 + BW_LD]);
            a1 = v.fma(g0, a1);
            e1 = v.fma(g1, e1);
            v = FloatVector.broadcast(S, ql[qb + m1 + 2 * BW_LD]);
            a2 = v.fma(g0, a2);
            e2 = v.fma(g1, e2);
            v = FloatVector.broadcast(S, ql[qb + m1 + 3 * BW_LD]);
            a3 = v.fma(g0, a3);
            e3 = v.fma(g1, e3);
            v = FloatVector.broadcast(S, ql[qb + m1 + 4 * BW_LD]);
            a4 = v.fma(g0, a4);
            e4 = v.fma(g1, e4);
            v = FloatVector.broadcast(S, ql[qb + m1 + 5 * BW_LD]);
            a5 = v.fma(g0, a5);
            e5 = v.fma(g1, e5);
            v = FloatVector.broadcast(S, ql[qb + m1 + 6 * BW_LD]);
            a6 = v.fma(g0, a6);
            e6 = v.fma(g1, e6);
            v = FloatVector.broadcast(S, ql[qb + m1 + 7 * BW_LD]);
            a7 = v.fma(g0, a7);
            e7 = v.fma(g1, e7);
        }
        if (n2 < n) {
            int m = n2;
            g0 = FloatVector.fromArray(S, vl, gb + m * 32);
            g1 = FloatVector.fromArray(S, vl, gb + m * 32 + 16);
            v = FloatVector.broadcast(S, ql[qb + m]);
            a0 = v.fma(g0, a0);
            e0 = v.fma(g1, e0);
            v = FloatVector.broadcast(S, ql[qb + m + BW_LD]);
            a1 = v.fma(g0, a1);
            e1 = v.fma(g1, e1);
            v = FloatVector.broadcast(S, ql[qb + m + 2 * BW_LD]);
            a2 = v.fma(g0, a2);
            e2 = v.fma(g1, e2);
            v = FloatVector.broadcast(S, ql[qb + m + 3 * BW_LD]);
            a3 = v.fma(g0, a3);
            e3 = v.fma(g1, e3);
            v = FloatVector.broadcast(S, ql[qb + m + 4 * BW_LD]);
            a4 = v.fma(g0, a4);
            e4 = v.fma(g1, e4);
            v = FloatVector.broadcast(S, ql[qb + m + 5 * BW_LD]);
            a5 = v.fma(g0, a5);
            e5 = v.fma(g1, e5);
            v = FloatVector.broadcast(S, ql[qb + m + 6 * BW_LD]);
            a6 = v.fma(g0, a6);
            e6 = v.fma(g1, e6);
            v = FloatVector.broadcast(S, ql[qb + m + 7 * BW_LD]);
            a7 = v.fma(g0, a7);
            e7 = v.fma(g1, e7);
        }
        if (first) {
            a0.intoArray(acc, ab + 0);
            e0.intoArray(acc, ab + 16);
            a1.intoArray(acc, ab + 32);
            e1.intoArray(acc, ab + 48);
            a2.intoArray(acc, ab + 64);
            e2.intoArray(acc, ab + 80);
            a3.intoArray(acc, ab + 96);
            e3.intoArray(acc, ab + 112);
            a4.intoArray(acc, ab + 128);
            e4.intoArray(acc, ab + 144);
            a5.intoArray(acc, ab + 160);
            e5.intoArray(acc, ab + 176);
            a6.intoArray(acc, ab + 192);
            e6.intoArray(acc, ab + 208);
            a7.intoArray(acc, ab + 224);
            e7.intoArray(acc, ab + 240);
            return;
        }
        a0.add(FloatVector.fromArray(S, acc, ab + 0)).intoArray(acc, ab + 0);
        e0.add(FloatVector.fromArray(S, acc, ab + 16)).intoArray(acc, ab + 16);
        a1.add(FloatVector.fromArray(S, acc, ab + 32)).intoArray(acc, ab + 32);
        e1.add(FloatVector.fromArray(S, acc, ab + 48)).intoArray(acc, ab + 48);
        a2.add(FloatVector.fromArray(S, acc, ab + 64)).intoArray(acc, ab + 64);
        e2.add(FloatVector.fromArray(S, acc, ab + 80)).intoArray(acc, ab + 80);
        a3.add(FloatVector.fromArray(S, acc, ab + 96)).intoArray(acc, ab + 96);
        e3.add(FloatVector.fromArray(S, acc, ab + 112)).intoArray(acc, ab + 112);
        a4.add(FloatVector.fromArray(S, acc, ab + 128)).intoArray(acc, ab + 128);
        e4.add(FloatVector.fromArray(S, acc, ab + 144)).intoArray(acc, ab + 144);
        a5.add(FloatVector.fromArray(S, acc, ab + 160)).intoArray(acc, ab + 160);
        e5.add(FloatVector.fromArray(S, acc, ab + 176)).intoArray(acc, ab + 176);
        a6.add(FloatVector.fromArray(S, acc, ab + 192)).intoArray(acc, ab + 192);
        e6.add(FloatVector.fromArray(S, acc, ab + 208)).intoArray(acc, ab + 208);
        a7.add(FloatVector.fromArray(S, acc, ab + 224)).intoArray(acc, ab + 224);
        e7.add(FloatVector.fromArray(S, acc, ab + 240)).intoArray(acc, ab + 240);
    }
}
