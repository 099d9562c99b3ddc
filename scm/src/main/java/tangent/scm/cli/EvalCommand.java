package tangent.scm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tangent.nn.Classifier;
import tangent.scm.data.FashionMnist;
import tangent.scm.eval.CheckpointSamples;
import tangent.scm.eval.ClassifierWeights;
import tangent.scm.eval.FrechetEval;
import tangent.scm.eval.SampleFiles;
import tangent.scm.train.Memory;

/**
 * {@code scm eval}: Frechet distance (FD) of image samples to the 10,000 Fashion-MNIST test images,
 * in the 128-d feature space of the committed classifier. Prints the floor (10,000 real training
 * images vs the test set) and, as its last line, {@code FD: <value>}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Frechet distance (FD) of samples to the Fashion-MNIST test set, in the feature space of the committed"
                    + " classifier (128-d penultimate layer). Also prints the floor: FD of 10,000 real training images.",
            "The last line printed is `FD: <value>`.",
            "Sample files: .npy uint8 (0..255, mapped v/127.5-1), .npy float32/float64 (must already be in [-1,1]),"
                    + " or IDX ubyte (plain or .gz); shape N x 28 x 28 or N x 1 x 28 x 28."})
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--samples", paramLabel = "FILE", description = "Score the images in FILE (.npy or IDX).")
    Path samples;

    @Option(names = "--checkpoint", paramLabel = "CKPT", description = "Score samples drawn from an sCM checkpoint.")
    Path checkpoint;

    @Option(names = "--sampler", paramLabel = "1|2", defaultValue = "1",
            description = "Sampler steps with --checkpoint: 1 or 2 for a consistency model; DDIM steps for a teacher"
                    + " (default: ${DEFAULT-VALUE}). Samples are clamped to [-1,1].")
    int sampler;

    @Option(names = {"-n", "--num-samples"}, paramLabel = "N", defaultValue = "10000",
            description = "Number of samples to draw with --checkpoint (default: ${DEFAULT-VALUE}).")
    int numSamples;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed with --checkpoint (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Fashion-MNIST directory (default: /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--classifier", paramLabel = "FILE",
            description = "Classifier weights (.safetensors) instead of the committed ones.")
    Path classifier;

    @Option(names = "--class", paramLabel = "K",
            description = "Per-class FD: score against the test images of class K only (samples from sample --class K).")
    Integer cls;

    @Option(names = "--no-floor", description = "Skip the floor (saves a few seconds).")
    boolean noFloor;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        if ((samples == null) == (checkpoint == null))
            throw new CommandLine.ParameterException(cl, "give exactly one of --samples FILE or --checkpoint CKPT");
        if (sampler < 1)
            throw new CommandLine.ParameterException(cl, "--sampler must be 1 or 2 (a teacher checkpoint: ODE steps >= 1), got "
                    + sampler);
        if (numSamples < 2) throw new CommandLine.ParameterException(cl, "--num-samples must be >= 2, got " + numSamples);
        if (cls != null && (cls < 0 || cls > 9))
            throw new CommandLine.ParameterException(cl, "--class must be in 0..9 (Fashion-MNIST), got " + cls);
        if (checkpoint != null) {
            // the images (float32) and their 128-d features (float64) are held at once for the Frechet fit
            Memory.requireArray("-n " + numSamples, 784L * numSamples, "use a smaller -n (10000 is the usual FD)");
            Memory.require("-n " + numSamples, (784L * 4 + 128L * 8 * 2) * numSamples, "use a smaller -n (10000 is the usual FD)");
        }
        // fail fast, before any sampling, when the dataset or the classifier is missing
        FashionMnist.resolveDir(data);
        Classifier c = classifier != null ? ClassifierWeights.load(classifier) : FrechetEval.committedClassifier();
        SampleFiles.Samples s;
        if (samples != null) {
            s = SampleFiles.read(samples);
        } else {
            s = CheckpointSamples.draw(checkpoint, sampler, numSamples, seed, cls);
        }
        FrechetEval fe = new FrechetEval(c, data);
        out.println("samples: " + (samples != null ? samples : checkpoint + " (sampler " + sampler + ", seed " + seed + ")")
                + ": " + s.n() + " images, " + s.description());
        if (s.n() < 1000)
            out.println("note: " + s.n() + " images is few for a 128-d Gaussian fit; FD is biased upwards (use 10000)");
        out.flush();
        if (cls != null) {
            double[] r = fe.fdOfClass(s.images(), s.n(), cls);
            if (!noFloor) out.printf(Locale.ROOT, "floor (class %d: real training images vs test images): %.4f%n", cls, r[1]);
            out.printf(Locale.ROOT, "FD (class %d): %.4f%n", cls, r[0]);
            out.flush();
            return 0;
        }
        if (!noFloor) {
            FrechetEval.Floor floor = fe.floorWithCount();
            out.printf(Locale.ROOT, "floor (%d real training images vs test set): %.4f%n", floor.n(), floor.fd());
            out.flush();
        }
        double fd = fe.fd(s.images(), s.n());
        out.printf(Locale.ROOT, "FD: %.4f%n", fd);
        out.flush();
        return 0;
    }
}
