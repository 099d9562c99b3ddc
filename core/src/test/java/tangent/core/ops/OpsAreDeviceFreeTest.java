package tangent.core.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules never know the device: no code in tangent.core.ops names the CPU backend, the cpu package
 * or Device.CPU (fused kernels are chosen below the rules, by Backend.of(inputs)). Comments may:
 * each op's formula block documents its kernels (docs/ops.md is generated from them).
 */
class OpsAreDeviceFreeTest {
    static final String[] FORBIDDEN = {"CpuBackend", "tangent.core.cpu", "Device.CPU"};

    @Test
    void noOpSourceNamesTheCpuBackend() throws IOException {
        Path dir = Path.of("src/main/java/tangent/core/ops");
        assertTrue(Files.isDirectory(dir), "run from the core module: " + dir.toAbsolutePath() + " is missing");
        List<String> hits = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".java"))::iterator) {
                files++;
                List<String> lines = codeOnly(Files.readAllLines(p));
                for (int i = 0; i < lines.size(); i++)
                    for (String f : FORBIDDEN)
                        if (lines.get(i).contains(f)) hits.add(p.getFileName() + ":" + (i + 1) + " names " + f);
            }
        }
        assertTrue(files > 20, "expected the op sources in " + dir + ", found " + files);
        assertTrue(hits.isEmpty(), "ops must dispatch through Backend.of: " + hits);
    }

    /** The lines with comments blanked out (block comments and // to the end of a line; no string literal here holds them). */
    static List<String> codeOnly(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean inBlock = false;
        for (String line : lines) {
            StringBuilder code = new StringBuilder();
            for (int i = 0; i < line.length(); i++) {
                if (inBlock) {
                    if (line.startsWith("*/", i)) {
                        inBlock = false;
                        i++;
                    }
                } else if (line.startsWith("/*", i)) {
                    inBlock = true;
                    i++;
                } else if (line.startsWith("//", i)) {
                    break;
                } else {
                    code.append(line.charAt(i));
                }
            }
            out.add(code.toString());
        }
        return out;
    }

    @Test
    void commentsAreNotCode() {
        List<String> code = codeOnly(List.of("/** cpu: CpuBackend.x", " * more */ Backend.of(x); // CpuBackend", "Device.CPU"));
        assertTrue(code.get(0).isBlank() && code.get(1).trim().equals("Backend.of(x);") && code.get(2).equals("Device.CPU"),
                code.toString());
    }
}
