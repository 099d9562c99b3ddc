package tangent.scm.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import tangent.scm.models.Models;
import tangent.scm.train.Checkpoint;

/**
 * Draws images from an sCM checkpoint (its EMA network, via {@link Checkpoint#loadEma}) for
 * {@code scm eval --checkpoint}: the checkpoint's {@link tangent.scm.Sampler} (1- or 2-step
 * consistency sampling; for a teacher, {@code steps} DDIM steps of the probability-flow ODE), in
 * chunks drawn from one {@code Rng(seed)} stream ({@link Checkpoint#drawChunks}), float32, then
 * clamped to [-1, 1] (the data range).
 */
public final class CheckpointSamples {
    private CheckpointSamples() {}

    public static SampleFiles.Samples draw(Path checkpoint, int steps, int n, long seed) throws IOException {
        return draw(checkpoint, steps, n, seed, null);
    }

    /** As {@link #draw(Path, int, int, long)}; cls non-null and a class-conditional checkpoint: every sample of class cls. */
    public static SampleFiles.Samples draw(Path checkpoint, int steps, int n, long seed, Integer cls) throws IOException {
        if (!Files.isRegularFile(checkpoint)) throw new IOException("checkpoint " + checkpoint + ": not found");
        Checkpoint.EmaNet s = Checkpoint.loadEma(checkpoint);
        boolean teacher = s.method().equals("teacher");
        if (!teacher && steps != 1 && steps != 2)
            throw new IllegalArgumentException("checkpoint " + checkpoint + " (" + s.method() + "): a consistency model samples"
                    + " with --sampler 1 or 2, not " + steps);
        tangent.scm.Sampler sampler;
        try {
            sampler = s.sampler(steps);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " (" + s.method() + "): --sampler " + steps + ": " + e.getMessage());
        }
        int[] shape = s.isImage() ? Models.sampleShape(s.model()) : null;
        if (shape == null || !Arrays.equals(shape, new int[] {1, 28, 28}))
            throw new IllegalArgumentException("checkpoint " + checkpoint + ": model '" + s.model() + "' makes samples of shape "
                    + (shape == null ? "(2) (2-D points)" : Arrays.toString(shape)) + "; FD here needs 1 x 28 x 28"
                    + " Fashion-MNIST images");
        float[] out = new float[Math.multiplyExact(n, 784)];
        long[] outside = {0};
        int[] labels = cls != null && s.classes() > 0 ? Checkpoint.labels(s, tangent.scm.Guidance.constant(n, cls), n) : null;
        Checkpoint.drawChunks(s, sampler, n, seed, labels, 1.0, (at, x) -> {
            float[] v = x.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                float c = v[i];
                if (!Float.isFinite(c))
                    throw new IllegalStateException("checkpoint " + checkpoint + ": the sampler produced " + c
                            + " (sample " + (at + i / 784) + "); the model is broken");
                if (c < -1 || c > 1) outside[0]++;
                out[at * 784 + i] = Math.max(-1f, Math.min(1f, c));
            }
        });
        String how = teacher ? sampler.label() + " (teacher)" : sampler.label() + " consistency";
        return new SampleFiles.Samples(out, n, String.format(Locale.ROOT, "%s %s samples, seed %d, clamped to [-1,1]"
                + " (%.2f%% of pixels were outside)", s.model(), how, seed, 100.0 * outside[0] / out.length));
    }
}
