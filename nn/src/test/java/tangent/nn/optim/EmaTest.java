package tangent.nn.optim;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Tensor;
import tangent.nn.Module;

class EmaTest {
    static final class Two extends Module {
        final Tensor a, b;

        Two(double a0, double b0) {
            a = param("a", Tensor.of(new double[] {a0, -a0}, 2));
            b = param("b", Tensor.of(new double[] {b0}, 1));
        }

        void set(double av, double bv) {
            a.copyFrom(Tensor.of(new double[] {av, -av}, 2));
            b.copyFrom(Tensor.of(new double[] {bv}, 1));
        }
    }

    @Test
    void fixedDecayMatchesHandComputation() {
        Two m = new Two(1, 2);
        Ema ema = Ema.fixed(m, 0.9);
        double ea = 1, eb = 2;
        for (int k = 1; k <= 5; k++) {
            double av = 1 + k, bv = 2 - 0.5 * k;
            m.set(av, bv);
            ema.update(m);
            ea = 0.9 * ea + 0.1 * av;
            eb = 0.9 * eb + 0.1 * bv;
        }
        assertArrayEquals(new double[] {ea, -ea}, ema.shadow().get("a").toDoubleArray(), 1e-14);
        assertEquals(eb, ema.shadow().get("b").item(), 1e-14);
        assertEquals(5, ema.updates());
    }

    /** float32 weights over several parallel chunks: each update is the double formula rounded once to float32. */
    @Test
    void float32UpdateOverManyChunksRoundsOncePerUpdate() {
        int n = 70_001;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) Math.sin(0.3 * i);
        Module m = new Module() {
            final Tensor a = param("a", Tensor.of(w.clone(), n));
        };
        Ema ema = Ema.fixed(m, 0.9);
        float[] want = w.clone();
        for (int k = 1; k <= 3; k++) {
            float[] now = new float[n];
            for (int i = 0; i < n; i++) now[i] = (float) Math.cos(0.2 * i + k);
            m.namedParameters().get("a").copyFrom(Tensor.of(now, n));
            ema.update(m);
            for (int i = 0; i < n; i++) want[i] = (float) (0.9 * want[i] + (1 - 0.9) * now[i]);
        }
        assertArrayEquals(want, ema.shadow().get("a").toFloatArray());
    }

    @Test
    void powerEmaMatchesHandComputation() {
        Two m = new Two(1, 2);
        double gamma = 6.94;
        Ema ema = Ema.power(m, gamma);
        double ea = 1;
        for (int n = 1; n <= 6; n++) {
            double av = n * n;
            m.set(av, 0);
            ema.update(m);
            double beta = Math.pow(1 - 1.0 / n, gamma + 1);
            ea = beta * ea + (1 - beta) * av;
            if (n == 1) assertEquals(1.0, ea, 0); // first update copies
        }
        assertEquals(ea, ema.shadow().get("a").get(0), 1e-12);
    }

    @Test
    void gammaFromStdInvertsTheEdm2Width() {
        // EDM2: std 0.050 <-> gamma 6.94, std 0.100 <-> gamma 16.97 (approx)
        assertEquals(16.97, Ema.gammaFromStd(0.05), 0.01);
        assertEquals(6.94, Ema.gammaFromStd(0.10), 0.01);
        for (double s : new double[] {0.01, 0.05, 0.2}) assertEquals(s, Ema.stdOf(Ema.gammaFromStd(s)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Ema.gammaFromStd(0.5));
    }

    @Test
    void copyToAndSwap() {
        Two m = new Two(1, 2);
        Ema ema = Ema.fixed(m, 0.5);
        m.set(3, 4);
        ema.update(m); // shadow a = 2, b = 3
        ema.swap(m);
        assertEquals(2.0, m.a.get(0));
        assertEquals(3.0, m.b.item());
        assertEquals(3.0, ema.shadow().get("a").get(0));
        ema.swap(m);
        assertEquals(3.0, m.a.get(0));
        ema.copyTo(m);
        assertEquals(2.0, m.a.get(0));
        assertEquals(DType.F64, m.a.dtype());
    }
}
