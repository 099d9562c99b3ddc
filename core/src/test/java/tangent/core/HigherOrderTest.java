package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tangent.core.check.SecondOrder;
import tangent.core.check.SecondOrder.Order;

/**
 * Autodiff in every order: forward-over-forward, forward-over-reverse, reverse-over-forward,
 * reverse-over-reverse and the function transforms, on several float64 functions, each against the
 * central difference of the engine's gradient along v with h = 1e-5 (truncation ~h^2 |f''''|,
 * rounding ~1e-16 / h): tolerance 1e-6 relative to the largest entry. The orders agree with each
 * other to rounding (1e-10).
 */
class HigherOrderTest {
    static final double FD_TOL = 1e-6, AGREE_TOL = 1e-10, H = 1e-5;

    /** Every order's H v against the finite difference and against each other; u^T H v by forward-over-forward. */
    static void checkAllOrders(String what, Function<Tensor[], Tensor> f, Tensor[] x, long seed) {
        Rng rng = new Rng(seed);
        Tensor[] v = new Tensor[x.length], u = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            v[i] = rng.normal(DType.F64, x[i].shape());
            u[i] = rng.normal(DType.F64, x[i].shape());
        }
        Tensor[] ref = SecondOrder.hvpFiniteDifference(f, x, v, H);
        double scale = 0;
        for (Tensor r : ref) for (double d : r.toDoubleArray()) scale = Math.max(scale, Math.abs(d));
        assertTrue(scale > 1e-3, what + ": the Hessian along v is ~0, the check could not fail");
        Tensor[] first = null;
        for (Order o : Order.values()) {
            Tensor[] hv = SecondOrder.hvp(o, f, x, v);
            double err = SecondOrder.relErr(hv, ref);
            assertTrue(err <= FD_TOL, what + " " + o + ": H v differs from the finite difference by " + err);
            if (first == null) first = hv;
            else assertTrue(SecondOrder.relErr(hv, first) <= AGREE_TOL, what + " " + o + " disagrees with " + Order.values()[0]);
        }
        double fof = SecondOrder.uHv(f, x, u, v), want = SecondOrder.dot(u, ref);
        assertEquals(want, fof, FD_TOL * Math.max(1, Math.abs(want)), what + " forward-over-forward u^T H v");
    }

    @Test
    void issueExample_sumTanhSquared() {
        // y = sum(tanh(W x + b)^2), differentiated w.r.t. W, x and b together.
        Rng rng = new Rng(1);
        Tensor w = rng.normal(DType.F64, 4, 3), x = rng.normal(DType.F64, 3, 1), b = rng.normal(DType.F64, 4, 1);
        checkAllOrders("tanh", in -> in[0].matmul(in[1]).add(in[2]).tanh().square().sum(), new Tensor[] {w, x, b}, 2);
    }

    @Test
    void tanhMlp() {
        // Two layers on a batch of 5: sum((tanh(x W1^T + b1) W2^T)^2) / 5, w.r.t. the weights and the inputs.
        Rng rng = new Rng(3);
        Tensor x = rng.normal(DType.F64, 5, 3), w1 = rng.normal(DType.F64, 6, 3), b1 = rng.normal(DType.F64, 6);
        Tensor w2 = rng.normal(DType.F64, 2, 6);
        checkAllOrders("mlp", in -> F.linear(F.linear(in[0], in[1], in[2]).tanh(), in[3], null).square().mean(),
                new Tensor[] {x, w1, b1, w2}, 4);
    }

    @Test
    void convGroupNormSilu() {
        Rng rng = new Rng(5);
        Tensor x = rng.normal(DType.F64, 2, 4, 5, 5), w = rng.normal(DType.F64, 4, 4, 3, 3).mul(0.3);
        Tensor bias = rng.normal(DType.F64, 4), gamma = rng.normal(DType.F64, 4), beta = rng.normal(DType.F64, 4);
        checkAllOrders("conv-gn-silu", in -> F.groupNorm(F.conv2d(in[0], in[1], in[2], 1, 1), 2, in[3], in[4], 1e-5).silu()
                .square().mean(), new Tensor[] {x, w, bias, gamma, beta}, 6);
    }

    @Test
    void attention() {
        // softmax(q k^T / sqrt d) v for a batch of 2, 4 tokens, d = 3.
        Rng rng = new Rng(7);
        Tensor q = rng.normal(DType.F64, 2, 4, 3), k = rng.normal(DType.F64, 2, 4, 3), v = rng.normal(DType.F64, 2, 4, 3);
        checkAllOrders("attention", in -> F.softmax(in[0].matmul(in[1].transpose(1, 2)).mul(1 / Math.sqrt(3)), 2)
                .matmul(in[2]).tanh().sum(), new Tensor[] {q, k, v}, 8);
    }

    @Test
    void reverseOverForwardKeepsTheTangentsGradient() {
        // L(w) = sum(y * dy), y = tanh(w x), dy its JVP along x-direction u: the tangent depends on w.
        // The issue's example got the gradient wrong by dropping d(dy)/dw; compare with finite differences.
        Rng rng = new Rng(9);
        Tensor w = rng.normal(DType.F64, 3, 3), x = rng.normal(DType.F64, 3, 2), u = rng.normal(DType.F64, 3, 2);
        Function<Tensor[], Tensor> loss = in -> {
            Tensor[] yd = ForwardAD.jvp(xs -> in[0].matmul(xs[0]).tanh(), new Tensor[] {x}, new Tensor[] {u}, true);
            return yd[0].mul(yd[1]).sum();
        };
        Tensor[] g = SecondOrder.gradient(loss, new Tensor[] {w});
        double[] fd = new double[9], base = w.toDoubleArray();
        for (int j = 0; j < 9; j++) {
            double[] p = base.clone(), m = base.clone();
            p[j] += H;
            m[j] -= H;
            fd[j] = (loss.apply(new Tensor[] {Tensor.of(p, 3, 3)}).item() - loss.apply(new Tensor[] {Tensor.of(m, 3, 3)}).item()) / (2 * H);
        }
        assertTrue(SecondOrder.relErr(g, new Tensor[] {Tensor.of(fd, 3, 3)}) < FD_TOL);
    }

    @Test
    void anUntapedTangentInARecordedComputationIsRefused() {
        Rng rng = new Rng(11);
        Tensor w = rng.normal(DType.F64, 3, 3).requiresGrad(true), x = rng.normal(DType.F64, 3, 1), u = x.onesLike();
        Tensor[] yd = ForwardAD.jvp(xs -> w.matmul(xs[0]).tanh(), new Tensor[] {x}, new Tensor[] {u});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> yd[0].mul(yd[1]));
        assertTrue(e.getMessage().contains("detach()") && e.getMessage().contains("ForwardAD.enter(true)"), e.getMessage());
        // Also after an unrecorded op on the tangent alone (the mark follows it).
        Tensor scaled = yd[1].mul(2.0).exp();
        assertThrows(IllegalStateException.class, () -> yd[0].add(scaled));
        // detach() makes it a constant on purpose (the sCM step's stop-gradient): then the gradient flows through y only.
        Tensor loss = yd[0].mul(yd[1].detach()).sum();
        Tensor gw = Autograd.grad(loss, new Tensor[] {w}, null, false)[0];
        assertNotNull(gw);
        // A tangent that does not depend on the tape is an ordinary constant.
        Tensor c = Tensor.of(new double[] {1, 2, 3}, 3, 1);
        Tensor[] free = ForwardAD.jvp(xs -> xs[0].sin(), new Tensor[] {c}, new Tensor[] {c.onesLike()});
        assertDoesNotThrow(() -> w.matmul(free[1]).sum());
    }

    @Test
    void closingALevelDropsItsTangentsFromTheTape() {
        // A backward pass after the level closed is plain first order: the gradient carries no tangent
        // and matches the gradient computed without any dual level.
        Rng rng = new Rng(13);
        Tensor x = rng.normal(DType.F64, 4).requiresGrad(true), v = rng.normal(DType.F64, 4);
        Tensor y;
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            y = level.primal(level.dual(x, v).sin().square().sum());
        }
        Tensor g = Autograd.grad(y, new Tensor[] {x}, null, false)[0];
        Tensor want = x.detach().sin().mul(x.detach().cos()).mul(2.0);
        ForwardADTest.close(want, g, 1e-14);
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            assertEquals(0.0, level.tangent(g).abs().sum().item());
        }
    }

    @Test
    void backwardInsideALevelAccumulatesDualGradients() {
        // .backward() inside a dual level: the leaf's .grad carries the tangent (H v), as grad() does.
        Rng rng = new Rng(15);
        Tensor x = rng.normal(DType.F64, 5).requiresGrad(true), v = rng.normal(DType.F64, 5);
        Function<Tensor[], Tensor> f = in -> in[0].tanh().pow(3).sum();
        Tensor[] ref = SecondOrder.hvpFiniteDifference(f, new Tensor[] {x.detach()}, new Tensor[] {v}, H);
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            f.apply(new Tensor[] {level.dual(x, v)}).backward();
            assertTrue(SecondOrder.relErr(new Tensor[] {level.tangent(x.grad())}, ref) < FD_TOL);
        }
    }

    @Test
    void thirdOrderByNestingTransforms() {
        // d3/dx3 of sin at several points = -cos x, by grad(grad(grad)) summed over elements.
        Tensor x = Tensor.of(new double[] {-1.2, 0.1, 0.9, 2.0}, 4);
        Transforms.Fn f = in -> in[0].sin().sum();
        Transforms.Fn g1 = in -> Transforms.grad(f).apply(in).sum();
        Transforms.Fn g2 = in -> Transforms.grad(g1).apply(in).sum();
        ForwardADTest.close(x.cos().neg(), Transforms.grad(g2).apply(x), 1e-12);
        // and forward-over-reverse-over-reverse: jvp of grad of grad, along ones
        Tensor t = Transforms.jvp(Transforms.grad(g1), x, x.onesLike()).tangent();
        ForwardADTest.close(x.cos().neg(), t, 1e-12);
    }

    @Test
    void transformsValuesAndJacobians() {
        Rng rng = new Rng(17);
        Tensor a = rng.normal(DType.F64, 3, 4), x = rng.normal(DType.F64, 4);
        Transforms.Fn f = in -> a.matmul(in[0].reshape(4, 1)).tanh().reshape(3);
        Tensor jf = Transforms.jacobian(f, x, Transforms.Mode.FORWARD), jr = Transforms.jacobian(f, x, Transforms.Mode.REVERSE);
        assertArrayEquals(new int[] {3, 4}, jf.shape());
        // J = diag(1 - tanh(a x)^2) a, computed independently
        Tensor s = a.matmul(x.reshape(4, 1)).tanh();
        Tensor want = s.square().rsub(1.0).mul(a);
        ForwardADTest.close(want, jf, 1e-13);
        ForwardADTest.close(want, jr, 1e-13);
        Transforms.ValueAndGrad vg = Transforms.valueAndGrad(in -> f.apply(in).sum(), new Tensor[] {x});
        ForwardADTest.close(f.apply(x).sum(), vg.value(), 0);
        ForwardADTest.close(want.sum(new int[] {0}, false), vg.grads()[0], 1e-13);
        Transforms.Vjp p = Transforms.vjp(f, x);
        Tensor w = rng.normal(DType.F64, 3);
        ForwardADTest.close(w.reshape(1, 3).matmul(want).reshape(4), p.pullback().apply(w)[0], 1e-13);
        ForwardADTest.close(w.reshape(1, 3).matmul(want).reshape(4), p.pullback().apply(w)[0], 1e-13); // twice
        assertThrows(IllegalStateException.class, () -> {
            try (GradMode.Scope off = GradMode.noGrad()) {
                Transforms.grad(in -> in[0].sum()).apply(x);
            }
        });
    }
}
