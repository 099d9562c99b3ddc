package tangent.core.cpu;

import java.util.Random;

/** Hot-cache timing of NormSimd's fused loops (not a test): ns per element, one thread. */
public final class NormProbe2 {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 784, reps = 200000;
        Random r = new Random(1);
        float[] x = new float[n], t = new float[n], y = new float[n], dy = new float[n], z = new float[n];
        for (int i = 0; i < n; i++) { x[i] = (float) r.nextGaussian(); t[i] = (float) r.nextGaussian(); }
        float[] tmp = NormSimd.scratch();
        float[][] pad = NormSimd.pads();
        double[] out = new double[2];
        NormSimd.Jvp k = new NormSimd.Jvp();
        k.groupNorm = true; k.silu = true; k.hasDx = true; k.mf = 0.1f; k.ml = 1e-9f; k.p = 1.1f; k.q = 0.2f; k.a = 0.9f; k.b = 0.3f; k.cc = 0.01f;
        for (int rep = 0; rep < 6; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) NormSimd.groupNormSiluGz(x, t, 0, n, 0.1f, 1e-9f, 1.1f, 0.2f, z, 0, pad);
            double a = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) NormSimd.scaleShiftSiluBackward(x, t, y, 0, n, 1.1f, 0.2f, tmp, out);
            double b = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) NormSimd.jvp(k, x, t, y, dy, 0, n, pad);
            double c = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) NormSimd.groupNormBackwardApply(z, 0, x, 0, n, 0.1f, 1e-9f, 0.9f, 0.3f, 0.01f, y);
            double d = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) ElementwiseSimd.siluBackward(x, 0, t, 0, y, 0, n);
            double e = (System.nanoTime() - t0) / (double) reps / n;
            System.out.printf("ns/elem: gnSiluBwSums %.3f ssSiluBw %.3f gnJvpSilu %.3f gnBwApply %.3f siluBw %.3f%n", a, b, c, d, e);
        }
    }
}
