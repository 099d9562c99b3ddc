package tangent.scm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.nn.Module;

/**
 * float64: the one-pass sCT/sCD step (one dual forward giving taped F and untaped J) against the
 * two-pass form (a separate ForwardAD.jvp for J, a separate taped forward for F), with g, the loss
 * and its gradients redone in plain double arithmetic:
 *   dL/dtheta = sum_b (exp(w_b) / (B D)) (-2 g_b) . dF_b/dtheta,
 *   dL/dw_b   = (exp(w_b) / D ||g_b||^2 - 1) / B.
 */
class ScmOnePassStepTest {
    static final int B = 3, C = 1, H = 2, W = 3, D = C * H * W;
    static final double SIGMA = 0.5;

    /** w(t) = a t + c, two scalar parameters. */
    static final class LinearWeight extends Module {
        final Tensor a = param("a", Tensor.full(DType.F64, 0.3, 1));
        final Tensor c = param("c", Tensor.full(DType.F64, -0.2, 1));

        Tensor forward(Tensor t) {
            return t.mul(a).add(c);
        }
    }

    @Test
    void sctOnePassMatchesTwoPass() {
        check(ScmObjective.Method.SCT, 2500);
    }

    @Test
    void sctOnePassMatchesTwoPassAfterWarmup() {
        check(ScmObjective.Method.SCT, 20000);
    }

    @Test
    void scdOnePassMatchesTwoPass() {
        check(ScmObjective.Method.SCD, 7000);
    }

    void check(ScmObjective.Method method, long step) {
        TrigFlow tf = TrigFlow.defaults();
        TinyNet net = new TinyNet(D, 5, DType.F64, 11);
        TinyNet teacher = new TinyNet(D, 4, DType.F64, 12);
        LinearWeight wHead = new LinearWeight();
        double[] x0d = TrigFlowFormulasTest.rand(21, B * D, 1), zd = TrigFlowFormulasTest.rand(22, B * D, 0.5);
        double[] t = {0.2, 0.9, 1.4};
        Tensor x0 = Tensor.of(x0d, B, C, H, W), z = Tensor.of(zd, B, C, H, W), tt = Tensor.of(t, B);

        // ---- one pass (the code under test) ----
        ScmObjective obj = new ScmObjective(tf, method, net, wHead::forward, method == ScmObjective.Method.SCD ? teacher : null);
        Tensor loss = obj.loss(x0, z, tt, step);
        loss.backward();
        List<Tensor> params = net.parameters();
        double[][] got = new double[params.size()][];
        for (int i = 0; i < params.size(); i++) got[i] = params.get(i).grad().toDoubleArray();
        double gotA = wHead.a.grad().item(), gotC = wHead.c.grad().item();
        net.zeroGrad();

        // ---- two-pass reference ----
        double r = Math.min(1.0, step / 10000.0);
        double[] xt = new double[B * D], v = new double[B * D];
        for (int b = 0; b < B; b++)
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                xt[k] = Math.cos(t[b]) * x0d[k] + Math.sin(t[b]) * zd[k];
                v[k] = Math.cos(t[b]) * zd[k] - Math.sin(t[b]) * x0d[k];
            }
        Tensor xtT = Tensor.of(xt, B, C, H, W);
        if (method == ScmObjective.Method.SCD) {
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                v = teacher.forward(xtT.div(SIGMA), tt).mul(SIGMA).toDoubleArray();
            }
        }
        double[] dx = new double[B * D], dt = new double[B];
        for (int b = 0; b < B; b++) {
            double cs = Math.cos(t[b]) * Math.sin(t[b]);
            dt[b] = cs;
            for (int i = 0; i < D; i++) dx[b * D + i] = cs * v[b * D + i] / SIGMA;
        }
        double[] jac;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            jac = ForwardAD.jvp(a -> net.forward(a[0], a[1]), new Tensor[] {xtT.div(SIGMA), tt},
                    new Tensor[] {Tensor.of(dx, B, C, H, W), Tensor.of(dt, B)})[1].toDoubleArray();
        }
        Tensor fTaped = net.forward(xtT.div(SIGMA), tt);
        double[] fm = fTaped.detach().toDoubleArray();
        double[] g = new double[B * D], seed = new double[B * D];
        double expectedLoss = 0, gradA = 0, gradC = 0;
        for (int b = 0; b < B; b++) {
            double c = Math.cos(t[b]), s = Math.sin(t[b]), ss = 0;
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                g[k] = -c * c * (SIGMA * fm[k] - v[k]) - r * (c * s * xt[k] + SIGMA * jac[k]);
                ss += g[k] * g[k];
            }
            double norm = Math.sqrt(ss) + 0.1, gn2 = 0;
            for (int i = 0; i < D; i++) {
                g[b * D + i] /= norm;
                gn2 += g[b * D + i] * g[b * D + i];
            }
            double wb = 0.3 * t[b] - 0.2;
            expectedLoss += (Math.exp(wb) / D * gn2 - wb) / B;
            double dw = (Math.exp(wb) / D * gn2 - 1) / B;
            gradA += dw * t[b];
            gradC += dw;
            for (int i = 0; i < D; i++) seed[b * D + i] = Math.exp(wb) / (B * D) * (-2 * g[b * D + i]);
        }
        Autograd.backward(fTaped, Tensor.of(seed, B, C, H, W), false);

        assertEquals(expectedLoss, loss.item(), 1e-12, "loss value");
        assertEquals(gradA, gotA, 1e-12, "dL/da of w(t)");
        assertEquals(gradC, gotC, 1e-12, "dL/dc of w(t)");
        for (int i = 0; i < params.size(); i++) {
            double[] exp = params.get(i).grad().toDoubleArray();
            for (int j = 0; j < exp.length; j++)
                assertEquals(exp[j], got[i][j], 1e-12 * Math.max(1, Math.abs(exp[j])), "param " + i + " element " + j);
        }
        // the gradient is not trivially zero
        double sum = 0;
        for (double[] gg : got) for (double x : gg) sum += Math.abs(x);
        assertTrue(sum > 1e-3, "gradients should be non-zero, got sum |g| = " + sum);
    }

    @Test
    void teacherLossValueAndGradient() {
        TrigFlow tf = TrigFlow.defaults();
        TinyNet net = new TinyNet(D, 5, DType.F64, 13);
        LinearWeight wHead = new LinearWeight();
        double[] x0d = TrigFlowFormulasTest.rand(31, B * D, 1), zd = TrigFlowFormulasTest.rand(32, B * D, 0.5);
        double[] t = {0.3, 0.7, 1.2};
        Tensor tt = Tensor.of(t, B);
        Tensor loss = new ScmObjective(tf, ScmObjective.Method.TEACHER, net, wHead::forward, null)
                .loss(Tensor.of(x0d, B, C, H, W), Tensor.of(zd, B, C, H, W), tt, 0);
        double[] xt = new double[B * D], v = new double[B * D];
        for (int b = 0; b < B; b++)
            for (int i = 0; i < D; i++) {
                int k = b * D + i;
                xt[k] = Math.cos(t[b]) * x0d[k] + Math.sin(t[b]) * zd[k];
                v[k] = Math.cos(t[b]) * zd[k] - Math.sin(t[b]) * x0d[k];
            }
        double[] f;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            f = net.forward(Tensor.of(xt, B, C, H, W).div(SIGMA), tt).toDoubleArray();
        }
        double expected = 0;
        for (int b = 0; b < B; b++) {
            double ss = 0;
            for (int i = 0; i < D; i++) {
                double e = SIGMA * f[b * D + i] - v[b * D + i];
                ss += e * e;
            }
            double wb = 0.3 * t[b] - 0.2;
            expected += (Math.exp(wb) / D * ss - wb) / B;
        }
        assertEquals(expected, loss.item(), 1e-12);
        loss.backward();
        assertNotNull(net.w1.grad());
        assertNotNull(wHead.a.grad());
    }
}
