package tangent.nn.optim;

import java.util.Map;
import tangent.core.Tensor;

/**
 * Rectified Adam (Liu et al. 2020), PyTorch's formulation; the sCM spec's default optimizer
 * (lr 1e-4, betas (0.9, 0.99), eps 1e-8, see {@link #scmDefault}).
 * <pre>
 * g += wd p                       (or p *= 1 - lr wd when decoupled)
 * m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  m_hat = m / (1 - b1^t)
 * rho_inf = 2 / (1 - b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
 * if rho_t > 5: p -= lr m_hat r sqrt(1 - b2^t) / (sqrt(v) + eps),
 *               r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 * else:         p -= lr m_hat
 * </pre>
 */
public final class RAdam extends Optimizer {
    /** RAdam over params (by name); decoupled selects AdamW-style weight decay. Throws IllegalArgumentException on out-of-range hyperparameters. */
    public RAdam(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr, beta1, beta2, eps, weightDecay, decoupled);
    }

    /** The spec's default: lr 1e-4, betas (0.9, 0.99), eps 1e-8, no weight decay. */
    public static RAdam scmDefault(Map<String, Tensor> params) {
        return new RAdam(params, 1e-4, 0.9, 0.99, 1e-8, 0, false);
    }

    @Override
    public String kind() {
        return decoupled ? "radamw" : "radam";
    }

    @Override
    public Coefs coefs(long t) {
        double bc1 = 1 - Math.pow(beta1, t), b2t = Math.pow(beta2, t), bc2 = 1 - b2t;
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * t * b2t / bc2;
        boolean rect = rhoT > 5;
        double r = rect ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
        return new Coefs(rect ? Mode.RADAM_RECT : Mode.RADAM_PLAIN, decoupled ? 1 - lr * weightDecay : 1, decoupled ? 0 : weightDecay,
                beta1, beta2, lr, Math.sqrt(bc2), eps, bc1, r);
    }
}
