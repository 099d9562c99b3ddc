package tangent.core.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Interleaved A/B timing (not a test) of the float32 direct 3x3 backward-weight: the baseline copy
 * {@link ConvDirectBwOld} (A) against {@link ConvDirectBw} (B), in one JVM, alternating rounds of
 * about 25 ms; prints the median GFLOP/s of each (2 B O C 9 H W FLOP per call), the median of
 * the rounds' B/A, and the largest
 * |B - A| relative to max |A|. Run after {@code mvn -pl core test-compile}: {@code java
 * --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes
 * tangent.core.cpu.ConvBwAB [rounds [shapes, e.g. 32x64x28x64,32x96x14x64 (B x C x H x O)
 * [threads]]]}. The default shapes are ConvBench's (C -> C) and fmnist-xs's concatenated skips.
 */
public final class ConvBwAB {
    private ConvBwAB() {}

    static final String SHAPES = "32x64x28x64,32x128x14x128,32x32x28x32,32x64x14x64,32x64x7x64,"
            + "32x96x14x64,32x128x7x64,32x64x28x32";

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String shapes = args.length > 1 ? args[1] : SHAPES;
        if (args.length > 2) Parallel.setThreads(Integer.parseInt(args[2]));
        System.out.println("threads " + Parallel.threads());
        for (String shape : shapes.split(",")) {
            String[] p = shape.split("x");
            int B = Integer.parseInt(p[0]), C = Integer.parseInt(p[1]), H = Integer.parseInt(p[2]), O = Integer.parseInt(p[3]);
            Random r = new Random(1);
            float[] x = GemmProbe.rand(r, B * C * H * H), gy = GemmProbe.rand(r, B * O * H * H);
            float[] ga = new float[O * C * 9], gb = new float[O * C * 9];
            double flops = 2.0 * B * O * C * 9 * H * H;
            int nv = 2;
            Runnable[] call = {
                () -> ConvDirectBwOld.backwardWeight(x, gy, ga, B, C, H, H, O),
                () -> ConvDirectBw.backwardWeight(x, gy, gb, B, C, H, H, O)};
            double[][] rate = new double[nv][rounds];
            int[] iters = new int[nv];
            for (int warm = 0; warm < 3; warm++)
                for (int v = 0; v < nv; v++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 10; i++) call[v].run();
                    iters[v] = Math.max(1, (int) (25e6 * 10 / Math.max(1, System.nanoTime() - t0)));
                }
            for (int k = 0; k < rounds; k++)
                for (int v = 0; v < nv; v++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < iters[v]; i++) call[v].run();
                    rate[v][k] = flops * iters[v] / (System.nanoTime() - t0);
                }
            double mx = 0, md = 0;
            for (int i = 0; i < ga.length; i++) {
                mx = Math.max(mx, Math.abs(ga[i]));
                md = Math.max(md, Math.abs(ga[i] - gb[i]));
            }
            StringBuilder sb = new StringBuilder(String.format("%-14s old %6.1f", shape, median(rate[0])));
            for (int v = 1; v < nv; v++) {
                double[] ratio = new double[rounds];
                for (int k = 0; k < rounds; k++) ratio[k] = rate[v][k] / rate[0][k];
                sb.append(String.format("  new %6.1f  x%.2f", median(rate[v]), median(ratio)));
            }
            System.out.println(sb.append(String.format("   diff %.1e", md / mx)));
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
