package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;

class MlpDenoiserTest {
    final Rng rng = new Rng(7);
    final Tensor x = rng.normal(DType.F64, 5, 2);
    final Tensor t = rng.uniform(DType.F64, 0.05, 1.5, 5);
    final Tensor dx = rng.normal(DType.F64, 5, 2);
    final Tensor dt = rng.normal(DType.F64, 5);
    final Tensor w = rng.normal(DType.F64, 5, 2);

    @Test
    void shapesNamesAndDefault() {
        MlpDenoiser m = new MlpDenoiser(1);
        try (var g = GradMode.noGrad()) {
            assertArrayEquals(new int[] {4, 2}, m.forward(rng.normal(DType.F32, 4, 2), rng.uniform(DType.F32, 0, 1, 4)).shape());
        }
        assertTrue(m.namedParameters().containsKey("blocks.2.affine.weight"));
        assertArrayEquals(new int[] {256, 128}, m.namedParameters().get("blocks.0.affine.weight").shape());
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(DType.F32, 4, 3), Tensor.zeros(DType.F32, 4)));
    }

    @Test
    void jvpAndGradientsMatchFiniteDifferences() {
        MlpDenoiser m = new MlpDenoiser(2, 16, 2, DType.F64, 3);
        DiffCheck.checkJvp(m, x, t, dx, dt, 1e-6);
        int n = DiffCheck.checkParamGrads(m, () -> m.forward(x, t).mul(w).sum(), 2, 1e-6, 2);
        assertTrue(n >= 20);
    }

    /**
     * Fourier features: the JVP through sin/cos of x and the gradients, against central finite
     * differences (float64). JVP tolerance 1e-5 relative: the 4 pi octave multiplies the difference's
     * h^2 f''' / 6 error by (4 pi)^3 ~ 2000 (measured 1.05e-6, over the plain MLP's 1e-6).
     */
    @Test
    void fourierFeaturesJvpAndGradientsMatchFiniteDifferences() {
        MlpDenoiser m = new MlpDenoiser(2, 16, 2, 0, 3, DType.F64, 3);
        assertArrayEquals(new int[] {16, 14}, m.fcIn.weight().shape());   // (width, D (1 + 2K))
        DiffCheck.checkJvp(m, x, t, dx, dt, 1e-5);
        int n = DiffCheck.checkParamGrads(m, () -> m.forward(x, t).mul(w).sum(), 2, 1e-6, 2);
        assertTrue(n >= 20);
        assertThrows(IllegalArgumentException.class, () -> new MlpDenoiser(2, 16, 2, 0, -1, DType.F64, 3));
    }

    /** The features themselves: [x, sin(pi x), cos(pi x), sin(2 pi x), cos(2 pi x)] for K = 2. */
    @Test
    void fourierFeaturesAreTheOctaves() {
        MlpDenoiser m = new MlpDenoiser(2, 16, 1, 0, 2, DType.F64, 3);
        double[] in = x.toDoubleArray(), f = m.fourierFeatures(x).toDoubleArray();
        for (int b = 0; b < 5; b++)
            for (int d = 0; d < 2; d++) {
                double v = in[2 * b + d];
                double[] want = {v, Math.sin(Math.PI * v), Math.cos(Math.PI * v), Math.sin(2 * Math.PI * v), Math.cos(2 * Math.PI * v)};
                for (int j = 0; j < 5; j++) assertEquals(want[j], f[b * 10 + 2 * j + d], 1e-14, "sample " + b + " feature " + j + " dim " + d);
            }
    }

    @Test
    void combinedPassMatchesSeparatePasses() {
        MlpDenoiser m = new MlpDenoiser(2, 16, 2, DType.F64, 3);
        Tensor dyC;
        try (ForwardAD.DualLevel L = ForwardAD.enter()) {
            Tensor y = m.forward(L.dual(x, dx), L.dual(t, dt));
            dyC = L.tangent(y);
            L.primal(y).mul(w).sum().backward();
        }
        double[] gC = m.fcIn.weight().grad().toDoubleArray();
        m.zeroGrad();
        m.forward(x, t).mul(w).sum().backward();
        assertArrayEquals(m.fcIn.weight().grad().toDoubleArray(), gC, 1e-13);
        Tensor dyS;
        try (var g = GradMode.noGrad()) {
            dyS = ForwardAD.jvp(in -> m.forward(in[0], in[1]), new Tensor[] {x, t}, new Tensor[] {dx, dt})[1];
        }
        assertArrayEquals(dyS.toDoubleArray(), dyC.toDoubleArray(), 1e-13);
    }
}
