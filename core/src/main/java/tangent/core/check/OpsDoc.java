package tangent.core.check;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tangent.core.Autograd;
import tangent.core.GradMode;
import tangent.core.Op;
import tangent.core.Tensor;
import tangent.core.backend.UnaryFn;
import tangent.core.ops.Unary;

/**
 * Generates {@code docs/ops.md}, the table of every op: its forward, JVP and VJP formulas, its CPU
 * and CUDA kernels, and the gradcheck cases that test it. The formulas and kernels come from the
 * block each op's class comment carries (one key per line; a line without a key continues the
 * previous one):
 *
 * <pre>{@code
 * forward: y = a + b
 * where:   (optional) definitions the rules use
 * jvp:     dy = da + db
 * vjp:     ga = sum_to(gy), gb = sum_to(gy)
 * cpu:     CpuBackend.binary                    (Class.method in tangent.core.cpu, or "none (why)")
 * cuda:    binary_* (elementwise.cu)           (kernel names or prefixes_* and their .cu file, or "none (why)")
 * }</pre>
 *
 * An op without the block, a missing key, a CPU method that does not exist or a CUDA kernel not
 * found in its .cu file is an error naming the op. Unary's per-function derivatives are read from
 * the {@code case NAME: return ...; // f'(x) t} lines of {@code Unary.chain}. The cases come from
 * {@link OpCases}: a primitive case tests the op classes on its tape whose name it carries.
 *
 * <p>Regenerate from the repository root: {@code mvn -q -pl core compile && java -cp core/target/classes
 * tangent.core.check.OpsDoc} (OpsDocTest fails while docs/ops.md is stale).
 */
public final class OpsDoc {
    private OpsDoc() {}

    static final String OPS_DIR = "core/src/main/java/tangent/core/ops";
    static final String CUDA_DIR = "cuda-kernels/src/main/cuda";
    static final String[] KEYS = {"forward", "where", "jvp", "vjp", "cpu", "cuda"};
    private static final Pattern KEY = Pattern.compile("^(forward|where|jvp|vjp|cpu|cuda):\\s+(.*)$");
    private static final Pattern CHAIN = Pattern.compile("^\\s*case (\\w+): return (.*?);\\s*// (.*)$");

    /** One op's block: key -> lines (continuations are extra lines). */
    record Block(String op, Map<String, List<String>> entries) {
        List<String> get(String key) {
            return entries.getOrDefault(key, List.of());
        }
    }

    /** Every concrete Op subclass in tangent.core.ops, found by listing the package's class files (directory or jar). */
    public static List<Class<? extends Op>> opClasses() throws IOException {
        String pkg = "tangent/core/ops/";
        URL loc = Unary.class.getProtectionDomain().getCodeSource().getLocation();
        Path root;
        try {
            root = Paths.get(loc.toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the classes of tangent.core.ops at " + loc, e);
        }
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root.resolve(pkg))) {
                s.map(p -> p.getFileName().toString()).forEach(names::add);
            }
        } else {
            try (JarFile jar = new JarFile(root.toFile())) {
                jar.stream().map(e -> e.getName()).filter(n -> n.startsWith(pkg) && n.indexOf('/', pkg.length()) < 0)
                        .map(n -> n.substring(pkg.length())).forEach(names::add);
            }
        }
        names.sort(null);
        List<Class<? extends Op>> out = new ArrayList<>();
        for (String n : names) {
            if (!n.endsWith(".class") || n.contains("$")) continue;
            Class<?> c;
            try {
                c = Class.forName("tangent.core.ops." + n.substring(0, n.length() - 6));
            } catch (ClassNotFoundException e) {
                throw new IOException("listed but not loadable: " + n, e);
            }
            if (Op.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) out.add(c.asSubclass(Op.class));
        }
        return out;
    }

    /** The block of an op's source; IllegalArgumentException naming the op when it is missing or incomplete. */
    static Block parse(String op, String source) {
        String[] lines = source.split("\n");
        int start = -1;
        for (int i = 0; i + 1 < lines.length && start < 0; i++)
            if (stripStar(lines[i]).equals("<pre>{@code") && stripStar(lines[i + 1]).startsWith("forward:")) start = i + 1;
        if (start < 0)
            throw new IllegalArgumentException(op + ": no formula block (a '<pre>{@code' line followed by 'forward:' in its class"
                    + " comment; see tangent.core.check.OpsDoc)");
        Map<String, List<String>> entries = new LinkedHashMap<>();
        String key = null;
        for (int i = start; ; i++) {
            if (i >= lines.length) throw new IllegalArgumentException(op + ": formula block not closed by '}</pre>'");
            String l = stripStar(lines[i]);
            if (l.equals("}</pre>")) break;
            Matcher m = KEY.matcher(l);
            if (m.matches()) {
                key = m.group(1);
                if (entries.containsKey(key)) throw new IllegalArgumentException(op + ": '" + key + ":' given twice in its formula block");
                entries.put(key, new ArrayList<>(List.of(m.group(2).strip())));
            } else if (!l.isEmpty()) {
                if (key == null) throw new IllegalArgumentException(op + ": formula block line without a key: " + l);
                entries.get(key).add(l);
            }
        }
        for (String k : KEYS)
            if (!k.equals("where") && !entries.containsKey(k))
                throw new IllegalArgumentException(op + ": formula block has no '" + k + ":' line");
        return new Block(op, entries);
    }

    private static String stripStar(String line) {
        String l = line.strip();
        if (l.startsWith("*")) l = l.substring(1);
        return l.strip();
    }

    /** The kernel items of a cpu: or cuda: entry (comma-separated, parenthesised notes kept with their item). */
    static List<String> items(List<String> lines) {
        String s = String.join(" ", lines);
        List<String> out = new ArrayList<>();
        int depth = 0, from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) {
                out.add(s.substring(from, i).strip());
                from = i + 1;
            }
        }
        out.add(s.substring(from).strip());
        return out;
    }

    /** Checks the cpu: items name methods of classes in tangent.core.cpu. */
    static void checkCpu(Block b) {
        for (String item : items(b.get("cpu"))) {
            if (item.startsWith("none")) continue;
            String ref = item.split("[ (]")[0];
            int dot = ref.lastIndexOf('.');
            if (dot < 0) throw new IllegalArgumentException(b.op() + ": cpu kernel '" + item + "' is not Class.method or none (why)");
            Class<?> c;
            try {
                c = Class.forName("tangent.core.cpu." + ref.substring(0, dot));
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException(b.op() + ": cpu kernel '" + ref + "': no class tangent.core.cpu." + ref.substring(0, dot));
            }
            boolean found = false;
            for (Method m : c.getDeclaredMethods()) found |= m.getName().equals(ref.substring(dot + 1));
            if (!found) throw new IllegalArgumentException(b.op() + ": cpu kernel '" + ref + "': " + c.getSimpleName() + " has no such method");
        }
    }

    /**
     * Checks the cuda: items: each "name (file.cu)" or "prefix_* (file.cu)" occurs in that file; an
     * item without a file is in the file of the next item ("a_*, b_* (reduce.cu)").
     */
    static void checkCuda(Block b, Path cudaDir) throws IOException {
        List<String> its = items(b.get("cuda"));
        String file = null;
        for (int i = its.size() - 1; i >= 0; i--) {
            String it = its.get(i);
            if (it.startsWith("none")) continue;
            Matcher m = Pattern.compile("^(\\w+)(\\*?)(?: \\((\\w+\\.cu)\\))?$").matcher(it);
            if (!m.matches() || (m.group(3) == null && file == null))
                throw new IllegalArgumentException(b.op() + ": cuda kernel '" + it + "' is not 'name (file.cu)', 'prefix_* (file.cu)' or none (why)");
            if (m.group(3) != null) file = m.group(3);
            Path f = cudaDir.resolve(file);
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException(b.op() + ": cuda kernel '" + it + "': no file " + f);
            String src = Files.readString(f);
            boolean found = Pattern.compile("\\b" + m.group(1) + (m.group(2).isEmpty() ? "\\b" : "")).matcher(src).find();
            if (!found) throw new IllegalArgumentException(b.op() + ": cuda kernel '" + m.group(1) + m.group(2) + "' not found in " + f);
        }
    }

    /** The ops a case's forward records on the tape, its differentiable inputs requiring grad. */
    static List<Op> tapeOf(OpCases.Case c) {
        Tensor[] x = c.inputs();
        Tensor[] leaves = new Tensor[x.length];
        for (int i = 0; i < x.length; i++)
            leaves[i] = c.differentiable()[i] ? Tensor.of(x[i].toDoubleArray(), x[i].shape()).requiresGrad(true) : x[i];
        try (GradMode.Scope on = GradMode.enableGrad()) {
            Tensor y = c.fn().apply(leaves);
            return y.requiresGrad() ? Autograd.recordedOps(y) : List.of();
        }
    }

    /** The markdown of docs/ops.md for the sources under root. */
    public static String generate(Path root) throws IOException {
        List<Class<? extends Op>> classes = opClasses();
        Map<Class<?>, Set<String>> opNames = new LinkedHashMap<>();
        Map<Class<?>, List<String>> cases = new LinkedHashMap<>();
        Map<Class<?>, Integer> alsoOnTape = new LinkedHashMap<>();
        for (Class<?> c : classes) {
            opNames.put(c, new java.util.TreeSet<>());
            cases.put(c, new ArrayList<>());
            alsoOnTape.put(c, 0);
        }
        for (OpCases.Case k : OpCases.all()) {
            Set<Class<?>> tested = new LinkedHashSet<>(), seen = new LinkedHashSet<>();
            for (Op o : tapeOf(k)) {
                if (!opNames.containsKey(o.getClass())) continue;
                opNames.get(o.getClass()).add(o.name());
                seen.add(o.getClass());
                if (o.name().equals(k.op())) tested.add(o.getClass());
            }
            for (Class<?> c : seen) {
                if (tested.contains(c)) cases.get(c).add(k.name());
                else alsoOnTape.merge(c, 1, Integer::sum);
            }
        }

        StringBuilder md = new StringBuilder();
        md.append("# Ops: forward, JVP and VJP rules, kernels, gradient checks\n\n");
        md.append("<!-- Generated by tangent.core.check.OpsDoc from the formula block in each op's class comment; do not edit.\n");
        md.append("     Regenerate from the repository root: mvn -q -pl core compile && java -cp core/target/classes tangent.core.check.OpsDoc -->\n\n");
        md.append("Generated from the formula block in each `core/src/main/java/tangent/core/ops/<Op>.java` (the op's one file:\n");
        md.append("its forward, JVP and VJP side by side). Regenerate after changing an op, from the repository root:\n\n");
        md.append("```bash\nmvn -q -pl core compile && java -cp core/target/classes tangent.core.check.OpsDoc\n```\n\n");
        md.append("`OpsDocTest` fails while this file is stale. Notation: `dx` is x's tangent, `gy` the output's cotangent and\n");
        md.append("`gx` an input's; `sum_to(g)` sums a broadcast cotangent back to its operand's shape; `[c]` is 1 where c holds,\n");
        md.append("else 0. CPU kernels are methods of `core/.../cpu/`; CUDA kernels are in `cuda-kernels/src/main/cuda/`\n");
        md.append("(`_*`: one per dtype). Gradcheck cases are in `core/.../check/OpCases.java` and run with `bin/scm gradcheck`\n");
        md.append("(float64, central differences).\n\n");
        md.append("| op | forward | JVP | VJP | CPU kernels | CUDA kernels | gradcheck cases |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        Map<String, Block> blocks = new TreeMap<>();
        Path cudaDir = root.resolve(CUDA_DIR);
        for (Class<?> c : classes) {
            String op = c.getSimpleName();
            Path src = root.resolve(OPS_DIR).resolve(op + ".java");
            if (!Files.isRegularFile(src)) throw new IllegalArgumentException(op + ": no source file " + src);
            Block b = parse(op, Files.readString(src));
            checkCpu(b);
            checkCuda(b, cudaDir);
            blocks.put(op, b);
            String names = String.join(", ", opNames.get(c));
            String forward = code(b.get("forward"));
            if (!b.get("where").isEmpty()) forward += "<br>where " + code(b.get("where"));
            int n = cases.get(c).size();
            md.append("| [").append(op).append("](../").append(OPS_DIR).append('/').append(op).append(".java)")
                    .append(c == Unary.class ? "<br>[see below](#unary-functions)" : names.isEmpty() ? "" : "<br>" + code(List.of(names)))
                    .append(" | ").append(forward).append(" | ").append(code(b.get("jvp"))).append(" | ").append(code(b.get("vjp")))
                    .append(" | ").append(kernels(b.get("cpu"))).append(" | ").append(kernels(b.get("cuda")))
                    .append(" | ").append(n).append(alsoOnTape.get(c) > 0 ? " (+" + alsoOnTape.get(c) + " on the tape of others)" : "")
                    .append(" |\n");
        }

        md.append("\n## Unary functions\n\n");
        md.append("`Unary`'s rules are the chain rule with one local derivative per function: `jvp dy = f'(x) dx`,\n");
        md.append("`vjp gx = f'(x) gy`. From the table in `Unary.chain` (`t` is `dx` or `gy`; `y = f(x)`):\n\n");
        md.append("| function | f'(x) t | rule |\n|---|---|---|\n");
        Set<UnaryFn> listed = new LinkedHashSet<>();
        for (String l : Files.readString(root.resolve(OPS_DIR).resolve("Unary.java")).split("\n")) {
            Matcher m = CHAIN.matcher(l);
            if (!m.matches()) continue;
            UnaryFn fn;
            try {
                fn = UnaryFn.valueOf(m.group(1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unary: chain has a case " + m.group(1) + " that is not a UnaryFn");
            }
            md.append("| ").append(fn.opName()).append(" | ").append(code(List.of(m.group(3).strip()))).append(" | ")
                    .append(code(List.of(m.group(2).strip()))).append(" |\n");
            listed.add(fn);
        }
        for (UnaryFn fn : UnaryFn.values()) {
            boolean parametric = false;
            try {
                new Unary(fn);
            } catch (IllegalArgumentException e) {
                parametric = true; // scale, add_scalar, pow, clamp: ops of their own
            }
            if (!parametric && !listed.contains(fn))
                throw new IllegalArgumentException("Unary: no 'case " + fn.name() + ": return RULE; // f'(x) t' line in chain for the unary table");
        }

        md.append("\n## Gradcheck cases per op\n\n");
        for (Class<?> c : classes) {
            md.append("- **").append(c.getSimpleName()).append("**: ");
            List<String> ks = cases.get(c);
            md.append(ks.isEmpty() ? "none as its own case" : String.join("; ", ks.stream().map(k -> code(List.of(k))).toList()));
            md.append('\n');
        }
        return md.toString();
    }

    /** Each line a code span (pipes escaped for the table), joined by line breaks. */
    private static String code(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) out.add("`" + l.replace("|", "\\|").replace("`", "'") + "`");
        return String.join("<br>", out);
    }

    private static String kernels(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String it : items(lines)) out.add(it.startsWith("none") ? it.replace("|", "\\|") : code(List.of(it)));
        return String.join("<br>", out);
    }

    /** Writes docs/ops.md under the root given (default: the working directory), atomically. */
    public static void main(String[] args) throws IOException {
        Path root = Paths.get(args.length > 0 ? args[0] : ".");
        if (!Files.isDirectory(root.resolve(OPS_DIR))) {
            System.err.println("OpsDoc: " + root.toAbsolutePath() + " is not the repository root (no " + OPS_DIR + "); run it there");
            System.exit(1);
        }
        String md;
        try {
            md = generate(root);
        } catch (IllegalArgumentException e) {
            System.err.println("OpsDoc: " + e.getMessage());
            System.exit(1);
            return;
        }
        Path out = root.resolve("docs/ops.md");
        Path tmp = Files.createTempFile(out.getParent(), "ops.md", ".tmp");
        Files.writeString(tmp, md);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("wrote " + out);
    }
}
