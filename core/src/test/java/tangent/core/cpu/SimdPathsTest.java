package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kernel-path selection in fresh JVMs: without {@code --add-modules jdk.incubator.vector} (plain
 * {@code java -cp}) the pure-Java kernels run; {@code -Dtangent.simd=false} forces them; with the
 * module the Vector API kernels run. Each path gives the same bits for 1, 2 and 3 threads, and the
 * same bits as the corresponding path in this JVM.
 */
class SimdPathsTest {
    /** Skips the calling test, saying why, when this JVM has no vector path (SimdSupport.REASON). */
    static void assumeVectorPath() {
        org.junit.jupiter.api.Assumptions.assumeTrue(SimdSupport.AVAILABLE, "SIMD unavailable here (" + SimdSupport.REASON
                + "): the vector path is not checked");
    }

    /** Runs GemmProbe in a child JVM; returns {kernels line, hash}. */
    static String[] probe(String... jvmArgs) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GemmProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String kernels = null, hash = null;
        for (String line : out.split("\\R")) {
            if (line.startsWith("kernels=")) kernels = line.substring(8);
            if (line.startsWith("hash=")) hash = line.substring(5);
        }
        assertTrue(kernels != null && hash != null, out);
        return new String[] {kernels, hash};
    }

    static String localHash(boolean simd) {
        boolean saved = GemmF32.simd;
        try {
            GemmF32.simd = simd;
            return Integer.toHexString(GemmProbe.hash());
        } finally {
            GemmF32.simd = saved;
        }
    }

    @Test
    void pureJavaWithoutTheModuleOrWhenDisabled() throws Exception {
        String expect = localHash(false);
        for (String threads : new String[] {"1", "3"}) {
            String[] plain = probe("-Dtangent.threads=" + threads);
            assertTrue(plain[0].startsWith("pure Java: module jdk.incubator.vector not present"), plain[0]);
            assertEquals(expect, plain[1], "pure Java, threads=" + threads);
        }
        String[] off = probe("--add-modules", "jdk.incubator.vector", "-Dtangent.simd=false");
        assertTrue(off[0].startsWith("pure Java: disabled"), off[0]);
        assertEquals(expect, off[1]);
    }

    @Test
    void vectorWithTheModuleDeterministicAcrossThreads() throws Exception {
        if (!SimdSupport.AVAILABLE) {
            // Only acceptable when this JVM lacks the module or the CPU's vectors are too narrow.
            assertTrue(!SimdSupport.REASON.contains("self-test") && !SimdSupport.REASON.startsWith("unusable"),
                    SimdSupport.REASON);
        }
        assumeVectorPath();
        String expect = localHash(true);
        for (String threads : new String[] {"1", "3"}) {
            String[] v = probe("--add-modules", "jdk.incubator.vector", "-Dtangent.threads=" + threads);
            assertTrue(v[0].startsWith("vector: "), v[0]);
            assertEquals(expect, v[1], "vector, threads=" + threads);
        }
    }
}
