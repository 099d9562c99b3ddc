package tangent.nn.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Tensor;

/** SGD (plain, momentum, Nesterov, weight decay) against a reference written here in plain double arithmetic. */
class SgdTest {
    /** PyTorch's SGD without dampening, one step on p in place; buf is null before the first step. */
    static double[] refStep(double[] p, double[] g0, double[] buf, double lr, double mom, double wd, boolean nesterov) {
        double[] nb = mom == 0 ? null : new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double g = g0[i] + wd * p[i], d = g;
            if (mom != 0) {
                nb[i] = buf == null ? g : mom * buf[i] + g;
                d = nesterov ? g + mom * nb[i] : nb[i];
            }
            p[i] -= lr * d;
        }
        return nb;
    }

    static void check(double lr, double mom, double wd, boolean nesterov) {
        Tensor p = Tensor.of(OptimizerTest.P0.clone(), 2, 3).requiresGrad(true);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("w", p);
        Sgd opt = new Sgd(params, lr, mom, wd, nesterov);
        // The Tensor-op path (what runs for parameters on a device), on its own copy.
        Sgd opsPath = new Sgd(Map.of("w", Buffers.copyOf(p)), lr, mom, wd, nesterov);
        Tensor q = opsPath.parameters().get("w"), qb = mom == 0 ? null : Buffers.zerosLike(q);
        double[] rp = OptimizerTest.P0.clone(), rb = null;
        for (int k = 1; k <= 6; k++) {
            double[] g = OptimizerTest.grad(rp, k);
            p.setGrad(Tensor.of(g.clone(), 2, 3));
            opt.step();
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                opsPath.tensorOpUpdate(q, Tensor.of(g.clone(), 2, 3), qb, k == 1);
            }
            rb = refStep(rp, g, rb, lr, mom, wd, nesterov);
            String at = "lr " + lr + " momentum " + mom + " wd " + wd + " nesterov " + nesterov + ", step " + k;
            assertArrayEquals(rp, p.toDoubleArray(), 1e-15, at);
            assertArrayEquals(rp, q.toDoubleArray(), 1e-14, "tensor-op path, " + at);
            if (mom != 0) assertArrayEquals(rb, opt.momentumBuffer("w").toDoubleArray(), 1e-15, at);
            else assertNull(opt.momentumBuffer("w"));
        }
    }

    @Test
    void matchesReference() {
        check(0.1, 0, 0, false);
        check(0.05, 0.9, 0, false);
        check(0.05, 0.9, 0.01, false);
        check(0.02, 0.8, 0.001, true);
    }

    @Test
    void firstStepWithMomentumIsPlainSgd() {
        // b = g at the first step, so p1 = p0 - lr g exactly (hand-computed: 1 - 0.5 * 2 = 0, -1 - 0.5 * -4 = 1).
        Tensor p = Tensor.of(new double[] {1, -1}, 2).requiresGrad(true);
        Sgd opt = new Sgd(Map.of("p", p), 0.5, 0.9, 0, false);
        p.setGrad(Tensor.of(new double[] {2, -4}, 2));
        opt.step();
        assertArrayEquals(new double[] {0, 1}, p.toDoubleArray(), 0);
        // second step: b = 0.9 * (2, -4) + (1, 1) = (2.8, -2.6); p = (0, 1) - 0.5 b = (-1.4, 2.3)
        p.setGrad(Tensor.of(new double[] {1, 1}, 2));
        opt.step();
        assertArrayEquals(new double[] {-1.4, 2.3}, p.toDoubleArray(), 1e-15);
    }

    @Test
    void skipsParametersWithoutGradientAndRejectsBadSettings() {
        Tensor p = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Sgd opt = new Sgd(Map.of("p", p), 0.1, 0.9, 0, false);
        opt.step();
        assertArrayEquals(new double[] {1, 2}, p.toDoubleArray());
        assertNull(opt.momentumBuffer("p"));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(Map.of("p", p), -1));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(Map.of("p", p), 0.1, 0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(Map.of("p", p), Double.NaN));
    }
}
