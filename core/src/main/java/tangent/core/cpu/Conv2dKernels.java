package tangent.core.cpu;

/**
 * 2-D convolution loops on compact NCHW arrays (offset 0, no padding between rows).
 * x: (B, C, H, W), w: (O, C, kh, kw), y: (B, O, Ho, Wo) with Ho = (H + 2 pad - kh) / stride + 1.
 * y[b,o,i,j] = sum_{c,p,q} w[o,c,p,q] * x[b, c, i*stride + p - pad, j*stride + q - pad]
 * (zero outside the image). Outputs are overwritten, never accumulated into.
 *
 * <p>This first version lowers to im2col + GEMM, one image at a time.
 */
public final class Conv2dKernels {
    private Conv2dKernels() {}

    public static int outSize(int in, int k, int stride, int pad) {
        return (in + 2 * pad - k) / stride + 1;
    }

    /** cols: (C*kh*kw, Ho*Wo) for image b. */
    private static void im2col(float[] x, int xOff, int C, int H, int W, int kh, int kw, int stride, int pad,
                               int Ho, int Wo, float[] cols) {
        int L = Ho * Wo;
        for (int c = 0; c < C; c++)
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++) {
                    int row = ((c * kh + p) * kw + q) * L;
                    for (int i = 0; i < Ho; i++) {
                        int hi = i * stride + p - pad;
                        for (int j = 0; j < Wo; j++) {
                            int wj = j * stride + q - pad;
                            cols[row + i * Wo + j] = (hi < 0 || hi >= H || wj < 0 || wj >= W) ? 0f
                                    : x[xOff + (c * H + hi) * W + wj];
                        }
                    }
                }
    }

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

    /** Adds cols (C*kh*kw, Ho*Wo) back into image gx (C, H, W). */
    private static void col2im(float[] cols, int C, int H, int W, int kh, int kw, int stride, int pad,
                               int Ho, int Wo, float[] gx, int gxOff) {
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

    public static void forward(float[] x, float[] w, float[] y, int B, int C, int H, int W,
                               int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        float[] cols = new float[CK * L];
        for (int b = 0; b < B; b++) {
            im2col(x, b * C * H * W, C, H, W, kh, kw, stride, pad, Ho, Wo, cols);
            // y[b] (O x L) = w (O x CK) * cols (CK x L)
            Gemm.sgemm(1, false, false, O, L, CK, w, 0, 0, CK, cols, 0, 0, L, y, b * O * L, 0, L, false);
        }
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

    /** gx (B, C, H, W) = transposed convolution of gy (B, O, Ho, Wo) with w. */
    public static void backwardInput(float[] gy, float[] w, float[] gx, int B, int C, int H, int W,
                                     int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        float[] cols = new float[CK * L];
        java.util.Arrays.fill(gx, 0, B * C * H * W, 0f);
        for (int b = 0; b < B; b++) {
            // cols (CK x L) = w^T (CK x O) * gy[b] (O x L)
            Gemm.sgemm(1, true, false, CK, L, O, w, 0, 0, CK, gy, b * O * L, 0, L, cols, 0, 0, L, false);
            col2im(cols, C, H, W, kh, kw, stride, pad, Ho, Wo, gx, b * C * H * W);
        }
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

    /** gw (O, C, kh, kw) = sum_b gy[b] (O x L) * cols[b]^T (L x CK). */
    public static void backwardWeight(float[] x, float[] gy, float[] gw, int B, int C, int H, int W,
                                      int O, int kh, int kw, int stride, int pad) {
        int Ho = outSize(H, kh, stride, pad), Wo = outSize(W, kw, stride, pad), L = Ho * Wo, CK = C * kh * kw;
        float[] cols = new float[CK * L];
        java.util.Arrays.fill(gw, 0, O * CK, 0f);
        for (int b = 0; b < B; b++) {
            im2col(x, b * C * H * W, C, H, W, kh, kw, stride, pad, Ho, Wo, cols);
            Gemm.sgemm(1, false, true, O, CK, L, gy, b * O * L, 0, L, cols, 0, 0, L, gw, 0, 0, CK, true);
        }
    }

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
