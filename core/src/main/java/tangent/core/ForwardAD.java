package tangent.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Forward mode with dual numbers. A dual level is an explicit scope: inside it, a tensor may carry
 * a tangent for that level, and every op also computes its output's tangent with its JVP rule.
 * Levels nest (a jvp of a jvp) and never mix: each has its own id, and a tangent at level L only
 * ever carries tangents of levels opened before L. A tensor without a tangent at a level has a
 * zero tangent there, and it costs nothing.
 *
 * <p>How forward mode composes with reverse mode (the tape):
 * <ul>
 *   <li>By default a level's tangents are <b>not recorded</b>: one pass gives a taped primal and a
 *       constant tangent (the sCM step). A tangent computed that way from tensors that require
 *       grad is marked: using it in a recorded computation throws (its gradient would silently
 *       miss terms); {@code detach()} it to use it as a constant, or open the level with
 *       {@link #enter(boolean) enter(true)} to make it differentiable (reverse-over-forward).</li>
 *   <li>While a level is open, tape nodes recorded in it hold their inputs' and output's tangents,
 *       so a backward pass run inside the level carries tangents through the VJP rules
 *       (forward-over-reverse: a Hessian-vector product in one forward and one backward). Closing
 *       the level drops those tangents from the tape.</li>
 * </ul>
 *
 * <pre>{@code
 * Tensor[] yDy = ForwardAD.jvp(x -> x[0].sin(), new Tensor[] {x}, new Tensor[] {dx});
 * // or, when the function has parameters that must stay on the tape:
 * try (ForwardAD.DualLevel L = ForwardAD.enter()) {
 *     Tensor y = f(L.dual(x, dx));       // y is taped (differentiable w.r.t. parameters)
 *     Tensor dy = L.tangent(y);          // dy: not recorded (detach() it to use it as a constant)
 * }
 * }</pre>
 */
public final class ForwardAD {
    private ForwardAD() {}

    private static final AtomicInteger NEXT_ID = new AtomicInteger(1);
    private static final ThreadLocal<List<DualLevel>> ACTIVE = ThreadLocal.withInitial(ArrayList::new);

    /** An open dual level; close it (try-with-resources) in the reverse order of opening. */
    public static final class DualLevel implements AutoCloseable {
        final int id;
        final boolean recordsTangents;
        private boolean closed;
        /** Tape nodes that hold this level's tangents; they drop them when the level closes. */
        private final List<Autograd.Node> nodes = new ArrayList<>();

        private DualLevel(int id, boolean recordsTangents) {
            this.id = id;
            this.recordsTangents = recordsTangents;
        }

        /** Whether tangent computations are recorded on the tape (differentiable tangents). */
        public boolean recordsTangents() {
            return recordsTangents;
        }

        void track(Autograd.Node n) {
            nodes.add(n);
        }

        /** The level's id (increases with every level opened). */
        public int id() {
            return id;
        }

        /** primal with the given tangent at this level (same shape and dtype); null tangent = zero. */
        public Tensor dual(Tensor primal, Tensor tangent) {
            ensureOpen();
            if (tangent == null) return primal;
            if (!java.util.Arrays.equals(primal.shape(), tangent.shape()) || primal.dtype() != tangent.dtype())
                throw new IllegalArgumentException("jvp: tangent " + Shape.str(tangent.shape()) + " " + tangent.dtype()
                        + " does not match its primal " + Shape.str(primal.shape()) + " " + primal.dtype());
            if (primal.device() != tangent.device())
                throw new IllegalArgumentException("jvp: tangent on " + tangent.device() + " but primal on " + primal.device());
            return primal.withTangent(id, tangent);
        }

        /** y's tangent at this level; zeros when y does not depend on the dual inputs. */
        public Tensor tangent(Tensor y) {
            ensureOpen();
            Tensor t = y.tangentAt(id);
            return t != null ? t : Tensor.zeros(y.dtype(), y.device(), y.shape());
        }

        /** y without its tangent at this level (the primal; it keeps y's place on the tape). */
        public Tensor primal(Tensor y) {
            return y.withoutTangent(id);
        }

        private void ensureOpen() {
            if (closed) throw new IllegalStateException("dual level " + id + " is closed");
        }

        @Override
        public void close() {
            if (closed) return;
            List<DualLevel> active = ACTIVE.get();
            if (active.isEmpty() || active.get(active.size() - 1) != this)
                throw new IllegalStateException("dual levels must be closed in the reverse order of opening");
            active.remove(active.size() - 1);
            closed = true;
            for (Autograd.Node n : nodes) Autograd.dropTangents(n, id);
            nodes.clear();
        }
    }

    /** Opens a new (innermost) dual level whose tangents are constants (not recorded). */
    public static DualLevel enter() {
        return enter(false);
    }

    /**
     * Opens a new (innermost) dual level. With recordTangents, tangent computations are recorded on
     * the tape whenever grad mode is on, so a tangent can be differentiated (reverse-over-forward);
     * fused forward+JVP kernels are then not used.
     */
    public static DualLevel enter(boolean recordTangents) {
        DualLevel l = new DualLevel(NEXT_ID.getAndIncrement(), recordTangents);
        ACTIVE.get().add(l);
        return l;
    }

    /** The active level with this id, or null. */
    static DualLevel active(int id) {
        List<DualLevel> active = ACTIVE.get();
        for (int i = active.size() - 1; i >= 0; i--)
            if (active.get(i).id == id) return active.get(i);
        return null;
    }

    /** t without the tangents of levels that are no longer active (what a tape node may hold). */
    static Tensor activeOnly(Tensor t) {
        int[] levels = t.tangentLevels();
        if (levels.length == 0) return t;
        List<DualLevel> active = ACTIVE.get();
        Tensor r = t;
        for (int l : levels)
            if (!isActive(active, l)) r = r.withoutTangent(l);
        return r;
    }

    /**
     * (f(primals), J_f(primals) tangents): returns {y, dy}. A null tangent means zero. y keeps its
     * place on the tape when recording is on; dy is not recorded (the createGraph form records it).
     */
    public static Tensor[] jvp(Function<Tensor[], Tensor> f, Tensor[] primals, Tensor[] tangents) {
        return jvp(f, primals, tangents, false);
    }

    /**
     * As {@link #jvp(Function, Tensor[], Tensor[])}; with createGraph the tangent computation is
     * recorded (when grad mode is on), so dy can be differentiated w.r.t. whatever it depends on.
     */
    public static Tensor[] jvp(Function<Tensor[], Tensor> f, Tensor[] primals, Tensor[] tangents, boolean createGraph) {
        if (primals.length != tangents.length)
            throw new IllegalArgumentException("jvp: " + primals.length + " primals but " + tangents.length + " tangents");
        try (DualLevel level = enter(createGraph)) {
            Tensor[] duals = new Tensor[primals.length];
            for (int i = 0; i < primals.length; i++) duals[i] = level.dual(primals[i], tangents[i]);
            Tensor y = f.apply(duals);
            return new Tensor[] {level.primal(y), level.tangent(y)};
        }
    }

    /**
     * Whether any of xs (nulls allowed) carries a tangent for an active dual level. Rules use it to
     * take a fused kernel (no autodiff of its own) only when nothing outer needs differentiating.
     */
    public static boolean carriesActiveTangent(Tensor... xs) {
        return topActiveLevel(xs) >= 0;
    }

    /** The highest level that is active and that one of xs carries a tangent for; -1 if none. */
    static int topActiveLevel(Tensor[] xs) {
        List<DualLevel> active = ACTIVE.get();
        if (active.isEmpty()) return -1;
        int best = -1;
        for (Tensor x : xs) {
            if (x == null) continue;
            int[] levels = x.tangentLevels();
            for (int l : levels)
                if (l > best && isActive(active, l)) best = l;
        }
        return best;
    }

    private static boolean isActive(List<DualLevel> active, int id) {
        for (int i = active.size() - 1; i >= 0; i--)
            if (active.get(i).id == id) return true;
        return false;
    }

    // ---- pair forms --------------------------------------------------------------------------

    /** A function's value and its directional derivative: f(x) and J_f(x) dx. */
    public record Jvp(Tensor primal, Tensor tangent) {}

    /**
     * (f(x), J_f(x) dx) for a function of one tensor; dx has x's shape and dtype (null = zero).
     * Like {@link #jvp(Function, Tensor[], Tensor[])}: the primal keeps its place on the tape, the
     * tangent is not recorded (see {@link #enter(boolean)}).
     */
    public static Jvp jvp(Function<Tensor, Tensor> f, Tensor x, Tensor dx) {
        Tensor[] r = jvp(in -> f.apply(in[0]), new Tensor[] {x}, new Tensor[] {dx});
        return new Jvp(r[0], r[1]);
    }

    /** (f(x, y), J_x f dx + J_y f dy) for a function of two tensors (a null tangent = zero). */
    public static Jvp jvp(java.util.function.BiFunction<Tensor, Tensor, Tensor> f, Tensor x, Tensor y, Tensor dx, Tensor dy) {
        Tensor[] r = jvp(in -> f.apply(in[0], in[1]), new Tensor[] {x, y}, new Tensor[] {dx, dy});
        return new Jvp(r[0], r[1]);
    }
}
