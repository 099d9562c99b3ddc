package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Forward mode: nested levels, perturbation confusion, second derivatives, the sCM combined pass. Tolerances 1e-12 (float64, same math in a different order). */
class ForwardADTest {
    static final double TOL = 1e-12;

    static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++)
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), "element " + i);
    }

    @Test
    void secondDerivativeOfSin() {
        Tensor x = Tensor.of(new double[] {-0.7, 0.3, 1.1, 2.5}, 4), one = x.onesLike();
        Tensor[] outer = ForwardAD.jvp(xo -> ForwardAD.jvp(xi -> xi[0].sin(), new Tensor[] {xo[0]}, new Tensor[] {one})[1],
                new Tensor[] {x}, new Tensor[] {one});
        close(x.cos(), outer[0], TOL); // the primal of the outer jvp is the first derivative
        close(x.sin().neg(), outer[1], TOL); // d2/dx2 sin x = -sin x
    }

    @Test
    void perturbationConfusionClosedOverVariable() {
        // f(x) = d/dy [x * y] at y = x  (= x), so f'(x) = 1. Mixing the two levels' tangents gives 2.
        Tensor x = Tensor.of(new double[] {3.0}, 1), one = x.onesLike();
        Tensor[] r = ForwardAD.jvp(xs -> ForwardAD.jvp(ys -> ys[0].mul(xs[0]), new Tensor[] {xs[0]}, new Tensor[] {one})[1],
                new Tensor[] {x}, new Tensor[] {one});
        assertEquals(3.0, r[0].item(), TOL);
        assertEquals(1.0, r[1].item(), TOL);
    }

    @Test
    void perturbationConfusionSiskindPearlmutter() {
        // D(x -> x * D(y -> x + y)(1))(1) = 1 (a naive implementation gets 2).
        Tensor one = Tensor.of(new double[] {1.0}, 1);
        Tensor[] r = ForwardAD.jvp(xs -> xs[0].mul(ForwardAD.jvp(ys -> xs[0].add(ys[0]), new Tensor[] {one},
                new Tensor[] {one})[1]), new Tensor[] {one}, new Tensor[] {one});
        assertEquals(1.0, r[1].item(), TOL);
    }

    @Test
    void jvpOfJvpOfMatmulIsTheBilinearCrossTerm() {
        Rng rng = new Rng(5);
        Tensor a = rng.normal(DType.F64, 3, 4), b = rng.normal(DType.F64, 4, 2);
        Tensor da1 = rng.normal(DType.F64, 3, 4), db1 = rng.normal(DType.F64, 4, 2);
        Tensor da2 = rng.normal(DType.F64, 3, 4), db2 = rng.normal(DType.F64, 4, 2);
        Tensor[] r = ForwardAD.jvp(o -> ForwardAD.jvp(i -> i[0].matmul(i[1]), o, new Tensor[] {da2, db2})[1],
                new Tensor[] {a, b}, new Tensor[] {da1, db1});
        close(da2.matmul(b).add(a.matmul(db2)), r[0], TOL); // inner tangent
        close(da1.matmul(db2).add(da2.matmul(db1)), r[1], TOL); // d2 (AB) = dA1 dB2 + dA2 dB1
    }

    @Test
    void jvpOfJvpOfConv2dIsTheBilinearCrossTerm() {
        Rng rng = new Rng(6);
        Tensor x = rng.normal(DType.F64, 2, 3, 5, 5), w = rng.normal(DType.F64, 4, 3, 3, 3);
        Tensor dx1 = rng.normal(DType.F64, 2, 3, 5, 5), dw1 = rng.normal(DType.F64, 4, 3, 3, 3);
        Tensor dx2 = rng.normal(DType.F64, 2, 3, 5, 5), dw2 = rng.normal(DType.F64, 4, 3, 3, 3);
        Tensor[] r = ForwardAD.jvp(o -> ForwardAD.jvp(i -> F.conv2d(i[0], i[1], null, 2, 1), o, new Tensor[] {dx2, dw2})[1],
                new Tensor[] {x, w}, new Tensor[] {dx1, dw1});
        Tensor cross = F.conv2d(dx1, dw2, null, 2, 1).add(F.conv2d(dx2, dw1, null, 2, 1));
        close(cross, r[1], 1e-11);
    }

    @Test
    void zeroTangentIsZerosAndLevelsCloseInOrder() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2), c = Tensor.of(new double[] {5, 6}, 2);
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor y = c.mul(2.0);
            assertArrayEquals(new double[] {0, 0}, l.tangent(y).toDoubleArray());
            Tensor z = l.dual(x, c).mul(c);
            assertArrayEquals(new double[] {25, 36}, l.tangent(z).toDoubleArray());
        }
        ForwardAD.DualLevel outer = ForwardAD.enter();
        ForwardAD.DualLevel inner = ForwardAD.enter();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("reverse order"), e.getMessage());
        inner.close();
        outer.close();
        assertThrows(IllegalStateException.class, () -> inner.dual(x, c));
    }

    @Test
    void tangentShapeMismatchNamesJvpAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ForwardAD.jvp(in -> in[0],
                new Tensor[] {Tensor.zeros(DType.F64, 2, 3)}, new Tensor[] {Tensor.zeros(DType.F64, 3, 2)}));
        assertTrue(e.getMessage().contains("jvp") && e.getMessage().contains("(3, 2)") && e.getMessage().contains("(2, 3)"),
                e.getMessage());
    }

    /** A small U-Net-like block: conv, group norm, silu, conv; parameters w1, gamma, w2. */
    static Tensor block(Tensor x, Tensor w1, Tensor gamma, Tensor w2) {
        Tensor h = F.conv2d(x, w1, null, 1, 1);
        h = F.groupNorm(h, 2, gamma, null, 1e-5).silu();
        return F.conv2d(h, w2, null, 1, 1).add(x);
    }

    @Test
    void combinedPassMatchesSeparateJvpAndSeparateBackward() {
        // The sCM step: one pass inside a dual level with recording on gives a taped primal and an
        // untaped tangent; the loss uses the tangent as a constant, said with detach() (used as it
        // is, a recorded op refuses it: its gradient through the parameters would be dropped).
        Rng rng = new Rng(7);
        Tensor x = rng.normal(DType.F64, 2, 4, 4, 4), dx = rng.normal(DType.F64, 2, 4, 4, 4);
        Tensor w1 = rng.normal(DType.F64, 4, 4, 3, 3).mul(0.3).requiresGrad(true);
        Tensor gamma = rng.normal(DType.F64, 4).requiresGrad(true);
        Tensor w2 = rng.normal(DType.F64, 4, 4, 3, 3).mul(0.3).requiresGrad(true);

        Tensor y, dy;
        try (ForwardAD.DualLevel l = ForwardAD.enter()) {
            Tensor out = block(l.dual(x, dx), w1, gamma, w2);
            y = l.primal(out);
            dy = l.tangent(out);
        }
        assertTrue(y.requiresGrad(), "the primal stays on the tape");
        assertFalse(dy.requiresGrad(), "tangents are never recorded");
        Tensor dyUntaped = dy;
        assertThrows(IllegalStateException.class, () -> y.mul(dyUntaped));
        Tensor loss = y.mul(dy.detach()).sum();
        List<Op> taped = Autograd.recordedOps(loss);
        loss.backward();

        // Separate jvp (parameters detached) gives the same tangent and primal.
        Tensor[] ref = ForwardAD.jvp(in -> block(in[0], w1.detach(), gamma.detach(), w2.detach()), new Tensor[] {x},
                new Tensor[] {dx});
        close(ref[0], y, TOL);
        close(ref[1], dy, TOL);

        // Separate forward + backward with the tangent as a constant gives the same gradients,
        // and the same tape (no tangent op was recorded).
        Tensor w1b = w1.detach().requiresGrad(true), gb = gamma.detach().requiresGrad(true), w2b = w2.detach().requiresGrad(true);
        Tensor loss2 = block(x, w1b, gb, w2b).mul(ref[1]).sum();
        assertEquals(Autograd.recordedOps(loss2).size(), taped.size());
        loss2.backward();
        close(w1b.grad(), w1.grad(), 1e-11);
        close(gb.grad(), gamma.grad(), 1e-11);
        close(w2b.grad(), w2.grad(), 1e-11);
        close(loss2, loss, 1e-12);
    }
}
