package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.scm.ScmObjective;

/**
 * sCT from scratch on a 2-D toy with the MLP denoiser (the main job's settings, fewer steps):
 * the 2-step samples reach a sliced Wasserstein-1 distance within 3x the data-to-data floor.
 * About 1-2 minutes on 2 cores.
 */
@Tag("quality")
class ToySctQualityTest {
    @Test
    void sctFromScratchReachesThreeTimesTheDataFloor(@TempDir Path dir) throws Exception {
        Trainer.Config c = new Trainer.Config();
        c.method = ScmObjective.Method.SCT;
        c.model = "mlp";
        c.dataset = "checkerboard";
        c.steps = QUALITY_STEPS;
        c.batch = 128;
        c.lr = 1e-3;
        c.emaDecay = 0.995;
        c.warmup = 1000;
        c.seed = 0;
        c.out = dir;
        c.every = c.steps;
        long t0 = System.nanoTime();
        Map<String, Double> m = new Trainer(c, System.out).run().metrics();
        double floor = m.get("sw_floor_data_vs_data"), sw2 = m.get("sw_2step");
        System.out.printf("ToySctQualityTest: %d steps in %.1f s; SW1 2-step %.4f, 1-step %.4f, floor %.4f (2-step = %.2fx floor)%n",
                c.steps, (System.nanoTime() - t0) / 1e9, sw2, m.get("sw_1step"), floor, sw2 / floor);
        assertTrue(sw2 < 3 * floor, "2-step SW1 " + sw2 + " should be within 3x the data floor " + floor);
    }

    static final int QUALITY_STEPS = 2000;
}
