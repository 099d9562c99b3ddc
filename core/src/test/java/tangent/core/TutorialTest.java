package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/tutorial.md never rots: every ```java block is compiled against core (as the body of a main
 * method, with the imports the tutorial states), run, and must print exactly the ```text block
 * that follows it.
 */
class TutorialTest {
    static final String IMPORTS = "import tangent.core.*;\nimport java.util.function.*;\n";

    record Snippet(int line, String code, String expected) {}

    static Path tutorial() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("docs/tutorial.md"))) return p.resolve("docs/tutorial.md");
        throw new AssertionError("no docs/tutorial.md above " + Path.of("").toAbsolutePath());
    }

    /** The ```java blocks with the ```text block after each; a java block without one is an error. */
    static List<Snippet> snippets(String md) {
        String[] lines = md.split("\n", -1);
        List<Snippet> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].equals("```java")) continue;
            int start = i + 1, end = close(lines, start);
            int t = end + 1;
            while (t < lines.length && lines[t].isBlank()) t++;
            if (t >= lines.length || !lines[t].equals("```text"))
                fail("tutorial line " + (i + 1) + ": a java block must be followed by the ```text block of what it prints");
            int tEnd = close(lines, t + 1);
            out.add(new Snippet(i + 1, String.join("\n", List.of(lines).subList(start, end)),
                    String.join("\n", List.of(lines).subList(t + 1, tEnd))));
            i = tEnd;
        }
        return out;
    }

    private static int close(String[] lines, int from) {
        for (int j = from; j < lines.length; j++)
            if (lines[j].equals("```")) return j;
        throw new AssertionError("tutorial: code block at line " + from + " is not closed");
    }

    @Test
    void everySnippetCompilesRunsAndPrintsWhatTheTutorialSays(@TempDir Path dir) throws Exception {
        List<Snippet> snippets = snippets(Files.readString(tutorial()));
        assertTrue(snippets.size() >= 6, "expected a snippet per section, found " + snippets.size());

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (run the tests on a JDK)");
        List<Path> sources = new ArrayList<>();
        for (int k = 0; k < snippets.size(); k++) {
            String cls = "Snippet" + k;
            Path src = dir.resolve(cls + ".java");
            Files.writeString(src, IMPORTS + "public class " + cls + " {\n    public static void main(String[] args) throws Exception {\n"
                    + snippets.get(k).code() + "\n    }\n}\n");
            sources.add(src);
        }
        Path coreClasses = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, null, StandardCharsets.UTF_8)) {
            StringWriter log = new StringWriter();
            boolean ok = javac.getTask(log, fm, diags, List.of("-d", dir.toString(), "-cp", coreClasses.toString(), "-proc:none"), null,
                    fm.getJavaFileObjectsFromPaths(sources)).call();
            if (!ok) {
                StringBuilder b = new StringBuilder("tutorial snippets do not compile:\n");
                for (var d : diags.getDiagnostics()) {
                    String name = d.getSource() == null ? "?" : Path.of(d.getSource().toUri()).getFileName().toString();
                    int k = name.startsWith("Snippet") ? Integer.parseInt(name.replaceAll("\\D", "")) : -1;
                    b.append(k >= 0 ? "snippet at tutorial line " + snippets.get(k).line() : name).append(", line ")
                            .append(d.getLineNumber() - 3).append(": ").append(d.getMessage(null)).append('\n');
                }
                fail(b.toString());
            }
        }

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, Tensor.class.getClassLoader())) {
            StringBuilder wrong = new StringBuilder();
            for (int k = 0; k < snippets.size(); k++) {
                Snippet s = snippets.get(k);
                String printed = run(loader.loadClass("Snippet" + k), s).strip();
                if (!printed.equals(s.expected().strip()))
                    wrong.append("snippet at tutorial line ").append(s.line()).append(" prints\n").append(printed)
                            .append("\nbut the tutorial says\n").append(s.expected().strip()).append("\n\n");
            }
            assertEquals("", wrong.toString());
        }
    }

    private static String run(Class<?> c, Snippet s) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            c.getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException e) {
            throw new AssertionError("snippet at tutorial line " + s.line() + " threw " + e.getCause(), e.getCause());
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
    }

    @Test
    void aJavaBlockWithoutItsOutputIsAnError() {
        AssertionError e = assertThrows(AssertionError.class, () -> snippets("# t\n\n```java\nint a = 1;\n```\n\nprose\n"));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        List<Snippet> s = snippets("```java\nSystem.out.println(1);\n```\n\n```text\n1\n```\n");
        assertEquals(List.of(new Snippet(1, "System.out.println(1);", "1")), s);
    }
}
