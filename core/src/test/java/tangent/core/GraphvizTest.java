package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DOT export, parsed back: exact nodes, labels and edges for small known graphs. */
class GraphvizTest {
    /** A parsed digraph: node id -> attributes (label unescaped), and edges "a->b" in order. */
    record Dot(Map<String, Map<String, String>> nodes, List<String> edges) {
        String label(String id) {
            return nodes.get(id).get("label");
        }

        /** The id of the one node whose label's first line is first. */
        String byFirstLine(String first) {
            List<String> hits = new ArrayList<>();
            for (Map.Entry<String, Map<String, String>> e : nodes.entrySet())
                if (e.getValue().get("label").split("\n")[0].equals(first)) hits.add(e.getKey());
            assertEquals(1, hits.size(), "nodes labelled '" + first + "': " + hits);
            return hits.get(0);
        }
    }

    private static final Pattern ATTR = Pattern.compile("(\\w+)=(\"((?:[^\"\\\\]|\\\\.)*)\"|[\\w.]+)");

    /** A parser for the subset of DOT that Graphviz.dot() writes (one statement per line). */
    static Dot parse(String dot) {
        String[] lines = dot.split("\n");
        assertEquals("digraph tape {", lines[0]);
        assertEquals("}", lines[lines.length - 1]);
        Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        List<String> edges = new ArrayList<>();
        for (int i = 1; i < lines.length - 1; i++) {
            String l = lines[i].trim();
            if (l.equals("rankdir=LR;") || l.startsWith("node [")) continue;
            Matcher e = Pattern.compile("^(\\w+) -> (\\w+);$").matcher(l);
            if (e.matches()) {
                assertTrue(nodes.containsKey(e.group(1)) && nodes.containsKey(e.group(2)), "edge to an undeclared node: " + l);
                edges.add(e.group(1) + "->" + e.group(2));
                continue;
            }
            Matcher n = Pattern.compile("^(\\w+) \\[(.*)\\];$").matcher(l);
            assertTrue(n.matches(), "not a node or edge statement: " + l);
            Map<String, String> attrs = new LinkedHashMap<>();
            Matcher a = ATTR.matcher(n.group(2));
            while (a.find()) attrs.put(a.group(1), a.group(3) != null ? unescape(a.group(3)) : a.group(2));
            assertNull(nodes.put(n.group(1), attrs), "node declared twice: " + n.group(1));
        }
        return new Dot(nodes, edges);
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char d = s.charAt(++i);
            b.append(d == 'n' ? '\n' : d);
        }
        return b.toString();
    }

    @Test
    void tanhOfAffineSummedHasExactlyItsNodesAndEdges() {
        Rng rng = new Rng(1);
        Tensor W = rng.normal(DType.F32, 2, 3).requiresGrad(true);
        Tensor x = rng.normal(DType.F32, 3, 1);
        Tensor b = rng.normal(DType.F32, 2, 1).requiresGrad(true);
        Tensor y = W.matmul(x).add(b).tanh().sum();
        Dot g = parse(Graphviz.of(y).name("W", W).name("x", x).name("b", b).name("y", y).dot());

        assertEquals(7, g.nodes().size() - 4, "7 tensors besides the 4 ops: " + g.nodes().keySet());
        String tW = g.byFirstLine("W"), tx = g.byFirstLine("x"), tb = g.byFirstLine("b"), ty = g.byFirstLine("y");
        String mm = g.byFirstLine("matmul"), add = g.byFirstLine("add"), tanh = g.byFirstLine("tanh"), sum = g.byFirstLine("sum");
        assertEquals("W\n(2, 3) float32\nrequires grad", g.label(tW));
        assertEquals("x\n(3, 1) float32", g.label(tx));
        assertEquals("b\n(2, 1) float32\nrequires grad", g.label(tb));
        assertEquals("y\n() float32\n= " + String.format(java.util.Locale.ROOT, "%.4g", y.item()), g.label(ty));
        assertEquals("filled", g.nodes().get(tW).get("style"));
        assertEquals("dashed", g.nodes().get(tx).get("style"));
        assertEquals("solid,bold", g.nodes().get(ty).get("style"));
        assertEquals("ellipse", g.nodes().get(mm).get("shape"));

        // The unnamed intermediates, found by their edges.
        String wx = successor(g, mm), z = successor(g, add), h = successor(g, tanh);
        assertEquals("(2, 1) float32", g.label(wx));
        assertEquals("(2, 1) float32", g.label(z));
        assertEquals("(2, 1) float32", g.label(h));
        assertEquals("solid", g.nodes().get(h).get("style"));
        assertEquals(List.of(tW + "->" + mm, tx + "->" + mm, mm + "->" + wx, wx + "->" + add, tb + "->" + add, add + "->" + z,
                z + "->" + tanh, tanh + "->" + h, h + "->" + sum, sum + "->" + ty), g.edges());
    }

    private static String successor(Dot g, String op) {
        String out = null;
        for (String e : g.edges())
            if (e.startsWith(op + "->")) {
                assertNull(out, op + " has two outputs");
                out = e.substring(op.length() + 2);
            }
        assertNotNull(out, op + " has no output");
        return out;
    }

    @Test
    void namesAreEscapedAndAGradShowsAfterBackward() {
        Tensor a = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y = a.mul(a).sum();
        Autograd.backward(y, null, true);
        String weird = "a \"quoted\" \\ name {x|y} <b>";
        String dot = Graphviz.of(y).name(weird, a).dot();
        assertTrue(dot.contains("a \\\"quoted\\\" \\\\ name {x|y} <b>"), dot);
        Dot g = parse(dot);
        String ta = g.byFirstLine(weird);
        assertEquals(weird + "\n(2,) float64\nrequires grad\ngrad: (2,)", g.label(ta));
        String mul = g.byFirstLine("mul");
        // x * x: the same input twice, two edges into mul.
        assertEquals(2, g.edges().stream().filter(e -> e.equals(ta + "->" + mul)).count());
        assertEquals(5, g.nodes().size(), "a, a*a, y and two ops");
    }

    @Test
    void aDualPassShowsTheTangentsOfTheNamedTensors() {
        Tensor w = Tensor.of(new double[] {0.5, -1, 2}, 3).requiresGrad(true);
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3);
        Tensor dx = Tensor.of(new double[] {1, 0, 0}, 3);
        String dot;
        int level;
        try (ForwardAD.DualLevel L = ForwardAD.enter()) {
            level = L.id();
            Tensor xd = L.dual(x, dx);
            Tensor y = xd.mul(w).sin().sum();
            dot = Graphviz.of(y).name("x", xd).name("w", w).name("y", y).dot();
        }
        Dot g = parse(dot);
        String tx = g.byFirstLine("x"), tw = g.byFirstLine("w"), ty = g.byFirstLine("y");
        assertEquals("x\n(3,) float64\ntangent@" + level + ": (3,) float64", g.label(tx));
        assertEquals("orange", g.nodes().get(tx).get("color"));
        assertEquals("w\n(3,) float64\nrequires grad", g.label(tw), "w has no tangent");
        assertNull(g.nodes().get(tw).get("color"));
        assertTrue(g.label(ty).endsWith("\ntangent@" + level + ": () float64"), g.label(ty));
        // The tape holds the primal computation only: mul, sin, sum; the JVP's ops are not recorded.
        assertEquals(List.of("mul", "sin", "sum"),
                g.nodes().values().stream().filter(a -> "ellipse".equals(a.get("shape"))).map(a -> a.get("label")).toList());
    }

    @Test
    void nestedLevelsShowOneTangentLinePerLevel() {
        Tensor w = Tensor.of(new double[] {2, 3}, 2).requiresGrad(true);
        Tensor x = Tensor.of(new double[] {1, -1}, 2);
        String dot;
        int outer, inner;
        try (ForwardAD.DualLevel L1 = ForwardAD.enter()) {
            Tensor x1 = L1.dual(x, Tensor.of(new double[] {1, 0}, 2));
            try (ForwardAD.DualLevel L2 = ForwardAD.enter()) {
                outer = L1.id();
                inner = L2.id();
                Tensor x2 = L2.dual(x1, Tensor.of(new double[] {0, 1}, 2));
                Tensor y = x2.mul(w).sum();
                dot = Graphviz.of(y).name("x", x2).dot();
            }
        }
        Dot g = parse(dot);
        assertEquals("x\n(2,) float64\ntangent@" + outer + ": (2,) float64\ntangent@" + inner + ": (2,) float64",
                g.label(g.byFirstLine("x")));
    }

    @Test
    void untapedOutputsAndMissingFoldersAreClearErrors(@TempDir Path dir) throws Exception {
        Tensor x = Tensor.of(new double[] {1, 2}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Graphviz.of(x.sin()));
        assertTrue(e.getMessage().contains("requiresGrad(true)"), e.getMessage());
        Tensor y = x.requiresGrad(true).sin().sum();
        java.io.IOException io = assertThrows(java.io.IOException.class, () -> Graphviz.of(y).write(dir.resolve("no/such/g.dot")));
        assertTrue(io.getMessage().contains("does not exist"), io.getMessage());
        Tensor z = x.requiresGrad(true).cos().sum();
        z.backward();
        IllegalStateException released = assertThrows(IllegalStateException.class, () -> Graphviz.of(z).dot());
        assertTrue(released.getMessage().contains("retainGraph"), released.getMessage());
        Path p = dir.resolve("g.dot");
        Graphviz.of(y).write(p);
        assertEquals(Graphviz.of(y).dot(), Files.readString(p));
    }
}
