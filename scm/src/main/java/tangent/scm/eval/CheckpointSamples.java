package tangent.scm.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.scm.Samplers;
import tangent.scm.TrigFlow;
import tangent.scm.models.Models;
import tangent.scm.train.Checkpoint;

/**
 * Draws images from an sCM checkpoint (its EMA network, via {@link Checkpoint#loadEma}) for
 * {@code scm eval --checkpoint}: 1- or 2-step consistency sampling (for a teacher checkpoint,
 * {@code steps} DDIM steps of the probability-flow ODE), in chunks of {@value #CHUNK} drawn from one
 * {@code Rng(seed)} stream, float32, then clamped to [-1, 1] (the data range).
 */
public final class CheckpointSamples {
    private CheckpointSamples() {}

    /** Images per sampler call. */
    public static final int CHUNK = 250;

    public static SampleFiles.Samples draw(Path checkpoint, int steps, int n, long seed) throws IOException {
        if (!Files.isRegularFile(checkpoint)) throw new IOException("checkpoint " + checkpoint + ": not found");
        Checkpoint.Sampler s = Checkpoint.loadEma(checkpoint);
        boolean teacher = s.method().equals("teacher");
        if (!teacher && steps != 1 && steps != 2)
            throw new IllegalArgumentException("checkpoint " + checkpoint + " (" + s.method() + "): a consistency model samples"
                    + " with --sampler 1 or 2, not " + steps);
        if (steps < 1) throw new IllegalArgumentException("--sampler must be >= 1, got " + steps);
        int[] shape = Models.isImage(s.model()) ? Models.sampleShape(s.model()) : null;
        if (shape == null || !Arrays.equals(shape, new int[] {1, 28, 28}))
            throw new IllegalArgumentException("checkpoint " + checkpoint + ": model '" + s.model() + "' makes samples of shape "
                    + (shape == null ? "(2) (2-D points)" : Arrays.toString(shape)) + "; FD here needs 1 x 28 x 28"
                    + " Fashion-MNIST images");
        TrigFlow tf = TrigFlow.defaults();
        Rng rng = new Rng(seed);
        float[] out = new float[n * 784];
        long outside = 0;
        try (var g = GradMode.noGrad()) {
            for (int at = 0; at < n; at += CHUNK) {
                int m = Math.min(CHUNK, n - at);
                int[] sh = {m, 1, 28, 28};
                Tensor x;
                if (teacher) x = Samplers.teacherOde(tf, s.net(), rng, steps, Samplers.OdeSolver.DDIM, DType.F32, sh);
                else if (steps == 1) x = Samplers.oneStep(tf, s.net(), rng, DType.F32, sh);
                else x = Samplers.twoStep(tf, s.net(), rng, DType.F32, sh);
                float[] v = x.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    float c = v[i];
                    if (!Float.isFinite(c))
                        throw new IllegalStateException("checkpoint " + checkpoint + ": the sampler produced " + c
                                + " (sample " + (at + i / 784) + "); the model is broken");
                    if (c < -1 || c > 1) outside++;
                    out[at * 784 + i] = Math.max(-1f, Math.min(1f, c));
                }
            }
        }
        String how = teacher ? steps + "-step DDIM (teacher)" : steps + "-step consistency";
        return new SampleFiles.Samples(out, n, String.format(Locale.ROOT, "%s %s samples, seed %d, clamped to [-1,1]"
                + " (%.2f%% of pixels were outside)", s.model(), how, seed, 100.0 * outside / out.length));
    }
}
