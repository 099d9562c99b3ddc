package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Baseline copy (for ConvBwAB) of the direct float32 3x3 stride-1 pad-1 convolution backward-weight with the Vector API (16 float
 * lanes, {@link ConvDirect#USABLE}): gw (O, C, 3, 3) = sum over images b and pixels m of
 * gy(b, o, m) * x(b, c, m + tap), zero outside the image.
 *
 * <p>The batch is cut into {@link #SPLITS} (at most B) fixed splits of whole images, run in
 * parallel, each into its own partial sums. A split is walked in chunks of whole image rows (about
 * {@link #PIXELS} pixels); for each chunk the thread first writes, into its own buffers (they stay
 * in L1/L2):
 * <ul>
 * <li>gl[m][o]: gy of the chunk's pixels transposed to pixel-major, O rounded up to Op (a multiple
 *     of 32) with zero columns, so one vector holds 16 output channels of a pixel;
 * <li>xl: the chunk's rows of each input channel c padded, rows of Wp = W + 1 floats (W pixels and
 *     one zero column, which is both the right pad of a row and the left pad of the next), from
 *     the row above the chunk's first to the row below its last, a zero row between images, and
 *     one zero in front (the left pad of the first row).
 * </ul>
 * Then each (c, 32 output channels) runs {@link #tile}: 2 x 9 accumulators (16 channels x 9 taps
 * each) over the chunk's pixels, per pixel 2 loads of gl, 9 broadcasts of xl and 18 FMAs. The
 * copies are done once per chunk by the one thread that uses them, in cache, instead of whole
 * padded and transposed tensors written to and read back from memory.
 *
 * <p>Order: gw(o, c, tap) = the sum, over the splits in order starting from the first split's, of
 * each split's partial; a split's partial = the sum, over its chunks in order starting from the
 * first chunk's, of each chunk's FMA chain from +0 over its pixels in order. Splits and chunks
 * depend on the shapes only, so the bits do not depend on the thread count.
 */
final class ConvDirectBwOld {
    private ConvDirectBwOld() {}

    static final VectorSpecies<Float> S = ConvDirect.S;
    /** Pixels per chunk (rounded down to whole image rows, at least one row). */
    static final int PIXELS = 256;
    /**
     * Splits of the batch (at most B): parallel tasks, each with its own partial sums (C*Op*9 floats
     * to add at the end: with small images and many channels 8 splits measured slower than 4).
     */
    static final int SPLITS = 4;

    /** Per-thread scratch: the partial sums (caller), a chunk's padded x and transposed gy. */
    private static final class Scratch {
        float[] acc = new float[0], xl = new float[0], gl = new float[0];
        int[] idx = new int[16];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** gw (O, C, 3, 3) from x (B, C, H, W) and gy (B, O, H, W); B >= 1. */
    static void backwardWeight(float[] x, float[] gy, float[] gw, int B, int C, int H, int W, int O) {
        final int Op = ConvDirect.roundUp(O, 32), groups = Op / 32, per = groups * 9 * 32, accN = C * per;
        final int perSplit = (B + Math.min(B, SPLITS) - 1) / Math.min(B, SPLITS), splits = (B + perSplit - 1) / perSplit;
        final int chunkRows = Math.max(1, PIXELS / W);
        // acc[s*accN + (c*groups + og)*288 + tap*32 + lane]: split s's partial of gw(og*32 + lane, c, tap)
        Scratch sc = SCRATCH.get();
        final float[] acc = sc.acc = ConvDirect.grow(sc.acc, splits * accN);
        Parallel.forRange(splits, 1, (lo, hi) -> {
            Scratch s = SCRATCH.get();
            // local rows: chunkRows image rows, one above and below, a zero row per image boundary
            final int Wp = W + 1, LP = ConvDirect.roundUp(1 + (chunkRows + 3 + chunkRows / H) * Wp, 16);
            float[] xl = s.xl = ConvDirect.grow(s.xl, C * LP + 16);
            float[] gl = s.gl = ConvDirect.grow(s.gl, chunkRows * W * Op);
            for (int sp = lo; sp < hi; sp++) {
                int rA = sp * perSplit * H, rB = Math.min(B, (sp + 1) * perSplit) * H; // image rows b*H + i
                for (int r0 = rA; r0 < rB; r0 += chunkRows) {
                    int r1 = Math.min(rB, r0 + chunkRows);
                    padRows(x, B, C, H, W, r0, r1, xl, LP);
                    transposeRows(gy, O, Op, H, W, r0, r1, gl, s.idx);
                    for (int c = 0; c < C; c++)
                        for (int og = 0; og < groups; og++)
                            tile(xl, c * LP, gl, og * 32, Op, W, H, r0 % H, (r1 - r0) * W, acc,
                                    sp * accN + (c * groups + og) * 288, r0 == rA);
                }
            }
        });
        // acc[0] += acc[s] for s = 1.. in order (per channel, in L1), then gw from acc[0]
        for (int c = 0; c < C; c++) {
            int a0 = c * per;
            for (int sp = 1; sp < splits; sp++)
                for (int v = a0, e = sp * accN; v < a0 + per; v += 16)
                    FloatVector.fromArray(S, acc, v).add(FloatVector.fromArray(S, acc, e + v)).intoArray(acc, v);
            for (int og = 0; og < groups; og++)
                for (int tap = 0; tap < 9; tap++) {
                    int a = a0 + (og * 9 + tap) * 32;
                    for (int lane = 0, o = og * 32; lane < 32 && o < O; lane++, o++) gw[(o * C + c) * 9 + tap] = acc[a + lane];
                }
        }
    }

    /**
     * xl[c*LP + 1 + k*Wp + j] = row k of channel c's padded rows for image rows r0..r1-1 (k = 0 the
     * row above r0), j < W its pixels, j = W the zero column; xl[c*LP] = 0. Plane row pr of the
     * batch (image b's row i at pr = b*(H+1) + i + 1, zero rows at pr = b*(H+1)) gives local row
     * k = pr - pr(r0) + 1. Channels and rows are written in increasing order, so whole-vector copies
     * of short rows may overrun into what is written next.
     */
    private static void padRows(float[] x, int B, int C, int H, int W, int r0, int r1, float[] xl, int LP) {
        final int Wp = W + 1, HW = H * W;
        final int prS = (r0 / H) * (H + 1) + r0 % H, prE = ((r1 - 1) / H) * (H + 1) + (r1 - 1) % H + 2;
        for (int c = 0; c < C; c++) {
            int d = c * LP;
            xl[d++] = 0f;
            for (int pr = prS; pr <= prE; pr++, d += Wp) {
                int b = pr / (H + 1), i = pr - b * (H + 1) - 1;
                if (i < 0 || i >= H || b >= B) {
                    java.util.Arrays.fill(xl, d, d + Wp, 0f);
                    continue;
                }
                int src = (b * C + c) * HW + i * W;
                if (W >= 16) {
                    for (int j = 0; j < W - 16; j += 16) FloatVector.fromArray(S, x, src + j).intoArray(xl, d + j);
                    FloatVector.fromArray(S, x, src + W - 16).intoArray(xl, d + W - 16);
                } else if (src + 16 <= x.length) {
                    FloatVector.fromArray(S, x, src).intoArray(xl, d); // 16 - W floats of overrun
                } else {
                    System.arraycopy(x, src, xl, d, W);
                }
                xl[d + W] = 0f;
            }
        }
    }

    /**
     * gl[(m - r0*W)*Op + o] = gy(b, o, pixel) for the pixels m = b*H*W + pixel of image rows
     * r0..r1-1, and 0 for o in O..Op-1. With O % 16 == 0, 16 channels of a pixel are one gather;
     * otherwise each channel's run of pixels is read in order.
     */
    private static void transposeRows(float[] gy, int O, int Op, int H, int W, int r0, int r1, float[] gl, int[] idx) {
        final int HW = H * W;
        for (int k = 0; k < 16; k++) idx[k] = k * HW;
        for (int m0 = r0 * W, mEnd = r1 * W; m0 < mEnd; ) {
            int b = m0 / HW, pix = m0 - b * HW, mn = Math.min(mEnd - m0, HW - pix), dd = (m0 - r0 * W) * Op;
            if (O % 16 == 0) {
                for (int mm = 0; mm < mn; mm++)
                    for (int o = 0, src = b * O * HW + pix + mm; o < O; o += 16, src += 16 * HW)
                        FloatVector.fromArray(S, gy, src, idx, 0).intoArray(gl, dd + mm * Op + o);
            } else {
                for (int o = 0; o < O; o++) {
                    int src = (b * O + o) * HW + pix;
                    for (int mm = 0, d = dd + o; mm < mn; mm++, d += Op) gl[d] = gy[src + mm];
                }
                for (int mm = 0; mm < mn; mm++) java.util.Arrays.fill(gl, dd + mm * Op + O, dd + (mm + 1) * Op, 0f);
            }
            m0 += mn;
        }
    }

    /**
     * acc[ab + tap*32 + v] (+)= the FMA chain from +0 over npx pixels m of x(tap of m) *
     * gl[m*Op + o0 + v], v < 32, tap = p*3 + q; stored when first, else added. The pixels start at
     * column 0 of image row i0; the first one's tap (p, q) is xl[xb + p*Wp + q] (itself at
     * xb + Wp + 1).
     */
    private static void tile(float[] xl, int xb, float[] gl, int o0, int Op, int W, int H, int i0,
                             int npx, float[] acc, int ab, boolean first) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, e0 = z;
        FloatVector a1 = z, e1 = z;
        FloatVector a2 = z, e2 = z;
        FloatVector a3 = z, e3 = z;
        FloatVector a4 = z, e4 = z;
        FloatVector a5 = z, e5 = z;
        FloatVector a6 = z, e6 = z;
        FloatVector a7 = z, e7 = z;
        FloatVector a8 = z, e8 = z;
        // one counted loop over the pixels (vector accumulators carried across a nested loop get
        // boxed); xi follows the pixel's tap (0, 0) through the padded rows
        final int Wp = W + 1;
        int i = i0, j = 0, xi = xb, gi = o0;
        for (int m = 0; m < npx; m++) {
            {
                FloatVector g0 = FloatVector.fromArray(S, gl, gi);
                FloatVector g1 = FloatVector.fromArray(S, gl, gi + 16);
                FloatVector v = FloatVector.broadcast(S, xl[xi]);
                a0 = v.fma(g0, a0);
                e0 = v.fma(g1, e0);
                v = FloatVector.broadcast(S, xl[xi + 1]);
                a1 = v.fma(g0, a1);
                e1 = v.fma(g1, e1);
                v = FloatVector.broadcast(S, xl[xi + 2]);
                a2 = v.fma(g0, a2);
                e2 = v.fma(g1, e2);
                v = FloatVector.broadcast(S, xl[xi + Wp]);
                a3 = v.fma(g0, a3);
                e3 = v.fma(g1, e3);
                v = FloatVector.broadcast(S, xl[xi + Wp + 1]);
                a4 = v.fma(g0, a4);
                e4 = v.fma(g1, e4);
                v = FloatVector.broadcast(S, xl[xi + Wp + 2]);
                a5 = v.fma(g0, a5);
                e5 = v.fma(g1, e5);
                v = FloatVector.broadcast(S, xl[xi + 2 * Wp]);
                a6 = v.fma(g0, a6);
                e6 = v.fma(g1, e6);
                v = FloatVector.broadcast(S, xl[xi + 2 * Wp + 1]);
                a7 = v.fma(g0, a7);
                e7 = v.fma(g1, e7);
                v = FloatVector.broadcast(S, xl[xi + 2 * Wp + 2]);
                a8 = v.fma(g0, a8);
                e8 = v.fma(g1, e8);
            }
            gi += Op;
            xi++;
            if (++j == W) { // skip the zero column, and the zero row after an image's last row
                j = 0;
                xi++;
                if (++i == H) {
                    i = 0;
                    xi += Wp;
                }
            }
        }
        if (first) {
            a0.intoArray(acc, ab);
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
            a8.intoArray(acc, ab + 256);
            e8.intoArray(acc, ab + 272);
            return;
        }
        a0.add(FloatVector.fromArray(S, acc, ab)).intoArray(acc, ab);
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
        a8.add(FloatVector.fromArray(S, acc, ab + 256)).intoArray(acc, ab + 256);
        e8.add(FloatVector.fromArray(S, acc, ab + 272)).intoArray(acc, ab + 272);
    }
}
