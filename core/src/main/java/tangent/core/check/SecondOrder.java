package tangent.core.check;

import java.util.function.Function;
import tangent.core.Autograd;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.core.Transforms;

/**
 * Second derivatives of a scalar function f of tensors, by each composition of the two modes, and
 * the finite-difference reference they are checked against. With v one direction per input, each
 * order returns the Hessian-vector product H v (one tensor per input):
 * <ul>
 *   <li>FORWARD_OVER_REVERSE: a backward pass inside a dual level along v: the tangent of grad f;</li>
 *   <li>REVERSE_OVER_FORWARD: the gradient of the recorded JVP tangent &lt;grad f, v&gt;;</li>
 *   <li>REVERSE_OVER_REVERSE: the gradient of &lt;grad f, v&gt; with grad f recorded (createGraph);</li>
 *   <li>TRANSFORMS: {@code Transforms.jvp(Transforms.grad(f))}, the function-transform form.</li>
 * </ul>
 * Forward-over-forward gives u^T H v ({@link #uHv}). The reference is the central difference of
 * the engine's first-order gradient, (grad f(x + h v) - grad f(x - h v)) / 2h (first-order
 * gradients are gradchecked on their own).
 */
public final class SecondOrder {
    private SecondOrder() {}

    public enum Order { FORWARD_OVER_REVERSE, REVERSE_OVER_FORWARD, REVERSE_OVER_REVERSE, TRANSFORMS }

    /** H v by the given order. */
    public static Tensor[] hvp(Order order, Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] v) {
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor[] leaves = leaves(x);
            switch (order) {
                case FORWARD_OVER_REVERSE: {
                    try (ForwardAD.DualLevel level = ForwardAD.enter()) {
                        Tensor[] duals = new Tensor[x.length];
                        for (int i = 0; i < x.length; i++) duals[i] = level.dual(leaves[i], v[i]);
                        Tensor[] g = Autograd.grad(f.apply(duals), leaves, null, false);
                        Tensor[] hv = new Tensor[x.length];
                        for (int i = 0; i < x.length; i++) hv[i] = g[i] == null ? zeros(x[i]) : level.tangent(g[i]);
                        return hv;
                    }
                }
                case REVERSE_OVER_FORWARD: {
                    Tensor dy = ForwardAD.jvp(f, leaves, v, true)[1];
                    return orZeros(dy.requiresGrad() ? Autograd.grad(dy, leaves, null, false) : new Tensor[x.length], x);
                }
                case REVERSE_OVER_REVERSE: {
                    Tensor[] g = Autograd.grad(f.apply(leaves), leaves, null, false, true);
                    Tensor s = null;
                    for (int i = 0; i < x.length; i++)
                        if (g[i] != null) s = s == null ? g[i].mul(v[i]).sum() : s.add(g[i].mul(v[i]).sum());
                    return orZeros(s != null && s.requiresGrad() ? Autograd.grad(s, leaves, null, false) : new Tensor[x.length], x);
                }
                case TRANSFORMS: {
                    int[] all = new int[x.length];
                    for (int i = 0; i < x.length; i++) all[i] = i;
                    Tensor[] hv = new Tensor[x.length];
                    for (int i = 0; i < x.length; i++) {
                        int k = i;
                        // the i-th gradient, differentiated along every input's direction at once
                        hv[i] = Transforms.jvp(in -> Transforms.grad(f::apply, all).apply(in)[k], x, v).tangent();
                    }
                    return hv;
                }
                default:
                    throw new AssertionError(order);
            }
        }
    }

    /** u^T H v by forward-over-forward (a jvp of a jvp). */
    public static double uHv(Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] u, Tensor[] v) {
        return ForwardAD.jvp(xo -> ForwardAD.jvp(f, xo, v)[1], x, u)[1].item();
    }

    /** The engine's first-order gradient of f at x (one tensor per input). */
    public static Tensor[] gradient(Function<Tensor[], Tensor> f, Tensor[] x) {
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor[] leaves = leaves(x);
            Tensor y = f.apply(leaves);
            return orZeros(y.requiresGrad() ? Autograd.grad(y, leaves, null, false) : new Tensor[x.length], x);
        }
    }

    /** (grad f(x + h v) - grad f(x - h v)) / 2h. */
    public static Tensor[] hvpFiniteDifference(Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] v, double h) {
        Tensor[] xp = new Tensor[x.length], xm = new Tensor[x.length];
        try (GradMode.Scope off = GradMode.noGrad()) {
            for (int i = 0; i < x.length; i++) {
                xp[i] = x[i].add(v[i].mul(h));
                xm[i] = x[i].sub(v[i].mul(h));
            }
        }
        Tensor[] gp = gradient(f, xp), gm = gradient(f, xm), out = new Tensor[x.length];
        try (GradMode.Scope off = GradMode.noGrad()) {
            for (int i = 0; i < x.length; i++) out[i] = gp[i].sub(gm[i]).mul(1 / (2 * h));
        }
        return out;
    }

    /** max_i |a_i - b_i| / max(max_i |b_i|, 1) over all tensors together (b: the reference). */
    public static double relErr(Tensor[] a, Tensor[] b) {
        double num = 0, den = 1;
        for (int i = 0; i < a.length; i++) {
            double[] ai = a[i].toDoubleArray(), bi = b[i].toDoubleArray();
            if (ai.length != bi.length) return Double.POSITIVE_INFINITY;
            for (int j = 0; j < ai.length; j++) {
                double d = Math.abs(ai[j] - bi[j]);
                if (Double.isNaN(d)) return Double.NaN;
                num = Math.max(num, d);
                den = Math.max(den, Math.abs(bi[j]));
            }
        }
        return num / den;
    }

    /** sum_i &lt;a_i, b_i&gt;. */
    public static double dot(Tensor[] a, Tensor[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double[] ai = a[i].toDoubleArray(), bi = b[i].toDoubleArray();
            for (int j = 0; j < ai.length; j++) s += ai[j] * bi[j];
        }
        return s;
    }

    /** Fresh float64 leaves with x's values (x itself is left alone). */
    static Tensor[] leaves(Tensor[] x) {
        Tensor[] l = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) l[i] = Tensor.of(x[i].toDoubleArray(), x[i].shape()).to(x[i].dtype()).requiresGrad(true);
        return l;
    }

    private static Tensor zeros(Tensor like) {
        return Tensor.zeros(like.dtype(), like.device(), like.shape());
    }

    private static Tensor[] orZeros(Tensor[] g, Tensor[] like) {
        for (int i = 0; i < g.length; i++) if (g[i] == null) g[i] = zeros(like[i]);
        return g;
    }
}
