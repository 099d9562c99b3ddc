package tangent.nn.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.Device;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;

/**
 * Stochastic gradient descent with momentum, PyTorch's formulation (no dampening):
 * <pre>
 * g += wd p
 * b = g at a parameter's first update, then b = momentum b + g
 * p -= lr (nesterov ? g + momentum b : b)        (momentum 0: p -= lr g, no buffer)
 * </pre>
 * Updates in place under {@link GradMode#noGrad}; a parameter without a gradient is skipped.
 * CPU parameters are updated by a loop over their storage in double; parameters on another device
 * by Tensor ops in their dtype, written back with {@link Tensor#copyFrom}.
 */
public final class Sgd {
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> momentumBuffers = new LinkedHashMap<>();
    /** Learning rate; may be changed between steps (schedules). */
    public double lr;
    public final double momentum, weightDecay;
    public final boolean nesterov;

    /** Plain SGD: p -= lr g. */
    public Sgd(Map<String, Tensor> params, double lr) {
        this(params, lr, 0, 0, false);
    }

    /**
     * params: the parameters by name (e.g. {@code module.namedParameters()}), each a compact
     * tensor (else IllegalStateException). Throws IllegalArgumentException on a negative or NaN lr,
     * momentum or weight decay, or nesterov without momentum.
     */
    public Sgd(Map<String, Tensor> params, double lr, double momentum, double weightDecay, boolean nesterov) {
        if (!(lr >= 0) || !(momentum >= 0) || !(weightDecay >= 0) || (nesterov && momentum == 0))
            throw new IllegalArgumentException("Sgd: bad hyperparameters lr=" + lr + " momentum=" + momentum + " weight_decay="
                    + weightDecay + " nesterov=" + nesterov + " (all must be >= 0; nesterov needs momentum > 0)");
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        for (Map.Entry<String, Tensor> e : this.params.entrySet())
            Buffers.checkParam(e.getValue(), "Sgd parameter '" + e.getKey() + "'");
    }

    /** The parameters this optimizer updates, by name. */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** The momentum buffer of a parameter (null before its first update or without momentum). */
    public Tensor momentumBuffer(String name) {
        return momentumBuffers.get(name);
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Tensor p : params.values()) p.zeroGrad();
    }

    /** Applies one update to every parameter that has a gradient. */
    public void step() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                if (p.grad() == null) continue;
                boolean first = momentum != 0 && !momentumBuffers.containsKey(e.getKey());
                if (first) momentumBuffers.put(e.getKey(), Buffers.zerosLike(p));
                Tensor b = momentumBuffers.get(e.getKey());
                if (p.device() == Device.CPU) cpuUpdate(p, b, first);
                else tensorOpUpdate(p, p.grad(), b, first);
            }
        }
    }

    private void cpuUpdate(Tensor p, Tensor b, boolean first) {
        CpuStorage ps = Buffers.storage(p, "Sgd"), gs = Buffers.readable(p.grad()), bs = b == null ? null : Buffers.storage(b, "momentum");
        for (int i = 0, n = p.numel(); i < n; i++) {
            double pi = ps.get(i), g = gs.get(i) + weightDecay * pi, step = g;
            if (bs != null) {
                double bi = first ? g : momentum * bs.get(i) + g;
                bs.set(i, bi);
                step = nesterov ? g + momentum * bi : bi;
            }
            ps.set(i, pi - lr * step);
        }
    }

    /** The update in Tensor ops (the path of parameters not on the CPU; tests run it on the CPU). Call under noGrad. */
    void tensorOpUpdate(Tensor p, Tensor grad, Tensor b, boolean first) {
        Tensor g = weightDecay == 0 ? grad : grad.add(p.mul(weightDecay)), step = g;
        if (b != null) {
            Tensor nb = first ? g : b.mul(momentum).add(g);
            b.copyFrom(nb);
            step = nesterov ? g.add(b.mul(momentum)) : b;
        }
        p.copyFrom(p.sub(step.mul(lr)));
    }
}
