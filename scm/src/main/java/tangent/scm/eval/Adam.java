package tangent.scm.eval;

import java.util.List;
import tangent.core.Tensor;

/**
 * Minimal Adam (Kingma and Ba; PyTorch's defaults betas 0.9/0.999, eps 1e-8, no weight decay) over
 * plain float arrays, for the classifier. Lives here because tangent.nn had no optimizer when the
 * classifier was written; the update runs outside autodiff (copyFrom on the leaf parameters).
 */
final class Adam {
    private final List<Tensor> params;
    private final float[][] m, v;
    private final double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    private int t;

    Adam(List<Tensor> params) {
        this.params = params;
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).numel()];
            v[i] = new float[params.get(i).numel()];
        }
    }

    /** One step with learning rate lr; parameters without a gradient are left alone. */
    void step(double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        double stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2);
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor gt = p.grad();
            if (gt == null) continue;
            float[] g = gt.toFloatArray(), w = p.toFloatArray(), mi = m[i], vi = v[i];
            for (int j = 0; j < w.length; j++) {
                double gj = g[j];
                mi[j] = (float) (beta1 * mi[j] + (1 - beta1) * gj);
                vi[j] = (float) (beta2 * vi[j] + (1 - beta2) * gj * gj);
                w[j] = (float) (w[j] - stepSize * mi[j] / (Math.sqrt(vi[j]) / sqrtBc2 + eps));
            }
            p.copyFrom(Tensor.of(w, p.shape()));
        }
    }
}
