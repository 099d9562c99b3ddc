package tangent.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse mode. Each op applied to an input that requires grad records a {@link Node} holding the
 * op, its inputs and its output; {@link #backward} walks the nodes in reverse creation order (a
 * valid topological order) and calls each op's VJP rule. The VJP rules are written with ops, so:
 * <ul>
 *   <li>with {@code createGraph} the backward pass runs with recording on and is itself on the
 *       tape (reverse-over-reverse: gradients of gradients);</li>
 *   <li>inside an open dual level, a node holds its inputs' and output's tangents of that level
 *       ({@link #holdTangents}), so the VJP rules carry them and the cotangents come out as dual
 *       numbers (forward-over-reverse). The level drops them from the node when it closes.</li>
 * </ul>
 */
public final class Autograd {
    private Autograd() {}

    private static final AtomicLong SEQ = new AtomicLong();

    /**
     * Whether backward adds later cotangent contributions in place into buffers it owns (see run);
     * false: every sum is a new tensor (the same bits). For tests and A/B timing; flip it only
     * between backward passes.
     */
    static volatile boolean accumulateInPlace = true;

    /** Shared by a tensor and its tangent-views: either a leaf's gradient or the node that made it. */
    static final class Meta {
        final Node node; // null for a leaf
        Tensor grad; // leaves only: accumulated gradient

        Meta(Node node) {
            this.node = node;
        }
    }

    /** One recorded op application. */
    static final class Node {
        final long seq = SEQ.incrementAndGet();
        final Op op;
        Tensor[] inputs; // primal views (dual while a dual level holds them: holdTangents); null once released
        Tensor output;
        Tensor[] saved; // the forward's residuals for the VJP (Op#forwardSaving), or null; released with inputs

        Node(Op op, Tensor[] inputs, Tensor output, Tensor[] saved) {
            this.op = op;
            this.inputs = inputs;
            this.output = output;
            this.saved = saved;
        }
    }

    static void record(Op op, Tensor[] x, Tensor y, Tensor[] saved) {
        Tensor[] in = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) in[i] = x[i].primalView();
        y.meta = new Meta(new Node(op, in, y.primalView(), saved));
    }

    /**
     * Op.apply, inside dual level L: n (recorded for the primal) holds the dual inputs x and the
     * dual output y instead (tangents of active levels only), until L closes.
     */
    static void holdTangents(Node n, Tensor[] x, Tensor y, ForwardAD.DualLevel level) {
        if (n.inputs == null) return;
        for (int i = 0; i < x.length; i++) n.inputs[i] = ForwardAD.activeOnly(x[i]);
        n.output = ForwardAD.activeOnly(y);
        level.track(n);
    }

    /** Dual level `level` closed: n forgets its tangents at that level. */
    static void dropTangents(Node n, int level) {
        if (n.inputs == null) return;
        for (int i = 0; i < n.inputs.length; i++) n.inputs[i] = n.inputs[i].withoutTangent(level);
        n.output = n.output.withoutTangent(level);
    }

    /**
     * Accumulates d(y)/d(leaf) into every leaf's {@link Tensor#grad()}, seeding with {@code seed}
     * (ones when null; y must then have one element). Releases the tape unless retainGraph.
     */
    public static void backward(Tensor y, Tensor seed, boolean retainGraph) {
        backward(y, seed, retainGraph, false);
    }

    /**
     * As {@link #backward(Tensor, Tensor, boolean)}; with createGraph the backward pass is recorded
     * (and the tape kept), so the accumulated gradients can be differentiated again.
     */
    public static void backward(Tensor y, Tensor seed, boolean retainGraph, boolean createGraph) {
        Map<Meta, Tensor> leafGrads = run(y, seed, retainGraph || createGraph, createGraph, null);
        for (Map.Entry<Meta, Tensor> e : leafGrads.entrySet()) {
            Meta m = e.getKey();
            Tensor g = e.getValue();
            if (createGraph || ForwardAD.carriesActiveTangent(g)) {
                // A gradient that is itself differentiable (a graph, or dual numbers) stays an op's output.
                m.grad = m.grad == null ? g : m.grad.add(g);
            } else {
                // A leaf's gradient is its own compact tensor: cotangents may be broadcast views (stride
                // 0) or shared with other leaves and the seed, and optimizers update grads in place.
                m.grad = m.grad == null ? ownedCopy(g) : addNoGrad(m.grad, g);
            }
        }
    }

    /** d(y)/d(inputs) without touching any .grad; null entries for inputs y does not depend on. */
    public static Tensor[] grad(Tensor y, Tensor[] inputs, Tensor seed, boolean retainGraph) {
        return grad(y, inputs, seed, retainGraph, false);
    }

    /**
     * d(y)/d(inputs) (inputs: any tensors on y's tape, leaves or not); null entries for inputs y does
     * not depend on. With createGraph the backward pass is recorded (and the tape kept): the
     * results can be differentiated again (reverse-over-reverse). Inside an open dual level the
     * results carry that level's tangents (forward-over-reverse).
     */
    public static Tensor[] grad(Tensor y, Tensor[] inputs, Tensor seed, boolean retainGraph, boolean createGraph) {
        Map<Meta, Tensor> wanted = new IdentityHashMap<>();
        for (Tensor x : inputs) {
            if (!x.requiresGrad())
                throw new IllegalArgumentException("grad: an input " + Shape.str(x.shape()) + " does not require grad");
            wanted.put(x.meta, null);
        }
        Map<Meta, Tensor> got = run(y, seed, retainGraph || createGraph, createGraph, wanted);
        Tensor[] out = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) out[i] = got.get(inputs[i].meta);
        return out;
    }

    /**
     * The recorded nodes that any of ys depends on, newest first (a reverse topological order; for
     * backward, recordedOps, the transforms and the Graphviz export). Empty for leaves and untaped
     * tensors; throws, naming the caller, when part of the graph was already released.
     */
    static List<Node> reachableNodes(String caller, Tensor... ys) {
        List<Node> nodes = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayList<Meta> stack = new ArrayList<>();
        for (Tensor y : ys)
            if (y.meta != null) stack.add(y.meta);
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1).node;
            if (n == null || seen.containsKey(n)) continue;
            if (n.inputs == null)
                throw new IllegalStateException(caller + ": the graph through op '" + n.op.name()
                        + "' was already released by an earlier backward; pass retainGraph=true to the first one");
            seen.put(n, true);
            nodes.add(n);
            for (Tensor in : n.inputs)
                if (in.meta != null) stack.add(in.meta);
        }
        nodes.sort((a, b) -> Long.compare(b.seq, a.seq));
        return nodes;
    }

    /** Returns the cotangents of leaves (or of the wanted metas, when given). */
    private static Map<Meta, Tensor> run(Tensor y, Tensor seed, boolean retainGraph, boolean createGraph,
                                         Map<Meta, Tensor> wanted) {
        if (!y.requiresGrad())
            throw new IllegalStateException("backward: the output " + Shape.str(y.shape())
                    + " does not require grad (no input of its computation had requiresGrad, or it ran under noGrad)");
        if (seed == null) {
            if (y.numel() != 1)
                throw new IllegalArgumentException("backward: output " + Shape.str(y.shape())
                        + " is not a scalar; pass a seed cotangent of the same shape");
            seed = Tensor.full(y.dtype(), y.device(), 1.0, y.shape());
        } else if (!java.util.Arrays.equals(seed.shape(), y.shape())) {
            throw new IllegalArgumentException("backward: seed " + Shape.str(seed.shape()) + " does not match output "
                    + Shape.str(y.shape()));
        }
        List<Node> nodes = reachableNodes("backward", y);
        Map<Meta, Tensor> cot = new IdentityHashMap<>();
        Map<Meta, Tensor> result = new IdentityHashMap<>();
        cot.put(y.meta, seed);
        if (wanted != null ? wanted.containsKey(y.meta) : y.meta.node == null) result.put(y.meta, seed);
        // Buffers of cot entries that nothing else references: a later contribution is added into
        // them in place (no new tensor). Only without createGraph (a recorded backward must not
        // overwrite what the tape holds); an entry leaves the set when its node takes it as gy.
        Set<Storage> owned = createGraph || !accumulateInPlace ? null : Collections.newSetFromMap(new IdentityHashMap<>());
        String phase = Profiler.ON ? Profiler.enter(Profiler.VJP) : null;
        try (GradMode.Scope ignored = createGraph ? GradMode.enableGrad() : GradMode.noGrad()) {
            for (Node n : nodes) backwardNode(n, cot, result, owned, wanted, retainGraph);
        } finally {
            if (Profiler.ON) Profiler.exit(phase);
        }
        return result;
    }

    /**
     * One node of {@link #run}'s walk: takes its output's cotangent from cot, calls the op's VJP
     * (or its add-into shortcut) and adds the input cotangents into cot (and result). Why a method
     * of its own: called once per node, it is JIT-compiled within a training loop's first steps. A
     * loop body inside run (entered once per backward pass) is compiled on-stack only after tens of
     * steps, together with all it inlines: 0.34-0.41 s of one of the two cores (fmnist-xs,
     * -XX:+LogCompilation), inside whichever step comes then.
     */
    private static void backwardNode(Node n, Map<Meta, Tensor> cot, Map<Meta, Tensor> result, Set<Storage> owned,
                                     Map<Meta, Tensor> wanted, boolean retainGraph) {
        Meta m = n.output.meta;
        Tensor g = cot.remove(m);
        if (g == null) return;
        // g may be overwritten by the rule unless it is also a result handed out (a wanted non-leaf)
        boolean donated = owned != null && owned.remove(g.storage()) && (wanted == null || !wanted.containsKey(m))
                && !ForwardAD.carriesActiveTangent(g);
        boolean[] needs = new boolean[n.inputs.length];
        for (int i = 0; i < needs.length; i++) needs[i] = n.inputs[i].meta != null;
        if (owned != null && needs.length == 1 && needs[0] && addVjpInto(n, g, cot.get(n.inputs[0].meta), owned)) {
            release(n, retainGraph);
            return;
        }
        long mark = Storage.lastSerial();
        Tensor[] gx = donated ? n.op.vjpDonated(n.inputs, n.output, n.saved, g, needs)
                : n.op.vjp(n.inputs, n.output, n.saved, g, needs);
        for (int i = 0; i < needs.length; i++) {
            if (!needs[i] || gx[i] == null) continue;
            Tensor xi = n.inputs[i];
            if (!java.util.Arrays.equals(gx[i].shape(), xi.shape()))
                throw new IllegalStateException("vjp rule of '" + n.op.name() + "' returned a cotangent "
                        + Shape.str(gx[i].shape()) + " for input " + i + " of shape " + Shape.str(xi.shape()));
            Meta mi = xi.meta;
            Tensor prev = cot.get(mi);
            boolean fresh = owned != null && ownable(gx, needs, i, mark);
            Tensor sum;
            if (prev == null) {
                sum = gx[i];
                if (fresh) owned.add(sum.storage());
            } else if (owned != null && owned.contains(prev.storage()) && addInPlace(prev, gx[i])) {
                sum = prev;
            } else if (fresh && addInPlace(gx[i], prev)) {
                sum = gx[i]; // gx + prev: the bits of prev + gx (addition commutes)
                owned.add(sum.storage());
            } else {
                long before = Storage.lastSerial();
                sum = prev.add(gx[i]);
                if (owned != null && sum.isCompact() && sum.storage().serial() > before) owned.add(sum.storage());
            }
            boolean isLeaf = mi.node == null;
            // Always keep the running sum in cot: an input may appear several times (x * x),
            // and a leaf's later contributions must add to the earlier ones.
            cot.put(mi, sum);
            if (wanted != null ? wanted.containsKey(mi) : isLeaf) result.put(mi, sum);
        }
        release(n, retainGraph);
    }

    /**
     * The ops recorded on the tape that y depends on, newest first (for tools and tests, e.g. the
     * gradcheck registry checking which primitives a case exercises). Empty when y is a leaf or
     * not on the tape; throws when part of the graph was already released.
     */
    public static List<Op> recordedOps(Tensor y) {
        List<Op> ops = new ArrayList<>();
        for (Node n : reachableNodes("recordedOps", y)) ops.add(n.op);
        return ops;
    }

    private static void release(Node n, boolean retainGraph) {
        if (!retainGraph) {
            n.inputs = null;
            n.output = null;
            n.saved = null;
        }
    }

    /**
     * The op's {@link Op#vjpAddInto} into prev, the owned running cotangent of n's only input
     * (profiled as "op vjp_into"); false when prev is absent or not owned, or anything carries a
     * tangent, or the op has no such shortcut.
     */
    private static boolean addVjpInto(Node n, Tensor g, Tensor prev, Set<Storage> owned) {
        if (prev == null || !owned.contains(prev.storage()) || ForwardAD.carriesActiveTangent(prev, g)) return false;
        long t0 = Profiler.ON ? System.nanoTime() : 0;
        boolean done = n.op.vjpAddInto(prev, n.inputs, n.output, g);
        if (done && Profiler.ON) Profiler.add(Profiler.row(n.op.name() + " vjp_into", new Tensor[] {g}), System.nanoTime() - t0, g.numel());
        return done;
    }

    /**
     * Whether gx[i] may be accumulated into in place: its buffer was created by the VJP call (serial
     * after mark), it covers that buffer exactly (compact), no other needed cotangent of the call
     * shares it, and it carries no tangent (a dual cotangent's tangent would not follow).
     */
    private static boolean ownable(Tensor[] gx, boolean[] needs, int i, long mark) {
        Tensor t = gx[i];
        Storage s = t.storage();
        if (s.serial() <= mark || !t.isCompact() || ForwardAD.carriesActiveTangent(t)) return false;
        for (int j = 0; j < Math.min(gx.length, needs.length); j++)
            if (j != i && needs[j] && gx[j] != null && gx[j].storage() == s) return false;
        return true;
    }

    /**
     * acc += x in place by acc's backend (the Add op's bits), profiled as the add it replaces;
     * false (acc untouched) where the backend has no such kernel or either carries a tangent.
     */
    private static boolean addInPlace(Tensor acc, Tensor x) {
        if (acc.dtype() != x.dtype() || acc.device() != x.device() || ForwardAD.carriesActiveTangent(acc, x)) return false;
        long t0 = Profiler.ON ? System.nanoTime() : 0;
        boolean done = tangent.core.backend.Backend.of(acc).addInPlace(acc, x);
        if (done && Profiler.ON) Profiler.add(Profiler.row("add_", new Tensor[] {acc, x}), System.nanoTime() - t0, acc.numel());
        return done;
    }

    private static Tensor ownedCopy(Tensor g) {
        Tensor c = Tensor.zeros(g.dtype(), g.device(), g.shape());
        c.copyFrom(g.detach());
        return c;
    }

    private static Tensor addNoGrad(Tensor a, Tensor b) {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            return a.add(b);
        }
    }
}
