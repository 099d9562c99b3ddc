package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.Tensor;
import tangent.nn.io.SafeTensors;
import tangent.scm.ScmObjective;

/** Exact resume, outputs, and the NaN stop, on the cheap 2-D MLP. */
class TrainerResumeTest {
    static Trainer.Config cfg(Path out, int steps) {
        Trainer.Config c = new Trainer.Config();
        c.method = ScmObjective.Method.SCT;
        c.model = "mlp";
        c.dataset = "eight_gaussians";
        c.steps = steps;
        c.batch = 16;
        c.lr = 1e-3;
        c.seed = 3;
        c.out = out;
        c.every = 2;
        c.warmup = 4;
        c.samplePoints = 200;
        c.quiet = true;
        return c;
    }

    static PrintStream sink() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws Exception {
        Trainer straight = new Trainer(cfg(dir.resolve("a"), 6), sink());
        straight.run();
        Trainer first = new Trainer(cfg(dir.resolve("b"), 3), sink());
        first.run();
        Trainer.Config c = cfg(dir.resolve("b"), 6);
        c.resume = true;
        Trainer second = new Trainer(c, sink());
        assertEquals(3, second.step());
        second.run();
        List<Tensor> pa = straight.network().parameters(), pb = second.network().parameters();
        for (int i = 0; i < pa.size(); i++) assertArrayEquals(pa.get(i).toFloatArray(), pb.get(i).toFloatArray(), "param " + i);
        List<Tensor> ea = straight.emaNetwork().parameters(), eb = second.emaNetwork().parameters();
        for (int i = 0; i < ea.size(); i++) assertArrayEquals(ea.get(i).toFloatArray(), eb.get(i).toFloatArray(), "ema " + i);
        SafeTensors.Loaded ka = SafeTensors.read(dir.resolve("a/checkpoint.safetensors"));
        SafeTensors.Loaded kb = SafeTensors.read(dir.resolve("b/checkpoint.safetensors"));
        assertArrayEquals(ka.tensor("extra.losses").asDoubles(), kb.tensor("extra.losses").asDoubles());
        assertEquals(6, kb.tensor("extra.losses").asDoubles().length);
        assertEquals("6", kb.metadata().get("step"));
        for (String f : List.of("samples.png", "loss.png", "checkpoint.safetensors", "metrics.json"))
            assertTrue(Files.size(dir.resolve("b").resolve(f)) > 0, f);
        String metrics = Files.readString(dir.resolve("b/metrics.json"));
        assertTrue(metrics.contains("\"sw_2step\"") && metrics.contains("\"sw_floor_data_vs_data\""), metrics);
        for (String k : List.of("near_mode_1step", "modes_2step", "mmd_2step", "mmd_floor_data_vs_data", "energy_2step", "energy_floor_data_vs_data"))
            assertTrue(metrics.contains("\"" + k + "\""), k + " in " + metrics);
    }

    @Test
    void divergenceStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Trainer.Config good = cfg(dir, 3);
        good.every = 1;
        new Trainer(good, sink()).run();
        Trainer.Config c = cfg(dir, 200);
        c.resume = true;
        c.lr = 1e30; // the first update leaves finite but absurd weights; their loss is not finite
        c.every = 1;
        Trainer t = new Trainer(c, sink());
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class, t::run);
        assertTrue(e.getMessage().contains("step " + e.step), e.getMessage());
        SafeTensors.Loaded k = SafeTensors.read(dir.resolve("checkpoint.safetensors"));
        assertEquals(Long.toString(e.step - 1), k.metadata().get("step"), "the last good checkpoint stays");
        assertTrue(e.step - 1 >= 3, "the good run's checkpoint or a later good one: " + e.step);
        for (String n : k.tensors().keySet())
            if (n.startsWith("ema.") || n.startsWith("net."))
                for (float v : k.tensor(n).asFloats()) assertTrue(Float.isFinite(v) && Math.abs(v) < 1e6, n + " " + v);
        Trainer.Config again = cfg(dir, 5);
        again.resume = true;
        assertEquals(5, new Trainer(again, sink()).run().steps(), "what is kept resumes");
    }

    @Test
    void modelDatasetMismatchIsRejected(@TempDir Path dir) {
        Trainer.Config c = cfg(dir, 2);
        c.model = "fmnist-xs";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(c, sink()));
        assertTrue(e.getMessage().contains("--model mlp"), e.getMessage());
    }
}
