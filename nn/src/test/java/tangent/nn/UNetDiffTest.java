package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.layers.Dropout;
import tangent.nn.layers.ResBlock;

/**
 * Differentiation of a reduced U-Net in float64: ch 8, res 8, mult (1, 2, 2), 1 block, so that
 * attention runs at 2x2 (level 2) and in the middle block, and GroupNorm runs with 2-6 groups.
 */
class UNetDiffTest {
    static final UNetConfig TINY = new UNetConfig(2, 8, 8, new int[] {1, 2, 2}, 1, 0.0);
    final Rng rng = new Rng(42);
    final Tensor x = rng.normal(DType.F64, 2, 2, 8, 8);
    final Tensor t = Tensor.of(new double[] {0.3, 1.2}, 2);
    final Tensor dx = rng.normal(DType.F64, 2, 2, 8, 8);
    final Tensor dt = Tensor.of(new double[] {0.7, -0.4}, 2);
    final Tensor w = rng.normal(DType.F64, 2, 2, 8, 8);

    @Test
    void tinyConfigHasAttentionAtLevelTwoAndInTheMiddle() {
        UNet net = new UNet(TINY, DType.F64, 1);
        int attn = 0;
        for (ResBlock b : net.modulesOfType(ResBlock.class)) if (b.attn != null) attn++;
        assertEquals(1 + 1 + 2, attn); // down level 2 (1 block), mid.0, up level 2 (2 blocks)
    }

    @Test
    void jvpWrtXAndTMatchesFiniteDifferences() {
        UNet net = new UNet(TINY, DType.F64, 1);
        DiffCheck.checkJvp(net, x, t, dx, dt, 1e-6);
        DiffCheck.checkJvp(net, x, t, x.zerosLike(), dt, 1e-6); // time direction only (dF/dt)
    }

    @Test
    void gradientsOfEveryParameterMatchFiniteDifferences() {
        UNet net = new UNet(TINY, DType.F64, 3);
        int n = DiffCheck.checkParamGrads(net, () -> net.forward(x, t).mul(w).sum(), 2, 1e-6, 5);
        assertTrue(n > 100, "checked " + n);
    }

    @Test
    void gradientWrtInputsMatchesJvp() {
        // <grad_x L, dx> + <grad_t L, dt> = d/dh L(x + h dx, t + h dt) = <w, J (dx, dt)>
        UNet net = new UNet(TINY, DType.F64, 1);
        Tensor xi = Tensor.of(x.toDoubleArray(), x.shape()).requiresGrad(true);
        Tensor ti = Tensor.of(t.toDoubleArray(), 2).requiresGrad(true);
        Tensor[] g = Autograd.grad(net.forward(xi, ti).mul(w).sum(), new Tensor[] {xi, ti}, null, false);
        double lhs = g[0].mul(dx).sum().item() + g[1].mul(dt).sum().item();
        Tensor dy;
        try (var ng = GradMode.noGrad()) {
            dy = ForwardAD.jvp(in -> net.forward(in[0], in[1]), new Tensor[] {x, t}, new Tensor[] {dx, dt})[1];
        }
        double rhs = dy.mul(w).sum().item();
        assertEquals(rhs, lhs, 1e-10 * Math.abs(rhs));
    }

    static List<double[]> grads(Module m) {
        List<double[]> out = new ArrayList<>();
        for (Tensor p : m.parameters()) out.add(p.grad().toDoubleArray());
        return out;
    }

    /** One forward inside a dual level with recording on: taped primal + untaped tangent. */
    void checkCombinedPass(UNet net) {
        Tensor yC, dyC;
        net.zeroGrad();
        try (ForwardAD.DualLevel L = ForwardAD.enter()) {
            Tensor y = net.forward(L.dual(x, dx), L.dual(t, dt));
            dyC = L.tangent(y);
            yC = L.primal(y);
            assertFalse(dyC.requiresGrad(), "the tangent must not be on the tape");
            yC.mul(w).sum().backward();
        }
        List<double[]> gC = grads(net);
        net.freezeDropoutMasks(true); // replays the same masks in the separate passes
        net.zeroGrad();
        Tensor yS = net.forward(x, t);
        yS.mul(w).sum().backward();
        List<double[]> gS = grads(net);
        Tensor dyS;
        try (var ng = GradMode.noGrad()) {
            dyS = ForwardAD.jvp(in -> net.forward(in[0], in[1]), new Tensor[] {x, t}, new Tensor[] {dx, dt})[1];
        }
        net.freezeDropoutMasks(false);
        assertArrayEquals(yS.toDoubleArray(), yC.toDoubleArray(), 1e-13);
        assertArrayEquals(dyS.toDoubleArray(), dyC.toDoubleArray(), 1e-12);
        for (int i = 0; i < gC.size(); i++) assertArrayEquals(gS.get(i), gC.get(i), 1e-12, "gradient " + i);
        net.zeroGrad();
    }

    @Test
    void combinedPassMatchesSeparateForwardBackwardAndJvp() {
        checkCombinedPass(new UNet(TINY, DType.F64, 9));
    }

    @Test
    void combinedPassWithDropoutSharesMasksBetweenPrimalAndTangent() {
        UNet net = new UNet(TINY.withDropout(0.3), DType.F64, 9);
        net.train(true);
        checkCombinedPass(net);
        // the masks were really drawn and are not all ones
        Dropout d = net.modulesOfType(Dropout.class).get(0);
        double[] mask = d.lastMask().toDoubleArray();
        double kept = 0;
        for (double v : mask) kept += v;
        assertTrue(kept > 0 && kept < mask.length);
        // with masks frozen, the jvp matches finite differences
        net.freezeDropoutMasks(true);
        DiffCheck.checkJvp(net, x, t, dx, dt, 1e-6);
        net.freezeDropoutMasks(false);
        // eval mode: deterministic, no masks drawn
        net.train(false);
        long c = net.dropoutRng().counter();
        try (var ng = GradMode.noGrad()) {
            assertArrayEquals(net.forward(x, t).toDoubleArray(), net.forward(x, t).toDoubleArray(), 0);
        }
        assertEquals(c, net.dropoutRng().counter());
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        UNet n64 = new UNet(TINY, DType.F64, 4), n32 = new UNet(TINY, DType.F32, 4);
        try (var ng = GradMode.noGrad()) {
            double[] a = n64.forward(x, t).toDoubleArray();
            double[] b = n32.forward(x.to(DType.F32), t.to(DType.F32)).toDoubleArray();
            assertTrue(DiffCheck.maxAbsDiff(a, b) < 1e-4 * (1 + DiffCheck.maxAbs(a)), "f32 vs f64 " + DiffCheck.maxAbsDiff(a, b));
        }
    }

    @Test
    void adaptiveWeightStartsAtZeroAndIsDifferentiable() {
        AdaptiveWeight aw = new AdaptiveWeight(DType.F64);
        Tensor tt = Tensor.of(new double[] {0.1, 0.5, 1.5}, 3);
        assertArrayEquals(new double[3], aw.forward(tt).toDoubleArray(), 0);
        assertArrayEquals(new int[] {1, 128}, aw.namedParameters().get("fc.weight").shape());
        aw.forward(tt).exp().sum().backward();
        assertEquals(3.0, aw.fc.bias().grad().item(), 1e-12);
        // weight gradient = sum_b emb(t_b) (exp(0) = 1)
        Tensor emb = aw.pos.forward(tt).sum(0, false);
        assertArrayEquals(emb.toDoubleArray(), aw.fc.weight().grad().reshape(128).toDoubleArray(), 1e-12);
        Map<String, Tensor> p = aw.namedParameters();
        p.get("fc.weight").copyFrom(Rng_uniform(128));
        DiffCheck.checkParamGrads(aw, () -> aw.forward(tt).exp().mul(aw.forward(tt)).sum(), 3, 1e-6, 1);
    }

    static Tensor Rng_uniform(int n) {
        return new Rng(3).uniform(DType.F64, -0.1, 0.1, 1, n);
    }
}
