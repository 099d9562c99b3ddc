package tangent.core;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse mode. Each op applied to an input that requires grad records a {@link Node} holding the
 * op, its primal inputs and its output; {@link #backward} walks the nodes in reverse creation
 * order (a valid topological order) and calls each op's VJP rule. Tangents are never recorded.
 */
public final class Autograd {
    private Autograd() {}

    private static final AtomicLong SEQ = new AtomicLong();

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
        Tensor[] inputs; // primal views; null once released
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
     * Accumulates d(y)/d(leaf) into every leaf's {@link Tensor#grad()}, seeding with {@code seed}
     * (ones when null; y must then have one element). Releases the tape unless retainGraph.
     */
    public static void backward(Tensor y, Tensor seed, boolean retainGraph) {
        Map<Meta, Tensor> leafGrads = run(y, seed, retainGraph, null);
        for (Map.Entry<Meta, Tensor> e : leafGrads.entrySet()) {
            Meta m = e.getKey();
            // A leaf's gradient is its own compact tensor: cotangents may be broadcast views (stride
            // 0) or shared with other leaves and the seed, and optimizers update grads in place.
            m.grad = m.grad == null ? ownedCopy(e.getValue()) : addNoGrad(m.grad, e.getValue());
        }
    }

    /** d(y)/d(inputs) without touching any .grad; null entries for inputs y does not depend on. */
    public static Tensor[] grad(Tensor y, Tensor[] inputs, Tensor seed, boolean retainGraph) {
        Map<Meta, Tensor> wanted = new IdentityHashMap<>();
        for (Tensor x : inputs) {
            if (!x.requiresGrad())
                throw new IllegalArgumentException("grad: an input " + Shape.str(x.shape()) + " does not require grad");
            wanted.put(x.meta, null);
        }
        Map<Meta, Tensor> got = run(y, seed, retainGraph, wanted);
        Tensor[] out = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) out[i] = got.get(inputs[i].meta);
        return out;
    }

    /** Returns the cotangents of leaves (or of the wanted metas, when given). */
    private static Map<Meta, Tensor> run(Tensor y, Tensor seed, boolean retainGraph, Map<Meta, Tensor> wanted) {
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
        // Collect reachable nodes.
        List<Node> nodes = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayList<Meta> stack = new ArrayList<>();
        stack.add(y.meta);
        while (!stack.isEmpty()) {
            Meta m = stack.remove(stack.size() - 1);
            Node n = m.node;
            if (n == null || seen.containsKey(n)) continue;
            if (n.inputs == null)
                throw new IllegalStateException("backward: the graph through op '" + n.op.name()
                        + "' was already released by an earlier backward; pass retainGraph=true to the first one");
            seen.put(n, true);
            nodes.add(n);
            for (Tensor in : n.inputs)
                if (in.meta != null) stack.add(in.meta);
        }
        nodes.sort((a, b) -> Long.compare(b.seq, a.seq));

        Map<Meta, Tensor> cot = new IdentityHashMap<>();
        Map<Meta, Tensor> result = new IdentityHashMap<>();
        cot.put(y.meta, seed);
        if (wanted != null ? wanted.containsKey(y.meta) : y.meta.node == null) result.put(y.meta, seed);
        String phase = Profiler.ON ? Profiler.enter(Profiler.VJP) : null;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Node n : nodes) {
                Meta m = n.output.meta;
                Tensor g = cot.remove(m);
                if (g == null) continue;
                boolean[] needs = new boolean[n.inputs.length];
                for (int i = 0; i < needs.length; i++) needs[i] = n.inputs[i].meta != null;
                Tensor[] gx = n.op.vjp(n.inputs, n.output, n.saved, g, needs);
                for (int i = 0; i < needs.length; i++) {
                    if (!needs[i] || gx[i] == null) continue;
                    Tensor xi = n.inputs[i];
                    if (!java.util.Arrays.equals(gx[i].shape(), xi.shape()))
                        throw new IllegalStateException("vjp rule of '" + n.op.name() + "' returned a cotangent "
                                + Shape.str(gx[i].shape()) + " for input " + i + " of shape " + Shape.str(xi.shape()));
                    Meta mi = xi.meta;
                    Tensor prev = cot.get(mi);
                    Tensor sum = prev == null ? gx[i] : prev.add(gx[i]);
                    boolean isLeaf = mi.node == null;
                    // Always keep the running sum in cot: an input may appear several times (x * x),
                    // and a leaf's later contributions must add to the earlier ones.
                    cot.put(mi, sum);
                    if (wanted != null ? wanted.containsKey(mi) : isLeaf) result.put(mi, sum);
                }
                if (!retainGraph) {
                    n.inputs = null;
                    n.output = null;
                    n.saved = null;
                }
            }
        } finally {
            if (Profiler.ON) Profiler.exit(phase);
        }
        return result;
    }

    /**
     * The ops recorded on the tape that y depends on, newest first (for tools and tests, e.g. the
     * gradcheck registry checking which primitives a case exercises). Empty when y is a leaf or
     * not on the tape; throws when part of the graph was already released.
     */
    public static List<Op> recordedOps(Tensor y) {
        List<Node> nodes = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        ArrayList<Meta> stack = new ArrayList<>();
        if (y.meta != null) stack.add(y.meta);
        while (!stack.isEmpty()) {
            Node n = stack.remove(stack.size() - 1).node;
            if (n == null || seen.containsKey(n)) continue;
            if (n.inputs == null)
                throw new IllegalStateException("recordedOps: the graph through op '" + n.op.name() + "' was already released");
            seen.put(n, true);
            nodes.add(n);
            for (Tensor in : n.inputs)
                if (in.meta != null) stack.add(in.meta);
        }
        nodes.sort((a, b) -> Long.compare(b.seq, a.seq));
        List<Op> ops = new ArrayList<>();
        for (Node n : nodes) ops.add(n.op);
        return ops;
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
