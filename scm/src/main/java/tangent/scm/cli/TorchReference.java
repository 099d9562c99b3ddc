package tangent.scm.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The PyTorch side of {@code bench --torch}: runs benchmarks/pytorch/sct_step.py (the same U-Net,
 * checked against tangent's by nn's UNetTorchTest, and the same sCT step or 1-step sampling) in a
 * child process on the CPU with as many threads as tangent uses, and reads its last line,
 * {@code step_ms: x}. The interpreter is $TANGENT_PYTHON, else the first of python3 on the PATH
 * and /usr/bin/python3 that imports torch (Debian's python3-torch lives under /usr/bin).
 */
final class TorchReference {
    private final String python;
    private final Path script;
    private String version = "?";

    private TorchReference(String python, Path script) {
        this.python = python;
        this.script = script;
    }

    /** Finds the script (under tangent.home, else the working directory) and an interpreter with torch. */
    static TorchReference locate() {
        Path home = Path.of(System.getProperty("tangent.home", "."));
        Path script = home.resolve("benchmarks/pytorch/sct_step.py");
        if (!Files.isRegularFile(script))
            throw new IllegalArgumentException("--torch: " + script + " not found; run bench from the repository root (bin/scm sets it)");
        String env = System.getenv("TANGENT_PYTHON");
        List<String> candidates = env != null && !env.isBlank() ? List.of(env) : List.of("python3", "/usr/bin/python3");
        for (String py : candidates)
            if (importsTorch(py)) return new TorchReference(py, script);
        throw new IllegalArgumentException("--torch: no python3 with torch found (tried " + String.join(", ", candidates)
                + "); install python3-torch or set TANGENT_PYTHON");
    }

    private static boolean importsTorch(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String version() {
        return version + " (" + python + ")";
    }

    /**
     * The script's command line: CPU, forward-mode AD, as many threads as tangent uses; with
     * profile, also {@code --profile iters} (iters more steps under torch.profiler, whose per-op
     * table comes before the last line: {@code bench} passes it under -Dtangent.profile=true, so
     * that both sides' breakdowns come from one run).
     */
    List<String> command(String mode, String model, int batch, int warm, int iters, boolean profile) {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--device", "cpu", "--ad", "fwad",
                "--mode", mode, "--model", model, "--batch", Integer.toString(batch),
                "--warmup-steps", Integer.toString(warm), "--iters", Integer.toString(iters),
                "--threads", Integer.toString(tangent.core.cpu.Parallel.threads())));
        if (profile) cmd.addAll(List.of("--profile", Integer.toString(iters)));
        return cmd;
    }

    /** Runs the reference and returns its median ms per step (or per sampled batch); echoes its output. */
    double run(String mode, String model, int batch, int warm, int iters) {
        return run(command(mode, model, batch, warm, iters, Boolean.getBoolean("tangent.profile")),
                line -> System.out.println("  torch| " + line));
    }

    /** Runs cmd, hands each output line to echo, and returns the value of its last line, step_ms: x. */
    double run(List<String> cmd, Consumer<String> echo) {
        String last = null;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    echo.accept(line);
                    if (line.startsWith("torch ")) version = line.split(",")[0].substring(6);
                    if (!line.isBlank()) last = line;
                }
            }
            int rc = p.waitFor();
            if (rc != 0 || last == null || !last.startsWith("step_ms:"))
                throw new IllegalStateException("--torch: " + String.join(" ", cmd) + " exited with " + rc + " (output above)");
        } catch (IOException e) {
            throw new IllegalStateException("--torch: could not run " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("--torch: interrupted");
        }
        return Double.parseDouble(last.substring("step_ms:".length()).trim().toLowerCase(Locale.ROOT));
    }
}
