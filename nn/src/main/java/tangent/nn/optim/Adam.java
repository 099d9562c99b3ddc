package tangent.nn.optim;

import java.util.Map;
import tangent.core.Tensor;

/**
 * Adam (Kingma and Ba), PyTorch's formulation:
 * <pre>
 * g += wd p                       (L2 weight decay; or p *= 1 - lr wd when decoupled = AdamW)
 * m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 * p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 */
public final class Adam extends Optimizer {
    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(Map<String, Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /** Adam over params (by name); decoupled selects AdamW's weight decay. Throws IllegalArgumentException on out-of-range hyperparameters. */
    public Adam(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr, beta1, beta2, eps, weightDecay, decoupled);
    }

    /** AdamW: Adam with decoupled weight decay. */
    public static Adam adamW(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    @Override
    public String kind() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public Coefs coefs(long t) {
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        return new Coefs(Mode.ADAM, decoupled ? 1 - lr * weightDecay : 1, decoupled ? 0 : weightDecay, beta1, beta2, lr / bc1,
                Math.sqrt(bc2), eps, bc1, 1);
    }
}
