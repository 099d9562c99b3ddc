package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static tangent.core.cpu.Conv2dKernelsTest.nanF;
import static tangent.core.cpu.Conv2dKernelsTest.rand;
import static tangent.core.cpu.Conv2dKernelsTest.toF;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 1x1 stride-1 unpadded convolutions ({@link ConvPointwise} on the Vector API path, the GEMM
 * panels otherwise): all three directions against a float64 reference with the tolerance of
 * {@link Conv2dKernelsTest#cmp} (|got - ref| <= 2 (n + 2) 2^-24 sum |terms|, n the number of
 * terms), for channel counts that are not multiples of the tiles (8 for forward and
 * backward-input; for backward-weight 32 rows of the transposed side, gathered 16 at a time when
 * a multiple of 16, x 8 of the other; positions over one or two splits of one to three
 * 512-position chunks) and images of
 * 1, 5, 49, 196 and 784 pixels (batches whose positions do not fill whole 48-position tiles;
 * images of a multiple of 16 pixels with 8k output channels, which run without gathering); then
 * 2 vs 1 and 3 threads bit for bit, and the forward against the GEMM lowering bit for bit (the
 * same FMA chain over input channels).
 */
class ConvPointwiseTest {
    /** B, C, H, W, O. */
    static final int[][] SHAPES = {{3, 5, 7, 7, 9}, {2, 13, 14, 14, 7}, {2, 3, 28, 28, 17}, {4, 1, 1, 1, 1},
            {3, 7, 1, 5, 3}, {5, 16, 7, 7, 8}, {1, 19, 28, 28, 11}, {9, 33, 1, 1, 45}, {7, 40, 7, 7, 24},
            {70, 6, 3, 3, 5}, {3, 16, 28, 28, 16}, {2, 8, 4, 4, 24}, {2, 16, 8, 8, 5}, {1, 24, 4, 8, 8},
            {2, 8, 12, 12, 8}, {2, 8, 14, 14, 16}, {3, 16, 9, 9, 8}, {5, 8, 7, 7, 8},
            // backward-weight: 16-row gathers in one and two groups of 32, two splits of two chunks each
            {40, 32, 6, 6, 64}, {20, 64, 8, 8, 48}};

    @Test
    void matchesFloat64Reference() throws Exception {
        GemmTest.bothPaths(() -> {
            Random r = new Random(21);
            for (int[] sh : SHAPES) Conv2dKernelsTest.check(r, sh[0], sh[1], sh[2], sh[3], sh[4], 1, 1, 1, 0);
        });
    }

    @Test
    void bitsIndependentOfThreadCountAndForwardEqualsGemm() {
        SimdPathsTest.assumeVectorPath();
        boolean saved = GemmF32.simd;
        int savedThreads = Parallel.threads();
        try {
            GemmF32.simd = true;
            Random r = new Random(22);
            for (int[] sh : SHAPES) {
                int B = sh[0], C = sh[1], H = sh[2], W = sh[3], O = sh[4], P = H * W;
                String tag = Arrays.toString(sh);
                float[] x = toF(rand(r, B * C * P)), w = toF(rand(r, O * C)), gy = toF(rand(r, B * O * P));
                float[][] ref = null;
                for (int t : new int[] {2, 1, 3}) {
                    Parallel.setThreads(t);
                    float[] y = nanF(B * O * P), gx = nanF(B * C * P), gw = nanF(O * C);
                    Conv2dKernels.forward(x, w, y, B, C, H, W, O, 1, 1, 1, 0);
                    Conv2dKernels.backwardInput(gy, w, gx, B, C, H, W, O, 1, 1, 1, 0);
                    Conv2dKernels.backwardWeight(x, gy, gw, B, C, H, W, O, 1, 1, 1, 0);
                    if (ref == null) {
                        ref = new float[][] {y, gx, gw};
                        continue;
                    }
                    assertArrayEquals(ref[0], y, "forward, threads " + t + " " + tag);
                    assertArrayEquals(ref[1], gx, "backwardInput, threads " + t + " " + tag);
                    assertArrayEquals(ref[2], gw, "backwardWeight, threads " + t + " " + tag);
                }
                Parallel.setThreads(savedThreads);
                float[] gemm = nanF(B * O * P);
                boolean was = Conv2dKernels.pointwiseEnabled;
                Conv2dKernels.pointwiseEnabled = false;
                try {
                    Conv2dKernels.forward(x, w, gemm, B, C, H, W, O, 1, 1, 1, 0);
                } finally {
                    Conv2dKernels.pointwiseEnabled = was;
                }
                assertArrayEquals(gemm, ref[0], "forward vs GEMM " + tag);
            }
        } finally {
            GemmF32.simd = saved;
            Parallel.setThreads(savedThreads);
        }
    }
}
