package tangent.scm.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tangent.nn.io.AtomicFiles;
import tangent.scm.Sampler;
import tangent.scm.io.Npy;
import tangent.scm.io.Plots;
import tangent.scm.io.Png;
import tangent.scm.models.Models;
import tangent.scm.train.Checkpoint;
import tangent.scm.train.Memory;
import tangent.scm.ui.Progress;

@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draws samples from a checkpoint's EMA weights into a .npy file (images (N,C,H,W) clamped to [-1,1],"
                + " as eval does; 2-D points (N,2) in data units, not clamped) or a .png picture.")
public final class SampleCommand implements Callable<Integer> {
    /** Most images in one .png grid (a .npy takes any number). */
    static final int MAX_PNG_IMAGES = 4096, MAX_PNG_POINTS = 1_000_000;

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
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .npy or .png (a new file, or one sample writes).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Devices.require(device);
        int k = steps != null ? steps : sampler;
        String opt = steps != null ? "--steps" : "--sampler";
        if (n < 1) throw new IllegalArgumentException("-n must be >= 1, got " + n);
        TrainCommand.finite("--guidance", guidance);
        boolean png = checkOut(out, checkpoint);
        Checkpoint.EmaNet net = Checkpoint.loadEma(checkpoint);
        Sampler s;
        try {
            s = net.sampler(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(opt + " " + k + ": " + e.getMessage() + " (checkpoint " + checkpoint + " is a "
                    + net.method() + " run)");
        }
        int cols = (int) Math.ceil(Math.sqrt(n));
        int[] labels = null;
        if (cls != null) {
            labels = Checkpoint.labels(net, tangent.scm.Guidance.constant(n, cls), n);   // a one-line error for a bad --class
        } else if (net.classes() > 0 && png) {
            cols = (n + net.classes() - 1) / net.classes();   // one row per class
            labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = Math.min(net.classes() - 1, i / cols);
        }
        int[] y = labels;
        int gridCols = cols;
        int[] rest = Models.sampleShape(net.model());
        long elems = 1;
        for (int d : rest) elems *= d;
        long per = elems;
        int[] shape = new int[rest.length + 1];
        shape[0] = n;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        if (png) {
            int max = net.isImage() ? MAX_PNG_IMAGES : MAX_PNG_POINTS;
            if (n > max) throw new IllegalArgumentException("-n " + n + ": a .png holds at most " + max + (net.isImage() ? " images" : " points")
                    + "; write a .npy for more");
            float[] all = new float[(int) (n * per)];
            draw(net, s, y, (at, v) -> System.arraycopy(v, 0, all, (int) (at * per), v.length));
            if (net.isImage()) Png.write(out, Png.imageGrid(all, n, rest[1], rest[2], gridCols, 1, 128, 3));
            else Plots.scatterPanels(out, List.of(s.label()), List.of(toDoubles(all)));
        } else {
            byte[] head = Npy.headerFloat32(shape);
            long bytes = head.length + 4L * n * per;
            Path dir = out.toAbsolutePath().getParent();
            long free = Files.getFileStore(dir).getUsableSpace();
            if (bytes > free)
                throw new IOException("--out " + out + ": " + n + " samples need " + Memory.human(bytes) + " but " + dir + " has "
                        + Memory.human(free) + " free");
            AtomicFiles.writeChannel(out, ch -> {
                AtomicFiles.writeFully(ch, ByteBuffer.wrap(head));
                draw(net, s, y, (at, v) -> {
                    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(v);
                    AtomicFiles.writeFully(ch, b);
                });
            });
        }
        System.out.println("wrote " + n + " samples " + Arrays.toString(shape) + " (" + s.label() + ") to " + out);
        return 0;
    }

    interface FloatSink {
        void accept(long at, float[] v) throws IOException;
    }

    /** The samples in chunks (memory flat in n), in the data range, refusing non-finite ones; a progress bar on stdout. */
    private void draw(Checkpoint.EmaNet net, Sampler s, int[] labels, FloatSink sink) throws IOException {
        int chunks = (n + Checkpoint.CHUNK - 1) / Checkpoint.CHUNK;
        try (Progress p = new Progress("sample", n, (long) Checkpoint.CHUNK * Math.max(1, chunks / 10)).counting("samples")) {
            Checkpoint.drawChunks(net, s, n, seed, labels, guidance, (at, x) -> {
                float[] v = Checkpoint.toDataRange(net, x).toFloatArray();
                for (int i = 0; i < v.length; i++)
                    if (!Float.isFinite(v[i]))
                        throw new IOException(String.format(Locale.ROOT, "checkpoint %s: the sampler produced %s (sample %d); nothing"
                                + " was written", checkpoint, v[i], at + i / (v.length / x.size(0))));
                sink.accept(at, v);
                p.update(at + x.size(0), Double.NaN);
            });
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /**
     * --out must end in .npy or .png and may replace only a sample file (a .npy or .png by its
     * content), never the checkpoint or any other file. Returns whether it is a .png. Also checks
     * --checkpoint is a file, and creates out's parent directory.
     */
    static boolean checkOut(Path out, Path checkpoint) throws IOException {
        if (!Files.exists(checkpoint)) throw new IOException("--checkpoint " + checkpoint + ": no such file; give the checkpoint.safetensors"
                + " a train run wrote");
        if (!Files.isRegularFile(checkpoint)) throw new IOException("--checkpoint " + checkpoint + " is not a file (a directory?); give"
                + " the checkpoint.safetensors inside it");
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean png = name.endsWith(".png");
        if (!png && !name.endsWith(".npy"))
            throw new IllegalArgumentException("--out " + out + ": the output must be a .npy or .png file (by its extension)");
        if (Files.exists(out)) {
            if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory: give a .npy or .png file name");
            if (Files.isSameFile(out, checkpoint))
                throw new IllegalArgumentException("--out " + out + " is the checkpoint itself: give a new .npy or .png file");
            boolean sampleFile = png ? startsWith(out, Png.SIGNATURE) : Npy.hasMagic(out);
            if (!sampleFile)
                throw new IllegalArgumentException("--out " + out + " exists and is not a " + (png ? "PNG" : ".npy") + " file; refusing to"
                        + " overwrite it: give a new file name");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        return png;
    }

    private static boolean startsWith(Path file, byte[] magic) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(magic.length), magic);
        }
    }
}
