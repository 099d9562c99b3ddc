package tangent.core.check;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tangent.core.Op;
import tangent.core.backend.UnaryFn;
import tangent.core.ops.Unary;

/**
 * The registry is complete: every concrete Op subclass in tangent.core.ops ({@link OpsDoc#opClasses})
 * and every UnaryFn is on the tape of at least one gradcheck case whose jvp and vjp ran without
 * throwing; each primitive case really exercises the op it names.
 */
class OpRegistryTest {
    static List<Class<?>> opClasses() throws IOException {
        return new ArrayList<>(OpsDoc.opClasses());
    }

    @Test
    void everyOpClassHasAPassingCase() throws Exception {
        List<Class<?>> ops = opClasses();
        assertTrue(ops.size() >= 25, "found only " + ops + " in tangent.core.ops: is the scan broken?");
        TreeSet<String> missing = new TreeSet<>();
        for (Class<?> c : ops) {
            boolean covered = false;
            for (OpCases.Case k : OpCases.all()) {
                Gradcheck.Report r = Reports.of(k);
                if (r.error == null && r.ops.stream().anyMatch(o -> o.getClass() == c)) covered = true;
            }
            if (!covered) missing.add(c.getSimpleName());
        }
        assertTrue(missing.isEmpty(), "ops without a gradcheck case that runs its jvp and vjp: " + missing);
    }

    @Test
    void everyUnaryFnHasACase() {
        TreeSet<String> missing = new TreeSet<>();
        for (UnaryFn fn : UnaryFn.values()) {
            boolean covered = false;
            for (OpCases.Case k : OpCases.all()) {
                Gradcheck.Report r = Reports.of(k);
                if (r.error != null) continue;
                for (Op o : r.ops) {
                    if (o instanceof Unary ? ((Unary) o).fn() == fn : o.name().equals(fn.opName())) covered = true;
                }
            }
            if (!covered) missing.add(fn.name());
        }
        assertTrue(missing.isEmpty(), "UnaryFns without a gradcheck case: " + missing);
    }

    @Test
    void eachPrimitiveCaseExercisesItsOpAndNoRuleThrows() {
        for (OpCases.Case k : OpCases.all()) {
            Gradcheck.Report r = Reports.of(k);
            assertNull(r.error, () -> "jvp/vjp threw: " + r.row());
            if (k.isComposite()) continue;
            assertTrue(r.ops.stream().anyMatch(o -> o.name().equals(k.op())),
                    () -> "case " + k.name() + " does not put '" + k.op() + "' on the tape: " + r.ops);
        }
    }

    @Test
    void everyRequiredCompositeHasACase() {
        TreeSet<String> have = new TreeSet<>();
        for (OpCases.Case k : OpCases.all()) if (k.isComposite()) have.add(k.op().substring("composite:".length()));
        for (String c : new String[] {"mean", "variance", "softmax", "log_softmax", "cross_entropy", "group_norm", "pixel_norm",
                "dropout", "l2_norm", "linear"})
            assertTrue(have.contains(c), "no gradcheck case for composite " + c);
    }
}
