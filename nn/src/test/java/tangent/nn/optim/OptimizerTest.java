package tangent.nn.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Tensor;

/** Optimizers against references written here in plain double arithmetic. */
class OptimizerTest {
    static final double[] P0 = {0.5, -1.25, 2.0, 0.0, -0.3, 1e-3};

    /** Gradient at step k (deterministic, varies in sign and scale). */
    static double[] grad(double[] p, int k) {
        double[] g = new double[p.length];
        for (int i = 0; i < p.length; i++) g[i] = Math.sin(1.7 * i + 0.9 * k) * (1 + i) + 0.3 * p[i];
        return g;
    }

    interface Ref {
        void step(double[] p, double[] g, double[] m, double[] v, int t);
    }

    static void check(java.util.function.Function<Map<String, Tensor>, Optimizer> make, Ref ref, int steps) {
        Tensor p = Tensor.of(P0.clone(), 2, 3).requiresGrad(true);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("w", p);
        Optimizer opt = make.apply(params);
        double[] rp = P0.clone(), rm = new double[6], rv = new double[6];
        for (int k = 1; k <= steps; k++) {
            double[] g = grad(rp, k);
            p.setGrad(Tensor.of(grad(p.toDoubleArray(), k), 2, 3));
            opt.step();
            ref.step(rp, g, rm, rv, k);
            assertArrayEquals(rp, p.toDoubleArray(), 1e-15, "params at step " + k);
            assertArrayEquals(rm, opt.state().get("w").m.toDoubleArray(), 1e-15);
            assertArrayEquals(rv, opt.state().get("w").v.toDoubleArray(), 1e-15);
            assertEquals(k, opt.state().get("w").step);
        }
    }

    static Ref adamRef(double lr, double b1, double b2, double eps, double wd, boolean decoupled) {
        return (p, g, m, v, t) -> {
            for (int i = 0; i < p.length; i++) {
                double gi = g[i];
                if (decoupled) p[i] = p[i] * (1 - lr * wd); else gi += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        };
    }

    @Test
    void adamMatchesReference() {
        check(ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0, false), adamRef(0.01, 0.9, 0.999, 1e-8, 0, false), 8);
    }

    @Test
    void adamWithL2AndAdamWMatchReference() {
        check(ps -> new Adam(ps, 0.02, 0.8, 0.99, 1e-6, 0.1, false), adamRef(0.02, 0.8, 0.99, 1e-6, 0.1, false), 6);
        check(ps -> Adam.adamW(ps, 0.02, 0.8, 0.99, 1e-6, 0.1), adamRef(0.02, 0.8, 0.99, 1e-6, 0.1, true), 6);
    }

    static Ref radamRef(double lr, double b1, double b2, double eps, double wd, boolean decoupled) {
        return (p, g, m, v, t) -> {
            double rhoInf = 2 / (1 - b2) - 1;
            double rho = rhoInf - 2 * t * Math.pow(b2, t) / (1 - Math.pow(b2, t));
            for (int i = 0; i < p.length; i++) {
                double gi = g[i];
                if (decoupled) p[i] = p[i] * (1 - lr * wd); else gi += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double mh = m[i] / (1 - Math.pow(b1, t));
                if (rho > 5) {
                    double r = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                    // PyTorch: adaptive lr = sqrt(1 - b2^t) / (sqrt(v) + eps)
                    p[i] -= lr * mh * r * Math.sqrt(1 - Math.pow(b2, t)) / (Math.sqrt(v[i]) + eps);
                } else {
                    p[i] -= lr * mh;
                }
            }
        };
    }

    @Test
    void radamMatchesReferenceThroughTheRectificationSwitch() {
        // with b2 = 0.99, rho_t > 5 from t = 6 on: 8 steps cover both branches
        check(RAdam::scmDefault, radamRef(1e-4, 0.9, 0.99, 1e-8, 0, false), 8);
        check(ps -> new RAdam(ps, 0.05, 0.9, 0.9, 1e-8, 0.01, false), radamRef(0.05, 0.9, 0.9, 1e-8, 0.01, false), 10);
        check(ps -> new RAdam(ps, 0.05, 0.9, 0.99, 1e-8, 0.01, true), radamRef(0.05, 0.9, 0.99, 1e-8, 0.01, true), 10);
    }

    /**
     * float32 parameters over several parallel chunks (100,003 elements, chunks of 32K): each step
     * equals the double reference with p, m, v rounded to float32 after the step, within 2 ulps
     * (the reference orders the multiplications differently, so a double result one ulp apart can
     * round the other way), and one thread gives the same bits as two.
     */
    @Test
    void float32RadamOverManyChunksMatchesTheReferenceRoundedPerStep() {
        int n = 100_003;
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) p0[i] = (float) Math.sin(0.37 * i);
        float[][] byThreads = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            int before = tangent.core.cpu.Parallel.threads();
            tangent.core.cpu.Parallel.setThreads(threads);
            try {
                Tensor p = Tensor.of(p0.clone(), n).requiresGrad(true);
                RAdam opt = new RAdam(Map.of("w", p), 0.05, 0.9, 0.99, 1e-8, 0.01, false);
                Ref ref = radamRef(0.05, 0.9, 0.99, 1e-8, 0.01, false);
                double[] rp = new double[n], rm = new double[n], rv = new double[n];
                for (int i = 0; i < n; i++) rp[i] = p0[i];
                for (int k = 1; k <= 8; k++) { // through the rectification switch (t = 6)
                    double[] g = new double[n];
                    float[] gf = new float[n];
                    for (int i = 0; i < n; i++) g[i] = gf[i] = (float) (Math.cos(0.11 * i + k) * (1 + i % 7));
                    p.setGrad(Tensor.of(gf, n));
                    opt.step();
                    ref.step(rp, g, rm, rv, k);
                    for (int i = 0; i < n; i++) {
                        rp[i] = (float) rp[i];
                        rm[i] = (float) rm[i];
                        rv[i] = (float) rv[i];
                    }
                    assertUlps(rp, p.toFloatArray(), "p at step " + k);
                    assertUlps(rm, opt.state().get("w").m.toFloatArray(), "m at step " + k);
                    assertUlps(rv, opt.state().get("w").v.toFloatArray(), "v at step " + k);
                }
                byThreads[threads - 1] = p.toFloatArray();
            } finally {
                tangent.core.cpu.Parallel.setThreads(before);
            }
        }
        assertArrayEquals(byThreads[0], byThreads[1], "1 and 2 threads");
    }

    static void assertUlps(double[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 2 * Math.ulp((float) want[i]), what + ", element " + i);
    }

    @Test
    void parametersWithoutGradientAreSkippedAndZeroGradClears() {
        Tensor a = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true), b = Tensor.of(new double[] {3}, 1).requiresGrad(true);
        Map<String, Tensor> ps = new LinkedHashMap<>();
        ps.put("a", a);
        ps.put("b", b);
        Adam opt = new Adam(ps, 0.1);
        a.setGrad(Tensor.of(new double[] {1, -1}, 2));
        opt.step();
        assertEquals(3.0, b.item());
        assertEquals(0, opt.state().get("b").step);
        assertEquals(1, opt.state().get("a").step);
        assertEquals(0.9, a.get(0), 1e-8); // first Adam step moves by lr * sign(g)
        opt.zeroGrad();
        assertNull(a.grad());
    }

    @Test
    void float32ParametersUpdateInPlace() {
        Tensor p = Tensor.of(new float[] {1f, -2f}, 2).requiresGrad(true);
        Map<String, Tensor> ps = Map.of("p", p);
        Adam opt = new Adam(ps, 0.5);
        p.setGrad(Tensor.of(new float[] {2f, -3f}, 2));
        opt.step();
        assertEquals(DType.F32, p.dtype());
        assertArrayEquals(new float[] {0.5f, -1.5f}, p.toFloatArray(), 1e-6f);
    }

    @Test
    void clipGradNormScalesToMaxAndReturnsNorm() {
        Tensor a = Tensor.of(new double[] {3, 0}, 2).requiresGrad(true), b = Tensor.of(new double[] {0}, 1).requiresGrad(true);
        a.setGrad(Tensor.of(new double[] {3, 0}, 2));
        b.setGrad(Tensor.of(new double[] {4}, 1));
        double n = ClipGrad.clipGradNorm(List.of(a, b), 1.0);
        assertEquals(5.0, n, 1e-15);
        double c = 1.0 / (5.0 + 1e-6);
        assertArrayEquals(new double[] {3 * c, 0}, a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {4 * c}, b.grad().toDoubleArray(), 1e-15);
        // below the limit: untouched
        double n2 = ClipGrad.clipGradNorm(List.of(a, b), 10.0);
        assertEquals(1.0, n2, 1e-6);
        assertArrayEquals(new double[] {3 * c, 0}, a.grad().toDoubleArray(), 0);
    }
}
