package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.scm.cli.TrainCommand;

/**
 * The main job itself ({@link TrainCommand#mainJob}, seed 0): sCT from scratch on the checkerboard
 * with the MLP denoiser and its present defaults (README, "Why these settings"). Gated on what a
 * person sees: the share of 1- and 2-step samples on the board's filled squares (the data: 100%;
 * uniform noise over the board: 50%), and the Gaussian-kernel MMD against its data-to-data floor,
 * which fails samples that shrink into the squares' centres. The thresholds are set from recorded
 * runs (README, "Sample quality") with a margin.
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

    // measured 2026-12-02 (2 cores, 2000 steps): seed 0 (this test) 1-step 0.894, 2-step 0.954, MMD 1.22x,
    // 64 s wall; seeds 1 and 2 (bin/scm train --seed N) 0.899 / 0.952 and 0.894 / 0.964. Rounding-level changes in core have moved a
    // deterministic run by ~3 points, so the gates sit 3 points below. The earlier main job
    // (0.785 / 0.772 / 4.54x) and the small-t proposal without the stable target (0.918 / 0.906 / 6.11x) fail them.
    static final double MIN_SUPPORT_2STEP = 0.92, MIN_SUPPORT_1STEP = 0.86, MAX_MMD_RATIO = 2;
}
