package tangent.scm.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.Tensor;
import tangent.nn.io.SafeTensors;
import tangent.scm.ScmObjective;
import tangent.scm.data.FashionMnist;

/**
 * A few sCT steps of fmnist-xs at batch 4 on the real Fashion-MNIST (Debian package
 * dataset-fashion-mnist): writes the PNG grid, the loss plot and a checkpoint, resumes from it,
 * and samples from it. Skipped (with the reason) only when the dataset is not installed.
 */
@Tag("smoke")
class FashionMnistSmokeTest {
    @Test
    void fmnistXsTrainsWritesPicturesAndResumes(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(FashionMnist.isAvailable(null),
                "SKIPPED: Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR + " (apt-get install dataset-fashion-mnist)");
        Trainer.Config c = new Trainer.Config();
        c.method = ScmObjective.Method.SCT;
        c.model = "fmnist-xs";
        c.dataset = "fmnist";
        c.steps = 2;
        c.batch = 4;
        c.seed = 1;
        c.out = dir;
        c.every = 2;
        c.quiet = true;
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        Trainer.Result r = new Trainer(c, sink).run();
        assertTrue(Double.isFinite(r.lastLoss()));
        Path png = dir.resolve("samples.png");
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        assertTrue(Files.size(dir.resolve("loss.png")) > 0);
        Path ck = dir.resolve(Checkpoint.FILE);
        assertEquals("2", SafeTensors.read(ck).metadata().get("step"));

        c.steps = 3;
        c.resume = true;
        Trainer resumed = new Trainer(c, sink);
        assertEquals(2, resumed.step());
        resumed.run();
        assertEquals("3", SafeTensors.read(ck).metadata().get("step"));

        Tensor x = Checkpoint.sample(ck, 2, 3, 0);
        assertArrayEquals(new int[] {3, 1, 28, 28}, x.shape());
        for (float v : x.toFloatArray()) assertTrue(v >= -1 && v <= 1, "sample clamped to [-1, 1]: " + v);
    }
}
