package tangent.nn.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;
import tangent.nn.Module;

/**
 * Base of the Adam family: per-parameter state (step, m, v) keyed by parameter name, updates in
 * place under {@link GradMode#noGrad}. A parameter without a gradient is skipped (its step does
 * not advance), as in PyTorch.
 */
public abstract class Optimizer {
    /** Per-parameter state: the number of updates applied, first and second moments (param dtype). */
    public static final class State {
        public long step;
        public final Tensor m, v;

        public State(long step, Tensor m, Tensor v) {
            this.step = step;
            this.m = m;
            this.v = v;
        }
    }

    protected final Map<String, Tensor> params;
    protected final Map<String, State> state = new LinkedHashMap<>();
    public double lr;
    public final double beta1, beta2, eps, weightDecay;
    /** Weight decay applied to the weights directly (AdamW style: p *= 1 - lr wd) instead of added to the gradient. */
    public final boolean decoupled;

    protected Optimizer(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                        boolean decoupled) {
        if (lr < 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || eps < 0 || weightDecay < 0)
            throw new IllegalArgumentException(getClass().getSimpleName() + ": bad hyperparameters lr=" + lr + " betas=(" + beta1 + ", "
                    + beta2 + ") eps=" + eps + " weight_decay=" + weightDecay);
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        for (Map.Entry<String, Tensor> e : this.params.entrySet()) {
            Buffers.storage(e.getValue(), "optimizer parameter '" + e.getKey() + "'");
            state.put(e.getKey(), new State(0, Buffers.zerosLike(e.getValue()), Buffers.zerosLike(e.getValue())));
        }
    }

    /** The short name saved in checkpoints ("adam", "radam"). */
    public abstract String kind();

    /** The parameters this optimizer updates, by name. */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** State by parameter name (live objects: checkpoints read and restore them). */
    public Map<String, State> state() {
        return Collections.unmodifiableMap(state);
    }

    public void zeroGrad() {
        for (Tensor p : params.values()) p.zeroGrad();
    }

    /** Applies one update to every parameter that has a gradient. */
    public void step() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                if (p.grad() == null) continue;
                State s = state.get(e.getKey());
                s.step++;
                update(Buffers.storage(p, e.getKey()), Buffers.readable(p.grad()), Buffers.storage(s.m, "m"), Buffers.storage(s.v, "v"),
                        s.step, p.numel());
            }
        }
    }

    /** Updates n elements of p in place with gradient g and moments m, v, at update number t (1-based). */
    protected abstract void update(CpuStorage p, CpuStorage g, CpuStorage m, CpuStorage v, long t, int n);

    /** Builds an optimizer over a module's parameters. */
    public static Map<String, Tensor> paramsOf(Module m) {
        return m.namedParameters();
    }
}
