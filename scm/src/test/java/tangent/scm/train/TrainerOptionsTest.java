package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.Tensor;
import tangent.nn.io.SafeTensors;
import tangent.nn.optim.Ema;

/**
 * The power EMA and the cosine lr schedule: the schedule's values, and an exact resume with the power
 * EMA (the cosine runs over --steps, so a run cut short and resumed with more steps follows another curve).
 */
class TrainerOptionsTest {
    @Test
    void cosineScheduleValues() {
        Trainer.LrSchedule cos = Trainer.LrSchedule.COSINE;
        assertEquals(2e-3, cos.lr(2e-3, 0, 0, 100), 1e-15);
        assertEquals(1e-3, cos.lr(2e-3, 0, 50, 100), 1e-15);                     // half way: (1 + cos(pi/2)) / 2
        assertEquals(2e-3 * (1 + Math.cos(Math.PI / 4)) / 2, cos.lr(2e-3, 0, 25, 100), 1e-15);
        assertEquals(0.1 * 2e-3, cos.lr(2e-3, 0.1, 100, 100), 1e-15);           // the floor at the end
        assertEquals(2e-3, Trainer.LrSchedule.CONSTANT.lr(2e-3, 0.1, 70, 100), 0);
        assertThrows(IllegalArgumentException.class, () -> Trainer.LrSchedule.parse("linear"));
    }

    /**
     * The stable target and t_mid: a run with references resumes exactly (the references come from
     * the saved data Rng), its checkpoint keeps t_mid and the reference count, and the TrigFlow read
     * back for sampling has that t_mid (files without it: the spec's 1.1; a bad value is refused).
     */
    @Test
    void referencesResumeExactlyAndTMidIsKept(@TempDir Path dir) throws Exception {
        java.util.function.Function<String, Trainer.Config> cfg = name -> {
            Trainer.Config c = TrainerResumeTest.cfg(dir.resolve(name), 4);
            c.reference = 64;
            c.trigFlow = c.trigFlow.withSamplerTimes(c.trigFlow.tMax, 0.4);
            return c;
        };
        new Trainer(cfg.apply("a"), TrainerResumeTest.sink()).run();
        Trainer.Config half = cfg.apply("b");
        half.steps = 2;
        new Trainer(half, TrainerResumeTest.sink()).run();
        Trainer.Config rest = cfg.apply("b");
        rest.resume = true;
        new Trainer(rest, TrainerResumeTest.sink()).run();
        SafeTensors.Loaded a = SafeTensors.read(dir.resolve("a/checkpoint.safetensors")), b = SafeTensors.read(dir.resolve("b/checkpoint.safetensors"));
        assertArrayEquals(a.tensor("net.fc_out.weight").asFloats(), b.tensor("net.fc_out.weight").asFloats(), "resumed run differs");
        assertEquals("0.4", b.metadata().get(Checkpoint.T_MID));
        assertEquals("64", b.metadata().get("scm.reference"));
        Path f = dir.resolve("a/checkpoint.safetensors");
        assertEquals(0.4, Checkpoint.trigFlow(f, b.metadata()).tMid);
        assertEquals(1.1, Checkpoint.trigFlow(f, java.util.Map.of()).tMid);
        assertThrows(tangent.nn.CheckpointIO.MismatchException.class, () -> Checkpoint.trigFlow(f, java.util.Map.of(Checkpoint.T_MID, "2")));
    }

    static Trainer.Config cfg(Path out, int steps) {
        Trainer.Config c = TrainerResumeTest.cfg(out, steps);
        c.emaKind = Ema.Kind.POWER;
        c.emaStd = 0.1;
        return c;
    }

    @Test
    void powerEmaResumesExactly(@TempDir Path dir) throws Exception {
        Trainer straight = new Trainer(cfg(dir.resolve("a"), 6), TrainerResumeTest.sink());
        straight.run();
        new Trainer(cfg(dir.resolve("b"), 3), TrainerResumeTest.sink()).run();
        Trainer.Config c = cfg(dir.resolve("b"), 6);
        c.resume = true;
        Trainer second = new Trainer(c, TrainerResumeTest.sink());
        second.run();
        List<Tensor> pa = straight.network().parameters(), pb = second.network().parameters();
        for (int i = 0; i < pa.size(); i++) assertArrayEquals(pa.get(i).toFloatArray(), pb.get(i).toFloatArray(), "param " + i);
        List<Tensor> ea = straight.emaNetwork().parameters(), eb = second.emaNetwork().parameters();
        for (int i = 0; i < ea.size(); i++) assertArrayEquals(ea.get(i).toFloatArray(), eb.get(i).toFloatArray(), "ema " + i);
        SafeTensors.Loaded k = SafeTensors.read(dir.resolve("b/checkpoint.safetensors"));
        assertEquals("power", k.metadata().get("ema"));
        assertEquals(Double.toString(Ema.gammaFromStd(0.1)), k.metadata().get("ema.value"));
        assertEquals("0.1", k.metadata().get("scm.ema_std"));
        // the power EMA differs from a fixed one on the same run (its first update copies the weights)
        Trainer fixed = new Trainer(TrainerResumeTest.cfg(dir.resolve("c"), 6), TrainerResumeTest.sink());
        fixed.run();
        assertFalse(java.util.Arrays.equals(ea.get(0).toFloatArray(), fixed.emaNetwork().parameters().get(0).toFloatArray()));
    }

    @Test
    void resumingWithAnotherEmaKindNamesTheMismatch(@TempDir Path dir) throws Exception {
        new Trainer(cfg(dir, 2), TrainerResumeTest.sink()).run();
        Trainer.Config c = TrainerResumeTest.cfg(dir, 4);   // fixed EMA
        c.resume = true;
        IOException e = assertThrows(IOException.class, () -> new Trainer(c, TrainerResumeTest.sink()));
        assertTrue(e.getMessage().startsWith("--resume:") && e.getMessage().contains("EMA is power"), e.getMessage());
    }
}
