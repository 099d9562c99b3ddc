package tangent.core.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * Interleaved A/B timing (not a test) of the float32 normalisation kernels on the fmnist-xs shapes
 * at batch 32: the baseline copies (Old*: the kernels as on main) against the current ones, in one
 * JVM, alternating rounds (ABBA) of about 20 ms; prints the median and the minimum microseconds per call of each, new/old, and
 * whether every result is bit-identical. Run after {@code mvn -pl core test-compile}:
 * {@code java --add-modules jdk.incubator.vector --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
 * -cp core/target/classes:core/target/test-classes tangent.core.cpu.NormAB [rounds [filter]]}.
 */
public final class NormAB {
    private NormAB() {}

    record Case(String name, int calls, Supplier<Tensor[]> a, Supplier<Tensor[]> b) {}

    static int groups(int c) {
        return Math.max(1, Math.min(32, c / 4));
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        String filter = args.length > 1 ? args[1] : "";
        Rng rng = new Rng(7);
        DType f = DType.F32;
        List<Case> cases = new ArrayList<>();
        // {C, H, calls per 10 steps} from the profile
        int[][] gnSilu = {{8, 3, 0}, {8, 5, 0}, {4, 25, 0}, {64, 28, 20}, {96, 28, 10}, {32, 28, 30}, {128, 14, 20}, {64, 7, 40}, {128, 7, 30}, {96, 14, 10}, {64, 14, 10}, {32, 14, 10}};
        int[][] gn = {{64, 7, 130}, {32, 28, 50}, {64, 14, 50}, {8, 3, 0}, {8, 5, 0}, {4, 25, 0}};
        int[][] ss = {{8, 3, 0}, {8, 5, 0}, {4, 25, 0}, {32, 28, 50}, {64, 14, 50}, {64, 7, 70}};
        int[][] as = {{8, 3, 0}, {32, 28, 50}, {64, 7, 130}, {64, 14, 50}};
        for (int k = 0; k < 2; k++) {
            boolean silu = k == 0;
            for (int[] sh : silu ? gnSilu : gn) {
                int c = sh[0], h = sh[1], g = groups(c);
                int[] s = {32, c, h, h};
                Tensor x = rng.normal(f, s).mul(1.5).add(0.3), dx = rng.normal(f, s), gy = rng.normal(f, s);
                Tensor gamma = rng.normal(f, c).mul(0.3).add(1.0), beta = rng.normal(f, c).mul(0.3);
                String tag = (silu ? "gn_silu" : "gn") + " " + c + "x" + h;
                cases.add(new Case(tag + " fwd+jvp", sh[2],
                        () -> OldFusedGroupNormKernels.forwardJvp(x, dx, gamma, beta, null, null, g, 1e-5, silu),
                        () -> FusedGroupNormKernels.forwardJvp(x, dx, gamma, beta, null, null, g, 1e-5, silu)));
                Tensor[] st = FusedGroupNormKernels.forward(x, gamma, beta, g, 1e-5, false);
                cases.add(new Case(tag + " vjp", sh[2],
                        () -> OldFusedGroupNormKernels.backward(x, gamma, beta, st[1], st[2], gy, true, true, g, silu),
                        () -> FusedGroupNormKernels.backward(x, gamma, beta, st[1], st[2], gy, true, true, g, silu)));
            }
        }
        for (int[] sh : ss) {
            int c = sh[0], h = sh[1];
            int[] s = {32, c, h, h}, cs = {32, c, 1, 1};
            Tensor x = rng.normal(f, s), dx = rng.normal(f, s), gy = rng.normal(f, s);
            Tensor sc = rng.normal(f, cs).mul(0.3).add(1.0), ds = rng.normal(f, cs), b = rng.normal(f, cs), db = rng.normal(f, cs);
            String tag = "ss_silu " + c + "x" + h;
            cases.add(new Case(tag + " fwd+jvp", sh[2], () -> OldScaleShiftKernels.forwardJvp(x, dx, sc, ds, b, db, true),
                    () -> ScaleShiftKernels.forwardJvp(x, dx, sc, ds, b, db, true)));
            cases.add(new Case(tag + " vjp", sh[2], () -> OldScaleShiftKernels.backward(x, sc, b, gy, true, true, true, true),
                    () -> ScaleShiftKernels.backward(x, sc, b, gy, true, true, true, true)));
        }
        for (int[] sh : as) {
            int c = sh[0], h = sh[1];
            int[] s = {32, c, h, h};
            Tensor a = rng.normal(f, s), da = rng.normal(f, s), b = rng.normal(f, s), db = rng.normal(f, s);
            cases.add(new Case("add_scale " + c + "x" + h + " fwd+jvp", sh[2], () -> OldAddScaleKernels.forwardJvp(a, da, b, db, 0.7071),
                    () -> AddScaleKernels.forwardJvp(a, da, b, db, 0.7071)));
        }
        System.out.println("threads " + Parallel.threads() + ", rounds " + rounds);
        double totA = 0, totB = 0;
        for (Case cs : cases) {
            if (!cs.name.contains(filter)) continue;
            boolean same = same(cs.a.get(), cs.b.get());
            if (cs.calls == 0) {
                // a small shape (tails, padded vectors): the bits only
                System.out.printf("%-24s %s%n", cs.name, same ? "bits equal" : "BITS DIFFER");
                continue;
            }
            int iters = 1;
            for (int warm = 0; warm < 12; warm++)
                for (int ab = 0; ab < 2; ab++) {
                    Supplier<Tensor[]> fn = ab == 0 ? cs.a : cs.b;
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 10; i++) fn.get();
                    iters = Math.max(iters, (int) (20e6 * 10 / Math.max(1, System.nanoTime() - t0)));
                }
            double[][] us = new double[2][rounds];
            for (int r = 0; r < rounds; r++)
                for (int j = 0; j < 2; j++) {
                    int ab = (r & 1) == 0 ? j : 1 - j; // ABBA: neither side always runs first
                    Supplier<Tensor[]> fn = ab == 0 ? cs.a : cs.b;
                    long t0 = System.nanoTime();
                    for (int i = 0; i < iters; i++) fn.get();
                    us[ab][r] = (System.nanoTime() - t0) / 1e3 / iters;
                }
            double a = median(us[0]), b = median(us[1]), amin = Arrays.stream(us[0]).min().getAsDouble(),
                    bmin = Arrays.stream(us[1]).min().getAsDouble();
            totA += a * cs.calls / 1e3;
            totB += b * cs.calls / 1e3;
            System.out.printf("%-24s %4d calls  median: old %7.1f us  new %7.1f us  new/old %.2f   min: %7.1f %7.1f  %.2f  %s%n",
                    cs.name, cs.calls, a, b, b / a, amin, bmin, bmin / amin, same ? "bits equal" : "BITS DIFFER");
            if (VERBOSE) System.out.println("   old " + Arrays.toString(round(us[0])) + "\n   new " + Arrays.toString(round(us[1])));
        }
        System.out.printf("weighted total per 10 steps: old %.1f ms  new %.1f ms  new/old %.2f%n", totA, totB, totB / totA);
    }

    static final boolean VERBOSE = Boolean.getBoolean("normab.verbose");

    static long[] round(double[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Math.round(v[i]);
        return r;
    }

    static boolean same(Tensor[] a, Tensor[] b) {
        for (int i = 0; i < a.length; i++) {
            if ((a[i] == null) != (b[i] == null)) return false;
            if (a[i] == null) continue;
            if (a[i].dtype() == DType.F32) {
                if (!Arrays.equals(a[i].toFloatArray(), b[i].toFloatArray())) return false;
            } else if (!Arrays.equals(a[i].toDoubleArray(), b[i].toDoubleArray())) return false;
        }
        return true;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
