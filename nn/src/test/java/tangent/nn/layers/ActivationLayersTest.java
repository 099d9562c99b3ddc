package tangent.nn.layers;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import tangent.core.Tensor;

/**
 * ReLU, Tanh and GELU layers: values against the formulas in double, gradients (backward) against
 * float64 central differences of the same formulas (h = 1e-6, tolerance 1e-7), and shape kept.
 */
class ActivationLayersTest {
    static final double[] XS = {-2.5, -1.1, -0.3, 0.2, 0.7, 1.9, 3.2};

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static void check(Layer layer, DoubleUnaryOperator f) {
        Tensor x = Tensor.of(XS.clone(), 7, 1).requiresGrad(true);
        Tensor y = layer.forward(x);
        assertArrayEquals(new int[] {7, 1}, y.shape());
        y.sum().backward();
        double[] v = y.toDoubleArray(), g = x.grad().toDoubleArray();
        double h = 1e-6;
        for (int i = 0; i < XS.length; i++) {
            assertEquals(f.applyAsDouble(XS[i]), v[i], 1e-14, layer.getClass().getSimpleName() + " at " + XS[i]);
            double fd = (f.applyAsDouble(XS[i] + h) - f.applyAsDouble(XS[i] - h)) / (2 * h);
            assertEquals(fd, g[i], 1e-7, layer.getClass().getSimpleName() + "' at " + XS[i]);
        }
        assertTrue(layer.namedParameters().isEmpty());
    }

    @Test
    void reluTanhGelu() {
        check(new ReLU(), x -> Math.max(x, 0));
        check(new Tanh(), Math::tanh);
        check(new GELU(), ActivationLayersTest::geluTanh);
    }

    @Test
    void inASequential() {
        Sequential s = new Sequential(new Tanh(), new ReLU());
        assertArrayEquals(new double[] {0, Math.tanh(0.5)}, s.forward(Tensor.of(new double[] {-1, 0.5}, 2)).toDoubleArray(), 1e-15);
    }
}
