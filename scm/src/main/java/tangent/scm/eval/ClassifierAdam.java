package tangent.scm.eval;

import java.util.List;
import tangent.core.Tensor;

/*
 * Why this is not tangent.nn.optim.Adam: the two are the same recurrence with the same betas, eps
 * and bias corrections, but not the same float32 arithmetic. This one rounds m and v to float
 * before the parameter update uses them (m[j] = (float) ...; then w -= stepSize * m[j] / ...);
 * nn.optim.Adam stores the rounded moments too but computes the update from the unrounded double
 * values. Checked on ClassifierTraining's classifier (batch 4, lr set each step as the schedule
 * does): 7,596 of 458,570 parameters already differ after the first step, 92,249 after five. The
 * committed classifier weights (resources/tangent/scm/eval/fmnist-classifier.safetensors, which FD
 * scores depend on) were trained with this update, so they are only reproducible from the
 * committed code while ClassifierTraining keeps it.
 */

/**
 * Adam (Kingma and Ba; PyTorch's defaults betas 0.9/0.999, eps 1e-8, no weight decay) over plain
 * float arrays with float32 moments, the update of the committed classifier (see above for why it
 * is not nn.optim.Adam); it runs outside autodiff (copyFrom on the leaf parameters).
 */
final class ClassifierAdam {
    private final List<Tensor> params;
    private final float[][] m, v;
    private final double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    private int t;

    ClassifierAdam(List<Tensor> params) {
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
