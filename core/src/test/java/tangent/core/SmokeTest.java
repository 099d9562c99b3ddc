package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void basics() {
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new double[] {10, 20, 30}, 3);
        assertArrayEquals(new double[] {11, 22, 33, 14, 25, 36}, a.add(b).toDoubleArray());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, a.transpose(0, 1).contiguous().toDoubleArray());
        assertArrayEquals(new double[] {5, 7, 9}, a.sum(0, false).toDoubleArray());
        assertArrayEquals(new double[] {6, 15}, a.sum(1, false).toDoubleArray());
        assertEquals(21, a.sum().item());
        assertArrayEquals(new double[] {3, 6}, a.max(new int[] {1}, false).toDoubleArray());
        Tensor m = a.matmul(a.transpose(0, 1));
        assertArrayEquals(new double[] {14, 32, 32, 77}, m.toDoubleArray());
        System.out.println(a);
    }

    @Test
    void gradAndJvp() {
        Tensor x = Tensor.of(new double[] {0.5, -1.0, 2.0}, 3).requiresGrad(true);
        Tensor y = x.sin().mul(x).sum();
        y.backward();
        double[] g = x.grad().toDoubleArray();
        double[] xv = {0.5, -1.0, 2.0};
        for (int i = 0; i < 3; i++) assertEquals(Math.cos(xv[i]) * xv[i] + Math.sin(xv[i]), g[i], 1e-12);

        Tensor[] r = ForwardAD.jvp(in -> in[0].sin().mul(in[0]), new Tensor[] {x.detach()},
                new Tensor[] {Tensor.of(new double[] {1, 1, 1}, 3)});
        double[] t = r[1].toDoubleArray();
        for (int i = 0; i < 3; i++) assertEquals(Math.cos(xv[i]) * xv[i] + Math.sin(xv[i]), t[i], 1e-12);
    }

    @Test
    void nestedJvpSecondDerivative() {
        Tensor x = Tensor.of(new double[] {0.3, 1.1}, 2);
        Tensor one = Tensor.of(new double[] {1, 1}, 2);
        // d2/dx2 sin x = -sin x
        Tensor[] outer = ForwardAD.jvp(xo -> ForwardAD.jvp(xi -> xi[0].sin(), new Tensor[] {xo[0]}, new Tensor[] {one})[1],
                new Tensor[] {x}, new Tensor[] {one});
        assertEquals(-Math.sin(0.3), outer[1].toDoubleArray()[0], 1e-12);
        assertEquals(-Math.sin(1.1), outer[1].toDoubleArray()[1], 1e-12);
        // Perturbation confusion: d/dx [ x * d/dy (x + y) ] at y=... = d/dx [x * 1] = 1.
        Tensor s = Tensor.of(new double[] {2.0}, 1), u = Tensor.of(new double[] {1.0}, 1);
        Tensor[] r = ForwardAD.jvp(xs -> {
            Tensor inner = ForwardAD.jvp(ys -> xs[0].add(ys[0]), new Tensor[] {s}, new Tensor[] {u})[1];
            return xs[0].mul(inner);
        }, new Tensor[] {s}, new Tensor[] {u});
        assertEquals(1.0, r[1].item(), 1e-12);
    }

    @Test
    void tapedPrimalUntapedTangent() {
        Tensor w = Tensor.of(new double[] {0.7, -0.2}, 2).requiresGrad(true);
        Tensor x = Tensor.of(new double[] {1.5, 0.5}, 2);
        try (ForwardAD.DualLevel L = ForwardAD.enter()) {
            Tensor y = L.dual(x, Tensor.of(new double[] {1, 1}, 2)).mul(w).tanh();
            Tensor dy = L.tangent(y);
            assertFalse(dy.requiresGrad());
            Tensor loss = L.primal(y).sum();
            loss.backward();
        }
        double[] g = w.grad().toDoubleArray();
        double[] xv = {1.5, 0.5}, wv = {0.7, -0.2};
        for (int i = 0; i < 2; i++) {
            double th = Math.tanh(xv[i] * wv[i]);
            assertEquals((1 - th * th) * xv[i], g[i], 1e-12);
        }
    }

    @Test
    void conv() {
        Rng rng = new Rng(1);
        Tensor x = rng.normal(DType.F64, 2, 3, 5, 5).requiresGrad(true);
        Tensor w = rng.normal(DType.F64, 4, 3, 3, 3).requiresGrad(true);
        Tensor y = F.conv2d(x, w, null, 1, 1);
        assertArrayEquals(new int[] {2, 4, 5, 5}, y.shape());
        y.square().sum().backward();
        assertNotNull(x.grad());
        assertNotNull(w.grad());
    }
}
