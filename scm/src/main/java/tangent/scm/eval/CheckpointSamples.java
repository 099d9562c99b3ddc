package tangent.scm.eval;

import java.io.IOException;
import java.nio.file.Path;

/** Draws images from an sCM checkpoint for {@code scm eval --checkpoint}. */
public final class CheckpointSamples {
    private CheckpointSamples() {}

    /**
     * Draws {@code n} images in [-1, 1] with the 1- or 2-step sampler.
     *
     * @throws UnsupportedOperationException until the sCM checkpoint loader exists
     */
    public static SampleFiles.Samples draw(Path checkpoint, int steps, int n, long seed) throws IOException {
        throw new UnsupportedOperationException("--checkpoint is not available yet: the sCM checkpoint loader"
                + " (tangent.scm) is not in this build. Draw samples to a .npy file and use --samples FILE instead.");
    }
}
