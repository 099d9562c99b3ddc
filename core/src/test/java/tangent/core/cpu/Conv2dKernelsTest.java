package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static tangent.core.cpu.GemmTest.bothPaths;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link Conv2dKernels} (float32 and float64) against a direct float64 convolution.
 *
 * <p>Tolerance per element: |got - ref| <= 2 * (n + 2) * u * sum |terms|, with n the number of
 * summed terms and u = 2^-24 (float32) or 2^-53 (float64). Outputs are pre-filled with NaN to check
 * that every element is overwritten. float32 checks run on both GEMM kernel paths (pure Java and, when
 * available, Vector API; see {@link GemmTest#bothPaths}).
 */
class Conv2dKernelsTest {

    static double[] rand(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    static float[] toF(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    static float[] nanF(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, Float.NaN);
        return f;
    }

    static double[] nanD(int n) {
        double[] f = new double[n];
        java.util.Arrays.fill(f, Double.NaN);
        return f;
    }

    static void cmp(String what, double[] ref, double[] abs, int terms, float[] gotF, double[] gotD) {
        for (int i = 0; i < ref.length; i++) {
            double tolF = 2.0 * (terms + 2) * 0x1p-24 * abs[i] + 1e-30;
            double tolD = 2.0 * (terms + 2) * 0x1p-53 * abs[i] + 1e-300;
            if (!(Math.abs(gotF[i] - ref[i]) <= tolF) || !(Math.abs(gotD[i] - ref[i]) <= tolD))
                fail(GemmTest.path() + what + " at " + i + ": ref " + ref[i] + " f32 " + gotF[i] + " f64 " + gotD[i]);
        }
    }

    static void check(Random r, int B, int C, int H, int W, int O, int kh, int kw, int s, int pad) {
        String tag = String.format("B=%d C=%d H=%d W=%d O=%d k=%dx%d s=%d p=%d", B, C, H, W, O, kh, kw, s, pad);
        int Ho = Conv2dKernels.outSize(H, kh, s, pad), Wo = Conv2dKernels.outSize(W, kw, s, pad);
        double[] x = rand(r, B * C * H * W), w = rand(r, O * C * kh * kw), gy = rand(r, B * O * Ho * Wo);
        double[] y = new double[B * O * Ho * Wo], yAbs = new double[y.length];
        double[] gx = new double[x.length], gxAbs = new double[x.length];
        double[] gw = new double[w.length], gwAbs = new double[w.length];
        for (int b = 0; b < B; b++)
            for (int o = 0; o < O; o++)
                for (int i = 0; i < Ho; i++)
                    for (int j = 0; j < Wo; j++)
                        for (int c = 0; c < C; c++)
                            for (int p = 0; p < kh; p++)
                                for (int q = 0; q < kw; q++) {
                                    int hi = i * s + p - pad, wj = j * s + q - pad;
                                    if (hi < 0 || hi >= H || wj < 0 || wj >= W) continue;
                                    int yi = ((b * O + o) * Ho + i) * Wo + j, xi = ((b * C + c) * H + hi) * W + wj;
                                    int wi = ((o * C + c) * kh + p) * kw + q;
                                    y[yi] += w[wi] * x[xi];
                                    yAbs[yi] += Math.abs(w[wi] * x[xi]);
                                    gx[xi] += w[wi] * gy[yi];
                                    gxAbs[xi] += Math.abs(w[wi] * gy[yi]);
                                    gw[wi] += gy[yi] * x[xi];
                                    gwAbs[wi] += Math.abs(gy[yi] * x[xi]);
                                }
        float[] yF = nanF(y.length), gxF = nanF(gx.length), gwF = nanF(gw.length);
        double[] yD = nanD(y.length), gxD = nanD(gx.length), gwD = nanD(gw.length);
        Conv2dKernels.forward(toF(x), toF(w), yF, B, C, H, W, O, kh, kw, s, pad);
        Conv2dKernels.forward(x, w, yD, B, C, H, W, O, kh, kw, s, pad);
        cmp("forward " + tag, y, yAbs, C * kh * kw, yF, yD);
        Conv2dKernels.backwardInput(toF(gy), toF(w), gxF, B, C, H, W, O, kh, kw, s, pad);
        Conv2dKernels.backwardInput(gy, w, gxD, B, C, H, W, O, kh, kw, s, pad);
        cmp("backwardInput " + tag, gx, gxAbs, O * kh * kw, gxF, gxD);
        Conv2dKernels.backwardWeight(toF(x), toF(gy), gwF, B, C, H, W, O, kh, kw, s, pad);
        Conv2dKernels.backwardWeight(x, gy, gwD, B, C, H, W, O, kh, kw, s, pad);
        cmp("backwardWeight " + tag, gw, gwAbs, B * Ho * Wo, gwF, gwD);
    }

    @Test
    void threeByThreeStride1And2Pad0And1() throws Exception {
        bothPaths(() -> {
            Random r = new Random(11);
            check(r, 3, 5, 7, 9, 4, 3, 3, 1, 1);
            check(r, 3, 5, 7, 9, 4, 3, 3, 1, 0);
            check(r, 2, 6, 8, 8, 7, 3, 3, 2, 1);
            check(r, 2, 3, 9, 7, 5, 3, 3, 2, 0);
            check(r, 1, 4, 5, 5, 3, 3, 3, 1, 1);
        });
    }

    @Test
    void oneByOneAndRectangularKernels() throws Exception {
        bothPaths(() -> {
            Random r = new Random(12);
            check(r, 3, 8, 5, 6, 9, 1, 1, 1, 0);
            check(r, 2, 8, 7, 7, 4, 1, 1, 2, 0);
            check(r, 2, 3, 6, 5, 2, 1, 1, 1, 1);
            check(r, 2, 3, 6, 7, 4, 3, 1, 1, 1);
            check(r, 2, 3, 6, 7, 4, 2, 3, 2, 1);
            check(r, 1, 2, 4, 4, 3, 5, 5, 1, 2);
        });
    }

    @Test
    void batchChunkingInBackwardWeight() throws Exception {
        bothPaths(() -> {
            Random r = new Random(13);
            check(r, 9, 4, 6, 6, 5, 3, 3, 1, 1);   // 3 chunks, last partial
            check(r, 70, 2, 4, 4, 3, 3, 3, 1, 1);  // chunk size grows past 4
            check(r, 5, 16, 14, 14, 24, 3, 3, 1, 1);
        });
    }

    /** Images with more output pixels than one GEMM column tile (tiles start mid-row / mid-image). */
    @Test
    void largeImagesSplitAcrossColumnTiles() throws Exception {
        bothPaths(() -> {
            Random r = new Random(15);
            check(r, 2, 3, 25, 25, 4, 3, 3, 1, 1);
            check(r, 3, 5, 25, 23, 6, 1, 1, 1, 0);
            check(r, 2, 3, 45, 47, 2, 3, 3, 2, 1);
        });
    }

    /** Thread placement and batch size must not change results: per-image outputs equal B=1 runs. */
    @Test
    void imagesIndependentOfBatchSplit() throws Exception {
        bothPaths(() -> {
            Random r = new Random(14);
            int B = 6, C = 8, H = 10, W = 10, O = 12, k = 3;
            float[] x = toF(rand(r, B * C * H * W)), w = toF(rand(r, O * C * k * k)), gy = toF(rand(r, B * O * H * W));
            float[] y = new float[B * O * H * W], gx = new float[x.length], gw = new float[w.length];
            Conv2dKernels.forward(x, w, y, B, C, H, W, O, k, k, 1, 1);
            Conv2dKernels.backwardInput(gy, w, gx, B, C, H, W, O, k, k, 1, 1);
            Conv2dKernels.backwardWeight(x, gy, gw, B, C, H, W, O, k, k, 1, 1);
            for (int b = 0; b < B; b++) {
                float[] xb = java.util.Arrays.copyOfRange(x, b * C * H * W, (b + 1) * C * H * W);
                float[] gyb = java.util.Arrays.copyOfRange(gy, b * O * H * W, (b + 1) * O * H * W);
                float[] yb = new float[O * H * W], gxb = new float[C * H * W];
                Conv2dKernels.forward(xb, w, yb, 1, C, H, W, O, k, k, 1, 1);
                Conv2dKernels.backwardInput(gyb, w, gxb, 1, C, H, W, O, k, k, 1, 1);
                assertArrayEquals(java.util.Arrays.copyOfRange(y, b * O * H * W, (b + 1) * O * H * W), yb);
                assertArrayEquals(java.util.Arrays.copyOfRange(gx, b * C * H * W, (b + 1) * C * H * W), gxb);
            }
            // Same call from inside another fork-join pool (different scheduling) gives identical bits.
            float[] gw2 = new float[w.length], y2 = new float[y.length];
            java.util.concurrent.ForkJoinPool.commonPool().submit(() -> {
                Conv2dKernels.backwardWeight(x, gy, gw2, B, C, H, W, O, k, k, 1, 1);
                Conv2dKernels.forward(x, w, y2, B, C, H, W, O, k, k, 1, 1);
            }).get();
            assertArrayEquals(gw, gw2);
            assertArrayEquals(y, y2);
        });
    }

    /**
     * Small images run as one GEMM over the whole batch, cut into column tiles of whole 2-vector
     * strips that start mid-image: each image's output still equals its own B=1 run bit for bit.
     */
    @Test
    void wholeBatchForwardEqualsPerImage() throws Exception {
        bothPaths(() -> {
            Random r = new Random(16);
            int[][] shapes = {{11, 16, 14, 14, 20}, {40, 6, 7, 7, 13}, {3, 5, 9, 11, 7}};
            for (int[] sh : shapes) {
                int B = sh[0], C = sh[1], H = sh[2], W = sh[3], O = sh[4], k = 3;
                float[] x = toF(rand(r, B * C * H * W)), w = toF(rand(r, O * C * k * k));
                float[] y = new float[B * O * H * W];
                Conv2dKernels.forward(x, w, y, B, C, H, W, O, k, k, 1, 1);
                for (int b = 0; b < B; b++) {
                    float[] xb = java.util.Arrays.copyOfRange(x, b * C * H * W, (b + 1) * C * H * W);
                    float[] yb = new float[O * H * W];
                    Conv2dKernels.forward(xb, w, yb, 1, C, H, W, O, k, k, 1, 1);
                    assertArrayEquals(java.util.Arrays.copyOfRange(y, b * O * H * W, (b + 1) * O * H * W), yb,
                            "image " + b + " of " + java.util.Arrays.toString(sh));
                }
            }
        });
    }

    /**
     * 3x3 stride-1 pad-1 shapes that the direct kernels ({@link ConvDirect}) take on the Vector API
     * path (any C and O; counts that are not multiples of 8 are rounded up with zero weights),
     * including single-pixel and non-square images and both padded layouts (three column-shifted
     * planes up to W = 16, one plane above); the direct forward gives the im2col GEMM path's
     * bits, and forward and backward-input give the same bits for 1, 2 and 3 threads.
     */
    @Test
    void directThreeByThree() throws Exception {
        int[][] shapes = {{3, 8, 7, 9, 16}, {1, 16, 5, 3, 8}, {2, 1, 6, 6, 8}, {4, 8, 1, 1, 8}, {2, 8, 4, 17, 40},
                {3, 24, 7, 7, 32}, {7, 16, 14, 14, 16}, {9, 8, 7, 7, 16}, {3, 8, 28, 28, 8}, {3, 8, 6, 6, 1},
                {2, 3, 5, 7, 3}, {5, 1, 9, 9, 12}, {2, 8, 3, 16, 8}, {3, 4, 2, 2, 8}};
        bothPaths(() -> {
            Random r = new Random(17);
            for (int[] sh : shapes) check(r, sh[0], sh[1], sh[2], sh[3], sh[4], 3, 3, 1, 1);
        });
        if (!SimdSupport.AVAILABLE) return;
        boolean saved = GemmF32.simd;
        try {
            GemmF32.simd = true;
            Random r = new Random(18);
            for (int[] sh : shapes) {
                int B = sh[0], C = sh[1], H = sh[2], W = sh[3], O = sh[4];
                float[] x = toF(rand(r, B * C * H * W)), w = toF(rand(r, O * C * 9));
                float[] direct = nanF(B * O * H * W), gemm = nanF(B * O * H * W);
                Conv2dKernels.forward(x, w, direct, B, C, H, W, O, 3, 3, 1, 1);
                boolean was = Conv2dKernels.directEnabled;
                Conv2dKernels.directEnabled = false;
                try {
                    Conv2dKernels.forward(x, w, gemm, B, C, H, W, O, 3, 3, 1, 1);
                } finally {
                    Conv2dKernels.directEnabled = was;
                }
                assertArrayEquals(gemm, direct, java.util.Arrays.toString(sh));
                // the direct kernels' images per task follow the thread count; the bits do not
                float[] gy = toF(rand(r, B * O * H * W)), gx = nanF(B * C * H * W);
                Conv2dKernels.backwardInput(gy, w, gx, B, C, H, W, O, 3, 3, 1, 1);
                int savedThreads = Parallel.threads();
                try {
                    for (int t : new int[] {1, 3}) {
                        Parallel.setThreads(t);
                        float[] y = nanF(direct.length), g = nanF(gx.length);
                        Conv2dKernels.forward(x, w, y, B, C, H, W, O, 3, 3, 1, 1);
                        assertArrayEquals(direct, y, "threads " + t + " " + java.util.Arrays.toString(sh));
                        Conv2dKernels.backwardInput(gy, w, g, B, C, H, W, O, 3, 3, 1, 1);
                        assertArrayEquals(gx, g, "backwardInput, threads " + t + " " + java.util.Arrays.toString(sh));
                    }
                } finally {
                    Parallel.setThreads(savedThreads);
                }
            }
        } finally {
            GemmF32.simd = saved;
        }
    }
}
