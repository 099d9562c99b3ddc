package tangent.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A picture of the tape in Graphviz DOT, as micrograd's {@code draw_dot}: one box per tensor
 * (its name when given, shape and dtype) and one ellipse per recorded op application, with edges
 * input -> op -> output in the order the op takes its inputs.
 *
 * <p>Boxes are styled by role: a leaf that requires grad (a parameter; filled blue, with its
 * {@code .grad} shape once backward ran), a constant input that does not (dashed), an intermediate
 * (plain) and an output (bold). A scalar shows its value.
 *
 * <p>The picture is the primal computation on the tape (a plain dual level does not record its
 * tangent computation), so a dual pass's tangents are
 * shown on the tensors you name: a named tensor carrying a tangent at dual level L gets a line
 * {@code tangent@L: shape dtype} and an orange border. Name the dual inputs and the output of a
 * {@link ForwardAD.DualLevel} pass to see where the tangent enters and leaves.
 *
 * <pre>{@code
 * Tensor y = W.matmul(x).add(b).tanh().sum();
 * String dot = Graphviz.of(y).name("W", W).name("x", x).name("b", b).name("y", y).dot();
 * Graphviz.of(y).write(Path.of("graph.dot"));   // then: dot -Tsvg graph.dot -o graph.svg
 * }</pre>
 */
public final class Graphviz {
    private final Tensor[] outputs;
    private final List<Map.Entry<String, Tensor>> names = new ArrayList<>();

    private Graphviz(Tensor[] outputs) {
        this.outputs = outputs;
    }

    /**
     * The graph of everything the outputs depend on. Throws IllegalArgumentException when no
     * output is on the tape (nothing it depends on requires grad, or it ran under noGrad).
     */
    public static Graphviz of(Tensor... outputs) {
        if (outputs.length == 0) throw new IllegalArgumentException("graph: give at least one output tensor");
        boolean any = false;
        for (Tensor y : outputs) {
            if (y == null) throw new IllegalArgumentException("graph: an output is null");
            any |= y.meta != null;
        }
        if (!any)
            throw new IllegalArgumentException("graph: no output is on the tape (no input of its computation requires grad, or it"
                    + " ran under noGrad); call requiresGrad(true) on a leaf before computing");
        return new Graphviz(outputs.clone());
    }

    /** Labels t with name (any text; quotes and backslashes are escaped). The first name given to a tensor wins. */
    public Graphviz name(String name, Tensor t) {
        if (name == null || t == null) throw new IllegalArgumentException("graph: a name and its tensor must not be null");
        names.add(Map.entry(name, t));
        return this;
    }

    /** The DOT text: {@code digraph tape { ... }}, nodes t0, t1, ... (tensors) and op0, op1, ... (ops), oldest first. */
    public String dot() {
        List<Autograd.Node> nodes;
        try {
            nodes = new ArrayList<>(Autograd.reachableNodes("graph", outputs));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; draw the graph before backward, or pass retainGraph=true to it");
        }
        java.util.Collections.reverse(nodes); // oldest first: inputs get the small ids
        Map<Object, String> ids = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        StringBuilder edges = new StringBuilder();
        StringBuilder opNodes = new StringBuilder();
        for (int k = 0; k < nodes.size(); k++) {
            Autograd.Node n = nodes.get(k);
            String op = "op" + k;
            opNodes.append("  ").append(op).append(" [shape=ellipse, label=\"").append(escape(n.op.name())).append("\"];\n");
            for (Tensor in : n.inputs) edges.append("  ").append(id(in, ids, tensors)).append(" -> ").append(op).append(";\n");
            edges.append("  ").append(op).append(" -> ").append(id(n.output, ids, tensors)).append(";\n");
        }
        for (Tensor y : outputs) id(y, ids, tensors);

        StringBuilder b = new StringBuilder("digraph tape {\n");
        b.append("  rankdir=LR;\n");
        b.append("  node [fontname=\"Helvetica\", fontsize=10];\n");
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) b.append(tensorNode(e.getKey(), e.getValue()));
        b.append(opNodes).append(edges).append("}\n");
        return b.toString();
    }

    /** Writes {@link #dot()} to path atomically (a temporary file beside it, then a rename). */
    public void write(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir))
            throw new IOException("the folder " + dir + " does not exist; create it first");
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, dot());
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The id of t's box: a taped tensor is its place on the tape; an untaped one is its view of storage. */
    private static String id(Tensor t, Map<Object, String> ids, Map<String, Tensor> tensors) {
        Object key = t.meta != null ? t.meta : new ViewKey(t);
        String id = ids.get(key);
        if (id == null) {
            id = "t" + ids.size();
            ids.put(key, id);
            tensors.put(id, t);
        }
        return id;
    }

    private String tensorNode(String id, Tensor t) {
        Tensor named = null;
        String name = null;
        for (Map.Entry<String, Tensor> e : names)
            if (same(e.getValue(), t)) {
                name = e.getKey();
                named = e.getValue();
                break;
            }
        List<String> lines = new ArrayList<>();
        if (name != null) lines.add(name);
        lines.add(Shape.str(t.shape()) + " " + t.dtype());
        if (t.numel() == 1) lines.add("= " + fmt(t.item()));
        boolean isOutput = false;
        for (Tensor y : outputs) isOutput |= same(y, t);
        String style;
        if (t.meta == null) style = "dashed";
        else if (t.meta.node == null) style = "filled";
        else style = "solid";
        if (t.meta != null && t.meta.node == null) {
            lines.add("requires grad");
            if (t.meta.grad != null) lines.add("grad: " + Shape.str(t.meta.grad.shape()));
        }
        boolean dual = false;
        if (named != null)
            for (int level : named.tangentLevels()) {
                Tensor tan = named.tangentAt(level);
                lines.add("tangent@" + level + ": " + Shape.str(tan.shape()) + " " + tan.dtype());
                dual = true;
            }
        StringBuilder label = new StringBuilder();
        for (String l : lines) label.append(label.length() == 0 ? "" : "\\n").append(escape(l));
        StringBuilder b = new StringBuilder("  ").append(id).append(" [shape=box, label=\"").append(label).append('"');
        b.append(", style=\"").append(style).append(isOutput ? ",bold" : "").append('"');
        if (style.equals("filled")) b.append(", fillcolor=\"lightblue\"");
        if (dual) b.append(", color=\"orange\", penwidth=2");
        return b.append("];\n").toString();
    }

    /** Whether a and b are the same tensor on the tape (one place) or, untaped, the same view of the same storage. */
    private static boolean same(Tensor a, Tensor b) {
        if (a.meta != null || b.meta != null) return a.meta == b.meta;
        return new ViewKey(a).equals(new ViewKey(b));
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4g", v);
    }

    /** Escapes text for a quoted DOT string: backslash and double quote; newlines become \n. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '"') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') continue;
            else b.append(c);
        }
        return b.toString();
    }

    /** An untaped tensor's identity: the same storage object, offset, shape and strides. */
    private static final class ViewKey {
        final Storage storage;
        final int offset;
        final int[] shape, strides;

        ViewKey(Tensor t) {
            storage = t.storage();
            offset = t.offset();
            shape = t.shape();
            strides = t.strides();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ViewKey)) return false;
            ViewKey k = (ViewKey) o;
            return storage == k.storage && offset == k.offset && Arrays.equals(shape, k.shape) && Arrays.equals(strides, k.strides);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(storage) * 31 + offset * 17 + Arrays.hashCode(shape);
        }
    }
}
