package tangent.core.check;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tangent.core.Tensor;

/**
 * Every OpCases entry: engine JVP and VJP against central finite differences (max relative error,
 * as defined in {@link Gradcheck}, at most the case's tolerance: 1e-6 with h = 1e-6 in float64,
 * 1e-4 for the float32 cast round trip), and the transpose identity &lt;v, Ju&gt; = &lt;J^T v, u&gt; to
 * 1e-9 relative; and the second order: the JVP of each VJP rule and the VJP of each JVP rule against
 * central differences of the first-order rules, to the case's tolerance.
 */
class GradcheckTest {
    static Stream<OpCases.Case> cases() {
        return OpCases.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jvpVjpAndTransposeIdentity(OpCases.Case c) {
        Gradcheck.Report r = Reports.of(c);
        assertNull(r.error, () -> "case threw or its primal was wrong: " + r.row());
        assertTrue(r.jvpErr <= r.tol, () -> "JVP vs finite differences: " + r.row());
        assertTrue(r.vjpErr <= r.tol, () -> "VJP vs finite differences: " + r.row());
        assertTrue(r.transposeErr <= r.transposeTol(), () -> "<v, Ju> != <J^T v, u>: " + r.row());
        assertTrue(r.jvpOfVjpErr <= r.tol, () -> "JVP of the VJP rule vs finite differences: " + r.row());
        assertTrue(r.vjpOfJvpErr <= r.tol, () -> "VJP of the JVP rule vs finite differences: " + r.row());
        assertTrue(r.passed());
    }

    /** y = x^2 whose VJP is right in value but computed from a detached x: only the second order sees it. */
    static final class SquareWithConstantVjp extends tangent.core.Op {
        @Override
        public String name() {
            return "square_constant_vjp";
        }

        @Override
        protected Tensor forward(Tensor[] x) {
            try (tangent.core.GradMode.Scope off = tangent.core.GradMode.noGrad()) {
                return x[0].detach().square();
            }
        }

        @Override
        protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
            return x[0].mul(dx[0]).mul(2.0);
        }

        @Override
        protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
            return new Tensor[] {gy.mul(x[0].detach().mul(2.0))};
        }
    }

    @Test
    void secondOrderCatchesARuleThatCannotBeDifferentiated() {
        Tensor x = Tensor.of(new double[] {0.5, -1.2, 2.0}, 3);
        Gradcheck.Report r = Gradcheck.check("constant vjp", in -> new SquareWithConstantVjp().apply(in[0]), new Tensor[] {x},
                new boolean[] {true}, Gradcheck.H, Gradcheck.TOL, 1);
        assertTrue(r.jvpErr <= r.tol && r.vjpErr <= r.tol, r.row()); // first order is right
        assertTrue(r.jvpOfVjpErr > 0.1, r.row()); // the JVP of its VJP misses d(2x)/dx
        assertTrue(r.vjpOfJvpErr <= r.tol, r.row()); // its JVP rule is differentiable
        assertFalse(r.passed(), r.row());
    }

    @Test
    void runAllForOneOpAndVerboseValues() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(0, Gradcheck.runAll(new PrintStream(bytes, true, StandardCharsets.UTF_8), "sin", true));
        String out = bytes.toString(StandardCharsets.UTF_8);
        long rows = out.lines().filter(l -> l.endsWith("PASS")).count();
        assertEquals(OpCases.all().stream().filter(c -> c.op().equals("sin")).count(), rows, out);
        assertTrue(rows >= 1, out);
        assertTrue(out.contains("engine") && out.contains("fd"), out);
        assertTrue(out.lines().reduce((a, b) -> b).orElse("").matches("\\d+ passed, 0 failed"), out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gradcheck.runAll(new PrintStream(new ByteArrayOutputStream()), "no_such_op", false));
        assertTrue(e.getMessage().contains("known ops") && e.getMessage().contains("conv2d"), e.getMessage());
    }

    @Test
    void caseNamesAreUniqueAndSeveralShapesPerOp() {
        Set<String> names = new HashSet<>();
        for (OpCases.Case c : OpCases.all()) assertTrue(names.add(c.name()), "duplicate case name " + c.name());
        // several cases (shapes) for every primitive
        java.util.Map<String, Integer> count = new java.util.HashMap<>();
        for (OpCases.Case c : OpCases.all()) count.merge(c.op(), 1, Integer::sum);
        count.forEach((op, n) -> {
            if (!op.startsWith("composite:")) assertTrue(n >= 2, op + " has only " + n + " gradcheck case(s)");
        });
    }

    @Test
    void checkerCatchesAWrongRule() {
        // A function whose "derivative" is wrong: detach hides x from the autodiff, so the engine
        // sees d/dx [x * detach(x)] = detach(x) while finite differences see 2x.
        Tensor x = Tensor.of(new double[] {0.5, -1.2, 2.0}, 3);
        Gradcheck.Report r = Gradcheck.check("wrong", in -> in[0].mul(in[0].detach()), new Tensor[] {x},
                new boolean[] {true}, Gradcheck.H, Gradcheck.TOL, 1);
        assertFalse(r.passed(), r.row());
        assertTrue(r.jvpErr > 0.1 && r.vjpErr > 0.1, r.row());
        // and a right one passes
        Gradcheck.Report ok = Gradcheck.check("right", in -> in[0].mul(in[0]), new Tensor[] {x}, new boolean[] {true},
                Gradcheck.H, Gradcheck.TOL, 1);
        assertTrue(ok.passed(), ok.row());
    }

    @Test
    void relErrMetric() {
        assertEquals(0.5, Gradcheck.relErr(new double[] {1, 3}, new double[] {1, 2}), 1e-15); // 1 / max(2, 1)
        assertEquals(0.25, Gradcheck.relErr(new double[] {0.25}, new double[] {0}), 1e-15); // absolute below 1
        assertTrue(Double.isNaN(Gradcheck.relErr(new double[] {Double.NaN}, new double[] {0})));
    }

    @Test
    void runAllPrintsOneRowPerCaseAndTheSummaryLast() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int failed = Gradcheck.runAll(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> all = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(all.get(0).startsWith("#") && all.stream().anyMatch(l -> l.contains("jvp(vjp)")), "a header explains the columns");
        List<String> lines = all.stream().filter(l -> !l.startsWith("#")).toList();
        int n = OpCases.all().size();
        assertEquals(n + 1, lines.size());
        assertEquals(n + " passed, 0 failed", lines.get(lines.size() - 1), () -> String.join("\n", lines));
        assertEquals(0, failed);
        for (int i = 0; i < n; i++) {
            assertTrue(lines.get(i).startsWith(OpCases.all().get(i).name()), lines.get(i));
            assertTrue(lines.get(i).contains("PASS"), lines.get(i));
        }
    }
}
