package tangent.core.cpu;

import java.util.Arrays;
import java.util.Random;

/**
 * Interleaved A/B timing (not a test) of the attention block's float32 kernels of fmnist-xs at
 * batch 32 (7x7 map, 64 channels): A the old code, B the new, alternating rounds of ~30 ms in one
 * JVM; prints medians (us per call) and B/A, and whether the outputs are bit-identical. Run after
 * {@code mvn -pl core test-compile}: {@code java --add-modules jdk.incubator.vector
 * -cp core/target/classes:core/target/test-classes tangent.core.cpu.AttnAB [rounds [threads]]}.
 */
public final class AttnAB {
    private AttnAB() {}

    static final int B = 32, C = 64, N = 49;

    static float[] rand(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian());
        return x;
    }

    /** The old GemmF32.gemm body (tile choice, then gemmTiled), without the small-matrix branch. */
    static void oldSgemm(int batch, boolean transA, boolean transB, int M, int N, int K,
                         float[] a, int aOff, int aBatch, int lda, float[] b, int bOff, int bBatch, int ldb,
                         float[] c, int cOff, int cBatch, int ldc, boolean accumulate) {
        int tilesN = (N + GemmF32.NC - 1) / GemmF32.NC;
        int nc = GemmF32.roundUp((N + tilesN - 1) / tilesN, 16);
        if (nc > GemmF32.NC) nc = GemmF32.NC;
        tilesN = (N + nc - 1) / nc;
        int mc = Math.min(GemmF32.MC, M);
        int threads = Parallel.insideRange() ? 1 : Parallel.threads();
        if (threads > 1) {
            long want = 4L * threads;
            while (mc > 8 && (long) batch * tilesN * ((M + mc - 1) / mc) < want) mc = (mc + 1) / 2;
        }
        GemmF32.gemmTiled(mc, nc, batch, transA, transB, M, N, K, a, aOff, aBatch, lda, b, bOff, bBatch, ldb,
                c, cOff, cBatch, ldc, accumulate);
    }

    /** The old AxisKernels.softmaxJvp float32 loop (before the row kernel), on raw arrays. */
    static void oldSoftmax(float[] f, float[] tf, float[] of, float[] dof, int outer, int n, int inner) {
        Parallel.forRange(outer, Math.max(1, (1 << 14) / Math.max(1, n * inner)), (lo, hi) -> {
            float[] e = new float[n * inner];
            for (int ob = lo; ob < hi; ob++) {
                int base = ob * n * inner;
                for (int i = 0; i < inner; i++) {
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < n; k++) mx = Math.max(mx, f[base + k * inner + i]);
                    float m = (float) mx;
                    for (int k = 0; k < n; k++) e[k * inner + i] = (float) Math.exp(f[base + k * inner + i] - m);
                }
                for (int i = 0; i < inner; i++) {
                    float sum = (float) CpuBackend.sumF32(e, i, n);
                    double c = 0;
                    for (int k = 0; k < n; k++) {
                        int p = base + k * inner + i;
                        of[p] = e[k * inner + i] / sum;
                        c += (double) of[p] * tf[p];
                    }
                    for (int k = 0; k < n; k++) {
                        int p = base + k * inner + i;
                        dof[p] = (float) (of[p] * (tf[p] - c));
                    }
                }
            }
        });
    }

    /** The old CpuBackend.reduce SUM loop for x (B, C, P) compact to (C): rows of P, one row per b. */
    static void oldSum(float[] x, float[] out, int b, int c, int p) {
        Parallel.forRange(c, Math.max(1, (1 << 14) / Math.max(1, b * p)), (lo, hi) -> {
            for (int ox = lo; ox < hi; ox++) {
                double acc = 0;
                for (int r = 0; r < b; r++) acc += CpuBackend.sumF32(x, r * c * p + ox * p, p);
                out[ox] = (float) acc;
            }
        });
    }

    interface Case {
        void run(boolean neu);
    }

    static void time(String name, int rounds, Case c, float[] outA, float[] outB, Runnable snapA, Runnable snapB) {
        c.run(false);
        snapA.run();
        c.run(true);
        snapB.run();
        boolean same = Arrays.equals(outA, outB);
        double[][] t = new double[2][rounds];
        int iters = 1;
        for (int warm = 0; warm < 25; warm++)
            for (int ab = 0; ab < 2; ab++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 20; i++) c.run(ab == 1);
                iters = Math.max(iters, (int) (30e6 * 20 / Math.max(1, System.nanoTime() - t0)));
            }
        for (int k = 0; k < rounds; k++)
            for (int ab = 0; ab < 2; ab++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < iters; i++) c.run(ab == 1);
                t[ab][k] = (System.nanoTime() - t0) / 1e3 / iters;
            }
        double a = median(t[0]), b = median(t[1]);
        System.out.printf("%-34s A %8.1f us  B %8.1f us  B/A %.3f  %s%n", name, a, b, b / a, same ? "bit-identical" : "BITS DIFFER");
        if (COLD) {
            // each call after a pass over 64 MB (caches cold, as in a training step), timed alone
            int calls = 15;
            double[][] u = new double[2][rounds * calls];
            for (int k = 0; k < rounds * calls; k++)
                for (int ab = 0; ab < 2; ab++) {
                    for (int i = 0; i < FLUSH.length; i += 16) FLUSH[i]++;
                    long t0 = System.nanoTime();
                    c.run(ab == 1);
                    u[ab][k] = (System.nanoTime() - t0) / 1e3;
                }
            double ca = median(u[0]), cb = median(u[1]);
            System.out.printf("%-34s A %8.1f us  B %8.1f us  B/A %.3f  (cold)%n", "", ca, cb, cb / ca);
        }
    }

    static final boolean COLD = Boolean.getBoolean("cold");
    static final float[] FLUSH = new float[COLD ? 16 << 20 : 0];

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        if (args.length > 1) Parallel.setThreads(Integer.parseInt(args[1]));
        String only = args.length > 2 ? args[2] : "mm,jvp";
        System.out.println("float32 kernels: " + Gemm.f32Kernels() + ", threads " + Parallel.threads());
        Random r = new Random(1);
        // qkv (B, 3C, N): q, k, v are its slices; P, gS (B, N, N); gO (B, C, N)
        float[] qkv = rand(r, B * 3 * C * N), dqkv = rand(r, B * 3 * C * N), p = rand(r, B * N * N), dp = rand(r, B * N * N),
                go = rand(r, B * C * N);
        int qb = 3 * C * N, q0 = 0, k0 = C * N, v0 = 2 * C * N, pb = N * N;
        float[] sA = new float[B * N * N], sB = new float[B * N * N], oA = new float[B * C * N], oB = new float[B * C * N];
        float[][] keep = new float[2][];
        if (only.contains("mm")) {
            // TN: S = Q^T K (M = N = 49, K = 64)
            float[] cA = new float[B * N * N], cB = new float[B * N * N];
            time("TN  q^T k   (49x64)(64x49)", rounds, neu -> {
                if (neu) GemmSmall.gemm(B, true, false, N, N, C, qkv, q0, qb, N, qkv, k0, qb, N, cB, 0, pb, N, false);
                else oldSgemm(B, true, false, N, N, C, qkv, q0, qb, N, qkv, k0, qb, N, cA, 0, pb, N, false);
            }, cA, cB, () -> {}, () -> {});
            // NT: O = V P^T (M = 64, K = 49, N = 49)
            float[] dA = new float[B * C * N], dB = new float[B * C * N];
            time("NT  v p^T   (64x49)(49x49)^T", rounds, neu -> {
                if (neu) GemmSmall.gemm(B, false, true, C, N, N, qkv, v0, qb, N, p, 0, pb, N, dB, 0, C * N, N, false);
                else oldSgemm(B, false, true, C, N, N, qkv, v0, qb, N, p, 0, pb, N, dA, 0, C * N, N, false);
            }, dA, dB, () -> {}, () -> {});
            // NN: gV = gO P (M = 64, K = 49, N = 49)
            time("NN  gO p    (64x49)(49x49)", rounds, neu -> {
                if (neu) GemmSmall.gemm(B, false, false, C, N, N, go, 0, C * N, N, p, 0, pb, N, dB, 0, C * N, N, false);
                else oldSgemm(B, false, false, C, N, N, go, 0, C * N, N, p, 0, pb, N, dA, 0, C * N, N, false);
            }, dA, dB, () -> {}, () -> {});
        }
        if (only.contains("sum")) {
            int[][] shapes = {{32, 32, 784}, {32, 64, 196}, {32, 64, 49}, {32, 192, 49}, {32, 64, 784}};
            for (int[] sh : shapes) {
                float[] x = rand(r, sh[0] * sh[1] * sh[2]);
                tangent.core.Tensor xt = tangent.core.Tensor.of(x, sh[0], sh[1], sh[2]);
                float[] outA = new float[sh[1]], outB = new float[sh[1]];
                float[][] got = new float[1][];
                time("sum " + Arrays.toString(sh) + " -> C", rounds, neu -> {
                    if (neu) got[0] = CpuBackend.st(CpuBackend.INSTANCE.reduce(tangent.core.backend.ReduceFn.SUM, xt, new int[] {0, 2})).f;
                    else oldSum(x, outA, sh[0], sh[1], sh[2]);
                }, outA, outB, () -> {}, () -> System.arraycopy(got[0], 0, outB, 0, outB.length));
            }
        }
        if (only.contains("softmax")) {
            float[] x = rand(r, B * N * N), dx = rand(r, B * N * N);
            for (int i = 0; i < x.length; i++) x[i] *= 3;
            tangent.core.Tensor xt = tangent.core.Tensor.of(x, B, N, N), dxt = tangent.core.Tensor.of(dx, B, N, N);
            float[] yA = new float[B * N * N], dA = new float[B * N * N], yB = new float[B * N * N], dB = new float[B * N * N];
            time("softmax+jvp (32, 49, 49)", rounds, neu -> {
                if (neu) AxisKernels.softmaxJvpRows(x, dx, yB, dB, B * N, N);
                else oldSoftmax(x, dx, yA, dA, B * N, N, 1);
            }, dA, dB, () -> {}, () -> {});
            System.out.println("   y bit-identical: " + Arrays.equals(yA, yB));
            time("softmax+jvp Math.exp vs vector exp", rounds, neu -> {
                GemmF32.simd = neu;
                AxisKernels.softmaxJvpRows(x, dx, neu ? yB : yA, neu ? dB : dA, B * N, N);
                GemmF32.simd = true;
            }, dA, dB, () -> {}, () -> {});
            double maxRel = 0;
            for (int i = 0; i < yA.length; i++) maxRel = Math.max(maxRel, Math.abs(yA[i] - yB[i]) / Math.max(1e-30, Math.abs(yA[i])));
            System.out.println("   y max relative difference: " + maxRel);
            tangent.core.Tensor[] got = new tangent.core.Tensor[2];
            time("softmax forward (32, 49, 49)", rounds, neu -> {
                if (neu) got[1] = AxisKernels.softmax(xt, 2);
                else try (tangent.core.GradMode.Scope ignored = tangent.core.GradMode.noGrad()) {
                    got[0] = tangent.core.ops.Softmax.composite(xt, 2);
                }
            }, yA, yB, () -> System.arraycopy(got[0].toFloatArray(), 0, yA, 0, yA.length),
                    () -> System.arraycopy(got[1].toFloatArray(), 0, yB, 0, yB.length));
        }
        if (only.contains("lin")) {
            // the time-embedding linear layers: x (32, 128), W (128, 128), y = x W^T
            int m = 32, k = 128, n = 128;
            float[] x = rand(r, m * k), dx = rand(r, m * k), w = rand(r, n * k), g = rand(r, m * n);
            float[] yA = new float[m * n], yB = new float[m * n], tA = new float[m * n], tB = new float[m * n];
            time("lin jvp x W^T (32,128)(128,128)", rounds, neu -> {
                if (neu) GemmSmall.jvp(1, false, true, m, n, k, x, new int[] {0, 0, k}, dx, new int[] {0, 0, k}, w, new int[] {0, 0, k},
                        null, null, yB, tB);
                else {
                    oldSgemm(1, false, true, m, n, k, x, 0, 0, k, w, 0, 0, k, yA, 0, 0, n, false);
                    oldSgemm(1, false, true, m, n, k, dx, 0, 0, k, w, 0, 0, k, tA, 0, 0, n, false);
                }
            }, tA, tB, () -> {}, () -> {});
            int n2 = 64;
            float[] w2 = rand(r, n2 * k), y2A = new float[m * n2], y2B = new float[m * n2], t2A = new float[m * n2], t2B = new float[m * n2];
            time("lin jvp x W^T (32,128)(64,128)", rounds, neu -> {
                if (neu) GemmSmall.jvp(1, false, true, m, n2, k, x, new int[] {0, 0, k}, dx, new int[] {0, 0, k}, w2, new int[] {0, 0, k},
                        null, null, y2B, t2B);
                else {
                    oldSgemm(1, false, true, m, n2, k, x, 0, 0, k, w2, 0, 0, k, y2A, 0, 0, n2, false);
                    oldSgemm(1, false, true, m, n2, k, dx, 0, 0, k, w2, 0, 0, k, t2A, 0, 0, n2, false);
                }
            }, t2A, t2B, () -> {}, () -> {});
            float[] gxA = new float[m * k], gxB = new float[m * k];
            time("lin vjp g W  (32,128)(128,128)", rounds, neu -> {
                if (neu) GemmSmall.gemm(1, false, false, m, k, n, g, 0, 0, n, w, 0, 0, k, gxB, 0, 0, k, false);
                else oldSgemm(1, false, false, m, k, n, g, 0, 0, n, w, 0, 0, k, gxA, 0, 0, k, false);
            }, gxA, gxB, () -> {}, () -> {});
            float[] g64 = rand(r, m * 64), gw2A = new float[64 * k], gw2B = new float[64 * k];
            time("lin vjp g^T x (64,32)(32,128)", rounds, neu -> {
                if (neu) GemmSmall.gemm(1, true, false, 64, k, m, g64, 0, 0, 64, x, 0, 0, k, gw2B, 0, 0, k, false);
                else oldSgemm(1, true, false, 64, k, m, g64, 0, 0, 64, x, 0, 0, k, gw2A, 0, 0, k, false);
            }, gw2A, gw2B, () -> {}, () -> {});
            float[] gwA = new float[n * k], gwB = new float[n * k];
            time("lin vjp g^T x (128,32)(32,128)", rounds, neu -> {
                if (neu) GemmSmall.gemm(1, true, false, n, k, m, g, 0, 0, n, x, 0, 0, k, gwB, 0, 0, k, false);
                else oldSgemm(1, true, false, n, k, m, g, 0, 0, n, x, 0, 0, k, gwA, 0, 0, k, false);
            }, gwA, gwB, () -> {}, () -> {});
        }
        if (only.contains("svjp")) {
            // softmax VJP: the composite rule (mul, sum, sub, mul) against AxisKernels.softmaxBackward
            float[] x = rand(r, B * N * N), g = rand(r, B * N * N);
            tangent.core.Tensor yt = tangent.core.F.softmax(tangent.core.Tensor.of(x, B, N, N).mul(3.0), 2),
                    gt = tangent.core.Tensor.of(g, B, N, N);
            float[] gA = new float[B * N * N], gB = new float[B * N * N];
            tangent.core.Tensor[] got = new tangent.core.Tensor[2];
            time("softmax vjp (32, 49, 49)", rounds, neu -> {
                if (neu) got[1] = AxisKernels.softmaxBackward(yt, gt, 2);
                else got[0] = gt.sub(yt.mul(gt).sum(new int[] {2}, true)).mul(yt);
            }, gA, gB, () -> System.arraycopy(got[0].toFloatArray(), 0, gA, 0, gA.length),
                    () -> System.arraycopy(got[1].toFloatArray(), 0, gB, 0, gB.length));
        }
        if (only.contains("jvp")) {
            int[] lq = {q0, qb, N}, lk = {k0, qb, N}, lv = {v0, qb, N}, lp = {0, pb, N};
            float[] yA = new float[B * N * N], yB = new float[B * N * N], tA = new float[B * N * N], tB = new float[B * N * N];
            time("jvp TN q^T k", rounds, neu -> {
                if (neu) GemmSmall.jvp(B, true, false, N, N, C, qkv, lq, dqkv, lq, qkv, lk, dqkv, lk, yB, tB);
                else {
                    oldSgemm(B, true, false, N, N, C, qkv, q0, qb, N, qkv, k0, qb, N, yA, 0, pb, N, false);
                    oldSgemm(B, true, false, N, N, C, dqkv, q0, qb, N, qkv, k0, qb, N, tA, 0, pb, N, false);
                    oldSgemm(B, true, false, N, N, C, qkv, q0, qb, N, dqkv, k0, qb, N, tA, 0, pb, N, true);
                }
            }, tA, tB, () -> {}, () -> {});
            System.out.println("   y bit-identical: " + Arrays.equals(yA, yB));
            float[] uA = new float[B * C * N], uB = new float[B * C * N], wA = new float[B * C * N], wB = new float[B * C * N];
            time("jvp NT v p^T", rounds, neu -> {
                if (neu) GemmSmall.jvp(B, false, true, C, N, N, qkv, lv, dqkv, lv, p, lp, dp, lp, uB, wB);
                else {
                    oldSgemm(B, false, true, C, N, N, qkv, v0, qb, N, p, 0, pb, N, uA, 0, C * N, N, false);
                    oldSgemm(B, false, true, C, N, N, dqkv, v0, qb, N, p, 0, pb, N, wA, 0, C * N, N, false);
                    oldSgemm(B, false, true, C, N, N, qkv, v0, qb, N, dp, 0, pb, N, wA, 0, C * N, N, true);
                }
            }, wA, wB, () -> {}, () -> {});
            System.out.println("   y bit-identical: " + Arrays.equals(uA, uB));
        }
    }
}
