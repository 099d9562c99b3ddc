package tangent.scm.eval;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import tangent.nn.Classifier;
import tangent.scm.data.FashionMnist;

/** The committed classifier resource: loads, and (with the real dataset) reaches >= 91% test accuracy. */
class CommittedClassifierTest {
    @Test
    void resourceLoads() throws Exception {
        Classifier c = FrechetEval.committedClassifier();
        assertEquals(458_570, c.parameterCount());
        assertSame(c, FrechetEval.committedClassifier());
    }

    @Test
    void accuracyOnRealTestSet() throws Exception {
        assumeTrue(FashionMnist.isAvailable(null), "Fashion-MNIST not installed at " + FashionMnist.DEFAULT_DIR
                + " (apt-get install dataset-fashion-mnist); skipping the accuracy check");
        FashionMnist.Dataset test = FashionMnist.load(null, FashionMnist.Split.TEST);
        FrechetEval fe = FrechetEval.committed(null);
        long t0 = System.nanoTime();
        float[] f = fe.features(test.images(), test.n());
        double sec = (System.nanoTime() - t0) / 1e9;
        // logits from the same features (fc2 only), so the 10k images go through the CNN once
        float[] lg;
        try (var g = tangent.core.GradMode.noGrad()) {
            lg = fe.classifier().logitsFromFeatures(tangent.core.Tensor.of(f, test.n(), Classifier.FEATURES)).toFloatArray();
        }
        int correct = 0;
        for (int i = 0; i < test.n(); i++) {
            int best = 0;
            for (int j = 1; j < 10; j++) if (lg[i * 10 + j] > lg[i * 10 + best]) best = j;
            if (best == test.labels()[i]) correct++;
        }
        double acc = (double) correct / test.n();
        System.out.printf(Locale.ROOT, "committed classifier: test accuracy %.4f; features of %d images in %.1f s%n", acc,
                test.n(), sec);
        assertEquals(test.n() * Classifier.FEATURES, f.length);
        assertTrue(acc >= 0.91, "test accuracy " + acc + " < 0.91");
    }
}
