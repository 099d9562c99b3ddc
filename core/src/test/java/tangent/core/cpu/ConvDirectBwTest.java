package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The direct 3x3 backward-weight ({@link ConvDirectBw}) on shapes that exercise its layout: images
 * cut into several segments (over {@link ConvDirectBw#PIXELS} pixels, last segment shorter),
 * single rows and columns, O not a multiple of 16 or 32, fewer images than splits, and O up to
 * {@link ConvDirectBw#SMALL_O} (its pixel-vector path). Checked against a
 * float64 convolution ({@link Conv2dKernelsTest#check}), and bit for bit equal for 1, 2 and 3
 * threads.
 */
class ConvDirectBwTest {
    /** B, C, H, W, O. */
    static final int[][] SHAPES = {{2, 3, 41, 40, 16}, {3, 2, 64, 27, 40}, {1, 4, 1, 37, 33}, {5, 3, 30, 1, 12},
            {2, 5, 9, 9, 48}, {6, 7, 7, 7, 64}, {1, 1, 1, 1, 1}, {3, 2, 2000, 1, 8},
            // O <= SMALL_O (vectors over pixels): a 28x28 last conv, odd widths and heights
            {2, 5, 28, 28, 1}, {3, 4, 7, 9, 3}, {2, 3, 5, 17, 2}, {1, 2, 13, 1, 8}};

    /** Stride 2 (B, C, H, W, O): even and odd sides, one row or column, O not a multiple of 32. */
    static final int[][] STRIDE2 = {{3, 4, 28, 28, 32}, {2, 3, 14, 14, 64}, {5, 2, 9, 7, 40}, {2, 3, 1, 10, 16},
            {1, 2, 11, 1, 33}, {6, 3, 4, 5, 9}};

    @Test
    void stride2AgainstFloat64AndThreadCounts() {
        checkShapes(STRIDE2, 2, 29);
    }

    @Test
    void againstFloat64AndThreadCounts() {
        checkShapes(SHAPES, 1, 23);
    }

    /**
     * For each (B, C, H, W, O): the 3x3 pad-1 convolution at this stride against float64
     * ({@link Conv2dKernelsTest#check}), then its float32 backward-weight with 2 and 3 threads bit
     * for bit equal to 1 thread's.
     */
    private static void checkShapes(int[][] shapes, int stride, long seed) {
        SimdPathsTest.assumeVectorPath();
        assumeTrue(ConvDirect.USABLE, "the preferred vector has " + ConvDirect.L + " float lanes, not 16: the direct kernels are not used");
        boolean saved = GemmF32.simd;
        int savedThreads = Parallel.threads();
        try {
            GemmF32.simd = true;
            Random r = new Random(seed);
            for (int[] sh : shapes) {
                int B = sh[0], C = sh[1], H = sh[2], W = sh[3], O = sh[4];
                int Ho = Conv2dKernels.outSize(H, 3, stride, 1), Wo = Conv2dKernels.outSize(W, 3, stride, 1);
                Conv2dKernelsTest.check(r, B, C, H, W, O, 3, 3, stride, 1);
                float[] x = GemmProbe.rand(r, B * C * H * W), gy = GemmProbe.rand(r, B * O * Ho * Wo);
                float[] gw = new float[O * C * 9];
                Parallel.setThreads(1);
                Conv2dKernels.backwardWeight(x, gy, gw, B, C, H, W, O, 3, 3, stride, 1);
                for (int t : new int[] {2, 3}) {
                    Parallel.setThreads(t);
                    float[] g = new float[gw.length];
                    Arrays.fill(g, Float.NaN);
                    Conv2dKernels.backwardWeight(x, gy, g, B, C, H, W, O, 3, 3, stride, 1);
                    assertArrayEquals(gw, g, "threads " + t + " " + Arrays.toString(sh));
                }
            }
        } finally {
            GemmF32.simd = saved;
            Parallel.setThreads(savedThreads);
        }
    }
}
