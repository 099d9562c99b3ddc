package tangent.scm.train;

import java.util.List;
import tangent.core.GradMode;
import tangent.core.Tensor;

/** Exponential moving average of the weights, kept in a shadow network: e = d e + (1 - d) p. */
public final class Ema {
    public final double decay;
    private final List<Tensor> params, shadow;

    /** shadow: the parameters of a second network of the same architecture (initialised to params). */
    public Ema(List<Tensor> params, List<Tensor> shadow, double decay) {
        if (params.size() != shadow.size()) throw new IllegalArgumentException("EMA: networks differ");
        if (!(decay >= 0 && decay < 1)) throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        this.params = params;
        this.shadow = shadow;
        this.decay = decay;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) shadow.get(i).copyFrom(params.get(i).detach());
        }
    }

    public void update() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor e = shadow.get(i);
                e.copyFrom(e.detach().mul(decay).add(params.get(i).detach().mul(1 - decay)));
            }
        }
    }
}
