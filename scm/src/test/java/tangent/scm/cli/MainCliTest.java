package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: info's parameter count, --device cuda failing loudly, train + sample on a toy. */
class MainCliTest {
    record Run(int rc, String out, String err) {}

    static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(buf, true));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int rc = cl.execute(args);
            return new Run(rc, buf.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void infoPrintsTheSpecParameterCount() {
        Run r = run("info", "--model", "fmnist-xs");
        assertEquals(0, r.rc(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals("params: 1742881", lines[lines.length - 1]);
    }

    @Test
    void cudaFailsWithAClearMessage() {
        for (String[] args : new String[][] {
                {"bench", "--model", "mlp", "--device", "cuda"},
                {"train", "--device", "cuda", "--steps", "1"}}) {
            Run r = run(args);
            assertEquals(1, r.rc());
            assertTrue(r.err().contains("no CUDA backend"), r.err());
        }
    }

    @Test
    void unknownNamesAreRejected() {
        Run r = run("info", "--model", "resnet");
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("valid: fmnist-xs, fmnist-s, cifar-m, mlp"), r.err());
        Run d = run("train", "--dataset", "spirals", "--steps", "1");
        assertEquals(1, d.rc());
        assertTrue(d.err().contains("unknown dataset"), d.err());
    }

    @Test
    void trainThenSampleOnAToy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Run t = run("train", "--dataset", "two_moons", "--steps", "4", "--batch", "8", "--out", out.toString());
        assertEquals(0, t.rc(), t.err());
        assertTrue(t.out().contains("sw_2step") && t.out().contains("MMD^2 (h 0.2) vs fresh data: 2step"), t.out());
        Run s = run("sample", "--checkpoint", out.resolve("checkpoint.safetensors").toString(), "--sampler", "2",
                "-n", "10", "--out", dir.resolve("s.npy").toString());
        assertEquals(0, s.rc(), s.err());
        assertTrue(Files.size(dir.resolve("s.npy")) > 80);
        Run b = run("bench", "--model", "mlp", "--batch", "8", "--iters", "3", "--warmup-steps", "1", "--warmup-max", "1");
        assertEquals(0, b.rc(), b.err());
        String[] lines = b.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("step_ms: [0-9.]+"), lines[lines.length - 1]);
    }

    @Test
    void teacherThenScdAndSctFromTheTeacher(@TempDir Path dir) throws Exception {
        Path teacher = dir.resolve("teacher");
        Run t = run("train", "--method", "teacher", "--dataset", "eight_gaussians", "--steps", "3", "--batch", "8",
                "--out", teacher.toString());
        assertEquals(0, t.rc(), t.err());
        assertTrue(t.out().contains("sw_ode"), t.out());
        Path ck = teacher.resolve("checkpoint.safetensors");
        Run s = run("sample", "--checkpoint", ck.toString(), "--steps", "3", "-n", "5", "--out", dir.resolve("t.png").toString());
        assertEquals(0, s.rc(), s.err());
        Run noTeacher = run("train", "--method", "scd", "--dataset", "eight_gaussians", "--steps", "1", "--out", dir.resolve("x").toString());
        assertEquals(1, noTeacher.rc());
        assertTrue(noTeacher.err().contains("--teacher"), noTeacher.err());
        for (String m : new String[] {"scd", "sct"}) {
            Run r = run("train", "--method", m, "--dataset", "eight_gaussians", "--steps", "2", "--batch", "8",
                    "--teacher", ck.toString(), "--out", dir.resolve(m).toString());
            assertEquals(0, r.rc(), m + ": " + r.err());
            assertTrue(Files.exists(dir.resolve(m).resolve("samples.png")));
        }
    }
}
