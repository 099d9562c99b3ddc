package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.io.SafeTensors;

/**
 * A saved U-Net checkpoint loads (strictly, by name) into an independent PyTorch build of the spec
 * (src/test/resources/tangent/nn/torch_unet.py) and gives the same outputs. Skipped, with the
 * reason printed, when no python3 with torch is found (Debian: apt-get install python3-torch).
 */
class UNetTorchTest {
    @TempDir Path dir;

    static String pythonWithTorch(StringBuilder why) {
        for (String py : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import torch").redirectErrorStream(true).start();
                boolean done = p.waitFor(120, TimeUnit.SECONDS);
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (done && p.exitValue() == 0) return py;
                why.append(py).append(": ").append(done ? out.lines().reduce((a, b) -> b).orElse("exit " + p.exitValue()) : "timed out").append("; ");
            } catch (IOException | InterruptedException e) {
                why.append(py).append(": ").append(e.getMessage()).append("; ");
            }
        }
        return null;
    }

    @Test
    void checkpointLoadsIntoPyTorchAndMatches() throws Exception {
        StringBuilder why = new StringBuilder();
        String py = pythonWithTorch(why);
        if (py == null) System.out.println("SKIPPED UNetTorchTest: no python3 with torch (" + why + ")");
        assumeTrue(py != null, "no python3 with torch: " + why);

        UNetConfig c = new UNetConfig(2, 8, 8, new int[] {1, 2, 2}, 2, 0.0);
        UNet net = new UNet(c, DType.F64, 11);
        Rng rng = new Rng(3);
        Tensor x = rng.normal(DType.F64, 3, 2, 8, 8), t = rng.uniform(DType.F64, 0, 1.57, 3);
        Tensor y;
        try (var g = GradMode.noGrad()) {
            y = net.forward(x, t);
        }
        Path ck = dir.resolve("unet.safetensors"), io = dir.resolve("io.safetensors"), script = dir.resolve("torch_unet.py");
        CheckpointIO.saveWeights(ck, net);
        Map<String, SafeTensors.Entry> m = new LinkedHashMap<>();
        m.put("x", CheckpointIO.entry(x));
        m.put("t", CheckpointIO.entry(t));
        m.put("y", CheckpointIO.entry(y));
        SafeTensors.write(io, m, null);
        try (InputStream in = UNetTorchTest.class.getResourceAsStream("torch_unet.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder(py, script.toString(), ck.toString(), io.toString(), "2", "8", "8", "1,2,2", "2")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.print("torch_unet.py: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("params " + net.parameterCount()), out);
        double diff = Double.parseDouble(out.lines().filter(l -> l.startsWith("max_abs_diff")).findFirst().orElseThrow().split(" ")[1]);
        assertTrue(diff < 1e-10, "PyTorch and tangent differ by " + diff);
    }
}
