package tangent.scm.train;

import java.util.ArrayList;
import java.util.List;
import tangent.core.GradMode;
import tangent.core.Tensor;

/**
 * Rectified Adam (Liu et al. 2019, as in torch.optim.RAdam), no weight decay:
 * <pre>
 *   m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2,   m^ = m / (1 - b1^k)
 *   rho_inf = 2 / (1 - b2) - 1,   rho_k = rho_inf - 2 k b2^k / (1 - b2^k)
 *   rho_k > 5:  p -= lr m^ r_k sqrt(1 - b2^k) / (sqrt(v) + eps),
 *               r_k = sqrt((rho_k - 4)(rho_k - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_k))
 *   else:       p -= lr m^
 * </pre>
 * A local optimizer of the trainer (nn.optim had none when this was written); its state (m, v, k)
 * is saved in checkpoints so that --resume continues exactly.
 */
public final class RAdam {
    public final double lr, beta1, beta2, eps;
    private final List<Tensor> params;
    private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
    private long k;

    public RAdam(List<Tensor> params, double lr, double beta1, double beta2, double eps) {
        this.params = params;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        for (Tensor p : params) {
            m.add(p.zerosLike());
            v.add(p.zerosLike());
        }
    }

    public RAdam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.99, 1e-8);
    }

    public long stepCount() {
        return k;
    }

    public void setStepCount(long k) {
        this.k = k;
    }

    public List<Tensor> firstMoments() {
        return m;
    }

    public List<Tensor> secondMoments() {
        return v;
    }

    /** Applies one update from each parameter's .grad() (parameters without a gradient are skipped). */
    public void step() {
        k++;
        double bc1 = 1 - Math.pow(beta1, k), bc2 = 1 - Math.pow(beta2, k);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rho = rhoInf - 2 * k * Math.pow(beta2, k) / bc2;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i), g = p.grad();
                if (g == null) continue;
                Tensor mi = m.get(i).mul(beta1).add(g.mul(1 - beta1));
                Tensor vi = v.get(i).mul(beta2).add(g.square().mul(1 - beta2));
                m.get(i).copyFrom(mi);
                v.get(i).copyFrom(vi);
                Tensor update;
                if (rho > 5) {
                    double r = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                    update = mi.div(vi.sqrt().add(eps)).mul(lr * r * Math.sqrt(bc2) / bc1);
                } else {
                    update = mi.mul(lr / bc1);
                }
                p.copyFrom(p.detach().sub(update));
            }
        }
    }
}
