package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.layers.LabelEmbedding;

/** The label embedding of the class-conditional U-Net and MLP: shapes, parameter counts, and what the labels change. */
class ClassConditionedTest {
    @Test
    void unetParameterCountsAndShapes() {
        UNetConfig cfg = UNetConfig.named("fmnist-xs");
        UNet plain = new UNet(cfg, DType.F32, 5), cond = new UNet(cfg, 10, DType.F32, 5);
        assertEquals(0, plain.classes());
        assertEquals(cfg.parameterCount(), plain.parameterCount());   // unconditional: unchanged
        assertEquals(cfg.parameterCount() + 11L * cfg.embWidth(), cond.parameterCount());   // (K + 1, 4 ch) table
        assertArrayEquals(new int[] {11, cfg.embWidth()}, cond.namedParameters().get("label.weight").shape());
        // drawn last: every other weight equals the unconditional network's of the same seed
        Map<String, Tensor> p = plain.namedParameters(), q = cond.namedParameters();
        for (Map.Entry<String, Tensor> e : p.entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), q.get(e.getKey()).toFloatArray(), e.getKey());
        Tensor x = new Rng(1).normal(DType.F32, 3, 1, 28, 28), t = Tensor.of(new double[] {0.3, 0.9, 1.4}, 3).to(DType.F32);
        Tensor y = cond.forward(x, t, new int[] {0, 4, 10});
        assertArrayEquals(new int[] {3, 1, 28, 28}, y.shape());
        assertChangesOnlyWhereLabelsDiffer(cond, x, t, new int[] {0, 4, 10}, new int[] {0, 7, 10}, 1);
        assertArrayEquals(cond.forward(x, t, new int[] {10, 10, 10}).toFloatArray(), cond.forward(x, t).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> plain.forward(x, t, new int[] {0, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> cond.forward(x, t, new int[] {0, 11, 2}));
        assertThrows(IllegalArgumentException.class, () -> cond.forward(x, t, new int[] {0, 1}));
    }

    @Test
    void mlpParameterCountsAndLabels() {
        MlpDenoiser plain = new MlpDenoiser(2, 64, 2, DType.F64, 3), cond = new MlpDenoiser(2, 64, 2, 8, DType.F64, 3);
        assertEquals(plain.parameterCount() + 9L * 64, cond.parameterCount());
        assertEquals(new MlpDenoiser(3).parameterCount(), new MlpDenoiser(2, 128, 3, 0, DType.F32, 3).parameterCount());
        Tensor x = new Rng(2).normal(DType.F64, 4, 2), t = Tensor.of(new double[] {0.1, 0.5, 1.0, 1.5}, 4);
        // the conditional network at the null label is the unconditional one plus the null row in e
        assertChangesOnlyWhereLabelsDiffer(cond, x, t, new int[] {0, 1, 2, 8}, new int[] {0, 5, 2, 3}, 2);
        assertArrayEquals(cond.withLabels(new int[] {8, 8, 8, 8}).forward(x, t).toDoubleArray(), cond.forward(x, t).toDoubleArray());
    }

    /** Changing the labels of some samples changes exactly those samples' outputs (the batch rows are independent). */
    static void assertChangesOnlyWhereLabelsDiffer(ClassConditioned net, Tensor x, Tensor t, int[] a, int[] b, int changed) {
        double[] ya = net.forward(x, t, a).toDoubleArray(), yb = net.forward(x, t, b).toDoubleArray();
        int per = ya.length / a.length, diff = 0;
        for (int i = 0; i < a.length; i++) {
            double d = 0;
            for (int j = 0; j < per; j++) d = Math.max(d, Math.abs(ya[i * per + j] - yb[i * per + j]));
            if (a[i] == b[i]) assertEquals(0, d, 1e-6, "sample " + i + " kept its label");
            else if (d > 1e-6) diff++;
        }
        assertEquals(changed, diff);
    }

    @Test
    void labelEmbeddingIsARowLookupWithRowGradients() {
        LabelEmbedding emb = new LabelEmbedding(3, 5, DType.F64, new Rng(4));
        double[] w = emb.weight.toDoubleArray();
        double[] out = emb.forward(new int[] {2, 0, 3}).toDoubleArray();
        int[] rows = {2, 0, 3};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++) assertEquals(w[rows[i] * 5 + j], out[i * 5 + j], 0);
        emb.forward(new int[] {2, 2, 0}).sum().backward();
        double[] g = emb.weight.grad().toDoubleArray();
        for (int j = 0; j < 5; j++) {
            assertEquals(1, g[j], 0);          // row 0 once
            assertEquals(0, g[5 + j], 0);      // row 1 unused
            assertEquals(2, g[10 + j], 0);     // row 2 twice
            assertEquals(0, g[15 + j], 0);     // the null row unused
        }
        assertThrows(IllegalArgumentException.class, () -> emb.forward(new int[] {-1}));
    }
}
