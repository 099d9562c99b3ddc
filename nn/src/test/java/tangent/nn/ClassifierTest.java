package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;

class ClassifierTest {
    private static Tensor images(long seed, int n, DType dt) {
        return new Rng(seed).uniform(dt, -1, 1, n, 1, 28, 28);
    }

    @Test
    void shapesNamesAndSize() {
        Classifier c = new Classifier(1);
        Tensor x = images(2, 3, DType.F32);
        assertArrayEquals(new int[] {3, 10}, c.logits(x).shape());
        assertArrayEquals(new int[] {3, 128}, c.features(x).shape());
        assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias",
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(c.namedParameters().keySet()));
        assertEquals(458_570, c.parameterCount());
        assertTrue(c.parameterCount() < 500_000);
        // features are post-ReLU
        for (float v : c.features(x).toFloatArray()) assertTrue(v >= 0);
    }

    @Test
    void rejectsWrongInputShape() {
        Classifier c = new Classifier(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.logits(new Rng(0).normal(DType.F32, 2, 28, 28)));
        assertTrue(e.getMessage().contains("(B, 1, 28, 28)"), e.getMessage());
    }

    @Test
    void pytorchDefaultInitIsSeededAndBounded() {
        Map<String, Tensor> a = new Classifier(7).namedParameters(), b = new Classifier(7).namedParameters();
        Map<String, Tensor> c = new Classifier(8).namedParameters();
        assertArrayEquals(a.get("conv2.weight").toFloatArray(), b.get("conv2.weight").toFloatArray());
        assertFalse(java.util.Arrays.equals(a.get("conv2.weight").toFloatArray(), c.get("conv2.weight").toFloatArray()));
        // bound 1/sqrt(fan_in): conv2 fan_in = 32*9, fc1 fan_in = 3136
        checkBound(a.get("conv2.weight"), 1 / Math.sqrt(288));
        checkBound(a.get("conv2.bias"), 1 / Math.sqrt(288));
        checkBound(a.get("fc1.weight"), 1 / Math.sqrt(3136));
        checkBound(a.get("conv1.weight"), 1 / 3.0);
    }

    private static void checkBound(Tensor t, double bound) {
        double max = 0;
        for (float v : t.toFloatArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound + 1e-7, "max " + max + " > " + bound);
        assertTrue(max > 0.9 * bound, "max " + max + " suspiciously far below bound " + bound);
    }

    @Test
    void backwardMatchesFiniteDifferencesInFloat64() {
        Classifier c = new Classifier(new Rng(3), DType.F64);
        Tensor x = images(4, 2, DType.F64);
        int[] y = {3, 7};
        c.zeroGrad();
        F.crossEntropy(c.logits(x), y).backward();
        Map<String, Tensor> p = c.namedParameters();
        for (String name : new String[] {"conv1.weight", "conv3.bias", "fc1.weight", "fc2.bias"}) {
            Tensor w = p.get(name);
            double[] g = w.grad().toDoubleArray();
            double[] v = w.toDoubleArray();
            int[] idx = {0, v.length / 2, v.length - 1};
            for (int i : idx) {
                double h = 1e-5, old = v[i];
                v[i] = old + h;
                w.copyFrom(Tensor.of(v.clone(), w.shape()));
                double lp = loss(c, x, y);
                v[i] = old - h;
                w.copyFrom(Tensor.of(v.clone(), w.shape()));
                double lm = loss(c, x, y);
                v[i] = old;
                w.copyFrom(Tensor.of(v.clone(), w.shape()));
                double fd = (lp - lm) / (2 * h);
                assertEquals(fd, g[i], 1e-6 + 1e-4 * Math.abs(fd), name + "[" + i + "]");
            }
        }
    }

    private static double loss(Classifier c, Tensor x, int[] y) {
        try (var g = GradMode.noGrad()) {
            return F.crossEntropy(c.logits(x), y).item();
        }
    }

    @Test
    void fewSgdStepsReduceLossOnSmallBatch() {
        Classifier c = new Classifier(5);
        Tensor x = images(6, 16, DType.F32);
        int[] y = new int[16];
        for (int i = 0; i < 16; i++) y[i] = i % 10;
        double first = loss(c, x, y), last = first;
        for (int step = 0; step < 15; step++) {
            c.zeroGrad();
            Tensor l = F.crossEntropy(c.logits(x), y);
            l.backward();
            try (var g = GradMode.noGrad()) {
                for (Tensor p : c.parameters()) {
                    float[] w = p.toFloatArray(), gr = p.grad().toFloatArray();
                    for (int i = 0; i < w.length; i++) w[i] -= 0.2f * gr[i];
                    p.copyFrom(Tensor.of(w, p.shape()));
                }
            }
            last = loss(c, x, y);
        }
        assertTrue(last < first - 0.2, "loss " + first + " -> " + last);
    }
}
