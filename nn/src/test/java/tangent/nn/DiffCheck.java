package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.function.Supplier;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;

/** Finite-difference checks for TimeConditioned networks in float64 (test helper). */
final class DiffCheck {
    private DiffCheck() {}

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static Tensor axpy(Tensor x, double h, Tensor dx) {
        double[] a = x.toDoubleArray(), d = dx.toDoubleArray();
        for (int i = 0; i < a.length; i++) a[i] += h * d[i];
        return Tensor.of(a, x.shape());
    }

    /** JVP of f at (x, t) along (dx, dt) vs central differences, relative to the tangent's size. */
    static void checkJvp(TimeConditioned f, Tensor x, Tensor t, Tensor dx, Tensor dt, double tol) {
        Tensor[] yd;
        try (var g = GradMode.noGrad()) {
            yd = ForwardAD.jvp(in -> f.forward(in[0], in[1]), new Tensor[] {x, t}, new Tensor[] {dx, dt});
            double h = 1e-5;
            double[] yp = f.forward(axpy(x, h, dx), axpy(t, h, dt)).toDoubleArray();
            double[] ym = f.forward(axpy(x, -h, dx), axpy(t, -h, dt)).toDoubleArray();
            double[] fd = new double[yp.length];
            for (int i = 0; i < fd.length; i++) fd[i] = (yp[i] - ym[i]) / (2 * h);
            double[] jv = yd[1].toDoubleArray();
            double scale = maxAbs(fd);
            assertTrue(scale > 1e-3, "tangent too small to test: " + scale);
            double err = maxAbsDiff(jv, fd) / scale;
            assertTrue(err < tol, "jvp vs finite differences: relative error " + err);
            assertArrayEquals(f.forward(x, t).toDoubleArray(), yd[0].toDoubleArray(), 0, "jvp primal");
        }
    }

    /**
     * Gradient of loss() w.r.t. every parameter tensor vs central differences on up to `perTensor`
     * entries of each (the largest-gradient entry plus random ones). Returns the number of entries checked.
     */
    static int checkParamGrads(Module m, Supplier<Tensor> loss, int perTensor, double tol, long seed) {
        m.zeroGrad();
        loss.get().backward();
        Rng rng = new Rng(seed);
        int checked = 0;
        double h = 1e-5;
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            assertNotNull(p.grad(), "no gradient for " + e.getKey());
            double[] g = p.grad().toDoubleArray();
            CpuStorage s = (CpuStorage) p.storage();
            int big = 0;
            for (int i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[big])) big = i;
            for (int k = 0; k < Math.min(perTensor, g.length); k++) {
                int i = k == 0 ? big : (int) (rng.nextDouble() * g.length);
                double old = s.get(i);
                double lp, lm;
                try (var ng = GradMode.noGrad()) {
                    s.set(i, old + h);
                    lp = loss.get().item();
                    s.set(i, old - h);
                    lm = loss.get().item();
                    s.set(i, old);
                }
                double fd = (lp - lm) / (2 * h);
                assertEquals(fd, g[i], tol * (1 + Math.abs(fd)), "d loss / d " + e.getKey() + "[" + i + "]");
                checked++;
            }
        }
        m.zeroGrad();
        return checked;
    }
}
