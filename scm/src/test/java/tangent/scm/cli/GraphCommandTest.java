package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/scm graph: the .dot of each example, the rendered picture where Graphviz is installed, and one-line errors. */
class GraphCommandTest {
    private static final Pattern NODE = Pattern.compile("^  (\\w+) \\[shape=(\\w+), label=\"((?:[^\"\\\\]|\\\\.)*)\"", Pattern.MULTILINE);
    private static final Pattern EDGE = Pattern.compile("^  (\\w+) -> (\\w+);$", Pattern.MULTILINE);

    /** Labels of the ellipses (ops) and of the boxes (tensors); checks every edge joins declared nodes. */
    private static List<List<String>> opsAndTensors(String dot) {
        List<String> ops = new ArrayList<>(), tensors = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Matcher n = NODE.matcher(dot);
        while (n.find()) {
            ids.add(n.group(1));
            (n.group(2).equals("ellipse") ? ops : tensors).add(n.group(3));
        }
        Matcher e = EDGE.matcher(dot);
        int edges = 0;
        while (e.find()) {
            assertTrue(ids.contains(e.group(1)) && ids.contains(e.group(2)), "edge to an undeclared node: " + e.group());
            edges++;
        }
        assertTrue(edges >= ops.size() * 2, "every op has an input and an output edge");
        return List.of(ops, tensors);
    }

    @Test
    void mlpGraphNamesEveryParameter(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("mlp.dot");
        MainCliTest.Run r = MainCliTest.run("graph", "--what", "mlp", "--out", out.toString(), "--format", "dot");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("wrote " + out), r.out());
        List<List<String>> g = opsAndTensors(Files.readString(out));
        assertEquals(List.of("matmul", "add", "tanh", "matmul", "add", "sub", "square", "sum", "scale"), g.get(0),
                "Linear = matmul + add; mean = sum then scale");
        for (String p : new String[] {"fc0.weight\\n(8, 2) float32", "fc0.bias", "fc1.weight\\n(1, 8) float32", "fc1.bias", "x\\n(4, 2)",
                "loss\\n() float32"})
            assertTrue(g.get(1).stream().anyMatch(l -> l.startsWith(p)), "no tensor labelled " + p + " in " + g.get(1));
        assertFalse(Files.exists(dir.resolve("mlp.svg")), "--format dot draws no picture");
    }

    @Test
    void sctStepShowsTheTangentsOfTheDualPass(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sct.dot");
        MainCliTest.Run r = MainCliTest.run("graph", "--what", "sct-step", "--out", out.toString(), "--format", "dot");
        assertEquals(0, r.rc(), r.err());
        List<String> tensors = opsAndTensors(Files.readString(out)).get(1);
        // t is dual too, but it meets the tape only after untaped ops (embedding), so it has no box of its own.
        for (String name : new String[] {"F(x_t/sigma_d, t)\\n(4, 2) float32", "x_t/sigma_d\\n(4, 2) float32"}) {
            String label = tensors.stream().filter(l -> l.startsWith(name)).findFirst().orElseThrow(() -> new AssertionError(name));
            assertTrue(label.matches(".*tangent@\\d+: " + Pattern.quote(name.substring(name.indexOf("\\n") + 2)) + ".*"), label);
        }
        assertTrue(tensors.stream().anyMatch(l -> l.startsWith("net.fc_in.weight")), tensors.toString());
        assertTrue(tensors.stream().anyMatch(l -> l.startsWith("weight.fc.weight")), tensors.toString());
    }

    @Test
    void resblockRendersAPictureWhereGraphvizIsInstalled(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("rb.dot");
        MainCliTest.Run r = MainCliTest.run("graph", "--what", "resblock", "--out", out.toString());
        assertEquals(0, r.rc(), r.err());
        List<String> ops = opsAndTensors(Files.readString(out)).get(0);
        assertTrue(ops.contains("conv2d") && ops.contains("group_norm") && ops.contains("group_norm_silu") && ops.contains("scale_shift_silu"), ops.toString());
        Assumptions.assumeTrue(r.out().contains("wrote " + dir.resolve("rb.svg")),
                "Graphviz's dot is not installed here, so no SVG was drawn: " + r.out());
        String svg = Files.readString(dir.resolve("rb.svg"));
        assertTrue(svg.contains("<svg") && svg.contains("conv2d"), "not an SVG of the graph");
    }

    @Test
    void badOptionsAndPathsAreOneLineErrors(@TempDir Path dir) {
        String[][] cases = {
            {"--what", "gan"}, {"--format", "pdf"}, {"--out", dir.resolve("g.txt").toString()},
            {"--out", dir.resolve("missing/g.dot").toString()}, {"--out", dir.toString()}};
        String[] expect = {"unknown --what 'gan' (valid: mlp, resblock, sct-step)", "unknown --format 'pdf'", "--out must name a .dot file",
            "does not exist; create it first", "--out must name a .dot file"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 1];
            args[0] = "graph";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            MainCliTest.Run r = MainCliTest.run(args);
            assertEquals(1, r.rc(), String.join(" ", args));
            assertTrue(r.err().startsWith("scm graph: ") && r.err().contains(expect[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
    }
}
