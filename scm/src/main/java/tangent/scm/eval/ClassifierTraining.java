package tangent.scm.eval;

import java.nio.file.Path;

/** Trains the Fashion-MNIST feature classifier used for FD (placeholder; real training follows). */
public final class ClassifierTraining {
    private ClassifierTraining() {}

    /**
     * Trains the CNN, saves its weights in outDir, prints progress and test accuracy.
     *
     * @param dataDir Fashion-MNIST directory, or null for the default location
     * @return accuracy on the 10,000 test images, in [0, 1]
     */
    public static double train(Path dataDir, Path outDir, int steps, int batch, double lr, long seed) {
        throw new UnsupportedOperationException("ClassifierTraining.train: not implemented yet");
    }
}
