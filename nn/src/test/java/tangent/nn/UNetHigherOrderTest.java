package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.Autograd;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.core.check.SecondOrder;

/**
 * Second derivatives through the reduced float64 U-Net of {@link UNetDiffTest} (attention, GroupNorm,
 * SiLU, up/down sampling), in every order of the two modes, against central differences (h = 1e-5)
 * of the engine's first-order gradients: tolerance 1e-6 relative to the largest entry.
 */
class UNetHigherOrderTest {
    static final double H = 1e-5, TOL = 1e-6;
    final Rng rng = new Rng(7);
    final Tensor x = rng.normal(DType.F64, 2, 2, 8, 8), t = Tensor.of(new double[] {0.3, 1.2}, 2);
    final Tensor w = rng.normal(DType.F64, 2, 2, 8, 8);
    final Tensor vx = rng.normal(DType.F64, 2, 2, 8, 8), vt = Tensor.of(new double[] {0.5, -0.8}, 2);

    @Test
    void hessianVectorProductWrtInputsInEveryOrder() {
        UNet net = new UNet(UNetDiffTest.TINY, DType.F64, 1);
        Function<Tensor[], Tensor> f = in -> net.forward(in[0], in[1]).mul(w).sum();
        Tensor[] xs = {x, t}, v = {vx, vt};
        Tensor[] ref = SecondOrder.hvpFiniteDifference(f, xs, v, H);
        for (SecondOrder.Order o : SecondOrder.Order.values()) {
            double err = SecondOrder.relErr(SecondOrder.hvp(o, f, xs, v), ref);
            assertTrue(err <= TOL, o + ": " + err);
        }
        double fof = SecondOrder.uHv(f, xs, v, v), want = SecondOrder.dot(v, ref);
        assertEquals(want, fof, TOL * Math.max(1, Math.abs(want)), "forward-over-forward v^T H v");
    }

    @Test
    void mixedInputParameterSecondDerivatives() {
        // d/dtheta <grad_x L, v> = (grad_theta L(x + h v) - grad_theta L(x - h v)) / 2h, by
        // reverse-over-reverse (createGraph) and by forward-over-reverse (theta's gradient inside a
        // dual level along v).
        UNet net = new UNet(UNetDiffTest.TINY, DType.F64, 3);
        List<Tensor> params = net.parameters();
        Tensor[] theta = params.toArray(new Tensor[0]);
        Tensor[] ref;
        {
            Tensor[] gp = paramGrad(net, x.add(vx.mul(H))), gm = paramGrad(net, x.sub(vx.mul(H)));
            ref = new Tensor[theta.length];
            for (int i = 0; i < theta.length; i++) ref[i] = gp[i].sub(gm[i]).mul(1 / (2 * H));
        }
        Tensor[] ror;
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor xl = Tensor.of(x.toDoubleArray(), x.shape()).requiresGrad(true);
            Tensor gx = Autograd.grad(net.forward(xl, t).mul(w).sum(), new Tensor[] {xl}, null, false, true)[0];
            ror = Autograd.grad(gx.mul(vx).sum(), theta, null, false);
        }
        // null: <grad_x L, v> does not depend on that parameter (e.g. the output bias): zero
        for (int i = 0; i < theta.length; i++) if (ror[i] == null) ror[i] = theta[i].detach().zerosLike();
        Tensor[] forOut = new Tensor[theta.length];
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor[] g = Autograd.grad(net.forward(level.dual(x, vx), t).mul(w).sum(), theta, null, false);
            for (int i = 0; i < theta.length; i++) forOut[i] = level.tangent(g[i]);
        }
        double scale = 0;
        for (Tensor r : ref) scale = Math.max(scale, r.abs().max().item());
        assertTrue(scale > 1e-3, "the mixed derivative is ~0: the check could not fail");
        assertTrue(SecondOrder.relErr(ror, ref) <= TOL, "reverse-over-reverse: " + SecondOrder.relErr(ror, ref));
        assertTrue(SecondOrder.relErr(forOut, ref) <= TOL, "forward-over-reverse: " + SecondOrder.relErr(forOut, ref));
    }

    private Tensor[] paramGrad(UNet net, Tensor xin) {
        List<Tensor> params = net.parameters();
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor y = net.forward(xin, t).mul(w).sum();
            return Autograd.grad(y, params.toArray(new Tensor[0]), null, false);
        }
    }
}
