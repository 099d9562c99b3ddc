package tangent.core.cpu;

import java.util.Random;

/** Hot-cache timing of the per-element loops (not a test): ns per element, one thread. */
public final class NormProbe {
    public static void main(String[] args) {
        int n = 3136, reps = 20000;
        Random r = new Random(1);
        float[] x = new float[n], t = new float[n], y = new float[n], dy = new float[n], z = new float[n];
        for (int i = 0; i < n; i++) { x[i] = (float) r.nextGaussian(); t[i] = (float) r.nextGaussian(); }
        CpuStorage sx = CpuStorage.allocateUninitialized(tangent.core.DType.F32, n);
        for (int k = 0; k < 5; k++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) ElementwiseSimd.siluForwardJvp(x, 0, t, 0, y, dy, null, 0, n);
            double a = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) ElementwiseSimd.silu(x, 0, y, 0, n);
            double b = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) ElementwiseSimd.siluBackward(x, 0, t, 0, y, 0, n);
            double c = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            float mf = 0.3f, ml = 1e-9f, pf = 1.1f, qf = 0.2f;
            for (int i = 0; i < reps; i++) for (int j = 0; j < n; j++) y[j] = (x[j] - mf - ml) * pf + qf;
            double d = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) for (int j = 0; j < n; j++) y[j] = pf * t[j] + qf * (x[j] - mf - ml) + mf;
            double e = (System.nanoTime() - t0) / (double) reps / n;
            double[] out = new double[2];
            float[] tmp = SumsSimd.scratch();
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) SumsSimd.shiftedMoments(x, 0, n, 0.1f, tmp, out);
            double f = (System.nanoTime() - t0) / (double) reps / n;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) SumsSimd.centredDot(t, 0, x, 0, n, 0.1f, 1e-9f, tmp, out);
            double g = (System.nanoTime() - t0) / (double) reps / n;
            System.out.printf("ns/elem: siluJvp %.3f silu %.3f siluBw %.3f affine %.3f affine2 %.3f moments %.3f centredDot %.3f%n", a, b, c, d, e, f, g);
        }
    }
}
