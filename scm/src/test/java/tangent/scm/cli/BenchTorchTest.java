package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * bench --mode sample, and bench --torch: the PyTorch reference runs in the same process tree and
 * the printed ratio is tangent's median over PyTorch's. Skipped (not passed) without python3 and
 * torch; CI installs python3-torch.
 */
class BenchTorchTest {
    static double value(String out, String key) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + ": ([0-9.]+)").matcher(out);
        assertTrue(m.find(), key + " missing in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void sampleModeReportsImagesPerSecond() {
        MainCliTest.Run r = MainCliTest.run("bench", "--mode", "sample", "--model", "fmnist-xs", "--batch", "4",
                "--iters", "3", "--warmup-steps", "1", "--warmup-max", "1");
        assertEquals(0, r.rc(), r.err());
        double ms = value(r.out(), "step_ms"), ips = value(r.out(), "images_per_s");
        assertTrue(ms > 0, r.out());
        assertEquals(4 / (ms / 1e3), ips, 0.05 * ips + 0.1, "images_per_s = batch / step time");
    }

    /**
     * Runs body with a located PyTorch reference and tangent.home at the repository root
     * (surefire runs in scm/); skipped, not passed, without python3 and torch.
     */
    private static void withTorch(Consumer<TorchReference> body) {
        String old = System.getProperty("tangent.home");
        System.setProperty("tangent.home", "..");
        try {
            TorchReference ref;
            try {
                ref = TorchReference.locate();
            } catch (IllegalArgumentException e) {
                Assumptions.abort("skipped: " + e.getMessage());
                return;
            }
            body.accept(ref);
        } finally {
            if (old == null) System.clearProperty("tangent.home");
            else System.setProperty("tangent.home", old);
        }
    }

    @Test
    void torchRatioIsTheSameRunQuotient() {
        withTorch(ref -> {
            MainCliTest.Run r = MainCliTest.run("bench", "--mode", "sample", "--model", "fmnist-xs", "--batch", "2",
                    "--iters", "2", "--warmup-steps", "1", "--warmup-max", "1", "--torch", "--rounds", "1");
            assertEquals(0, r.rc(), r.err());
            assertTrue(r.out().contains("torch| torch "), r.out());
            double ours = value(r.out(), "tangent_step_ms"), theirs = value(r.out(), "torch_step_ms");
            assertEquals(ours / theirs, value(r.out(), "ratio"), 0.006 + 0.01 * ours / theirs, r.out());
            MainCliTest.Run bad = MainCliTest.run("bench", "--model", "mlp", "--torch");
            assertEquals(1, bad.rc());
            assertTrue(bad.err().contains("U-Nets only"), bad.err());
        });
    }

    /**
     * sct_step.py --profile (what bench --torch passes under -Dtangent.profile=true): the per-op
     * table of the profiled steps comes before the last line, step_ms, and its convolution total is
     * a part of its total.
     */
    @Test
    void torchProfileIsABreakdownBeforeTheMedian() {
        withTorch(ref -> {
            List<String> cmd = ref.command("step", "tiny", 2, 0, 1, true);
            assertEquals(List.of("--profile", "1"), cmd.subList(cmd.size() - 2, cmd.size()), cmd.toString());
            assertFalse(ref.command("step", "tiny", 2, 0, 1, false).contains("--profile"));
            List<String> lines = new ArrayList<>();
            double ms = ref.run(cmd, lines::add);
            String out = String.join("\n", lines);
            assertTrue(ms > 0, out);
            Matcher total = Pattern.compile("(?m)^== torch.profiler: ([0-9.]+) ms").matcher(out);
            Matcher conv = Pattern.compile("(?m)^all ops named \\*conv\\*: ([0-9.]+) ms per step").matcher(out);
            assertTrue(total.find() && conv.find(), out);
            double convMs = Double.parseDouble(conv.group(1));
            assertTrue(convMs > 0 && convMs <= Double.parseDouble(total.group(1)), out);
            assertTrue(out.indexOf("== torch.profiler") < out.lastIndexOf("step_ms: "), out);
        });
    }
}
