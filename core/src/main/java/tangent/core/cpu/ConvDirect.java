package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct float32 3x3 stride-1 pad-1 convolutions (no im2col) with the Vector API, used only when
 * {@link GemmF32#simd} (this class is never loaded without {@code jdk.incubator.vector}) and the
 * preferred vector has 16 float lanes ({@link #USABLE}).
 *
 * <p>Padded layout ("plane" of channel c, all B images stacked): rows of Wp = W + 1 floats (W pixels
 * and one zero column), image b in rows 1 + b*(H+1) .. b*(H+1) + H, a zero row above each image
 * (shared with the previous image's bottom) and one after the last. Pixel (b, i, j) of channel c
 * sits at {@code c*P + G + Wp + n} with output position n = (b*(H+1) + i)*Wp + j, and its 3x3
 * neighbour (i + p - 1, j + q - 1) at offset (p - 1)*Wp + (q - 1) from it: the single zero column
 * is both the right pad of one row and the left pad of the next, so every tap of every position is
 * one shifted contiguous read of the plane. Positions n in [0, Nb) are computed (Nb = the
 * positions rounded up to whole tiles); those on zero columns or rows are computed too and dropped.
 *
 * <p>Orders (none depends on the thread count or on how positions are split into tiles):
 * <ul>
 * <li>forward: y(o, n) is the FMA chain over k = (c*3 + p)*3 + q, k = 0..9C-1, from +0 — the same
 *     chain, on the same values, as the im2col GEMM path ({@link GemmSimd}), so the same bits.
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
    /** Front guard of a plane (zeros; reads reach one float before the first position). */
    static final int G = 16;

    /** Geometry of the padded planes for B images of H x W. */
    static final class Geo {
        final int B, H, W, Wp, N, Nb, P;

        Geo(int B, int H, int W) {
            this.B = B;
            this.H = H;
            this.W = W;
            Wp = W + 1;
            N = (B * (H + 1) - 1) * Wp; // positions of rows 1 .. B*(H+1)-1 of the plane
            Nb = (N + NB - 1) / NB * NB;
            P = roundUp(G + Wp + Nb + Wp + 1 + 16, 16);
        }

        /** Index in a plane buffer of position n of channel c. */
        int at(int c, int n) {
            return c * P + G + Wp + n;
        }
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /** Per-thread scratch: two padded input buffers, backward-weight accumulators, packed weights. */
    private static final class Scratch {
        float[] in1 = new float[0], in2 = new float[0], out = new float[0], w = new float[0];
        int[] off = new int[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static float[] grow(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    /**
     * Writes channels 0..Cs-1 of src (B, Cs, H, W) into planes of dst: every float of planes
     * 0..Cs-1 is written (pixels, zero columns and rows, guards), so dst needs no clearing.
     */
    static void pad(float[] src, int Cs, Geo g, float[] dst) {
        Parallel.forRange(Cs, Math.max(1, 16384 / Math.max(1, g.P)), (lo, hi) -> {
            for (int c = lo; c < hi; c++) padChannel(src, Cs, c, g, dst);
        });
    }

    /** Plane c of {@link #pad}. */
    private static void padChannel(float[] src, int Cs, int c, Geo g, float[] dst) {
        final int B = g.B, H = g.H, W = g.W, Wp = g.Wp, P = g.P, HW = H * W;
        int plane = c * P, d = plane + G + Wp; // row 1
        java.util.Arrays.fill(dst, plane, d, 0f);
        for (int b = 0; b < B; b++) {
            int s = (b * Cs + c) * HW;
            for (int i = 0; i < H; i++, s += W, d += Wp) {
                for (int j = 0; j < W; j++) dst[d + j] = src[s + j];
                dst[d + W] = 0f;
            }
            java.util.Arrays.fill(dst, d, d + Wp, 0f); // zero row below image b
            d += Wp;
        }
        java.util.Arrays.fill(dst, d, plane + P, 0f);
    }

    /** y (B, O, H, W) = conv3x3(x (B, C, H, W), w (O, C, 3, 3)), pad 1. Requires O % RM == 0. */
    static void forward(float[] x, float[] w, float[] y, int B, int C, int H, int W, int O) {
        Scratch s = SCRATCH.get();
        Geo g = new Geo(B, H, W);
        float[] xp = s.in1 = grow(s.in1, C * g.P);
        pad(x, C, g, xp);
        // wp[blk][k][r] = w(blk*RM + r, k): the RM weights of one k are consecutive
        int K = C * 9;
        float[] wp = s.w = grow(s.w, O * K);
        for (int o = 0; o < O; o++)
            for (int k = 0; k < K; k++) wp[((o / RM) * K + k) * RM + o % RM] = w[o * K + k];
        run(xp, g, C, wp, O, s, y);
    }

    /** gx (B, C, H, W) = transposed conv3x3 of gy (B, O, H, W) with w (O, C, 3, 3). Requires C % RM == 0. */
    static void backwardInput(float[] gy, float[] w, float[] gx, int B, int C, int H, int W, int O) {
        Scratch s = SCRATCH.get();
        Geo g = new Geo(B, H, W);
        float[] gp = s.in2 = grow(s.in2, O * g.P);
        pad(gy, O, g, gp);
        // w'(c, k = (o*3 + p)*3 + q) = w(o, c, 2-p, 2-q), packed as in forward
        int K = O * 9;
        float[] wp = s.w = grow(s.w, C * K);
        for (int c = 0; c < C; c++)
            for (int o = 0; o < O; o++)
                for (int t = 0; t < 9; t++)
                    wp[((c / RM) * K + o * 9 + t) * RM + c % RM] = w[(o * C + c) * 9 + 8 - t];
        run(gp, g, O, wp, C, s, gx);
    }

    /** out (B, M, H, W) = the direct conv of Cin padded planes inp with packed weights wp (M rows). */
    private static void run(float[] inp, Geo g, int Cin, float[] wp, int M, Scratch s, float[] out) {
        int K = Cin * 9, Wp = g.Wp;
        int[] off = s.off = s.off.length >= K ? s.off : new int[K];
        for (int c = 0; c < Cin; c++)
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++) off[(c * 3 + p) * 3 + q] = c * g.P + (p - 1) * Wp + (q - 1);
        final int tiles = g.Nb / NB, blocks = M / RM, base = g.at(0, 0);
        Parallel.forRange(tiles, 1, (lo, hi) -> {
            float[] tmp = new float[RM * NB];
            for (int t = lo; t < hi; t++) {
                int n0 = t * NB;
                for (int blk = 0; blk < blocks; blk++) {
                    tile(inp, base + n0, off, K, wp, blk * K * RM, tmp, 0, NB);
                    scatter(tmp, n0, blk * RM, M, g, out);
                }
            }
        });
    }

    /**
     * out (B, M, H, W) at channels m0..m0+RM-1 = the pixels among positions n0..n0+NB-1 of tmp
     * (RM rows of NB positions); positions on zero columns or rows are dropped.
     */
    private static void scatter(float[] tmp, int n0, int m0, int M, Geo g, float[] out) {
        final int H = g.H, W = g.W, Wp = g.Wp, HW = H * W, n1 = Math.min(n0 + NB, g.N);
        for (int n = n0; n < n1; ) {
            int row = n / Wp, j = n - row * Wp, b = row / (H + 1), i = row - b * (H + 1);
            int len = Math.min(Wp - j, n1 - n);
            if (i < H && j < W) {
                int cnt = Math.min(len, W - j), d = (b * M + m0) * HW + i * W + j, src = n - n0;
                for (int r = 0; r < RM; r++, d += HW, src += NB)
                    for (int v = 0; v < cnt; v++) out[d + v] = tmp[src + v];
            }
            n += len;
        }
    }

    /**
     * op[ob + r*os + v] = FMA chain over k of wp[wb + k*RM + r] * inp[ib + off[k] + v], for r < RM,
     * v < NB.
     */
    private static void tile(float[] inp, int ib, int[] off, int K, float[] wp, int wb,
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
