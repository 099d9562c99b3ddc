package tangent.scm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.MlpDenoiser;
import tangent.nn.TimeConditioned;

/** Classifier-free guidance and the labelled objectives, in float64 against the formulas written out. */
class GuidanceTest {
    final MlpDenoiser net = new MlpDenoiser(2, 32, 2, 4, DType.F64, 7);
    final Tensor x = new Rng(1).normal(DType.F64, 5, 2), t = Tensor.of(new double[] {0.1, 0.4, 0.8, 1.2, 1.5}, 5);
    final int[] y = {0, 1, 2, 3, 1};

    @Test
    void guidedIsTheLinearCombination() {
        double[] u = net.forward(x, t).toDoubleArray(), c = net.forward(x, t, y).toDoubleArray();
        for (double w : new double[] {0, 1, 2.5}) {
            double[] g = Guidance.guided(net, y, w).forward(x, t).toDoubleArray();
            for (int i = 0; i < g.length; i++) assertEquals(u[i] + w * (c[i] - u[i]), g[i], 1e-12, "w " + w + " at " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Guidance.guided(new MlpDenoiser(2, 32, 2, 0, DType.F64, 7), y, 2));
    }

    @Test
    void labelDropoutRate() {
        int n = 20000, dropped = 0;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % 4;
        int[] d = Guidance.dropLabels(labels, 4, 0.1, new Rng(3));
        for (int i = 0; i < n; i++) {
            if (d[i] == 4) dropped++;
            else assertEquals(labels[i], d[i]);
        }
        assertEquals(0.1, (double) dropped / n, 0.0065);   // binomial std 0.0021: 3 std
        assertArrayEquals(labels, Guidance.dropLabels(labels, 4, 0, new Rng(3)));
        assertThrows(IllegalArgumentException.class, () -> Guidance.dropLabels(labels, 4, 1.5, new Rng(3)));
    }

    @Test
    void labelledLossesAreTheLossesOfTheLabelledViews() {
        TrigFlow tf = TrigFlow.defaults();
        AdaptiveWeight wHead = new AdaptiveWeight(DType.F64);
        MlpDenoiser teacher = new MlpDenoiser(2, 32, 2, 4, DType.F64, 8);
        Tensor x0 = new Rng(2).normal(DType.F64, 5, 2).mul(0.5);
        for (ScmObjective.Method m : ScmObjective.Method.values()) {
            ScmObjective obj = new ScmObjective(tf, m, net, wHead::forward, m == ScmObjective.Method.SCD ? teacher : null)
                    .warmupSteps(100).labelDropout(0.5).guidance(2.0);
            double got = obj.loss(x0, y, new Rng(9), 30).item();
            // the same draws by hand: t, then z, then (teacher) the dropout
            Rng r = new Rng(9);
            Tensor tt = tf.sampleTimes(r, 5, DType.F64);
            Tensor z = r.normal(DType.F64, 5, 2).mul(tf.sigmaD);
            int[] yy = m == ScmObjective.Method.TEACHER ? Guidance.dropLabels(y, 4, 0.5, r) : y;
            TimeConditioned teach = m == ScmObjective.Method.SCD ? Guidance.guided(teacher, y, 2.0) : null;
            double want = new ScmObjective(tf, m, net.withLabels(yy), wHead::forward, teach).warmupSteps(100).loss(x0, z, tt, 30).item();
            assertEquals(want, got, 1e-12, m.name());
        }
        ScmObjective plain = new ScmObjective(tf, ScmObjective.Method.SCT, new MlpDenoiser(2, 32, 2, 0, DType.F64, 7), wHead::forward, null);
        assertThrows(IllegalArgumentException.class, () -> plain.loss(x0, y, new Rng(9), 0));
    }
}
