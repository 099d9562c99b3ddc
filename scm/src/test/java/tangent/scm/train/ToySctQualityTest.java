package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.scm.cli.TrainCommand;

/**
 * sCT from scratch on the checkerboard with the MLP denoiser: the main job itself (1500 steps at
 * batch 256, lr 2e-3 with a cosine decay, EMA 0.995, tangent warmup 1000, seed 0). Gated on what a
 * person sees: the share of 1- and 2-step samples on the board's filled squares (the data: 100%;
 * uniform noise over the board: 50%), and the Gaussian-kernel MMD against its data-to-data floor.
 * The thresholds are set from recorded runs (README, "Sample quality") with a margin, and fail the
 * round blobs of a model that lands 75% on the squares.
 */
@Tag("quality")
class ToySctQualityTest {
    @Test
    void sctFromScratchLandsOnTheSquares(@TempDir Path dir) throws Exception {
        Trainer.Config c = TrainCommand.mainJob(dir);
        c.every = c.steps;
        c.quiet = true;
        long t0 = System.nanoTime();
        Map<String, Double> m = new Trainer(c, System.out).run().metrics();
        double s1 = m.get("support_1step"), s2 = m.get("support_2step");
        double mmd2 = m.get("mmd_2step") / m.get("mmd_floor_data_vs_data");
        System.out.printf("ToySctQualityTest: %d steps in %.1f s; on the squares 1-step %.4f, 2-step %.4f; MMD 2-step %.2fx floor; SW1 2-step %.2fx floor%n",
                c.steps, (System.nanoTime() - t0) / 1e9, s1, s2, mmd2, m.get("sw_2step") / m.get("sw_floor_data_vs_data"));
        assertTrue(s2 >= MIN_SUPPORT_2STEP, "2-step samples on the squares: " + s2 + " < " + MIN_SUPPORT_2STEP);
        assertTrue(s1 >= MIN_SUPPORT_1STEP, "1-step samples on the squares: " + s1 + " < " + MIN_SUPPORT_1STEP);
        assertTrue(mmd2 <= MAX_MMD_RATIO, "2-step MMD " + mmd2 + "x its data floor > " + MAX_MMD_RATIO);
    }

    static final int QUALITY_STEPS = 1500;
    // measured (seed 0, 2 cores) on the merged engine: 1-step 0.785, 2-step 0.772, MMD 4.54x. The same
    // recipe gave 0.813 / 0.8075 / 4.78x before rounding-level changes in core's pixel_norm/softmax
    // rules: a deterministic run moves by ~3 points with rounding, so the gate sits ~2 points below
    // today's figure. The old main job (0.76 / 0.74) fails its 2-step check.
    static final double MIN_SUPPORT_2STEP = 0.75, MIN_SUPPORT_1STEP = 0.75, MAX_MMD_RATIO = 6;
}
