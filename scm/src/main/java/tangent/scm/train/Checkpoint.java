package tangent.scm.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.AdaptiveWeight;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.nn.io.SafeTensors;
import tangent.nn.optim.Ema;
import tangent.nn.optim.Optimizer;
import tangent.scm.Sampler;
import tangent.scm.TrigFlow;
import tangent.scm.models.Models;

/**
 * Trainer checkpoints, written and read by the project's checkpoint layer {@link tangent.nn.CheckpointIO}
 * (one safetensors file, written atomically; everything validated before anything is loaded). The
 * saved model is a {@link TrainState}: the trained network as {@code net.*} and the adaptive weight
 * head as {@code weight.*}; the RAdam state is {@code opt.m/v/step.<net.|weight.name>}, the EMA of the
 * network (used for sampling and as a teacher) {@code ema.<name>} (network parameter names), the
 * data Rng {@code rng.data} and the loss history {@code extra.losses} (float64). Metadata: nn's
 * ({@code format}, {@code step}, {@code optimizer}, {@code ema}, ...) plus {@code scm.model},
 * {@code scm.dataset}, {@code scm.method} (checked on resume) and the run's options.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FILE = "checkpoint.safetensors";
    public static final String MODEL = "scm.model", DATASET = "scm.dataset", METHOD = "scm.method", SIGMA_D = "scm.sigma_d";
    /** Metadata of a class-conditional run: its number of classes K (absent: unconditional). */
    public static final String CLASSES = "scm.classes";
    /** The 2-step sampler's intermediate time t_mid the run was made for (files without it: the spec's 1.1). */
    public static final String T_MID = "scm.t_mid";
    public static final List<String> METHODS = List.of("teacher", "sct", "scd");
    private static final String LOSSES = "losses", DATA_RNG = "data";

    /** What the trainer optimizes: the network ({@code net}) and the adaptive weight head ({@code weight}). */
    public static final class TrainState extends Module {
        public final Module net;
        public final AdaptiveWeight weight;

        public TrainState(Module net, AdaptiveWeight weight) {
            this.net = child("net", net);
            this.weight = child("weight", weight);
        }
    }

    /** Saves a training state; opt may be null (a sampling-only file). meta: the scm.* keys and options. */
    public static void save(Path file, TrainState s, Optimizer opt, Ema ema, long step, Rng data, double[] losses,
                            Map<String, String> meta) throws IOException {
        Map<String, SafeTensors.Entry> extra = new LinkedHashMap<>();
        if (losses != null) extra.put(LOSSES, SafeTensors.Entry.f64(losses, losses.length));
        tangent.nn.CheckpointIO.save(file, s, opt, ema, step, data == null ? null : Map.of(DATA_RNG, data), extra, meta);
    }

    /** What a resume restores besides the tensors. */
    public record Resumed(long step, Rng data, double[] losses) {}

    /**
     * Restores s, opt and ema from file, which must carry the metadata values in expect (model,
     * dataset, method). Everything is checked first: on a mismatch it throws
     * {@link tangent.nn.CheckpointIO.MismatchException} naming the file and the first problem, and
     * nothing has changed.
     */
    public static Resumed resume(Path file, TrainState s, Optimizer opt, Ema ema, Map<String, String> expect) throws IOException {
        tangent.nn.CheckpointIO.Restored r = tangent.nn.CheckpointIO.load(SafeTensors.read(file), s, opt, ema, expect,
                Map.of(LOSSES, new tangent.nn.CheckpointIO.Spec(SafeTensors.ElementType.F64, -1)));
        Rng data = r.rngs().get(DATA_RNG);
        if (data == null) throw new tangent.nn.CheckpointIO.MismatchException(file, "missing tensor 'rng." + DATA_RNG + "'");
        return new Resumed(r.step(), data, r.extras().get(LOSSES).asDoubles());
    }

    /**
     * Loads the EMA weights of a teacher checkpoint of the given model into net (the fixed teacher of
     * sCD, or the start of a distillation); validated first (a {@code --method teacher} run of that
     * model whose sigma_d and number of classes are the run's), net unchanged on a mismatch.
     */
    public static void loadTeacherInto(Path file, Module net, String model, double sigmaD) throws IOException {
        SafeTensors.Loaded ck = SafeTensors.read(file);
        Map<String, String> meta = tangent.nn.CheckpointIO.checkHeader(ck, Map.of(MODEL, model));
        String method = meta.getOrDefault(METHOD, "missing");
        if (!method.equals("teacher"))
            throw new tangent.nn.CheckpointIO.MismatchException(file, "a " + method + " checkpoint (metadata '" + METHOD
                    + "'); --teacher needs the checkpoint of a --method teacher run");
        double tsd = trigFlow(file, meta).sigmaD;
        if (tsd != sigmaD)
            throw new tangent.nn.CheckpointIO.MismatchException(file, "the teacher was trained with sigma_d " + tsd
                    + " but this run has --sigma-d " + sigmaD);
        int classes = classes(file, meta), want = net instanceof tangent.nn.ClassConditioned cn ? cn.classes() : 0;
        if (classes != want)
            throw new tangent.nn.CheckpointIO.MismatchException(file, "the teacher has " + classes + " classes (metadata '" + CLASSES
                    + "') but this run's model has " + want + (want == 0 ? " (add --conditional)" : ""));
        checkNames(ck, model, classes);
        tangent.nn.CheckpointIO.loadEmaWeights(ck, net, null);
    }

    /**
     * The sampling network (EMA weights) of a checkpoint: model name, network, method, the run's
     * TrigFlow and its number of classes (0: unconditional).
     */
    public record EmaNet(String model, Module module, TimeConditioned net, String method, TrigFlow trigFlow, int classes) {
        public EmaNet(String model, Module module, TimeConditioned net, String method, TrigFlow trigFlow) {
            this(model, module, net, method, trigFlow, 0);
        }

        /** The sampler for this network: 1 or 2 consistency steps, or for a teacher DDIM steps of its ODE. */
        public Sampler sampler(int steps) {
            return Sampler.forMethod(method, steps);
        }

        /**
         * The network conditioned on one chunk's labels: a teacher's ODE drift guided at scale
         * {@code guidance} ({@link tangent.scm.Guidance}), a student with its labels (it learnt its
         * guidance in training). Unconditional: the network itself (labels must be null).
         */
        public TimeConditioned conditioned(int[] labels, double guidance) {
            if (classes == 0) return net;
            tangent.nn.ClassConditioned cn = (tangent.nn.ClassConditioned) module;
            return method.equals("teacher") ? tangent.scm.Guidance.guided(cn, labels, guidance) : cn.withLabels(labels);
        }

        public boolean isImage() {
            return Models.isImage(model);
        }
    }

    public static EmaNet loadEma(Path file) throws IOException {
        SafeTensors.Loaded ck = SafeTensors.read(file);
        Map<String, String> meta = tangent.nn.CheckpointIO.checkHeader(ck, null);
        String model = meta.get(MODEL);
        if (model == null) throw new tangent.nn.CheckpointIO.MismatchException(file, "not an scm checkpoint (no '" + MODEL + "' in its metadata)");
        if (!Models.NAMES.contains(model))
            throw new tangent.nn.CheckpointIO.MismatchException(file, "unknown model '" + model + "'; valid: " + String.join(", ", Models.NAMES));
        String method = meta.getOrDefault(METHOD, "sct");
        if (!METHODS.contains(method))
            throw new tangent.nn.CheckpointIO.MismatchException(file, "unknown method '" + method + "' in metadata '" + METHOD
                    + "'; valid: " + String.join(", ", METHODS));
        TrigFlow tf = trigFlow(file, meta);
        int classes = classes(file, meta);
        checkNames(ck, model, classes);
        Module m = Models.create(model, DType.F32, 0, classes);
        tangent.nn.CheckpointIO.loadEmaWeights(ck, m, null);
        m.train(false);
        return new EmaNet(model, m, (TimeConditioned) m, method, tf, classes);
    }

    /** The run's number of classes from metadata {@code scm.classes} (absent: 0, unconditional). */
    static int classes(Path file, Map<String, String> meta) throws tangent.nn.CheckpointIO.MismatchException {
        String v = meta.getOrDefault(CLASSES, "0");
        int k;
        try {
            k = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            k = -1;
        }
        if (k < 0) throw new tangent.nn.CheckpointIO.MismatchException(file, "metadata '" + CLASSES + "' is '" + v + "', not a number >= 0");
        return k;
    }

    /**
     * The run's TrigFlow from metadata {@code scm.sigma_d} (a number; files without it were trained
     * with the default 0.5), with the sampler times t_max = arctan(80 / sigma_d) and t_mid from
     * {@code scm.t_mid} (files without it: 1.1), as the trainer uses them.
     */
    static TrigFlow trigFlow(Path file, Map<String, String> meta) throws tangent.nn.CheckpointIO.MismatchException {
        TrigFlow tf = TrigFlow.defaults();
        if (meta.containsKey(SIGMA_D)) tf = tf.withSigmaD(positive(file, meta, SIGMA_D, Double.POSITIVE_INFINITY));
        if (meta.containsKey(T_MID)) tf = tf.withSamplerTimes(tf.tMax, positive(file, meta, T_MID, tf.tMax));
        return tf;
    }

    /** The number under metadata key, refused unless in (0, below). */
    private static double positive(Path file, Map<String, String> meta, String key, double below) throws tangent.nn.CheckpointIO.MismatchException {
        String v = meta.get(key);
        double s;
        try {
            s = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            s = Double.NaN;
        }
        if (!(s > 0 && s < below))
            throw new tangent.nn.CheckpointIO.MismatchException(file, "metadata '" + key + "' is '" + v + "', not a number in (0, " + below + ")");
        return s;
    }

    /**
     * Every tensor of an scm checkpoint has a known name: the trained parameters ({@code net.*},
     * {@code weight.*}), their optimizer state, the EMA of the network, the step counters, the data
     * Rng and the loss history. Anything else is refused, as {@code --resume} does.
     */
    static void checkNames(SafeTensors.Loaded ck, String model) throws tangent.nn.CheckpointIO.MismatchException {
        checkNames(ck, model, 0);
    }

    /** As {@link #checkNames(SafeTensors.Loaded, String)} for a model of the given number of classes (0: unconditional). */
    static void checkNames(SafeTensors.Loaded ck, String model, int classes) throws tangent.nn.CheckpointIO.MismatchException {
        Module net = Models.create(model, DType.F32, 0, classes);
        Set<String> known = new HashSet<>(List.of("state.step", "state.ema_updates", "rng." + DATA_RNG, "extra." + LOSSES));
        for (String n : new TrainState(net, new AdaptiveWeight(DType.F32)).namedParameters().keySet()) {
            known.add(n);
            for (String p : List.of("opt.m.", "opt.v.", "opt.step.")) known.add(p + n);
        }
        for (String n : net.namedParameters().keySet()) known.add("ema." + n);
        for (Map.Entry<String, SafeTensors.Entry> e : ck.tensors().entrySet())
            if (!known.contains(e.getKey()))
                throw new tangent.nn.CheckpointIO.MismatchException(ck.file(), "unexpected tensor '" + e.getKey() + "' ("
                        + e.getValue().dtype() + " " + Arrays.toString(e.getValue().shape()) + "): not part of an scm checkpoint of model '"
                        + model + "'");
    }

    /** Receives the samples of one chunk, the first at index {@code at} of the whole. */
    public interface ChunkSink {
        void accept(int at, Tensor samples) throws IOException;
    }

    /** Samples per sampler call: memory stays flat in the number of samples. */
    public static final int CHUNK = 250;

    /**
     * Draws n samples from s in chunks of {@link #CHUNK} from one {@code Rng(seed)} stream, float32,
     * without gradients, in the model's space (see {@link #toDataRange}); a class-conditional
     * network draws every class alike (sample i of class i mod K).
     */
    public static void drawChunks(EmaNet s, Sampler sampler, int n, long seed, ChunkSink sink) throws IOException {
        drawChunks(s, sampler, n, seed, null, 1.0, sink);
    }

    /**
     * As {@link #drawChunks(EmaNet, Sampler, int, long, ChunkSink)}, sample i of class labels[i]
     * (labels null: i mod K; checked first by {@link #labels}); each chunk's network is
     * {@link EmaNet#conditioned} on that chunk's labels at the given guidance scale.
     */
    public static void drawChunks(EmaNet s, Sampler sampler, int n, long seed, int[] labels, double guidance, ChunkSink sink)
            throws IOException {
        int[] y = labels(s, labels, n);
        int[] rest = Models.sampleShape(s.model());
        Rng rng = new Rng(seed);
        try (var g = GradMode.noGrad()) {
            for (int at = 0; at < n; at += CHUNK) {
                int m = Math.min(CHUNK, n - at);
                TimeConditioned net = y == null ? s.net() : s.conditioned(Arrays.copyOfRange(y, at, at + m), guidance);
                sink.accept(at, sampler.draw(s.trigFlow(), net, rng, DType.F32, concat(m, rest)));
            }
        }
    }

    /**
     * The n labels to draw for s: null for an unconditional network (labels must be null: a
     * one-line error naming --class otherwise); for a class-conditional one labels (n of them,
     * each in 0..K-1) or, if null, i mod K.
     */
    public static int[] labels(EmaNet s, int[] labels, int n) {
        if (s.classes() == 0) {
            if (labels != null)
                throw new IllegalArgumentException("--class: the checkpoint holds an unconditional model (train with --conditional for classes)");
            return null;
        }
        if (labels == null) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) y[i] = i % s.classes();
            return y;
        }
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " samples");
        for (int v : labels)
            if (v < 0 || v >= s.classes())
                throw new IllegalArgumentException("--class " + v + ": the checkpoint's classes are 0.." + (s.classes() - 1));
        return labels;
    }

    /** Images clamped to [-1, 1] (the data range, as eval does); 2-D points back to the toy's data units (not clamped). */
    public static Tensor toDataRange(EmaNet s, Tensor x) {
        return s.isImage() ? clamp(x) : x.div(DataSource.Toy.SCALE);
    }

    /**
     * Draws n samples from a checkpoint's EMA network with {@link EmaNet#sampler}(steps), as
     * {@link #drawChunks} and {@link #toDataRange}: images (n, C, H, W), 2-D points (n, 2).
     */
    public static Tensor sample(Path file, int steps, int n, long seed) throws IOException {
        return sample(file, steps, n, seed, null, 1.0);
    }

    /**
     * As {@link #sample(Path, int, int, long)} from a class-conditional checkpoint: sample i of class
     * labels[i] (labels null: i mod K, every class alike); a teacher's ODE follows its drift guided at
     * scale {@code guidance} ({@link tangent.scm.Guidance}); a student learnt its guidance in training.
     */
    public static Tensor sample(Path file, int steps, int n, long seed, int[] labels, double guidance) throws IOException {
        EmaNet s = loadEma(file);
        Sampler sampler = s.sampler(steps);
        labels(s, labels, n);
        int[] shape = concat(n, Models.sampleShape(s.model()));
        int per = 1;
        for (int d : Models.sampleShape(s.model())) per *= d;
        int perSample = per;
        float[] out = new float[Math.multiplyExact(n, per)];
        drawChunks(s, sampler, n, seed, labels, guidance, (at, x) -> System.arraycopy(toDataRange(s, x).toFloatArray(), 0, out, at * perSample,
                x.size(0) * perSample));
        return Tensor.of(out, shape);
    }

    /** Elementwise clamp to [-1, 1] (float32). */
    static Tensor clamp(Tensor x) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.max(-1f, Math.min(1f, v[i]));
        return Tensor.of(v, x.shape());
    }

    static int[] concat(int n, int[] rest) {
        int[] s = new int[rest.length + 1];
        s[0] = n;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }
}
