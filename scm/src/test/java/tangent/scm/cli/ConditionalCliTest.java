package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.nn.io.SafeTensors;

/** The command line of class-conditional runs: train --conditional, sample --class, and the errors. */
class ConditionalCliTest {
    @Test
    void trainConditionalThenSampleOneClass(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        MainCliTest.Run t = MainCliTest.run("train", "--dataset", "eight_gaussians", "--conditional", "--steps", "3", "--batch", "8",
                "--ema-kind", "power", "--out", out.toString());
        assertEquals(0, t.rc(), t.err());
        assertTrue(t.out().contains("class_match_2step") && t.out().contains("power EMA std 0.05"), t.out());
        Path ck = out.resolve("checkpoint.safetensors");
        assertEquals("8", SafeTensors.read(ck).metadata().get("scm.classes"));
        MainCliTest.Run s = MainCliTest.run("sample", "--checkpoint", ck.toString(), "--class", "3", "-n", "10",
                "--out", dir.resolve("s.npy").toString());
        assertEquals(0, s.rc(), s.err());
        assertTrue(Files.size(dir.resolve("s.npy")) > 80);
        MainCliTest.Run bad = MainCliTest.run("sample", "--checkpoint", ck.toString(), "--class", "8", "-n", "4",
                "--out", dir.resolve("b.npy").toString());
        assertEquals(1, bad.rc());
        assertTrue(bad.err().contains("--class 8: the checkpoint's classes are 0..7"), bad.err());

        Path plain = dir.resolve("plain");
        assertEquals(0, MainCliTest.run("train", "--dataset", "two_moons", "--steps", "2", "--batch", "8", "--out", plain.toString()).rc());
        MainCliTest.Run noClasses = MainCliTest.run("sample", "--checkpoint", plain.resolve("checkpoint.safetensors").toString(),
                "--class", "1", "-n", "4", "--out", dir.resolve("c.npy").toString());
        assertEquals(1, noClasses.rc());
        assertTrue(noClasses.err().contains("unconditional model"), noClasses.err());
        MainCliTest.Run badKind = MainCliTest.run("train", "--dataset", "two_moons", "--ema-kind", "slow", "--steps", "1", "--out", plain.toString());
        assertEquals(1, badKind.rc());
        assertTrue(badKind.err().contains("--ema-kind: unknown kind 'slow'"), badKind.err());
    }
}
