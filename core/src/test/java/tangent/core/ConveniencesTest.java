package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/**
 * The conveniences a NumPy / PyTorch user reaches for: arange, eye, stack, argmax, index_select,
 * select, 1-D matmul, mse_loss, gelu, the pair form of jvp, and printing. Values are checked
 * against loops written here; derivatives against hand-derived formulas (gradcheck cases in
 * OpCases cover them against finite differences).
 */
class ConveniencesTest {
    static Tensor seq(int... s) {
        return TensorTest.seq(s);
    }

    @Test
    void arangeAndEye() {
        assertArrayEquals(new double[] {0, 1, 2, 3}, Tensor.arange(DType.F64, 4).toDoubleArray());
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75}, Tensor.arange(DType.F64, 0, 1, 0.25).toDoubleArray());
        assertArrayEquals(new double[] {3, 1}, Tensor.arange(DType.F64, 3, 0, -2).toDoubleArray());
        assertEquals(0, Tensor.arange(DType.F32, 2, 1, 1).numel());
        assertEquals(DType.F32, Tensor.arange(DType.F32, 3).dtype());
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(DType.F64, 0, 1, 0));
        assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(DType.F64, 3).toDoubleArray());
        assertArrayEquals(new int[] {3, 3}, Tensor.eye(DType.F64, 3).shape());
    }

    @Test
    void stackInsertsAnAxis() {
        Tensor a = seq(2, 3), b = seq(2, 3).mul(10.0);
        Tensor s0 = F.stack(0, a, b), s1 = F.stack(1, a, b), sLast = F.stack(-1, a, b);
        assertArrayEquals(new int[] {2, 2, 3}, s0.shape());
        assertArrayEquals(new int[] {2, 2, 3}, s1.shape());
        assertArrayEquals(new int[] {2, 3, 2}, sLast.shape());
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) {
                assertEquals(a.get(i, j), s0.get(0, i, j));
                assertEquals(b.get(i, j), s0.get(1, i, j));
                assertEquals(b.get(i, j), s1.get(i, 1, j));
                assertEquals(b.get(i, j), sLast.get(i, j, 1));
            }
        Exception e = assertThrows(IllegalArgumentException.class, () -> F.stack(0, a, seq(3, 2)));
        assertTrue(e.getMessage().startsWith("stack: tensor 1 has shape (3, 2)"), e.getMessage());
    }

    @Test
    void argmaxAlongEachAxis() {
        Tensor x = Tensor.of(new double[] {1, 5, 5, 2, 9, 0, -1, 7, 3, 3, 3, 8}, 2, 2, 3);
        assertArrayEquals(new double[] {1, 1, 1, 2}, x.argmax(-1).toDoubleArray(), "first index on ties");
        assertArrayEquals(new double[] {1, 1, 0, 1, 0, 1}, x.argmax(1).toDoubleArray());
        assertArrayEquals(new int[] {2, 3}, x.argmax(0).shape());
        assertArrayEquals(new double[] {0, 1, 0, 1, 0, 1}, x.argmax(0).toDoubleArray());
        assertEquals(2.0, Tensor.of(new double[] {1, 4, Double.NaN, 9}, 4).argmax(0).item(), "NaN counts as largest");
        Tensor p = seq(3).requiresGrad(true);
        assertFalse(p.argmax(0).requiresGrad(), "argmax is a constant");
    }

    @Test
    void indexSelectGathersAndItsGradientSumsRepeats() {
        Tensor t = seq(4, 3).requiresGrad(true);
        Tensor y = t.indexSelect(0, 2, 0, 2);
        assertArrayEquals(new double[] {6, 7, 8, 0, 1, 2, 6, 7, 8}, y.toDoubleArray());
        Tensor w = Tensor.of(new double[] {1, 2, 3}, 3, 1);
        y.mul(w).sum().backward();
        // d/dt[r, c] of sum_i w_i t[idx_i, c]: row 2 gets w_0 + w_2 = 4, row 0 gets w_1 = 2, rows 1, 3 nothing.
        assertArrayEquals(new double[] {2, 2, 2, 0, 0, 0, 4, 4, 4, 0, 0, 0}, t.grad().toDoubleArray());
        Tensor cols = seq(2, 3).indexSelect(1, 2, 1);
        assertArrayEquals(new double[] {2, 1, 5, 4}, cols.toDoubleArray());
        ForwardAD.Jvp j = ForwardAD.jvp(x -> x.indexSelect(0, 1, 1), seq(3), Tensor.of(new double[] {10, 20, 30}, 3));
        assertArrayEquals(new double[] {20, 20}, j.tangent().toDoubleArray());
        Exception e = assertThrows(IllegalArgumentException.class, () -> seq(4, 3).indexSelect(0, 4));
        assertTrue(e.getMessage().startsWith("index_select: index 4"), e.getMessage());
        assertArrayEquals(new double[] {3, 4, 5}, seq(2, 3).select(0, 1).toDoubleArray());
        assertArrayEquals(new double[] {1, 4}, seq(2, 3).select(1, 1).toDoubleArray());
    }

    @Test
    void matmulWithVectorsFollowsNumPy() {
        Tensor m = seq(2, 3), v = Tensor.of(new double[] {1, -1, 2}, 3), u = Tensor.of(new double[] {3, -2}, 2);
        Tensor mv = m.matmul(v), vm = u.matmul(m), dot = v.matmul(v);
        assertArrayEquals(new int[] {2}, mv.shape());
        assertArrayEquals(new double[] {0 - 1 + 4, 3 - 4 + 10}, mv.toDoubleArray());
        assertArrayEquals(new int[] {3}, vm.shape());
        assertArrayEquals(new double[] {3 * 0 - 2 * 3, 3 * 1 - 2 * 4, 3 * 2 - 2 * 5}, vm.toDoubleArray());
        assertEquals(0, dot.dim());
        assertEquals(6.0, dot.item());
        Tensor batch = seq(2, 3, 4);
        assertArrayEquals(new int[] {2, 4}, v.matmul(batch).shape());
        assertEquals(batch.get(1, 0, 2) - batch.get(1, 1, 2) + 2 * batch.get(1, 2, 2), v.matmul(batch).get(1, 2));
        assertArrayEquals(new int[] {2, 3}, batch.matmul(Tensor.ones(DType.F64, 4)).shape());
        assertThrows(IllegalArgumentException.class, () -> v.matmul(u));
        assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(DType.F64, 2).matmul(v));
    }

    @Test
    void mseLoss() {
        Tensor p = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2), t = Tensor.of(new double[] {0, 2, 5, 3}, 2, 2);
        assertEquals((1 + 0 + 4 + 1) / 4.0, F.mseLoss(p, t).item(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> F.mseLoss(p, t.reshape(4)));
    }

    /** erf by its Maclaurin series (converges everywhere; |x| at most 4 here keeps the cancellation below 1e-8). */
    static double erf(double x) {
        double sum = 0, term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void geluIsTheTanhApproximationAndCloseToExact() {
        double[] xs = new double[81];
        for (int i = 0; i < xs.length; i++) xs[i] = -4 + 0.1 * i;
        double[] y = F.gelu(Tensor.of(xs, xs.length)).toDoubleArray();
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            double tanhForm = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            assertEquals(tanhForm, y[i], 1e-12, "x = " + x);
            worst = Math.max(worst, Math.abs(y[i] - 0.5 * x * (1 + erf(x / Math.sqrt(2)))));
        }
        assertTrue(worst < 5e-4, "tanh GELU vs exact: " + worst);
    }

    @Test
    void jvpPairForms() {
        Tensor x = Tensor.of(new double[] {0.3, -1.2}, 2), dx = Tensor.of(new double[] {2, 0.5}, 2);
        ForwardAD.Jvp r = ForwardAD.jvp(Tensor::sin, x, dx);
        assertArrayEquals(new double[] {Math.sin(0.3), Math.sin(-1.2)}, r.primal().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {Math.cos(0.3) * 2, Math.cos(-1.2) * 0.5}, r.tangent().toDoubleArray(), 1e-15);
        Tensor y = Tensor.of(new double[] {4, 5}, 2), dy = Tensor.of(new double[] {1, -1}, 2);
        ForwardAD.Jvp p = ForwardAD.jvp(Tensor::mul, x, y, dx, dy);
        // d(x y) = dx y + x dy
        assertArrayEquals(new double[] {2 * 4 + 0.3 * 1, 0.5 * 5 - 1.2 * -1}, p.tangent().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0, 0}, ForwardAD.jvp(Tensor::mul, x, y, null, null).tangent().toDoubleArray());
    }

    @Test
    void printingSummarisesLargeTensorsAndShowsTangents() {
        assertEquals("tensor([0., 1., 2., ..., 1997., 1998., 1999.], shape=(2000,), dtype=float64)", seq(2000).toString());
        String m = seq(40, 50).toString();
        assertTrue(m.startsWith("tensor([[0., 1., 2., ..., 47., 48., 49.], [50., 51., 52., ..., 97., 98., 99.], "
                + "[100., 101., 102., ..., 147., 148., 149.], ..., [1850., "), m);
        assertTrue(m.endsWith("1997., 1998., 1999.]], shape=(40, 50), dtype=float64)"), m);
        assertTrue(seq(100).toString().startsWith("tensor([0., 1., 2., 3., "), "up to 1000 elements print in full");
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor d = level.dual(seq(2), Tensor.of(new double[] {0.5, 1}, 2));
            assertEquals("tensor([0., 1.], shape=(2,), dtype=float64, tangent@level" + level.id() + "=[0.5000, 1.])", d.toString());
        }
    }
}
