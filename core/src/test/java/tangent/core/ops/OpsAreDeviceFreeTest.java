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
 * Rules never know the device: no source file of tangent.core.ops names the CPU backend, the cpu
 * package or Device.CPU (fused kernels are chosen below the rules, by Backend.of(inputs)).
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
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++)
                    for (String f : FORBIDDEN)
                        if (lines.get(i).contains(f)) hits.add(p.getFileName() + ":" + (i + 1) + " names " + f);
            }
        }
        assertTrue(files > 20, "expected the op sources in " + dir + ", found " + files);
        assertTrue(hits.isEmpty(), "ops must dispatch through Backend.of: " + hits);
    }
}
