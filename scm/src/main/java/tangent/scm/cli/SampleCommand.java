package tangent.scm.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tangent.core.Tensor;
import tangent.scm.io.Npy;
import tangent.scm.io.Plots;
import tangent.scm.io.Png;
import tangent.scm.train.Checkpoint;

@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draws samples from a checkpoint's EMA weights into a .npy file (images (N,C,H,W) clamped to [-1,1],"
                + " as eval does; 2-D points (N,2) in data units, not clamped) or a .png picture.")
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "CKPT", description = "A checkpoint.safetensors written by train.")
    Path checkpoint;
    @Option(names = "--sampler", defaultValue = "2", paramLabel = "1|2",
            description = "Consistency steps (1 or 2); for a teacher checkpoint, the number of DDIM steps of the ODE (default: ${DEFAULT-VALUE}).")
    int sampler;
    @Option(names = "--steps", paramLabel = "N", description = "Same as --sampler (ODE steps for a teacher).")
    Integer steps;
    @Option(names = {"-n", "--num-samples"}, defaultValue = "64", description = "Number of samples (default: ${DEFAULT-VALUE}).")
    int n;
    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;
    @Option(names = "--class", paramLabel = "K", description = "A class-conditional checkpoint: draw class K only (default: every class; a .png of images has one row per class).")
    Integer cls;
    @Option(names = "--guidance", defaultValue = "1.0", paramLabel = "W",
            description = "A class-conditional teacher: the classifier-free guidance scale of its ODE (1: conditional; default: ${DEFAULT-VALUE}).")
    double guidance;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .npy or .png.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Devices.require(device);
        int k = steps != null ? steps : sampler;
        int classes = Checkpoint.loadEma(checkpoint).classes();
        int cols = (int) Math.ceil(Math.sqrt(n));
        int[] labels = null;
        if (cls != null) {
            labels = new int[n];
            java.util.Arrays.fill(labels, cls);
        } else if (classes > 0 && out.toString().endsWith(".png")) {
            cols = (n + classes - 1) / classes;   // one row per class
            labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = Math.min(classes - 1, i / cols);
        }
        Tensor x = Checkpoint.sample(checkpoint, k, n, seed, labels, guidance);
        int[] s = x.shape();
        if (out.toString().endsWith(".png")) {
            if (s.length == 4) Png.write(out, Png.imageGrid(x.toFloatArray(), n, s[2], s[3], cols, 1, 128, 3));
            else Plots.scatterPanels(out, List.of(k + "-step"), List.of(x.toDoubleArray()));
        } else {
            Npy.writeFloat32(out, x.toFloatArray(), s);
        }
        System.out.println("wrote " + n + " samples " + java.util.Arrays.toString(s) + " to " + out);
        return 0;
    }
}
