package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct float32 3x3 stride-1 pad-1 convolution backward-weight with the Vector API (16 float
 * lanes, {@link ConvDirect#USABLE}): gw (O, C, 3, 3) = sum over images b and pixels m of
 * gy(b, o, m) * x(b, c, m + tap), zero outside the image.
 *
 * <p>The batch is cut into {@link #SPLITS} (at most B) fixed splits of whole images, run in
 * parallel, each into its own partial sums. Each image is walked in segments: its rows cut into
 * runs of equal length (about {@link #PIXELS} pixels; one segment for images under 1536 pixels).
 * For a segment of npx pixels the thread first writes, into its own buffers (they stay in L1/L2):
 * <ul>
 * <li>gl[og][m][32]: gy of the segment's pixels transposed to pixel-major, one plane per group og
 *     of 32 output channels (O rounded up to Op, a multiple of 32, with zero channels), so one
 *     vector holds 16 output channels of a pixel and the pixel stride is a constant;
 * <li>then per input channel c, three copies x0, x1, x2 of the segment's rows, the row above and
 *     the row below (zero outside the image), shifted by one column: xq holds x(., j + q - 1), zero
 *     where that column is outside the image. Tap (p, q) of the segment's pixel m is then
 *     xq[p*W + m]: linear in m, with no pad pixels.
 * </ul>
 * Each (c, og) then runs {@link #tile}: 2 x 9 accumulators (16 channels x 9 taps each) over the
 * segment's pixels in one counted loop, two pixels per iteration, whose indices are all linear in
 * the pixel (so C2 hoists every range check), per pixel 2 loads of gl, 9 broadcasts of x0..x2 and
 * 18 FMAs. The copies are done once per segment (gl) or per segment and channel (x0..x2) by the one
 * thread that uses them; the tiles read ahead the memory the next copies read (see {@link #tile}).
 *
 * <p>O up to {@link #SMALL_O} takes {@link #backwardWeightSmallO}, with vectors over pixels.
 *
 * <p>Order: gw(o, c, tap) = the sum, over the splits in order starting from the first split's, of
 * each split's partial; a split's partial = the sum, over its images in order and each image's
 * segments in order, starting from the first segment's, of each segment's FMA chain from +0 over
 * its pixels in order. Splits and segments depend on the shapes only, so the bits do not depend on
 * the thread count.
 */
final class ConvDirectBw {
    private ConvDirectBw() {}

    static final VectorSpecies<Float> S = ConvDirect.S;
    /**
     * Pixels per segment, about (an image's rows are cut into runs of equal length; one segment per
     * 28x28 image measured about 1.1x faster than three of 256 pixels, 2 threads).
     */
    static final int PIXELS = 1024;
    /**
     * Splits of the batch (at most B): parallel tasks, each with its own partial sums (C*Op*9 floats
     * to add at the end: with small images and many channels 8 splits measured slower than 4).
     */
    static final int SPLITS = 4;

    /** Images per split: B cut into min(B, SPLITS) runs of whole images (the last may be shorter); a function of B only. */
    static int imagesPerSplit(int B) {
        return (B + Math.min(B, SPLITS) - 1) / Math.min(B, SPLITS);
    }

    /** Per-thread scratch: the partial sums (caller), a segment's shifted x rows and transposed gy. */
    private static final class Scratch {
        float[] acc = new float[0], x0 = new float[0], x1 = new float[0], x2 = new float[0], gl = new float[0];
        int[] idx = new int[16];
        /** Sum of tile's read-ahead floats, kept so that the reads are not optimised away. */
        float sink;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Output channels up to which {@link #backwardWeightSmallO} runs instead: the main kernel's
     * vectors hold 16 output channels, so O = 1 (an image model's last conv) would fill 1 of 32
     * lanes.
     */
    static final int SMALL_O = 8;

    /** gw (O, C, 3, 3) from x (B, C, H, W) and gy (B, O, H, W); B >= 1. */
    static void backwardWeight(float[] x, float[] gy, float[] gw, int B, int C, int H, int W, int O) {
        if (O <= SMALL_O) {
            backwardWeightSmallO(x, gy, gw, B, C, H, W, O);
            return;
        }
        final int Op = ConvDirect.roundUp(O, 32), groups = Op / 32, per = groups * 9 * 32, accN = C * per, HW = H * W;
        final int perSplit = imagesPerSplit(B), splits = (B + perSplit - 1) / perSplit;
        // segments: an image's rows cut into runs of segRows rows (the last one may be shorter)
        final int nSeg = Math.max(1, Math.min(H, (HW + PIXELS / 2) / PIXELS)), segRows = (H + nSeg - 1) / nSeg;
        final int NX = (segRows + 2) * W;
        // floats of the next image's gy read ahead per tile call of groups 1.. (see tile)
        final int gShare = groups > 1 ? (O * HW + C * (groups - 1) - 1) / (C * (groups - 1)) : 0;
        // acc[s*accN + (c*groups + og)*288 + tap*32 + lane]: split s's partial of gw(og*32 + lane, c, tap)
        Scratch sc = SCRATCH.get();
        final float[] acc = sc.acc = ConvDirect.grow(sc.acc, splits * accN);
        Parallel.forRange(splits, 1, (lo, hi) -> {
            Scratch s = SCRATCH.get();
            float[] x0 = s.x0 = ConvDirect.grow(s.x0, NX), x1 = s.x1 = ConvDirect.grow(s.x1, NX), x2 = s.x2 = ConvDirect.grow(s.x2, NX);
            float[] gl = s.gl = ConvDirect.grow(s.gl, segRows * W * Op);
            for (int sp = lo; sp < hi; sp++)
                for (int b = sp * perSplit, bEnd = Math.min(B, b + perSplit); b < bEnd; b++)
                    for (int i0 = 0; i0 < H; i0 += segRows) {
                        int i1 = Math.min(H, i0 + segRows), npx = (i1 - i0) * W;
                        boolean first = b == sp * perSplit && i0 == 0;
                        transpose(gy, O, HW, b, i0 * W, npx, gl, s.idx);
                        for (int c = 0; c < C; c++) {
                            shiftedRows(x, (b * C + c) * HW, H, W, i0, i1, x0, x1, x2, c == 0);
                            // read ahead while the tiles run: group 0 the next plane of x (the next
                            // image's first after the last), groups 1.. a share of the next image's gy
                            int xn = (b * C + c + 1) * HW + i0 * W;
                            if (xn + npx > x.length) xn = (b * C + c) * HW + i0 * W;
                            for (int og = 0; og < groups; og++) {
                                float[] ahead = x;
                                int at = xn;
                                if (og > 0) {
                                    int g = (b + 1) * O * HW + (c * (groups - 1) + og - 1) * gShare;
                                    ahead = gy;
                                    at = b + 1 < B && g + npx <= (b + 2) * O * HW ? g : b * O * HW + i0 * W;
                                }
                                s.sink += tile(x0, x1, x2, W, gl, og * npx * 32, npx, acc, sp * accN + (c * groups + og) * 288, first,
                                        ahead, at);
                            }
                        }
                    }
        });
        reduce(acc, gw, C, O, groups, splits, accN);
    }

    /** gw from the splits' partials: acc[0] += acc[s] for s = 1.. in order, then gw from acc[0]; channels in parallel. */
    private static void reduce(float[] acc, float[] gw, int C, int O, int groups, int splits, int accN) {
        final int per = groups * 9 * 32;
        Parallel.forRange(C, Math.max(1, 4096 / per), (lo, hi) -> {
            for (int c = lo; c < hi; c++) {
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
        });
    }

    /** Output pixels (Ho*Wo) up to which {@link #backwardWeightStride2} takes an image whole. */
    static final int S2_MAX_PIXELS = 1536;

    /**
     * gw (O, C, 3, 3) from x (B, C, H, W) and gy (B, O, Ho, Wo) of the stride-2 pad-1 3x3
     * convolution, Ho = (H - 1)/2 + 1, Wo = (W - 1)/2 + 1, O > {@link #SMALL_O}, Ho*Wo <=
     * {@link #S2_MAX_PIXELS}: gw(o, c, p, q) = sum over b and output pixels (i, j) of gy(b, o, i, j)
     * x(b, c, 2i + p - 1, 2j + q - 1), zero outside the image. As {@link #backwardWeight} with one
     * segment per image, except that the copies of x are sub-sampled: xq[p*npx + m] = x(2i + p - 1,
     * 2j + q - 1) for the output pixel m = i*Wo + j (npx = Ho*Wo), so that {@link #tile} with row
     * stride npx reads tap (p, q) of pixel m at xq[p*npx + m]. Same order as {@link #backwardWeight}
     * (each image's FMA chain from +0, images in order per split, splits in order).
     */
    static void backwardWeightStride2(float[] x, float[] gy, float[] gw, int B, int C, int H, int W, int O) {
        final int Ho = (H - 1) / 2 + 1, Wo = (W - 1) / 2 + 1, npx = Ho * Wo, HW = H * W;
        final int Op = ConvDirect.roundUp(O, 32), groups = Op / 32, per = groups * 9 * 32, accN = C * per;
        final int perSplit = imagesPerSplit(B), splits = (B + perSplit - 1) / perSplit;
        Scratch sc = SCRATCH.get();
        final float[] acc = sc.acc = ConvDirect.grow(sc.acc, splits * accN);
        Parallel.forRange(splits, 1, (lo, hi) -> {
            Scratch s = SCRATCH.get();
            float[] x0 = s.x0 = ConvDirect.grow(s.x0, 3 * npx), x1 = s.x1 = ConvDirect.grow(s.x1, 3 * npx),
                    x2 = s.x2 = ConvDirect.grow(s.x2, 3 * npx);
            float[] gl = s.gl = ConvDirect.grow(s.gl, npx * Op);
            for (int sp = lo; sp < hi; sp++)
                for (int b = sp * perSplit, bEnd = Math.min(B, b + perSplit); b < bEnd; b++) {
                    boolean first = b == sp * perSplit;
                    transpose(gy, O, npx, b, 0, npx, gl, s.idx);
                    for (int c = 0; c < C; c++) {
                        int xo = (b * C + c) * HW;
                        subsampled(x, xo, H, W, Ho, Wo, x0, x1, x2);
                        // read ahead the next plane of x while the tiles run (see tile)
                        int xn = xo + HW + npx <= x.length ? xo + HW : xo;
                        for (int og = 0; og < groups; og++)
                            s.sink += tile(x0, x1, x2, npx, gl, og * npx * 32, npx, acc, sp * accN + (c * groups + og) * 288,
                                    first, x, xn);
                    }
                }
        });
        reduce(acc, gw, C, O, groups, splits, accN);
    }

    /**
     * xq[p*npx + i*Wo + j] = x(2i + p - 1, 2j + q - 1) of the plane at xo (zero outside the image)
     * for q = 0, 1, 2 (x0, x1, x2), p < 3, i < Ho, j < Wo. Rows p = 1, 2 are read from x (each row
     * of x once, its even and odd columns), row i of p = 0 is row i - 1 of p = 2 (a copy).
     */
    private static void subsampled(float[] x, int xo, int H, int W, int Ho, int Wo, float[] x0, float[] x1, float[] x2) {
        final int npx = Ho * Wo;
        final boolean lastOdd = 2 * Wo - 1 < W; // column 2*Wo - 1 (q = 2 of j = Wo - 1) is in the image
        for (int p = 1; p < 3; p++)
            for (int i = 0, d = p * npx; i < Ho; i++, d += Wo) {
                int r = 2 * i + p - 1;
                if (r >= H) { // p = 2, last row of an odd H
                    java.util.Arrays.fill(x0, d, d + Wo, 0f);
                    java.util.Arrays.fill(x1, d, d + Wo, 0f);
                    java.util.Arrays.fill(x2, d, d + Wo, 0f);
                    continue;
                }
                int src = xo + r * W;
                x0[d] = 0f; // column -1
                for (int j = 0; j < Wo - 1; j++) {
                    float o = x[src + 2 * j + 1];
                    x1[d + j] = x[src + 2 * j];
                    x2[d + j] = o;
                    x0[d + j + 1] = o;
                }
                x1[d + Wo - 1] = x[src + 2 * Wo - 2];
                x2[d + Wo - 1] = lastOdd ? x[src + 2 * Wo - 1] : 0f;
            }
        // p = 0: row -1 is zero, row i >= 1 is p = 2's row i - 1
        java.util.Arrays.fill(x0, 0, Wo, 0f);
        java.util.Arrays.fill(x1, 0, Wo, 0f);
        java.util.Arrays.fill(x2, 0, Wo, 0f);
        System.arraycopy(x0, 2 * npx, x0, Wo, npx - Wo);
        System.arraycopy(x1, 2 * npx, x1, Wo, npx - Wo);
        System.arraycopy(x2, 2 * npx, x2, Wo, npx - Wo);
    }

    /**
     * gw for O <= {@link #SMALL_O}, with vectors over pixels instead of output channels, reading x
     * in place. Substituting the pixel u = i + p - 1, v = j + q - 1 of x:
     * gw(o, c, p, q) = sum over b and x's pixels m = u*W + v of x(b, c, m) gy(b, o, u - p + 1, v - q + 1),
     * gy zero outside the image. Three copies of each gy plane, with a zero row above and below,
     * hold gq[(r + 1)*W + v] = gy(r, v - q + 1) (zero where that column is outside the row), so
     * that gy(u - p + 1, v - q + 1) = gq[m + (2 - p)*W]: linear in m. Lane l of a tap's accumulator
     * is the FMA chain from +0 over the images in order, each over m = l, l + 16, .. (the last
     * vector masked); gw is its 16 lanes added in lane order. Input channels run in parallel, each
     * (o, c) on one thread, so the bits depend on the shapes only.
     */
    static void backwardWeightSmallO(float[] x, float[] gy, float[] gw, int B, int C, int H, int W, int O) {
        final int HW = H * W, GP = (H + 2) * W;
        // gq[((b*O + o)*3 + q)*GP + ...], written once and read by every channel's task
        final float[] gq = new float[B * O * 3 * GP];
        for (int bo = 0; bo < B * O; bo++) {
            int src = bo * HW, g0 = bo * 3 * GP + W;
            System.arraycopy(gy, src + 1, gq, g0, HW - 1);          // q = 0: gy(r, v + 1)
            System.arraycopy(gy, src, gq, g0 + GP, HW);             // q = 1
            System.arraycopy(gy, src, gq, g0 + 2 * GP + 1, HW - 1); // q = 2: gy(r, v - 1)
            for (int d = 0; d < HW; d += W) {
                gq[g0 + d + W - 1] = 0f;      // q = 0, v = W - 1: column W
                gq[g0 + 2 * GP + d] = 0f;     // q = 2, v = 0: column -1
            }
        }
        Parallel.forRange(C, 1, (lo, hi) -> {
            float[] acc = new float[O * 9 * 16];
            for (int c = lo; c < hi; c++) {
                java.util.Arrays.fill(acc, 0f);
                for (int b = 0; b < B; b++)
                    for (int o = 0; o < O; o++) taps(x, (b * C + c) * HW, HW, gq, (b * O + o) * 3 * GP, GP, W, acc, o * 144);
                for (int o = 0; o < O; o++)
                    for (int tap = 0; tap < 9; tap++) {
                        float sum = 0f;
                        for (int l = 0, a = (o * 9 + tap) * 16; l < 16; l++) sum += acc[a + l];
                        gw[(o * C + c) * 9 + tap] = sum;
                    }
            }
        });
    }

    /**
     * acc[ab + (p*3 + q)*16 + l] += lane l of the FMA chain over m = 0, 16, .. (< n; the last vector
     * masked) of x[xo + m + l] gq[g + q*GP + (2 - p)*W + m + l] (one counted loop, every index linear in m).
     */
    private static void taps(float[] x, int xo, int n, float[] gq, int g, int GP, int W, float[] acc, int ab) {
        FloatVector t0 = FloatVector.fromArray(S, acc, ab), t1 = FloatVector.fromArray(S, acc, ab + 16),
                t2 = FloatVector.fromArray(S, acc, ab + 32), t3 = FloatVector.fromArray(S, acc, ab + 48),
                t4 = FloatVector.fromArray(S, acc, ab + 64), t5 = FloatVector.fromArray(S, acc, ab + 80),
                t6 = FloatVector.fromArray(S, acc, ab + 96), t7 = FloatVector.fromArray(S, acc, ab + 112),
                t8 = FloatVector.fromArray(S, acc, ab + 128);
        // gq offsets of tap (p, q): q*GP + (2 - p)*W
        final int o0 = g + 2 * W, o1 = o0 + GP, o2 = o1 + GP, o3 = g + W, o4 = o3 + GP, o5 = o4 + GP, o6 = g, o7 = g + GP, o8 = o7 + GP;
        final int n16 = n & ~15;
        for (int m = 0; m < n16; m += 16) {
            FloatVector v = FloatVector.fromArray(S, x, xo + m);
            t0 = v.fma(FloatVector.fromArray(S, gq, o0 + m), t0);
            t1 = v.fma(FloatVector.fromArray(S, gq, o1 + m), t1);
            t2 = v.fma(FloatVector.fromArray(S, gq, o2 + m), t2);
            t3 = v.fma(FloatVector.fromArray(S, gq, o3 + m), t3);
            t4 = v.fma(FloatVector.fromArray(S, gq, o4 + m), t4);
            t5 = v.fma(FloatVector.fromArray(S, gq, o5 + m), t5);
            t6 = v.fma(FloatVector.fromArray(S, gq, o6 + m), t6);
            t7 = v.fma(FloatVector.fromArray(S, gq, o7 + m), t7);
            t8 = v.fma(FloatVector.fromArray(S, gq, o8 + m), t8);
        }
        if (n16 < n) {
            VectorMask<Float> k = S.indexInRange(n16, n);
            int m = n16;
            FloatVector v = FloatVector.fromArray(S, x, xo + m, k);
            t0 = v.fma(FloatVector.fromArray(S, gq, o0 + m, k), t0);
            t1 = v.fma(FloatVector.fromArray(S, gq, o1 + m, k), t1);
            t2 = v.fma(FloatVector.fromArray(S, gq, o2 + m, k), t2);
            t3 = v.fma(FloatVector.fromArray(S, gq, o3 + m, k), t3);
            t4 = v.fma(FloatVector.fromArray(S, gq, o4 + m, k), t4);
            t5 = v.fma(FloatVector.fromArray(S, gq, o5 + m, k), t5);
            t6 = v.fma(FloatVector.fromArray(S, gq, o6 + m, k), t6);
            t7 = v.fma(FloatVector.fromArray(S, gq, o7 + m, k), t7);
            t8 = v.fma(FloatVector.fromArray(S, gq, o8 + m, k), t8);
        }
        t0.intoArray(acc, ab);
        t1.intoArray(acc, ab + 16);
        t2.intoArray(acc, ab + 32);
        t3.intoArray(acc, ab + 48);
        t4.intoArray(acc, ab + 64);
        t5.intoArray(acc, ab + 80);
        t6.intoArray(acc, ab + 96);
        t7.intoArray(acc, ab + 112);
        t8.intoArray(acc, ab + 128);
    }

    /**
     * xq[k*W + j] = x(i0 - 1 + k, j + q - 1) of the plane at xo, zero outside the image, for
     * k = 0..i1-i0+1 (the rows i0..i1-1 and one above and below) and q = 0..2 (x0, x1, x2): tap
     * (p, q) of the segment's pixel m = (i - i0)*W + j is xq[p*W + m]. The zero rows above and below
     * the image are written only when zeroRows (the copies never write them, so a segment's first
     * channel writes them for all).
     */
    private static void shiftedRows(float[] x, int xo, int H, int W, int i0, int i1, float[] x0, float[] x1, float[] x2,
                                    boolean zeroRows) {
        final int n = (i1 - i0 + 2) * W;                                // floats per shifted copy
        final int ra = Math.max(0, i0 - 1), rb = Math.min(H, i1 + 1); // image rows present
        final int d0 = (ra - (i0 - 1)) * W, len = (rb - ra) * W, src = xo + ra * W;
        if (zeroRows && i0 == 0) { // the row above the image
            java.util.Arrays.fill(x0, 0, W, 0f);
            java.util.Arrays.fill(x1, 0, W, 0f);
            java.util.Arrays.fill(x2, 0, W, 0f);
        }
        if (zeroRows && i1 == H) { // the row below the image
            java.util.Arrays.fill(x0, d0 + len, n, 0f);
            java.util.Arrays.fill(x1, d0 + len, n, 0f);
            java.util.Arrays.fill(x2, d0 + len, n, 0f);
        }
        System.arraycopy(x, src, x0, d0 + 1, len - 1); // x(., j - 1)
        System.arraycopy(x, src, x1, d0, len);
        System.arraycopy(x, src + 1, x2, d0, len - 1); // x(., j + 1)
        for (int d = d0; d < d0 + len; d += W) {
            x0[d] = 0f;         // j = 0
            x2[d + W - 1] = 0f; // j = W - 1
        }
    }

    /**
     * gl[(og*npx + m)*32 + v] = gy(b, og*32 + v, pix0 + m) for m < npx, and 0 for channels
     * og*32 + v >= O. With O % 16 == 0, 16 channels of 16 pixels are transposed in registers
     * ({@link #transpose16}) and the last npx mod 16 pixels gathered (16 channels of a pixel per
     * gather); otherwise each channel's run of pixels is read in order.
     */
    private static void transpose(float[] gy, int O, int HW, int b, int pix0, int npx, float[] gl, int[] idx) {
        final int src0 = b * O * HW + pix0, n16 = npx & ~15;
        if (O % 16 == 0) {
            for (int k = 0; k < 16; k++) idx[k] = k * HW;
            for (int o = 0; o < O; o += 16) {
                int d0 = ((o >> 5) * npx) * 32 + (o & 31), src = src0 + o * HW;
                for (int m = 0; m < n16; m += 16) transpose16(gy, src + m, HW, gl, d0 + m * 32);
                for (int m = n16, d = d0 + n16 * 32; m < npx; m++, d += 32)
                    FloatVector.fromArray(S, gy, src + m, idx, 0).intoArray(gl, d);
            }
        } else {
            for (int o = 0; o < O; o++)
                for (int m = 0, d = ((o >> 5) * npx) * 32 + (o & 31), src = src0 + o * HW; m < npx; m++, d += 32)
                    gl[d] = gy[src + m];
        }
        if (O % 32 != 0) { // the last group's channels O..
            int og = O >> 5, v0 = O & 31;
            for (int m = 0, d = (og * npx) * 32; m < npx; m++, d += 32) java.util.Arrays.fill(gl, d + v0, d + 32, 0f);
        }
    }

    /** Lane l swapped with lane l ^ d, for the stages d = 1, 2, 4, 8 of {@link #transpose16}. */
    private static final VectorShuffle<Float> P1 = VectorShuffle.fromOp(S, l -> l ^ 1), P2 = VectorShuffle.fromOp(S, l -> l ^ 2),
            P4 = VectorShuffle.fromOp(S, l -> l ^ 4), P8 = VectorShuffle.fromOp(S, l -> l ^ 8);
    /** The lanes l with l & d != 0, d = 1, 2, 4, 8. */
    private static final VectorMask<Float> M1 = VectorMask.fromLong(S, 0xAAAAL), M2 = VectorMask.fromLong(S, 0xCCCCL),
            M4 = VectorMask.fromLong(S, 0xF0F0L), M8 = VectorMask.fromLong(S, 0xFF00L);

    /**
     * dst[d + k*32 + v] = src[s + v*ld + k] for v, k < 16: a 16 x 16 block (16 rows ld apart)
     * transposed in registers, 16 loads and 16 stores (measured 1.4-1.6x faster than 16 gathers,
     * one thread, 32 x 784 and 64 x 196 planes; about half of its time is the stores to a plane
     * that does not fit L1). Stage d (8, 4, 2, 1) swaps, between the rows r
     * and r + d of each pair (r & d == 0), the lanes l & d != 0 of row r with the lanes l ^ d of
     * row r + d: a permute and a blend per row.
     */
    static void transpose16(float[] src, int s, int ld, float[] dst, int d) {
        FloatVector a0 = FloatVector.fromArray(S, src, s), a1 = FloatVector.fromArray(S, src, s + ld),
                a2 = FloatVector.fromArray(S, src, s + 2 * ld), a3 = FloatVector.fromArray(S, src, s + 3 * ld),
                a4 = FloatVector.fromArray(S, src, s + 4 * ld), a5 = FloatVector.fromArray(S, src, s + 5 * ld),
                a6 = FloatVector.fromArray(S, src, s + 6 * ld), a7 = FloatVector.fromArray(S, src, s + 7 * ld),
                a8 = FloatVector.fromArray(S, src, s + 8 * ld), a9 = FloatVector.fromArray(S, src, s + 9 * ld),
                a10 = FloatVector.fromArray(S, src, s + 10 * ld), a11 = FloatVector.fromArray(S, src, s + 11 * ld),
                a12 = FloatVector.fromArray(S, src, s + 12 * ld), a13 = FloatVector.fromArray(S, src, s + 13 * ld),
                a14 = FloatVector.fromArray(S, src, s + 14 * ld), a15 = FloatVector.fromArray(S, src, s + 15 * ld);
        FloatVector t;
        t = a0.blend(a1.rearrange(P1), M1); a1 = a0.rearrange(P1).blend(a1, M1); a0 = t;
        t = a2.blend(a3.rearrange(P1), M1); a3 = a2.rearrange(P1).blend(a3, M1); a2 = t;
        t = a4.blend(a5.rearrange(P1), M1); a5 = a4.rearrange(P1).blend(a5, M1); a4 = t;
        t = a6.blend(a7.rearrange(P1), M1); a7 = a6.rearrange(P1).blend(a7, M1); a6 = t;
        t = a8.blend(a9.rearrange(P1), M1); a9 = a8.rearrange(P1).blend(a9, M1); a8 = t;
        t = a10.blend(a11.rearrange(P1), M1); a11 = a10.rearrange(P1).blend(a11, M1); a10 = t;
        t = a12.blend(a13.rearrange(P1), M1); a13 = a12.rearrange(P1).blend(a13, M1); a12 = t;
        t = a14.blend(a15.rearrange(P1), M1); a15 = a14.rearrange(P1).blend(a15, M1); a14 = t;
        t = a0.blend(a2.rearrange(P2), M2); a2 = a0.rearrange(P2).blend(a2, M2); a0 = t;
        t = a1.blend(a3.rearrange(P2), M2); a3 = a1.rearrange(P2).blend(a3, M2); a1 = t;
        t = a4.blend(a6.rearrange(P2), M2); a6 = a4.rearrange(P2).blend(a6, M2); a4 = t;
        t = a5.blend(a7.rearrange(P2), M2); a7 = a5.rearrange(P2).blend(a7, M2); a5 = t;
        t = a8.blend(a10.rearrange(P2), M2); a10 = a8.rearrange(P2).blend(a10, M2); a8 = t;
        t = a9.blend(a11.rearrange(P2), M2); a11 = a9.rearrange(P2).blend(a11, M2); a9 = t;
        t = a12.blend(a14.rearrange(P2), M2); a14 = a12.rearrange(P2).blend(a14, M2); a12 = t;
        t = a13.blend(a15.rearrange(P2), M2); a15 = a13.rearrange(P2).blend(a15, M2); a13 = t;
        t = a0.blend(a4.rearrange(P4), M4); a4 = a0.rearrange(P4).blend(a4, M4); a0 = t;
        t = a1.blend(a5.rearrange(P4), M4); a5 = a1.rearrange(P4).blend(a5, M4); a1 = t;
        t = a2.blend(a6.rearrange(P4), M4); a6 = a2.rearrange(P4).blend(a6, M4); a2 = t;
        t = a3.blend(a7.rearrange(P4), M4); a7 = a3.rearrange(P4).blend(a7, M4); a3 = t;
        t = a8.blend(a12.rearrange(P4), M4); a12 = a8.rearrange(P4).blend(a12, M4); a8 = t;
        t = a9.blend(a13.rearrange(P4), M4); a13 = a9.rearrange(P4).blend(a13, M4); a9 = t;
        t = a10.blend(a14.rearrange(P4), M4); a14 = a10.rearrange(P4).blend(a14, M4); a10 = t;
        t = a11.blend(a15.rearrange(P4), M4); a15 = a11.rearrange(P4).blend(a15, M4); a11 = t;
        t = a0.blend(a8.rearrange(P8), M8); a8 = a0.rearrange(P8).blend(a8, M8); a0 = t;
        t = a1.blend(a9.rearrange(P8), M8); a9 = a1.rearrange(P8).blend(a9, M8); a1 = t;
        t = a2.blend(a10.rearrange(P8), M8); a10 = a2.rearrange(P8).blend(a10, M8); a2 = t;
        t = a3.blend(a11.rearrange(P8), M8); a11 = a3.rearrange(P8).blend(a11, M8); a3 = t;
        t = a4.blend(a12.rearrange(P8), M8); a12 = a4.rearrange(P8).blend(a12, M8); a4 = t;
        t = a5.blend(a13.rearrange(P8), M8); a13 = a5.rearrange(P8).blend(a13, M8); a5 = t;
        t = a6.blend(a14.rearrange(P8), M8); a14 = a6.rearrange(P8).blend(a14, M8); a6 = t;
        t = a7.blend(a15.rearrange(P8), M8); a15 = a7.rearrange(P8).blend(a15, M8); a7 = t;
        a0.intoArray(dst, d);
        a1.intoArray(dst, d + 32);
        a2.intoArray(dst, d + 64);
        a3.intoArray(dst, d + 96);
        a4.intoArray(dst, d + 128);
        a5.intoArray(dst, d + 160);
        a6.intoArray(dst, d + 192);
        a7.intoArray(dst, d + 224);
        a8.intoArray(dst, d + 256);
        a9.intoArray(dst, d + 288);
        a10.intoArray(dst, d + 320);
        a11.intoArray(dst, d + 352);
        a12.intoArray(dst, d + 384);
        a13.intoArray(dst, d + 416);
        a14.intoArray(dst, d + 448);
        a15.intoArray(dst, d + 480);
    }

    /**
     * acc[ab + tap*32 + v] (+)= the FMA chain from +0 over npx pixels m of xq[p*W + m] *
     * gl[gb + m*32 + v], v < 32, tap = p*3 + q, xq = x0, x1, x2 for q = 0, 1, 2 ({@link #shiftedRows});
     * stored when first, else added. Also reads ahead[at + m] for even m < npx - 1 and returns their
     * sum (unused): data the caller copies next (x's next plane, the next image's gy), fetched from
     * memory while the FMAs run instead of in the copies (measured ~1.05-1.1x faster; x and gy are
     * read once per call, from memory).
     */
    private static float tile(float[] x0, float[] x1, float[] x2, int W, float[] gl, int gb, int npx, float[] acc, int ab,
                              boolean first, float[] ahead, int at) {
        float sum = 0f;
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
        // one counted loop over the pixels, two per iteration (measured ~1.1x faster than one: the
        // loop's fixed cost, C2's register reloads and the branch, is shared; four per iteration
        // measured ~1.15x slower than one), every index linear in m (vector accumulators carried
        // across a nested loop get boxed, so the odd last pixel is straight-line code after it)
        final int W2 = 2 * W, npx2 = npx & ~1;
        FloatVector g0, g1, v;
        for (int m = 0; m < npx2; m += 2) {
            sum += ahead[at + m];
            g0 = FloatVector.fromArray(S, gl, gb + m * 32);
            g1 = FloatVector.fromArray(S, gl, gb + m * 32 + 16);
            v = FloatVector.broadcast(S, x0[m]);
            a0 = v.fma(g0, a0);
            e0 = v.fma(g1, e0);
            v = FloatVector.broadcast(S, x1[m]);
            a1 = v.fma(g0, a1);
            e1 = v.fma(g1, e1);
            v = FloatVector.broadcast(S, x2[m]);
            a2 = v.fma(g0, a2);
            e2 = v.fma(g1, e2);
            v = FloatVector.broadcast(S, x0[W + m]);
            a3 = v.fma(g0, a3);
            e3 = v.fma(g1, e3);
            v = FloatVector.broadcast(S, x1[W + m]);
            a4 = v.fma(g0, a4);
            e4 = v.fma(g1, e4);
            v = FloatVector.broadcast(S, x2[W + m]);
            a5 = v.fma(g0, a5);
            e5 = v.fma(g1, e5);
            v = FloatVector.broadcast(S, x0[W2 + m]);
            a6 = v.fma(g0, a6);
            e6 = v.fma(g1, e6);
            v = FloatVector.broadcast(S, x1[W2 + m]);
            a7 = v.fma(g0, a7);
            e7 = v.fma(g1, e7);
            v = FloatVector.broadcast(S, x2[W2 + m]);
            a8 = v.fma(g0, a8);
            e8 = v.fma(g1, e8);
            int n = m + 1;
            g0 = FloatVector.fromArray(S, gl, gb + n * 32);
            g1 = FloatVector.fromArray(S, gl, gb + n * 32 + 16);
            v = FloatVector.broadcast(S, x0[n]);
            a0 = v.fma(g0, a0);
            e0 = v.fma(g1, e0);
            v = FloatVector.broadcast(S, x1[n]);
            a1 = v.fma(g0, a1);
            e1 = v.fma(g1, e1);
            v = FloatVector.broadcast(S, x2[n]);
            a2 = v.fma(g0, a2);
            e2 = v.fma(g1, e2);
            v = FloatVector.broadcast(S, x0[W + n]);
            a3 = v.fma(g0, a3);
            e3 = v.fma(g1, e3);
            v = FloatVector.broadcast(S, x1[W + n]);
            a4 = v.fma(g0, a4);
            e4 = v.fma(g1, e4);
            v = FloatVector.broadcast(S, x2[W + n]);
            a5 = v.fma(g0, a5);
            e5 = v.fma(g1, e5);
            v = FloatVector.broadcast(S, x0[W2 + n]);
            a6 = v.fma(g0, a6);
            e6 = v.fma(g1, e6);
            v = FloatVector.broadcast(S, x1[W2 + n]);
            a7 = v.fma(g0, a7);
            e7 = v.fma(g1, e7);
            v = FloatVector.broadcast(S, x2[W2 + n]);
            a8 = v.fma(g0, a8);
            e8 = v.fma(g1, e8);
        }
        if (npx2 < npx) {
            int m = npx2;
            g0 = FloatVector.fromArray(S, gl, gb + m * 32);
            g1 = FloatVector.fromArray(S, gl, gb + m * 32 + 16);
            v = FloatVector.broadcast(S, x0[m]);
            a0 = v.fma(g0, a0);
            e0 = v.fma(g1, e0);
            v = FloatVector.broadcast(S, x1[m]);
            a1 = v.fma(g0, a1);
            e1 = v.fma(g1, e1);
            v = FloatVector.broadcast(S, x2[m]);
            a2 = v.fma(g0, a2);
            e2 = v.fma(g1, e2);
            v = FloatVector.broadcast(S, x0[W + m]);
            a3 = v.fma(g0, a3);
            e3 = v.fma(g1, e3);
            v = FloatVector.broadcast(S, x1[W + m]);
            a4 = v.fma(g0, a4);
            e4 = v.fma(g1, e4);
            v = FloatVector.broadcast(S, x2[W + m]);
            a5 = v.fma(g0, a5);
            e5 = v.fma(g1, e5);
            v = FloatVector.broadcast(S, x0[W2 + m]);
            a6 = v.fma(g0, a6);
            e6 = v.fma(g1, e6);
            v = FloatVector.broadcast(S, x1[W2 + m]);
            a7 = v.fma(g0, a7);
            e7 = v.fma(g1, e7);
            v = FloatVector.broadcast(S, x2[W2 + m]);
            a8 = v.fma(g0, a8);
            e8 = v.fma(g1, e8);
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
            return sum;
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
        return sum;
    }
}
