package tangent.core;

import java.util.IdentityHashMap;
import java.util.Map;
import tangent.core.backend.Backend;

/**
 * Function transforms in JAX's spirit, over functions of tensors: {@link #grad}, {@link #valueAndGrad},
 * {@link #jvp}, {@link #vjp}, {@link #hvp} and {@link #jacobian}. They compose in every order —
 * {@code jvp(grad(f))} (forward-over-reverse), {@code grad(x -> jvp(f, x, v).tangent())}
 * (reverse-over-forward), {@code grad(grad(f))} (reverse-over-reverse), {@code jvp(jvp(f))} — because
 * each one records exactly what an enclosing transform can differentiate:
 * <ul>
 *   <li>{@code grad} records its backward pass (createGraph) when the function's result depends on
 *       tape tensors other than the ones it differentiates w.r.t. (an enclosing grad's inputs, or
 *       parameters the function closes over) or when its inputs are already on the tape;</li>
 *   <li>{@code jvp} records its tangent computation wherever an input of an op is on the tape;</li>
 *   <li>inside a {@code jvp}, the tape holds tangents, so a {@code grad} inside carries them.</li>
 * </ul>
 * Under {@link GradMode#noGrad()} nothing is recorded: only first-order {@code jvp} works there, and
 * {@code grad} throws. The low-level API ({@link ForwardAD}, {@link Autograd}) stays the cheap form
 * for a training step: a taped primal and a constant tangent.
 */
public final class Transforms {
    private Transforms() {}

    /** A function of tensors to one tensor. */
    @FunctionalInterface
    public interface Fn {
        Tensor apply(Tensor... x);
    }

    /** A function of tensors to several tensors (e.g. one gradient per argument). */
    @FunctionalInterface
    public interface MultiFn {
        Tensor[] apply(Tensor... x);
    }

    /** f(x) and its gradients w.r.t. the chosen arguments. */
    public record ValueAndGrad(Tensor value, Tensor[] grads) {}

    /** f(x) and its pullback: cotangent gy (shaped like f(x)) to J_f(x)^T gy, one per argument. */
    public record Vjp(Tensor primal, MultiFn pullback) {}

    /** The gradient of a scalar-valued f w.r.t. its first argument, as a function of all its arguments. */
    public static Fn grad(Fn f) {
        return x -> gradients(f, x, new int[] {0}).grads()[0];
    }

    /** The gradients of a scalar-valued f w.r.t. the arguments argnums (in that order). */
    public static MultiFn grad(Fn f, int... argnums) {
        return x -> gradients(f, x, argnums).grads();
    }

    /** f(x) and its gradients w.r.t. the arguments argnums (all arguments when none are given). */
    public static ValueAndGrad valueAndGrad(Fn f, Tensor[] x, int... argnums) {
        return gradients(f, x, argnums.length == 0 ? all(x.length) : argnums);
    }

    /**
     * (f(x), J_f(x) v): one forward pass with dual numbers. A null tangent is zero. The tangent is
     * recorded where it depends on the tape, so an enclosing grad can differentiate it.
     */
    public static ForwardAD.Jvp jvp(Fn f, Tensor[] x, Tensor[] v) {
        Tensor[] r = ForwardAD.jvp(in -> f.apply(in), x, v, true);
        return new ForwardAD.Jvp(r[0], r[1]);
    }

    /** The one-argument form of {@link #jvp(Fn, Tensor[], Tensor[])}. */
    public static ForwardAD.Jvp jvp(Fn f, Tensor x, Tensor v) {
        return jvp(f, new Tensor[] {x}, new Tensor[] {v});
    }

    /**
     * f(x) and its pullback (reverse mode). The pullback may be called several times; each call
     * returns one cotangent per argument (zeros for an argument f does not depend on).
     */
    public static Vjp vjp(Fn f, Tensor... x) {
        Tensor[] in = leaves(x, all(x.length));
        Tensor y;
        try (GradMode.Scope on = GradMode.enableGrad()) {
            y = f.apply(in);
        }
        boolean createGraph = needsGraph(y, x, in);
        MultiFn pullback = gy -> {
            if (gy.length != 1) throw new IllegalArgumentException("vjp: the pullback takes one cotangent, got " + gy.length);
            try (GradMode.Scope on = GradMode.enableGrad()) {
                return orZeros(y.requiresGrad() ? Autograd.grad(y, in, gy[0], true, createGraph) : new Tensor[x.length], x);
            }
        };
        return new Vjp(y, pullback);
    }

    /**
     * The Hessian of a scalar-valued f at x times v, forward-over-reverse: one forward pass with
     * dual numbers and one backward pass that carries them (the cost of about two gradients).
     */
    public static Tensor hvp(Fn f, Tensor x, Tensor v) {
        if (GradMode.isEnabled() && (x.requiresGrad() || v.requiresGrad()))
            return jvp(grad(f), x, v).tangent(); // an enclosing grad differentiates the product: record it
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            return level.tangent(grad(f).apply(level.dual(x, v)));
        }
    }

    /** How {@link #jacobian} computes: a column per input element, or a row per output element. */
    public enum Mode { FORWARD, REVERSE }

    /**
     * The Jacobian of f at x, of shape f(x).shape ++ x.shape: with FORWARD one JVP per element of
     * x (columns), with REVERSE one VJP per element of f(x) (rows). A constant: it is assembled from
     * the passes' values, so a Jacobian is not itself differentiated (use nested grad/jvp for that).
     */
    public static Tensor jacobian(Fn f, Tensor x, Mode mode) {
        if (GradMode.isEnabled() && (x.requiresGrad() || ForwardAD.carriesActiveTangent(x)))
            throw new IllegalArgumentException("jacobian: x is on the tape or carries a tangent, but a Jacobian is assembled"
                    + " as a constant and cannot be differentiated; compose grad/jvp instead, or detach() x");
        int n = x.numel();
        double[][] cols;
        int m;
        int[] yShape;
        if (mode == Mode.FORWARD) {
            cols = new double[n][];
            yShape = null;
            for (int j = 0; j < n; j++) {
                ForwardAD.Jvp d = jvp(f, x, basis(x, j));
                cols[j] = d.tangent().toDoubleArray();
                yShape = d.primal().shape();
            }
            m = Shape.numel(yShape == null ? new int[0] : yShape);
            if (n == 0) yShape = f.apply(x).shape();
        } else {
            Vjp p = vjp(f, x);
            yShape = p.primal().shape();
            m = p.primal().numel();
            double[][] rows = new double[m][];
            for (int i = 0; i < m; i++) rows[i] = p.pullback().apply(basis(p.primal(), i))[0].toDoubleArray();
            cols = new double[n][m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) cols[j][i] = rows[i][j];
        }
        double[] jac = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) jac[i * n + j] = cols[j][i];
        int[] shape = new int[yShape.length + x.dim()];
        System.arraycopy(yShape, 0, shape, 0, yShape.length);
        System.arraycopy(x.shape(), 0, shape, yShape.length, x.dim());
        return Backend.of(x).fromArray(jac, shape).to(x.dtype());
    }

    // ---- machinery ----------------------------------------------------------------------------

    private static ValueAndGrad gradients(Fn f, Tensor[] x, int[] argnums) {
        for (int a : argnums)
            if (a < 0 || a >= x.length)
                throw new IllegalArgumentException("grad: argument " + a + " of a function called with " + x.length);
        if (!GradMode.isEnabled())
            throw new IllegalStateException("grad: recording is off (GradMode.noGrad); a gradient needs the tape");
        Tensor[] in = leaves(x, argnums);
        Tensor y;
        try (GradMode.Scope on = GradMode.enableGrad()) {
            y = f.apply(in);
        }
        if (y.numel() != 1)
            throw new IllegalArgumentException("grad: f must return one element, got " + Shape.str(y.shape()) + " (use vjp)");
        Tensor[] wrt = new Tensor[argnums.length], like = new Tensor[argnums.length];
        for (int i = 0; i < argnums.length; i++) {
            wrt[i] = in[argnums[i]];
            like[i] = x[argnums[i]];
        }
        if (!y.requiresGrad()) return new ValueAndGrad(y, orZeros(new Tensor[argnums.length], like));
        Tensor[] g = Autograd.grad(y, wrt, null, false, needsGraph(y, x, in));
        return new ValueAndGrad(y, orZeros(g, like));
    }

    /**
     * The inputs to differentiate w.r.t.: an input already on the tape is used as it is (an
     * enclosing grad differentiates through it), any other becomes a new leaf keeping its tangents.
     */
    private static Tensor[] leaves(Tensor[] x, int[] argnums) {
        Tensor[] in = x.clone();
        for (int a : argnums)
            if (!x[a].requiresGrad()) in[a] = x[a].leafWithTangents();
        return in;
    }

    /**
     * Whether the backward pass must be recorded: some input was on the tape already, or y depends
     * on tape leaves other than the new ones (parameters f closes over, an enclosing grad's inputs).
     */
    private static boolean needsGraph(Tensor y, Tensor[] x, Tensor[] in) {
        for (Tensor t : x) if (t.requiresGrad()) return true;
        if (!y.requiresGrad()) return false;
        Map<Autograd.Meta, Boolean> ours = new IdentityHashMap<>();
        for (int i = 0; i < in.length; i++) if (in[i] != x[i]) ours.put(in[i].meta, true);
        for (Autograd.Node n : Autograd.reachableNodes("grad", y))
            for (Tensor t : n.inputs)
                if (t.meta != null && t.meta.node == null && !ours.containsKey(t.meta)) return true;
        return false;
    }

    private static Tensor[] orZeros(Tensor[] g, Tensor[] like) {
        for (int i = 0; i < g.length; i++)
            if (g[i] == null) g[i] = Tensor.zeros(like[i].dtype(), like[i].device(), like[i].shape());
        return g;
    }

    private static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    /** The j-th basis tensor shaped like x. */
    private static Tensor basis(Tensor x, int j) {
        double[] e = new double[x.numel()];
        e[j] = 1;
        return Backend.of(x).fromArray(e, x.shape()).to(x.dtype());
    }
}
