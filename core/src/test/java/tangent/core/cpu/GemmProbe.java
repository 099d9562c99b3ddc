package tangent.core.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Test helper run in a child JVM by {@link SimdPathsTest}: prints which float32 kernels are in use
 * and a hash of the bits of a fixed GEMM and convolution (forward, both backward kernels).
 */
public final class GemmProbe {
    private GemmProbe() {}

    public static void main(String[] args) {
        System.out.println("kernels=" + Gemm.f32Kernels());
        System.out.println("hash=" + Integer.toHexString(hash()));
    }

    static int hash() {
        Random r = new Random(99);
        int M = 77, N = 300, K = 531;
        float[] a = rand(r, M * K), b = rand(r, K * N), c = new float[M * N];
        Gemm.sgemm(1, false, false, M, N, K, a, 0, 0, K, b, 0, 0, N, c, 0, 0, N, false);
        int B = 5, C = 16, H = 14, O = 24;
        float[] x = rand(r, B * C * H * H), w = rand(r, O * C * 9), gy = rand(r, B * O * H * H);
        float[] y = new float[gy.length], gx = new float[x.length], gw = new float[w.length];
        Conv2dKernels.forward(x, w, y, B, C, H, H, O, 3, 3, 1, 1);
        Conv2dKernels.backwardInput(gy, w, gx, B, C, H, H, O, 3, 3, 1, 1);
        Conv2dKernels.backwardWeight(x, gy, gw, B, C, H, H, O, 3, 3, 1, 1);
        return Arrays.hashCode(new int[] {Arrays.hashCode(c), Arrays.hashCode(y), Arrays.hashCode(gx), Arrays.hashCode(gw)});
    }

    static float[] rand(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = r.nextFloat() - 0.5f;
        return f;
    }
}
