package tangent.core.check;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/ops.md is what OpsDoc generates from the op files now, and the generator refuses incomplete blocks by name. */
class OpsDocTest {
    /** The repository root: the folder above the working directory (Maven runs tests in core/) that holds the op sources. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isDirectory(p.resolve(OpsDoc.OPS_DIR))) return p;
        throw new AssertionError("no " + OpsDoc.OPS_DIR + " above " + Path.of("").toAbsolutePath());
    }

    @Test
    void docsOpsMdIsUpToDate() throws Exception {
        Path root = root();
        String want = OpsDoc.generate(root);
        Path file = root.resolve("docs/ops.md");
        assertTrue(Files.isRegularFile(file), "docs/ops.md is missing; generate it: " + regenerate());
        String have = Files.readString(file);
        if (have.equals(want)) return;
        String[] a = have.split("\n", -1), b = want.split("\n", -1);
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i].equals(b[i])) i++;
        fail("docs/ops.md is stale (first difference at line " + (i + 1) + ":\n  file:      " + (i < a.length ? a[i] : "<end>")
                + "\n  generated: " + (i < b.length ? b[i] : "<end>") + "\n); regenerate it: " + regenerate());
    }

    private static String regenerate() {
        return "mvn -q -pl core compile && java -cp core/target/classes tangent.core.check.OpsDoc (from the repository root)";
    }

    @Test
    void everyOpClassHasARowAndUnaryEveryFunction() throws Exception {
        String md = OpsDoc.generate(root());
        for (Class<?> c : OpsDoc.opClasses())
            assertTrue(md.contains("| [" + c.getSimpleName() + "](../" + OpsDoc.OPS_DIR + "/" + c.getSimpleName() + ".java)"),
                    "no row for " + c.getSimpleName());
        for (String f : new String[] {"| sin | `cos x t` | `x.cos().mul(t)` |", "| tanh | `(1 - y^2) t` |"})
            assertTrue(md.contains(f), "unary table lacks " + f);
    }

    private static final String GOOD = String.join("\n", "/**", " * Prose.", " *", " * <pre>{@code",
            " * forward: y = a | b", " * jvp:     dy = da", " *          + db", " * vjp:     ga = gy", " * cpu:     CpuBackend.binary",
            " * cuda:    binary_* (elementwise.cu)", " * }</pre>", " */", "public final class Fake extends Op {}");

    @Test
    void parsesKeysAndContinuationLines() {
        OpsDoc.Block b = OpsDoc.parse("Fake", GOOD);
        assertEquals(List.of("y = a | b"), b.get("forward"));
        assertEquals(List.of("dy = da", "+ db"), b.get("jvp"));
        assertEquals(List.of(), b.get("where"));
        assertEquals(List.of("reduce_thread_*", "reduce_block_* (reduce.cu)", "none (a view, no copy)"),
                OpsDoc.items(List.of("reduce_thread_*, reduce_block_* (reduce.cu), none (a view, no copy)")));
    }

    @Test
    void anIncompleteBlockIsAnErrorNamingTheOp(@TempDir Path dir) throws Exception {
        assertError("Fake: no formula block", () -> OpsDoc.parse("Fake", "/** y = a + b. jvp: da + db. */\nclass Fake {}"));
        assertError("Fake: formula block has no 'vjp:' line", () -> OpsDoc.parse("Fake", GOOD.replace(" * vjp:     ga = gy\n", "")));
        assertError("Fake: formula block not closed", () -> OpsDoc.parse("Fake", GOOD.replace(" * }</pre>\n", "")));
        assertError("Fake: cpu kernel 'CpuBackend.noSuchKernel': CpuBackend has no such method",
                () -> OpsDoc.checkCpu(OpsDoc.parse("Fake", GOOD.replace("CpuBackend.binary", "CpuBackend.noSuchKernel"))));
        Path cuda = root().resolve(OpsDoc.CUDA_DIR);
        OpsDoc.checkCuda(OpsDoc.parse("Fake", GOOD), cuda);
        assertError("Fake: cuda kernel 'nokernel_*' not found in",
                () -> OpsDoc.checkCuda(OpsDoc.parse("Fake", GOOD.replace("binary_*", "nokernel_*")), cuda));
        assertError("Fake: cuda kernel 'binary_* (elementwise.cu)': no file",
                () -> OpsDoc.checkCuda(OpsDoc.parse("Fake", GOOD), dir));
    }

    private static void assertError(String start, org.junit.jupiter.api.function.Executable run) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
