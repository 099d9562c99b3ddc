package tangent.core.cpu;

/**
 * 2-D convolution loops on compact NCHW arrays (offset 0, no padding between rows).
 * x: (B, C, H, W), w: (O, C, kh, kw), y: (B, O, Ho, Wo) with Ho = (H + 2 pad - kh) / stride + 1.
 * y[b,o,i,j] = sum_{c,p,q} w[o,c,p,q] * x[b, c, i*stride + p - pad, j*stride + q - pad]
 * (zero outside the image). Outputs are overwritten, never accumulated into.
 *
 * <p>Lowered to im2col + GEMM per image ({@link Gemm}); 1x1 stride-1 unpadded kernels skip im2col.
 * On the Vector API path, float32 3x3 stride-1 pad-1 convolutions run as direct kernels instead
 * ({@link ConvDirect}, backward-weight {@link ConvDirectBw}; forward bits equal the GEMM lowering's),
 * as does the backward-weight of 3x3 stride-2 pad-1 ones ({@link ConvDirectBw#backwardWeightStride2}),
 * and float32 1x1 stride-1 unpadded ones as {@link ConvPointwise} kernels (forward bits equal the
 * GEMM lowering's; backward-weight for weights of at most {@link #POINTWISE_BWW_MAX_WEIGHTS}).
 * float32 paths run in parallel over images (backwardWeight over fixed batch chunks reduced in a
 * fixed order); results are bit-identical for any thread count. float64 paths are the plain
 * sequential lowering, kept for gradient checks.
 */
public final class Conv2dKernels {
    private Conv2dKernels() {}

    public static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    /** cols: (C*kh*kw, Ho*Wo) for image b (float64 path). */
    private static void im2col(double[] x, int xOff, int C, int H, int W, int kh, int kw, int stride, int pad,
                               int Ho, int Wo, double[] cols) {
        int L = Ho * Wo;
        for (int c = 0; c < C; c++)
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++) {
                    int row = ((c * kh + p) * kw + q) * L;
                    for (int i = 0; i < Ho; i++) {
                        int hi = i * stride + p - pad;
                        for (int j = 0; j < Wo; j++) {
                            int wj = j * stride + q - pad;
                            cols[row + i * Wo + j] = (hi < 0 || hi >= H || wj < 0 || wj >= W) ? 0d
                                    : x[xOff + (c * H + hi) * W + wj];
                        }
                    }
                }
    }

    /** Adds cols (C*kh*kw, Ho*Wo) back into image gx (C, H, W) (float64 path). */
    private static void col2im(double[] cols, int C, int H, int W, int kh, int kw, int stride, int pad,
                               int Ho, int Wo, double[] gx, int gxOff) {
        int L = Ho * Wo;
        for (int c = 0; c < C; c++)
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++) {
                    int row = ((c * kh + p) * kw + q) * L;
                    for (int i = 0; i < Ho; i++) {
                        int hi = i * stride + p - pad;
                        if (hi < 0 || hi >= H) continue;
                        for (int j = 0; j < Wo; j++) {
                            int wj = j * stride + q - pad;
                            if (wj < 0 || wj >= W) continue;
                            gx[gxOff + (c * H + hi) * W + wj] += cols[row + i * Wo + j];
                        }
                    }
                }
    }

    /** Fast im2col for one image: cols (C*kh*kw, Ho*Wo), rows filled with copies of the valid span. */
    private static void im2colFast(float[] x, int xOff, int C, int H, int W, int kh, int kw, int stride, int pad,
                                   int Ho, int Wo, float[] cols) {
        int L = Ho * Wo;
        for (int c = 0; c < C; c++)
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++) {
                    int row = ((c * kh + p) * kw + q) * L;
                    int jlo = firstValid(q, pad, stride), jhi = endValid(q, pad, stride, W, Wo);
                    for (int i = 0; i < Ho; i++) {
                        int hi = i * stride + p - pad, o = row + i * Wo;
                        if (hi < 0 || hi >= H || jlo >= jhi) {
                            java.util.Arrays.fill(cols, o, o + Wo, 0f);
                            continue;
                        }
                        for (int j = 0; j < jlo; j++) cols[o + j] = 0f;
                        int src = xOff + (c * H + hi) * W + jlo * stride + q - pad;
                        if (stride == 1) {
                            System.arraycopy(x, src, cols, o + jlo, jhi - jlo);
                        } else {
                            for (int j = jlo; j < jhi; j++, src += stride) cols[o + j] = x[src];
                        }
                        for (int j = jhi; j < Wo; j++) cols[o + j] = 0f;
                    }
                }
    }

    /** Fast col2im: adds cols (C*kh*kw, Ho*Wo) into image gx (C, H, W), same order as the plain loop. */
    private static void col2imFast(float[] cols, int colsOff, int C, int H, int W, int kh, int kw, int stride, int pad,
                                   int Ho, int Wo, float[] gx, int gxOff) {
        int L = Ho * Wo;
        for (int c = 0; c < C; c++)
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++) {
                    int row = colsOff + ((c * kh + p) * kw + q) * L;
                    int jlo = firstValid(q, pad, stride), jhi = endValid(q, pad, stride, W, Wo);
                    if (jlo >= jhi) continue;
                    for (int i = 0; i < Ho; i++) {
                        int hi = i * stride + p - pad;
                        if (hi < 0 || hi >= H) continue;
                        int o = row + i * Wo;
                        int dst = gxOff + (c * H + hi) * W + jlo * stride + q - pad;
                        if (stride == 1) {
                            addInto(gx, dst, cols, o + jlo, jhi - jlo);
                        } else {
                            for (int j = jlo; j < jhi; j++, dst += stride) gx[dst] += cols[o + j];
                        }
                    }
                }
    }

    /**
     * {@link #col2imFast} for stride 1 and Wo == W (e.g. 3x3 pad 1): output pixel l = i*W + j of cols
     * row (c, p, q) adds into gx plane c at l + (p - pad)*W + (q - pad), so a row's valid output rows
     * are one contiguous, vectorisable add. The row's out-of-image columns (j + q - pad outside
     * [0, W)) are first set to +0 in cols; the add then also passes over them, landing on the edge
     * of a neighbouring row or plane of the same image (never outside it: the range is clipped to the
     * image) and changing nothing there, because every gx sum starts at +0 and so is never -0, and
     * s + (+0) == s bit for bit. Each gx element receives its terms in the (c, p, q) order of
     * col2imFast: identical results. Overwrites the out-of-image entries of cols.
     */
    private static void col2imSameWidth(float[] cols, int colsOff, int C, int H, int W, int kh, int kw, int pad,
                                        int Ho, float[] gx, int gxOff) {
        int L = Ho * W, plane = H * W, img = C * plane;
        for (int c = 0; c < C; c++)
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++) {
                    int row = colsOff + ((c * kh + p) * kw + q) * L;
                    int dp = p - pad, dq = q - pad;
                    int jlo = Math.max(0, -dq), jhi = Math.min(W, W - dq); // valid output columns
                    int ilo = Math.max(0, -dp), ihi = Math.min(Ho, H - dp); // valid output rows
                    if (jlo >= jhi || ilo >= ihi) continue;
                    if (jlo > 0 || jhi < W) {
                        for (int i = ilo; i < ihi; i++) {
                            int o = row + i * W;
                            for (int j = 0; j < jlo; j++) cols[o + j] = 0f;
                            for (int j = jhi; j < W; j++) cols[o + j] = 0f;
                        }
                    }
                    // gx index (relative to the image) of output pixel l: c*plane + dp*W + dq + l
                    int rel = c * plane + dp * W + dq;
                    int la = Math.max(ilo * W, -rel), lb = Math.min(ihi * W, img - rel);
                    if (la < lb) addInto(gx, gxOff + rel + la, cols, row + la, lb - la);
                }
    }

    /** dst[d + t] += src[s + t] for t < n (Vector API when available; the same float adds either way). */
    private static void addInto(float[] dst, int d, float[] src, int s, int n) {
        if (GemmF32.simd) {
            ConvSimd.addInto(dst, d, src, s, n);
            return;
        }
        for (int t = 0; t < n; t++) dst[d + t] += src[s + t];
    }

    /** First output column j with j*stride + q - pad >= 0. */
    private static int firstValid(int q, int pad, int stride) {
        int d = pad - q;
        return d <= 0 ? 0 : (d + stride - 1) / stride;
    }

    /** One past the last output column j with j*stride + q - pad < W (clamped to [0, Wo]). */
    private static int endValid(int q, int pad, int stride, int W, int Wo) {
        int lim = W - 1 + pad - q; // need j*stride <= lim
        if (lim < 0) return 0;
        return Math.min(Wo, lim / stride + 1);
    }

    private static final ThreadLocal<float[][]> COLS = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Per-thread scratch of at least n floats (contents undefined). */
    private static float[] scratch(int n) {
        float[][] h = COLS.get();
        if (h[0].length < n) h[0] = new float[n];
        return h[0];
    }

    /**
     * Whether float32 3x3 stride-1 pad-1 convolutions run as direct kernels ({@link ConvDirect})
     * instead of im2col + GEMM: on the Vector API path with 16-lane vectors, while one padded
     * batch (B*(H+1)*(W+1) floats per channel, up to {@link #DIRECT_MAX_FLOATS} over all channels)
     * keeps the per-thread scratch moderate. Tests may flip it (only while no convolution runs).
     */
    static volatile boolean directEnabled = !"false".equalsIgnoreCase(System.getProperty("tangent.conv.direct", "true"));

    private static boolean direct(int B, int C, int H, int W, int O, int kh, int kw, int stride, int pad) {
        return directEnabled && GemmF32.simd && B > 0 && kh == 3 && kw == 3 && stride == 1 && pad == 1
                && (long) B * Math.max(C, O) * (H + 1) * (W + 1) <= DIRECT_MAX_FLOATS && ConvDirect.USABLE;
    }

    /**
     * The direct stride-2 3x3 backward-weight ({@link ConvDirectBw#backwardWeightStride2}): O above
     * ConvDirectBw.SMALL_O, images of at most ConvDirectBw.S2_MAX_PIXELS output pixels.
     */
    private static boolean directStride2(int B, int C, int H, int W, int O, int kh, int kw, int stride, int pad) {
        return directEnabled && GemmF32.simd && B > 0 && C > 0 && kh == 3 && kw == 3 && stride == 2 && pad == 1
                && O > ConvDirectBw.SMALL_O && (long) outSize(H, 3, 2, 1) * outSize(W, 3, 2, 1) <= ConvDirectBw.S2_MAX_PIXELS
                && (long) B * Math.max(C, O) * H * W <= DIRECT_MAX_FLOATS && ConvDirect.USABLE;
    }

    /** Largest padded batch (floats, all channels) the direct kernels take: 64 MiB per scratch buffer. */
    static final long DIRECT_MAX_FLOATS = 1L << 24;

    private static boolean pointwise(int kh, int kw, int stride, int pad) {
        return kh == 1 && kw == 1 && stride == 1 && pad == 0;
    }

    /**
     * Whether float32 1x1 stride-1 unpadded convolutions run as {@link ConvPointwise} kernels
     * instead of the GEMM panels: on the Vector API path with 16-lane
     * vectors. Tests and benchmarks may flip it (only while no convolution runs).
     */
    static volatile boolean pointwiseEnabled =
            !"false".equalsIgnoreCase(System.getProperty("tangent.conv.pointwise", "true"));

    /**
     * Whether backward-weight too runs as a {@link ConvPointwise} kernel (when pointwiseEnabled and
     * O*C <= {@link #POINTWISE_BWW_MAX_WEIGHTS}). Benchmarks may flip it.
     */
    static volatile boolean pointwiseBwW =
            !"false".equalsIgnoreCase(System.getProperty("tangent.conv.pointwise.bww", "true"));

    /**
     * Largest weight (O*C) the pointwise backward-weight takes: its partials hold 16 lanes per
     * weight and split (2 x 64 B per weight, 8 MB at this bound); larger layers stay on the GEMM.
     */
    static final int POINTWISE_BWW_MAX_WEIGHTS = 1 << 16;

    private static boolean pointwiseDirect(int B, int C, int H, int W, int O, int kh, int kw, int stride, int pad) {
        return pointwiseEnabled && GemmF32.simd && pointwise(kh, kw, stride, pad) && B > 0 && C > 0 && O > 0
                && (long) B * H * W > 0 && (long) B * Math.max(C, O) * H * W <= Integer.MAX_VALUE
                && ConvDirect.USABLE;
    }

    /**
     * float32: large images are processed in parallel (one image per task, its GEMM single-threaded
     * inside the worker); small images (several per {@link GemmF32#NC} columns) run as one GEMM over
     * the whole batch whose column tiles (im2col generated per tile) run in parallel; with a single
     * image the GEMM itself runs in parallel. Each output element is computed by exactly one tile
     * with the same K order, so results do not depend on the thread count or the batch size.
     */
    public static void forward(float[] x, float[] w, float[] y, int B, int C, int H, int W,
                               int O, int kh, int kw, int stride, int pad) {
        if (direct(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvDirect.forward(x, w, y, B, C, H, W, O);
            return;
        }
        if (pointwiseDirect(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvPointwise.forward(x, w, y, B, C, H * W, O);
            return;
        }
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        boolean pw = pointwise(kh, kw, stride, pad);
        int g = imagesPerGroup(L, B), groups = (B + g - 1) / g;
        if (g == 1 && !pw) {
            // Large images: materialised im2col per image measured slightly faster than the fused panel.
            Parallel.forRange(B, 1, (lo, hi) -> {
                float[] cols = scratch(CK * L);
                for (int b = lo; b < hi; b++) {
                    im2colFast(x, b * C * H * W, C, H, W, kh, kw, stride, pad, Ho, Wo, cols);
                    Gemm.sgemm(1, false, false, O, L, CK, w, 0, 0, CK, cols, 0, 0, L, y, b * O * L, 0, L, false);
                }
            });
            return;
        }
        if (g > 1 && !pw) {
            // Small images: one GEMM over the whole batch, y viewed as O x (B*L), B = im2col(x)
            // generated per column tile; tiles of whole 2-vector strips (see GemmF32.gemmPanel)
            // run in parallel, so no image-group width leaves a 1-vector tail strip.
            GemmF32.Panel panel = ConvPack.im2col(x, 0, C, H, W, kh, kw, stride, pad, Ho, Wo);
            GemmF32.gemmPanel(Math.min(O, 256), O, B * L, CK, w, 0, CK, 1, panel, y, 0, L, L, O * L, false);
            return;
        }
        Parallel.forRange(groups, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int b0 = t * g, n = Math.min(g, B - b0);
                // y[b0..b0+n) viewed as O x (n*L): y (O x nL) = w (O x CK) * im2col(x[b0..]) (CK x nL)
                GemmF32.Panel panel = pw ? ConvPack.segmented(x, b0 * C * H * W, L, C * L)
                        : ConvPack.im2col(x, b0 * C * H * W, C, H, W, kh, kw, stride, pad, Ho, Wo);
                GemmF32.gemmPanel(Math.min(O, 256), O, n * L, CK, w, 0, CK, 1, panel,
                        y, b0 * O * L, L, L, O * L, false);
            }
        });
    }

    /**
     * Whether {@link #forwardDual} has a fused path for these shapes (float32 3x3 stride-1 pad-1 on
     * the direct kernels); otherwise the caller runs the two forwards and adds the bias.
     */
    static boolean fusedDual(int B, int C, int H, int W, int O, int kh, int kw, int stride, int pad) {
        return direct(B, C, H, W, O, kh, kw, stride, pad);
    }

    /**
     * y (B, O, H, W) = conv(x, w) + bias (per output channel; none when bias is null) and
     * dy = conv(dx, w), in one pass ({@link ConvDirect#forwardDual}); only where {@link #fusedDual}.
     * The same bits as {@link #forward} on each input and the bias added after.
     */
    static void forwardDual(float[] x, float[] dx, float[] w, float[] bias, float[] y, float[] dy, int B, int C,
                            int H, int W, int O) {
        ConvDirect.forwardDual(x, dx, w, bias, y, dy, B, C, H, W, O);
    }

    /** Images per GEMM so that the column count n*L is about GemmF32.NC (depends on shapes only). */
    private static int imagesPerGroup(int L, int B) {
        return Math.max(1, Math.min(B, GemmF32.NC / Math.max(1, L)));
    }

    public static void forward(double[] x, double[] w, double[] y, int B, int C, int H, int W,
                               int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        double[] cols = new double[CK * L];
        for (int b = 0; b < B; b++) {
            im2col(x, b * C * H * W, C, H, W, kh, kw, stride, pad, Ho, Wo, cols);
            Gemm.dgemm(1, false, false, O, L, CK, w, 0, 0, CK, cols, 0, 0, L, y, b * O * L, 0, L, false);
        }
    }

    /** gx (B, C, H, W) = transposed convolution of gy (B, O, Ho, Wo) with w. Parallel over images. */
    public static void backwardInput(float[] gy, float[] w, float[] gx, int B, int C, int H, int W,
                                     int O, int kh, int kw, int stride, int pad) {
        if (direct(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvDirect.backwardInput(gy, w, gx, B, C, H, W, O);
            return;
        }
        if (pointwiseDirect(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvPointwise.backwardInput(gy, w, gx, B, C, H * W, O);
            return;
        }
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        boolean pw = pointwise(kh, kw, stride, pad);
        int g = imagesPerGroup(L, B), groups = (B + g - 1) / g;
        Parallel.forRange(groups, 1, (lo, hi) -> {
            float[] cols = pw ? null : scratch(g * CK * L);
            for (int t = lo; t < hi; t++) {
                int b0 = t * g, n = Math.min(g, B - b0);
                GemmF32.Panel panel = ConvPack.segmented(gy, b0 * O * L, L, O * L);
                if (pw) {
                    // gx[b] (C x L) = w^T (C x O) * gy[b] (O x L), images side by side
                    GemmF32.gemmPanel(64, CK, n * L, O, w, 0, 1, CK, panel, gx, b0 * C * H * W, L, L, C * L, false);
                } else {
                    // cols[img] (CK x L) = w^T (CK x O) * gy[img] (O x L)
                    GemmF32.gemmPanel(64, CK, n * L, O, w, 0, 1, CK, panel, cols, 0, L, L, CK * L, false);
                    for (int i = 0; i < n; i++) {
                        int gxo = (b0 + i) * C * H * W;
                        java.util.Arrays.fill(gx, gxo, gxo + C * H * W, 0f);
                        if (stride == 1 && Wo == W) {
                            col2imSameWidth(cols, i * CK * L, C, H, W, kh, kw, pad, Ho, gx, gxo);
                        } else {
                            col2imFast(cols, i * CK * L, C, H, W, kh, kw, stride, pad, Ho, Wo, gx, gxo);
                        }
                    }
                }
            }
        });
    }

    public static void backwardInput(double[] gy, double[] w, double[] gx, int B, int C, int H, int W,
                                     int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        double[] cols = new double[CK * L];
        java.util.Arrays.fill(gx, 0, B * C * H * W, 0d);
        for (int b = 0; b < B; b++) {
            Gemm.dgemm(1, true, false, CK, L, O, w, 0, 0, CK, gy, b * O * L, 0, L, cols, 0, 0, L, false);
            col2im(cols, C, H, W, kh, kw, stride, pad, Ho, Wo, gx, b * C * H * W);
        }
    }

    /**
     * gw (O, C, kh, kw) = sum_b gy[b] (O x L) * cols[b]^T (L x CK).
     *
     * <p>float32: the batch is cut into fixed chunks whose size depends on B only (never on the thread
     * count). Chunks run in parallel, each summing its images in order into its own partial buffer;
     * the partials are then added in chunk order.
     */
    public static void backwardWeight(float[] x, float[] gy, float[] gw, int B, int C, int H, int W,
                                      int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        int n = O * CK;
        if (B <= 0) {
            java.util.Arrays.fill(gw, 0, n, 0f);
            return;
        }
        if (direct(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvDirectBw.backwardWeight(x, gy, gw, B, C, H, W, O);
            return;
        }
        if (directStride2(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvDirectBw.backwardWeightStride2(x, gy, gw, B, C, H, W, O);
            return;
        }
        if (pointwiseBwW && (long) O * C <= POINTWISE_BWW_MAX_WEIGHTS && pointwiseDirect(B, C, H, W, O, kh, kw, stride, pad)) {
            ConvPointwise.backwardWeight(x, gy, gw, B, C, H * W, O);
            return;
        }
        boolean pw = pointwise(kh, kw, stride, pad);
        int chunk = Math.max(BW_CHUNK, (B + BW_MAX_CHUNKS - 1) / BW_MAX_CHUNKS);
        int nChunks = (B + chunk - 1) / chunk;
        float[][] part = new float[nChunks][];
        Parallel.forRange(nChunks, 1, (lo, hi) -> {
            float[] cols = pw ? null : scratch(CK * L);
            for (int ch = lo; ch < hi; ch++) {
                float[] acc = nChunks == 1 ? gw : new float[n];
                for (int b = ch * chunk, e = Math.min(B, b + chunk), first = b; b < e; b++) {
                    int xo = b * C * H * W;
                    float[] src = x;
                    if (!pw) {
                        im2colFast(x, xo, C, H, W, kh, kw, stride, pad, Ho, Wo, cols);
                        src = cols;
                        xo = 0;
                    }
                    // acc (O x CK) (+)= gy[b] (O x L) * cols^T (L x CK)
                    Gemm.sgemm(1, false, true, O, CK, L, gy, b * O * L, 0, L, src, xo, 0, L, acc, 0, 0, CK, b != first);
                }
                part[ch] = acc;
            }
        });
        if (nChunks == 1) return;
        Parallel.forRange(n, 8192, (lo, hi) -> {
            System.arraycopy(part[0], lo, gw, lo, hi - lo);
            for (int ch = 1; ch < nChunks; ch++) {
                float[] p = part[ch];
                for (int i = lo; i < hi; i++) gw[i] += p[i];
            }
        });
    }

    /** Minimum images per backwardWeight chunk. */
    private static final int BW_CHUNK = 4;
    /** Upper bound on the number of backwardWeight chunks (bounds partial-buffer memory). */
    private static final int BW_MAX_CHUNKS = 16;

    public static void backwardWeight(double[] x, double[] gy, double[] gw, int B, int C, int H, int W,
                                      int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        double[] cols = new double[CK * L];
        java.util.Arrays.fill(gw, 0, O * CK, 0d);
        for (int b = 0; b < B; b++) {
            im2col(x, b * C * H * W, C, H, W, kh, kw, stride, pad, Ho, Wo, cols);
            Gemm.dgemm(1, false, true, O, CK, L, gy, b * O * L, 0, L, cols, 0, 0, L, gw, 0, 0, CK, true);
        }
    }
}
