package tangent.scm;

import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.ClassConditioned;
import tangent.nn.TimeConditioned;

/**
 * Classifier-free guidance (Ho and Salimans 2022) on a class-conditional F:
 * <pre>
 *   F_w(x, t, y) = F(x, t, null) + w (F(x, t, y) - F(x, t, null))
 * </pre>
 * w = 1 is the conditional network, w = 0 the unconditional one, w &gt; 1 pushes samples toward
 * what sets class y apart. Since the TrigFlow drift is sigma_d F, guiding F guides the
 * probability-flow ODE, and an sCD student distilled from F_w samples the guided distribution
 * in one or two steps. The teacher learns the null label by label dropout ({@link #dropLabels}).
 */
public final class Guidance {
    private Guidance() {}

    /** F_w(., ., y) as a {@link TimeConditioned}: the view the ODE samplers and sCD's teacher take. */
    public static TimeConditioned guided(ClassConditioned net, int[] labels, double w) {
        if (net.classes() < 1) throw new IllegalArgumentException("guidance needs a class-conditional network");
        if (w == 1) return net.withLabels(labels);
        return (x, t) -> {
            Tensor uncond = net.forward(x, t, null);
            return uncond.add(net.forward(x, t, labels).sub(uncond).mul(w));
        };
    }

    /** Each label replaced by the null label {@code classes} with probability p (a fresh array). */
    public static int[] dropLabels(int[] labels, int classes, double p, Rng rng) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("label dropout must be in [0, 1], got " + p);
        double[] u = rng.uniformArray(labels.length, 0, 1);
        int[] out = labels.clone();
        for (int i = 0; i < out.length; i++) if (u[i] < p) out[i] = classes;
        return out;
    }

    /** n copies of one class (or of the null label). */
    public static int[] constant(int n, int label) {
        int[] y = new int[n];
        java.util.Arrays.fill(y, label);
        return y;
    }
}
