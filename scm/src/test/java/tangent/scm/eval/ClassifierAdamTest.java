package tangent.scm.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import tangent.core.Tensor;

class ClassifierAdamTest {
    @Test
    void firstStepIsLrTimesSignAndMatchesReferenceRecurrence() {
        Tensor p = Tensor.of(new float[] {1f, -2f, 0.5f}, 3).requiresGrad(true);
        ClassifierAdam opt = new ClassifierAdam(List.of(p));
        double lr = 0.1;
        double[] w = {1, -2, 0.5}, m = new double[3], v = new double[3];
        for (int t = 1; t <= 5; t++) {
            p.zeroGrad();
            p.square().sum().backward(); // grad 2w
            opt.step(lr);
            for (int i = 0; i < 3; i++) {
                double g = 2 * w[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.999, t));
                w[i] -= lr * mh / (Math.sqrt(vh) + 1e-8);
            }
            float[] got = p.toFloatArray();
            for (int i = 0; i < 3; i++) assertEquals(w[i], got[i], 1e-5, "step " + t + " element " + i);
            if (t == 1) assertEquals(0.9, got[0], 1e-6); // first step moves each weight by lr against the gradient sign
        }
    }
}
