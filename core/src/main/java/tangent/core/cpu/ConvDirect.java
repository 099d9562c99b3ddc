package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct float32 3x3 stride-1 pad-1 convolutions (no im2col) with the Vector API, used only when
 * {@link GemmF32#simd} (this class is never loaded without {@code jdk.incubator.vector}) and the
 * preferred vector has 16 float lanes ({@link #USABLE}).
 *
 * <p>Padded layouts (the B images of a task stacked in "planes"): output position n = (b*(H+1) +
 * i)*rs + j for pixel (b, i, j), rs the row stride; every tap of every position is one shifted
 * contiguous read, so a tile of positions reads each tap as whole vectors. Positions n in [0, Nb)
 * are computed (Nb = the positions rounded up to whole tiles); those on zero columns or rows are
 * computed too and dropped.
 * <ul>
 * <li>one plane per channel (W > {@link #SHIFTED_MAX_W}): rows of rs = W + 1 floats (W pixels and
 *     one zero column), image b in rows 1 + b*(H+1) .. b*(H+1) + H, a zero row above each image
 *     (shared with the previous image's bottom) and one after the last. Pixel (b, i, j) of channel
 *     c sits at {@code c*P + G + rs + n}, its 3x3 neighbour (i + p - 1, j + q - 1) at offset
 *     (p - 1)*rs + (q - 1) from it: the single zero column is both the right pad of one row and
 *     the left pad of the next.
 * <li>three column-shifted planes per channel (small images, W <= {@link #SHIFTED_MAX_W}): rows
 *     of rs = W floats, plane (c, q) holding x(c, i, j + q - 1) (zero outside the row), row 0
 *     zero, image b's row i at row b*(H+1) + 1 + i, a zero row after each image. Tap (p, q) of
 *     position n is float n + p*W of plane (c, q). Only one row per image is computed and
 *     dropped (the one-plane layout also computes a column per row: 64 positions per 7x7 image
 *     against 56 here); the padding writes three copies of the input, which measured slower than
 *     the saved positions at 28x28. All B images form one sequence of tiles, cut into tasks of
 *     consecutive tiles ({@link #runShifted}); each task pads only the part of the planes its
 *     tiles read.
 * </ul>
 *
 * <p>Orders (none depends on the thread count or on how images and positions are split into
 * tasks and tiles):
 * <ul>
 * <li>forward: y(o, n) is the FMA chain over k = (c*3 + p)*3 + q, k = 0..9C-1, from +0 — the same
 *     chain, on the same values, as the im2col GEMM path ({@link GemmSimd}), so the same bits.
 * <li>forward and tangent ({@link #forwardDual}): those chains on x and on dx, in one parallel
 *     region; y's bias is added to the finished chain (one rounding, as a separate add).
 * <li>backward-input: the forward kernel on the padded gradient with w'(c, o, p, q) =
 *     w(o, c, 2-p, 2-q): gx(c, n) is the FMA chain over k = (o*3 + p)*3 + q from +0.
 * <li>backward-weight: its own kernel, {@link ConvDirectBw}.
 * </ul>
 */
final class ConvDirect {
    private ConvDirect() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** The direct kernels assume 16 lanes (AVX-512); other widths keep the GEMM lowering. */
    static final boolean USABLE = L == 16;
    /** Forward tile: RM output channels x NB positions (3 vectors), 24 accumulators. */
    static final int RM = 8, NB = 3 * 16;
    /** Front guard of a one-plane layout (zeros; reads reach one float before the first position). */
    static final int G = 16;
    /** Widest image padded as three column-shifted planes per channel. */
    static final int SHIFTED_MAX_W = 16;

    /** Geometry of the one-plane layout (W > {@link #SHIFTED_MAX_W}) for B images of H x W. */
    static final class Geo {
        final int B, H, W, N, Nb, P;
        /** Row stride. */
        final int rs;

        Geo(int B, int H, int W) {
            this.B = B;
            this.H = H;
            this.W = W;
            rs = W + 1;
            N = (B * (H + 1) - 1) * rs; // output rows 0 .. B*(H+1)-2
            Nb = (N + NB - 1) / NB * NB;
            // a tile reads up to position Nb - 1 + rs + 1, after G + rs
            P = roundUp(G + rs + Nb + rs + 1 + 16, 16);
        }

        /** Offset of tap (p, q) of input channel c from a position's index in the output rows. */
        int off(int c, int p, int q) {
            return c * P + G + rs + (p - 1) * rs + (q - 1);
        }
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /**
     * Per-thread scratch: packed weights and tap offsets (the calling thread), a task's padded input
     * planes and padded output rows (the workers).
     */
    private static final class Scratch {
        float[] w = new float[0], pad = new float[0], tmp = new float[0];
        int[] off = new int[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** a, or a new array when a holds fewer than n floats (per-thread scratch; contents not kept). */
    static float[] grow(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    /**
     * Writes channels 0..Cs-1 of images b0..b0+n-1 of src (B, Cs, H, W) into the one-plane layout
     * of dst, laid out as for n images of geometry g (g.B >= n): every float of the Cs planes is
     * written (pixels, zero columns and rows, guards), so dst needs no clearing.
     */
    private static void padPlane(float[] src, int Cs, int b0, int n, Geo g, float[] dst) {
        final int H = g.H, W = g.W, Wp = g.rs, P = g.P, HW = H * W, Wr = roundUp(W, L);
        for (int c = 0; c < Cs; c++) {
            int plane = c * P, d = plane + G + Wp; // row 1
            java.util.Arrays.fill(dst, plane, d, 0f);
            for (int b = b0; b < b0 + n; b++) {
                int s = (b * Cs + c) * HW;
                for (int i = 0; i < H; i++, s += W, d += Wp) {
                    // whole vectors: the floats past W land on the next row, or the zero row or
                    // plane tail, all written after this row
                    if (s + Wr <= src.length) {
                        for (int v = 0; v < W; v += L) FloatVector.fromArray(S, src, s + v).intoArray(dst, d + v);
                    } else {
                        System.arraycopy(src, s, dst, d, W);
                    }
                    dst[d + W] = 0f;
                }
                java.util.Arrays.fill(dst, d, d + Wp, 0f); // zero row below image b
                d += Wp;
            }
            java.util.Arrays.fill(dst, d, plane + P, 0f);
        }
    }

    /**
     * y (B, O, H, W) = conv3x3(x (B, C, H, W), w (O, C, 3, 3)), pad 1. O not a multiple of RM is
     * rounded up with zero weights; the extra channels are computed and dropped.
     */
    static void forward(float[] x, float[] w, float[] y, int B, int C, int H, int W, int O) {
        Scratch s = SCRATCH.get();
        run(x, null, B, H, W, C, packForward(w, C, O, s), roundUp(O, RM), O, s, y, null, null);
    }

    /**
     * The forward and its tangent in one pass: y = conv3x3(x, w) + bias (per output channel; no
     * bias when null), dy = conv3x3(dx, w), all (B, ., H, W). One run over x's and dx's images
     * (the weights packed once, one parallel region with twice the tasks); the bias is added as
     * y's pixels are copied out. Every output's FMA chain is the one of {@link #forward},
     * and the bias add after it rounds as a separate add would: the same bits as two forwards and
     * an add.
     */
    static void forwardDual(float[] x, float[] dx, float[] w, float[] bias, float[] y, float[] dy,
                            int B, int C, int H, int W, int O) {
        Scratch s = SCRATCH.get();
        run(x, dx, B, H, W, C, packForward(w, C, O, s), roundUp(O, RM), O, s, y, dy, bias);
    }

    /** wp[blk][k][r] = w(blk*RM + r, k) (zero past O): the RM weights of one k are consecutive. */
    private static float[] packForward(float[] w, int C, int O, Scratch s) {
        int K = C * 9, M = roundUp(O, RM);
        float[] wp = s.w = grow(s.w, M * K);
        for (int o0 = 0; o0 < M; o0 += RM) {
            int d = o0 * K; // written in order, from RM rows of w
            if (o0 + RM <= O) {
                for (int k = 0, src = o0 * K; k < K; k++, src++, d += RM) {
                    wp[d] = w[src];
                    wp[d + 1] = w[src + K];
                    wp[d + 2] = w[src + 2 * K];
                    wp[d + 3] = w[src + 3 * K];
                    wp[d + 4] = w[src + 4 * K];
                    wp[d + 5] = w[src + 5 * K];
                    wp[d + 6] = w[src + 6 * K];
                    wp[d + 7] = w[src + 7 * K];
                }
            } else {
                for (int k = 0; k < K; k++, d += RM)
                    for (int r = 0; r < RM; r++) wp[d + r] = o0 + r < O ? w[(o0 + r) * K + k] : 0f;
            }
        }
        return wp;
    }

    /**
     * gx (B, C, H, W) = transposed conv3x3 of gy (B, O, H, W) with w (O, C, 3, 3). C not a multiple
     * of RM is rounded up as in {@link #forward}.
     */
    static void backwardInput(float[] gy, float[] w, float[] gx, int B, int C, int H, int W, int O) {
        Scratch s = SCRATCH.get();
        // w'(c, k = (o*3 + p)*3 + q) = w(o, c, 2-p, 2-q), packed as in forward: for a block of RM
        // channels and one o, the RM*9 weights w(o, c0.., ..) are contiguous in w and in wp
        // (written in order, each read 9 floats apart), so the copy stays in one cache line pair
        int K = O * 9, M = roundUp(C, RM);
        float[] wp = s.w = grow(s.w, M * K);
        for (int cb = 0; cb < M / RM; cb++) {
            int c0 = cb * RM, n = Math.min(RM, C - c0);
            for (int o = 0; o < O; o++) {
                int d = (cb * K + o * 9) * RM, src = (o * C + c0) * 9 + 8;
                if (n == RM) {
                    for (int t = 0; t < 9; t++, d += RM, src--) {
                        wp[d] = w[src];
                        wp[d + 1] = w[src + 9];
                        wp[d + 2] = w[src + 18];
                        wp[d + 3] = w[src + 27];
                        wp[d + 4] = w[src + 36];
                        wp[d + 5] = w[src + 45];
                        wp[d + 6] = w[src + 54];
                        wp[d + 7] = w[src + 63];
                    }
                } else {
                    for (int t = 0; t < 9; t++, d += RM, src--)
                        for (int r = 0; r < RM; r++) wp[d + r] = r < n ? w[src + 9 * r] : 0f;
                }
            }
        }
        run(gy, null, B, H, W, O, wp, M, C, s, gx, null, null);
    }

    /** Largest task scratch (padded input and output floats) {@link #groupImages} picks: stays in L2. */
    static final int GROUP_FLOATS = 1 << 17;

    /**
     * Images per task of {@link #run}: the g (at most B) minimising the positions computed per
     * thread (tiles round each group's positions up to NB; a last, smaller group has its own
     * count), among those whose padded input and output fit {@link #GROUP_FLOATS} (g = 1 always
     * allowed); the one-plane layout only. Only speed depends on it: every output's FMA chain is
     * the same for any g.
     */
    static int groupImages(int B, int H, int W, int Cin, int M, int threads) {
        int best = 1;
        long bestCost = Long.MAX_VALUE;
        for (int g = 1; g <= B; g++) {
            Geo geo = new Geo(g, H, W);
            if (g > 1 && (long) Cin * geo.P + (long) M * geo.Nb > GROUP_FLOATS) break;
            int full = B / g, rest = B - full * g, tasks = full + (rest > 0 ? 1 : 0);
            long perTask = geo.Nb;
            // tasks run in waves of `threads`; the slowest thread does ceil(tasks / threads) tasks
            long cost = (long) ((tasks + threads - 1) / threads) * perTask;
            if (cost < bestCost) {
                bestCost = cost;
                best = g;
            }
        }
        return best;
    }

    /**
     * out0 (B, Mo, H, W) = the first Mo of the M (a multiple of RM) channels of the direct conv of
     * in0 (B, Cin, H, W) with packed weights wp (M rows), plus bias (per channel; none when null);
     * when in1 is not null also out1 = the same of in1, without bias, in the same parallel region.
     * One-plane layout: tasks of {@link #groupImages} images of one input each pad their images
     * into per-thread planes, compute every tile of their positions into per-thread padded output
     * rows (both stay in L2) and copy the pixels out ({@link #unpad}); each thread takes the next
     * task when done ({@link Parallel#forEachTask}). Three-plane layout: {@link #runShifted}.
     */
    private static void run(float[] in0, float[] in1, int B, int H, int W, int Cin, float[] wp, int M, int Mo,
                            Scratch s, float[] out0, float[] out1, float[] bias) {
        if (W <= SHIFTED_MAX_W) {
            runShifted(in0, in1, B, H, W, Cin, wp, M, Mo, s, out0, out1, bias);
            return;
        }
        final int g = groupImages(B, H, W, Cin, M, Parallel.threads()), half = (B + g - 1) / g;
        final Geo geo = new Geo(g, H, W);
        final int K = Cin * 9, Nb = geo.Nb;
        int[] off = s.off = s.off.length >= K ? s.off : new int[K];
        for (int c = 0; c < Cin; c++)
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++) off[(c * 3 + p) * 3 + q] = geo.off(c, p, q);
        final int blocks = M / RM;
        Parallel.forEachTask(in1 == null ? half : 2 * half, t -> {
            Scratch ts = SCRATCH.get();
            float[] xp = ts.pad = grow(ts.pad, Cin * geo.P);
            float[] ob = ts.tmp = grow(ts.tmp, M * Nb + L);
            boolean first = t < half; // task t: images of in0, else of in1
            int b0 = (first ? t : t - half) * g, n = Math.min(g, B - b0);
            padPlane(first ? in0 : in1, Cin, b0, n, geo, xp);
            int N = (n * (H + 1) - 1) * geo.rs;
            for (int n0 = 0; n0 < N; n0 += NB)
                for (int blk = 0; blk < blocks; blk++)
                    tile(xp, n0, off, K, wp, blk * K * RM, ob, blk * RM * Nb + n0, Nb);
            for (int i = 0; i < n; i++) unpad(ob, Nb, Mo, i, b0 + i, geo, first ? out0 : out1, first ? bias : null);
        });
    }

    /**
     * Tasks per thread {@link #tilesPerTask} aims at: in the fmnist-xs step (calls alternating
     * between two settings) 4 ran 0-3% faster than 8 at 64@14 and 64@7, and 2 was 3-7% slower
     * than 4 at 7x7.
     */
    static final int TASKS_PER_THREAD = 4;
    /** Largest task scratch (padded input and output floats) of {@link #runShifted}. */
    static final int TASK_FLOATS = 1 << 18;

    /**
     * Tiles per task of {@link #runShifted}: about T / (TASKS_PER_THREAD * threads), fewer where a
     * task's planes and output rows would pass TASK_FLOATS.
     */
    static int tilesPerTask(int T, int Cin, int M, int threads) {
        int tp = (T + TASKS_PER_THREAD * threads - 1) / (TASKS_PER_THREAD * threads);
        int cap = TASK_FLOATS / ((3 * Cin + M) * NB);
        return Math.max(1, Math.min(tp, cap));
    }

    /**
     * {@link #run} for the three-plane layout (W <= SHIFTED_MAX_W): the batch's positions, laid out
     * as one group of B images ((B*(H+1) - 1)*W positions), as one sequence of tiles cut into tasks
     * of {@link #tilesPerTask} consecutive tiles. A task pads only the floats of the batch's planes
     * its tiles read (positions n0 .. n1-1 read floats n0 .. n1-1 + 2W of each plane), into planes
     * of Pl floats, and copies out only its positions' pixels.
     */
    private static void runShifted(float[] in0, float[] in1, int B, int H, int W, int Cin, float[] wp, int M, int Mo,
                                   Scratch s, float[] out0, float[] out1, float[] bias) {
        final int N = (B * (H + 1) - 1) * W, T = (N + NB - 1) / NB, K = Cin * 9;
        final int tp = tilesPerTask(T, Cin, M, Parallel.threads()), Nl = tp * NB;
        final int half = (T + tp - 1) / tp, tasks = in1 == null ? half : 2 * half;
        final int Pl = roundUp(Nl + 2 * W + L, L);
        int[] off = s.off = s.off.length >= K ? s.off : new int[K];
        for (int c = 0; c < Cin; c++)
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++) off[(c * 3 + p) * 3 + q] = (c * 3 + q) * Pl + p * W;
        final int blocks = M / RM;
        Parallel.forEachTask(tasks, t -> {
            Scratch ts = SCRATCH.get();
            float[] xp = ts.pad = grow(ts.pad, 3 * Cin * Pl);
            float[] ob = ts.tmp = grow(ts.tmp, M * Nl + L);
            boolean first = t < half; // task t: tiles of in0, else of in1
            int t0 = (first ? t : t - half) * tp, n0 = t0 * NB, n1 = Math.min(T, t0 + tp) * NB;
            padRange(first ? in0 : in1, B, Cin, H, W, n0, n1 - n0 + 2 * W, Pl, xp);
            for (int n = 0; n < n1 - n0; n += NB)
                for (int blk = 0; blk < blocks; blk++)
                    tile(xp, n, off, K, wp, blk * K * RM, ob, blk * RM * Nl + n, Nl);
            unpadRange(ob, Nl, Mo, B, H, W, n0, Math.min(n1, N), first ? out0 : out1, first ? bias : null);
        });
    }

    /**
     * Floats n0 .. n0+len-1 of the three column-shifted planes of channels 0..Cs-1 of the batch src
     * (B, Cs, H, W) (the layout of a group of B images, see the class comment) into dst: plane
     * (c, q) at (c*3 + q)*Pl. Image b's pixels are floats W + b*(H+1)*W .. +HW of a plane, a run
     * of x shifted by q - 1 floats with the float on column 0 (q = 0) or W-1 (q = 2) zero; the
     * rest is zero.
     */
    private static void padRange(float[] src, int B, int Cs, int H, int W, int n0, int len, int Pl, float[] dst) {
        final int HW = H * W, IS = (H + 1) * W, end = n0 + len;
        final int bFirst = Math.max(0, (n0 - W) / IS);
        for (int c = 0; c < Cs; c++)
            for (int q = 0; q < 3; q++) {
                final int plane = (c * 3 + q) * Pl - n0; // dst index of the plane's float f: plane + f
                int cur = n0;
                for (int b = bFirst; b < B; b++) {
                    int ga = W + b * IS, a = Math.max(ga, n0), e = Math.min(ga + HW, end);
                    if (ga >= end) break;
                    if (a >= e) continue;
                    java.util.Arrays.fill(dst, plane + cur, plane + a, 0f);
                    int sa = (b * Cs + c) * HW + (a - ga) + q - 1, da = plane + a, cnt = e - a;
                    if (sa < 0) { // q = 0 at x's first float: column 0, zeroed below
                        sa++;
                        da++;
                        cnt--;
                    }
                    if (sa + cnt > src.length) cnt--; // q = 2 at x's last float: column W-1, zeroed below
                    System.arraycopy(src, sa, dst, da, cnt);
                    if (q != 1) { // the float the shift brought in from the next or previous row
                        int col = q == 0 ? 0 : W - 1, k = a - ga;
                        k += ((col - k % W) + W) % W;
                        for (; k < e - ga; k += W) dst[plane + ga + k] = 0f;
                    }
                    cur = e;
                }
                java.util.Arrays.fill(dst, plane + cur, plane + end, 0f);
            }
    }

    /**
     * The pixels among positions n0 .. nEnd-1 of the batch's output rows (ob: M rows of Nl
     * positions from n0) to out (B, Mo, H, W), plus bias(m) when bias is not null. Image b's
     * pixels are positions b*(H+1)*W .. +HW; exactly these floats of out are written (other tasks
     * write the rest at the same time).
     */
    private static void unpadRange(float[] ob, int Nl, int Mo, int B, int H, int W, int n0, int nEnd,
                                   float[] out, float[] bias) {
        final int HW = H * W, IS = (H + 1) * W;
        for (int b = n0 / IS; b < B && b * IS < nEnd; b++) {
            int pa = Math.max(b * IS, n0), pb = Math.min(b * IS + HW, nEnd), len = pb - pa;
            if (len <= 0) continue;
            for (int m = 0; m < Mo; m++) {
                int src = m * Nl + (pa - n0), d = (b * Mo + m) * HW + (pa - b * IS);
                if (bias == null) {
                    System.arraycopy(ob, src, out, d, len);
                } else {
                    FloatVector bv = FloatVector.broadcast(S, bias[m]);
                    int v = 0;
                    for (; v + L <= len; v += L) FloatVector.fromArray(S, ob, src + v).add(bv).intoArray(out, d + v);
                    for (float bs = bias[m]; v < len; v++) out[d + v] = ob[src + v] + bs;
                }
            }
        }
    }

    /**
     * Image i of a group (its positions in ob, M rows of Nb positions) to image b of out (., M, H,
     * W), plus bias(m) on channel m when bias is not null. Rows are copied in whole vectors where
     * that stays inside the image: the floats past a row's W land on later rows of the same plane,
     * written after it; the rest exactly.
     */
    private static void unpad(float[] ob, int Nb, int M, int i, int b, Geo g, float[] out, float[] bias) {
        final int H = g.H, W = g.W, Wp = g.rs, HW = H * W, Wr = roundUp(W, L);
        for (int m = 0; m < M; m++) {
            int src = m * Nb + i * (H + 1) * Wp, d = (b * M + m) * HW;
            FloatVector bv = FloatVector.broadcast(S, bias == null ? 0f : bias[m]);
            for (int r = 0; r < H; r++, src += Wp, d += W) {
                if (r * W + Wr <= HW) {
                    if (bias == null)
                        for (int v = 0; v < W; v += L) FloatVector.fromArray(S, ob, src + v).intoArray(out, d + v);
                    else
                        for (int v = 0; v < W; v += L) FloatVector.fromArray(S, ob, src + v).add(bv).intoArray(out, d + v);
                } else if (bias == null) {
                    System.arraycopy(ob, src, out, d, W);
                } else {
                    for (int v = 0; v < W; v++) out[d + v] = ob[src + v] + bias[m];
                }
            }
        }
    }

    /**
     * op[ob + r*os + v] = FMA chain over k of wp[wb + k*RM + r] * inp[ib + off[k] + v], for r < RM,
     * v < NB. Also ConvPointwise's tile (off[k] = k times its row stride).
     */
    static void tile(float[] inp, int ib, int[] off, int K, float[] wp, int wb,
                             float[] op, int ob, int os) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c40 = z, c41 = z, c42 = z, c50 = z, c51 = z, c52 = z;
        FloatVector c60 = z, c61 = z, c62 = z, c70 = z, c71 = z, c72 = z;
        for (int k = 0, a = wb; k < K; k++, a += RM) {
            int i = ib + off[k];
            FloatVector b0 = FloatVector.fromArray(S, inp, i);
            FloatVector b1 = FloatVector.fromArray(S, inp, i + 16);
            FloatVector b2 = FloatVector.fromArray(S, inp, i + 32);
            FloatVector x = FloatVector.broadcast(S, wp[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, wp[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, wp[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, wp[a + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, wp[a + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, wp[a + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, wp[a + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, wp[a + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        int o = ob;
        c00.intoArray(op, o);
        c01.intoArray(op, o + 16);
        c02.intoArray(op, o + 32);
        o += os;
        c10.intoArray(op, o);
        c11.intoArray(op, o + 16);
        c12.intoArray(op, o + 32);
        o += os;
        c20.intoArray(op, o);
        c21.intoArray(op, o + 16);
        c22.intoArray(op, o + 32);
        o += os;
        c30.intoArray(op, o);
        c31.intoArray(op, o + 16);
        c32.intoArray(op, o + 32);
        o += os;
        c40.intoArray(op, o);
        c41.intoArray(op, o + 16);
        c42.intoArray(op, o + 32);
        o += os;
        c50.intoArray(op, o);
        c51.intoArray(op, o + 16);
        c52.intoArray(op, o + 32);
        o += os;
        c60.intoArray(op, o);
        c61.intoArray(op, o + 16);
        c62.intoArray(op, o + 32);
        o += os;
        c70.intoArray(op, o);
        c71.intoArray(op, o + 16);
        c72.intoArray(op, o + 32);
    }
}
