package tangent.core.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Interleaved A/B timing (not a test) of the float32 1x1 convolutions of fmnist-xs at batch 32,
 * forward, backward-input and backward-weight: the GEMM panels (A, {@code Conv2dKernels.pointwiseEnabled = false})
 * against {@link ConvPointwise} (B), in one JVM, alternating rounds of about 40 ms; prints the
 * median GFLOP/s of each (2 B O C H W FLOP per call) and B/A. Run after
 * {@code mvn -pl core test-compile}: {@code java --add-modules jdk.incubator.vector
 * -cp core/target/classes:core/target/test-classes tangent.core.cpu.PointwiseAB [rounds
 * [fwd,bwdIn,bwdW [threads [bwdW splits, e.g. 2,4,8]]]]}. benchmarks/pytorch/pointwise.py times the same shapes in PyTorch.
 */
public final class PointwiseAB {
    private PointwiseAB() {}

    /** B, C, H, O (H = W). */
    static final int[][] SHAPES = {{32, 128, 14, 64}, {32, 128, 7, 64}, {32, 96, 14, 64}, {32, 96, 28, 32},
            {32, 64, 28, 32}, {32, 64, 7, 192}, {32, 64, 7, 64}, {32, 32, 14, 64}};

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        String only = args.length > 1 ? args[1] : "fwd,bwdIn";
        if (args.length > 2) Parallel.setThreads(Integer.parseInt(args[2]));
        int[] splits = args.length > 3 ? Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {ConvPointwise.bwSplits};
        System.out.println("float32 kernels: " + Gemm.f32Kernels() + ", threads " + Parallel.threads());
        String[] dirs = {"fwd", "bwdIn"};
        for (int[] sh : SHAPES) {
            int B = sh[0], C = sh[1], H = sh[2], O = sh[3], P = H * H;
            Random r = new Random(1);
            float[] x = GemmProbe.rand(r, B * C * P), w = GemmProbe.rand(r, O * C), gy = GemmProbe.rand(r, B * O * P);
            float[] y = new float[B * O * P], gx = new float[x.length];
            double flops = 2.0 * B * O * C * P;
            for (int d = 0; d < 2; d++) {
                final int dir = d;
                if (!only.contains(dirs[dir])) continue;
                Runnable call = () -> {
                    if (dir == 0) Conv2dKernels.forward(x, w, y, B, C, H, H, O, 1, 1, 1, 0);
                    else Conv2dKernels.backwardInput(gy, w, gx, B, C, H, H, O, 1, 1, 1, 0);
                };
                double[][] rate = new double[2][rounds];
                int iters = 1;
                for (int warm = 0; warm < 2; warm++)
                    for (int ab = 0; ab < 2; ab++) {
                        Conv2dKernels.pointwiseEnabled = ab == 1;
                        long t0 = System.nanoTime();
                        for (int i = 0; i < 20; i++) call.run();
                        iters = Math.max(iters, (int) (40e6 * 20 / Math.max(1, System.nanoTime() - t0)));
                    }
                for (int k = 0; k < rounds; k++)
                    for (int ab = 0; ab < 2; ab++) {
                        Conv2dKernels.pointwiseEnabled = ab == 1;
                        long t0 = System.nanoTime();
                        for (int i = 0; i < iters; i++) call.run();
                        rate[ab][k] = flops * iters / (System.nanoTime() - t0);
                    }
                Conv2dKernels.pointwiseEnabled = true;
                double a = median(rate[0]), b = median(rate[1]);
                System.out.printf("%-6s B%d C%-3d %2dx%-2d O%-3d  gemm %6.1f  pointwise %6.1f GFLOP/s  x%.2f%n",
                        dirs[dir], B, C, H, H, O, a, b, b / a);
            }
            if (only.contains("bwdW")) {
                // variant 0: GEMM panels; variant 1 + i: ConvPointwise with bwSplits = splits[i]
                float[] gw = new float[O * C];
                int nv = 1 + splits.length;
                Runnable call = () -> Conv2dKernels.backwardWeight(x, gy, gw, B, C, H, H, O, 1, 1, 1, 0);
                double[][] rate = new double[nv][rounds];
                int iters = 1;
                for (int warm = 0; warm < 2; warm++)
                    for (int v = 0; v < nv; v++) {
                        setVariant(v, splits);
                        long t0 = System.nanoTime();
                        for (int i = 0; i < 20; i++) call.run();
                        iters = Math.max(iters, (int) (40e6 * 20 / Math.max(1, System.nanoTime() - t0)));
                    }
                for (int k = 0; k < rounds; k++)
                    for (int v = 0; v < nv; v++) {
                        setVariant(v, splits);
                        long t0 = System.nanoTime();
                        for (int i = 0; i < iters; i++) call.run();
                        rate[v][k] = flops * iters / (System.nanoTime() - t0);
                    }
                Conv2dKernels.pointwiseBwW = true;
                ConvPointwise.bwSplits = 2;
                StringBuilder sb = new StringBuilder(String.format("%-6s B%d C%-3d %2dx%-2d O%-3d  gemm %6.1f",
                        "bwdW", B, C, H, H, O, median(rate[0])));
                for (int i = 0; i < splits.length; i++)
                    sb.append(String.format("  pw/%d %6.1f x%.2f", splits[i], median(rate[1 + i]),
                            median(rate[1 + i]) / median(rate[0])));
                System.out.println(sb);
            }
        }
    }

    /** Backward-weight variant v: 0 the GEMM panels, else ConvPointwise with splits[v - 1]. */
    private static void setVariant(int v, int[] splits) {
        Conv2dKernels.pointwiseBwW = v > 0;
        if (v > 0) ConvPointwise.bwSplits = splits[v - 1];
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
