package tangent.core.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Interleaved A/B timing (not a test) of the float32 3x3 direct convolutions: the baseline copy
 * {@link ConvDirectOld} (A) against {@link ConvDirect} (B), in one JVM, alternating rounds of about
 * 20 ms (A B, then B A); prints the median GFLOP/s of each (2 B O C H W 9 FLOP per convolution; the dual form
 * counts its two) and the median over rounds of B/A, and checks that A and B give the same bits. Directions: fwd, bwdIn, and
 * dual (A: two forwards then the bias added per channel, as CpuBackend.conv2dDual did; B:
 * {@link ConvDirect#forwardDual}). Run after {@code mvn -pl core test-compile}: {@code java
 * --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes
 * tangent.core.cpu.DirectAB [rounds [fwd,bwdIn,dual [shapes, e.g. 32x64x28x64,32x64x7x64]]]}.
 * benchmarks/pytorch/kernels.py times the C -> C shapes in PyTorch.
 */
public final class DirectAB {
    private DirectAB() {}

    /** B x C x H x O (H = W): ConvBench's five, then the other 3x3 convolutions of fmnist-xs. */
    static final String SHAPES = "32x64x28x64,32x128x14x128,32x32x28x32,32x64x14x64,32x64x7x64,"
            + "32x128x14x64,32x64x28x32,32x128x7x64,32x96x28x32";

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String only = args.length > 1 ? args[1] : "fwd,bwdIn,dual";
        String shapes = args.length > 2 ? args[2] : SHAPES;
        System.out.println("float32 kernels: " + Gemm.f32Kernels() + ", threads " + Parallel.threads());
        String[] dirs = {"fwd", "bwdIn", "dual"};
        warmUp();
        for (String shape : shapes.split(",")) {
            String[] p = shape.split("x");
            int B = Integer.parseInt(p[0]), C = Integer.parseInt(p[1]), H = Integer.parseInt(p[2]), O = Integer.parseInt(p[3]);
            int HW = H * H;
            Random r = new Random(1);
            float[] x = GemmProbe.rand(r, B * C * HW), dx = GemmProbe.rand(r, B * C * HW), w = GemmProbe.rand(r, O * C * 9);
            float[] bias = GemmProbe.rand(r, O), gy = GemmProbe.rand(r, B * O * HW);
            float[][] ya = {new float[B * O * HW], new float[B * O * HW]}, yb = {new float[B * O * HW], new float[B * O * HW]};
            float[] gxa = new float[x.length], gxb = new float[x.length];
            double flops = 2.0 * B * O * C * HW * 9;
            for (int d = 0; d < 3; d++) {
                final int dir = d;
                if (!only.contains(dirs[dir])) continue;
                Runnable[] call = {
                    () -> {
                        if (dir == 0) ConvDirectOld.forward(x, w, ya[0], B, C, H, H, O);
                        else if (dir == 1) ConvDirectOld.backwardInput(gy, w, gxa, B, C, H, H, O);
                        else {
                            ConvDirectOld.forward(x, w, ya[0], B, C, H, H, O);
                            ConvDirectOld.forward(dx, w, ya[1], B, C, H, H, O);
                            addBias(ya[0], bias, B, O, HW);
                        }
                    },
                    () -> {
                        if (dir == 0) ConvDirect.forward(x, w, yb[0], B, C, H, H, O);
                        else if (dir == 1) ConvDirect.backwardInput(gy, w, gxb, B, C, H, H, O);
                        else ConvDirect.forwardDual(x, dx, w, bias, yb[0], yb[1], B, C, H, H, O);
                    }};
                double[][] rate = new double[2][rounds];
                int iters = 1;
                for (int warm = 0; warm < 2; warm++)
                    for (int ab = 0; ab < 2; ab++) {
                        long t0 = System.nanoTime();
                        for (int i = 0; i < 10; i++) call[ab].run();
                        iters = Math.max(iters, (int) (20e6 * 10 / Math.max(1, System.nanoTime() - t0)));
                    }
                boolean same = dir == 1 ? Arrays.equals(gxa, gxb)
                        : Arrays.equals(ya[0], yb[0]) && (dir == 0 || Arrays.equals(ya[1], yb[1]));
                double[] ratio = new double[rounds];
                for (int k = 0; k < rounds; k++) {
                    for (int j = 0; j < 2; j++) {
                        int ab = (k + j) % 2; // A B, then B A: drift cancels in the pair ratios
                        long t0 = System.nanoTime();
                        for (int i = 0; i < iters; i++) call[ab].run();
                        rate[ab][k] = (dir == 2 ? 2 : 1) * flops * iters / (System.nanoTime() - t0);
                    }
                    ratio[k] = rate[1][k] / rate[0][k];
                }
                double a = median(rate[0]), b = median(rate[1]);
                System.out.printf("%-6s B%d C%-3d %2dx%-2d O%-3d  old %6.1f  new %6.1f GFLOP/s  new/old: median of pairs x%.3f%s%n",
                        dirs[dir], B, C, H, H, O, a, b, median(ratio), same ? "" : "  BITS DIFFER");
            }
        }
    }

    /** About two seconds of every kernel on a small shape, so that the first shape's rounds run compiled code. */
    static void warmUp() {
        int B = 4, C = 32, H = 14, HW = H * H;
        Random r = new Random(2);
        float[] x = GemmProbe.rand(r, B * C * HW), w = GemmProbe.rand(r, C * C * 9), b = GemmProbe.rand(r, C);
        float[] y = new float[x.length], dy = new float[x.length];
        for (long end = System.nanoTime() + 2_000_000_000L; System.nanoTime() < end; ) {
            ConvDirectOld.forward(x, w, y, B, C, H, H, C);
            ConvDirectOld.backwardInput(x, w, y, B, C, H, H, C);
            ConvDirect.forward(x, w, y, B, C, H, H, C);
            ConvDirect.backwardInput(x, w, y, B, C, H, H, C);
            ConvDirect.forwardDual(x, x, w, b, y, dy, B, C, H, H, C);
            addBias(y, b, B, C, HW);
        }
    }

    /** y(b, o, ...) += bias(o), as CpuBackend's addChannelBiasInPlace (parallel over planes). */
    static void addBias(float[] y, float[] bias, int B, int O, int HW) {
        Parallel.forRange(B * O, Math.max(1, (1 << 14) / HW), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                float v = bias[p % O];
                for (int i = p * HW, e = i + HW; i < e; i++) y[i] += v;
            }
        });
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
