package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Results do not depend on the thread count: the fmnist-xs U-Net's dual forward and backward
 * ({@link ThreadCountProbe}) give the same bits with 1, 2 and 3 kernel threads, each in a fresh JVM
 * with the Vector API kernels, and the same bits as this JVM.
 */
class ThreadCountTest {
    static String probe(int threads) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx2g", "--add-modules", "jdk.incubator.vector",
                "-Dtangent.threads=" + threads, "-cp", System.getProperty("java.class.path"), ThreadCountProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        for (String line : out.split("\\R"))
            if (line.startsWith("hash=")) return line.substring(5);
        return fail("no hash in:\n" + out);
    }

    @Test
    void uNetStepIsBitIdenticalForAnyThreadCount() throws Exception {
        String here = Integer.toHexString(ThreadCountProbe.hash());
        for (int threads : new int[] {1, 2, 3})
            assertEquals(here, probe(threads), "threads=" + threads);
    }
}
