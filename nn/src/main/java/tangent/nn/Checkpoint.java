package tangent.nn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.io.SafeTensors;
import tangent.nn.io.SafeTensors.Entry;
import tangent.nn.optim.Ema;
import tangent.nn.optim.Optimizer;

/**
 * Training checkpoints as one safetensors file, written atomically (via {@link SafeTensors#write}).
 *
 * <p>Tensor names:
 * <pre>
 * &lt;param name&gt;             model parameters, PyTorch layouts (conv OIHW, linear (out, in)), model dtype
 * ema.&lt;param name&gt;         EMA weights
 * opt.m.&lt;name&gt;, opt.v.&lt;name&gt;   optimizer moments; opt.step.&lt;name&gt;: I64 (1), updates applied to that parameter
 * state.step             I64 (1): the training step
 * state.ema_updates      I64 (1): EMA update count
 * rng.&lt;key&gt;              I64 (2): {seed, counter} of each saved {@link Rng}
 * </pre>
 * Metadata: {@code format=tangent-checkpoint}, {@code version=1}, {@code step}, {@code optimizer}
 * (kind, e.g. "radam") with its hyperparameters, {@code ema} (kind and value), plus caller extras.
 *
 * <p>{@link #load} validates every name, shape and dtype the model, optimizer and EMA need (and
 * rejects tensors nobody asked for) before it writes anything, so a bad file leaves them unchanged;
 * its error names the file and the first problem. A file that is not valid safetensors (truncated,
 * corrupt) fails in the reader with {@link SafeTensors.FormatException}.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FORMAT = "tangent-checkpoint";
    public static final String VERSION = "1";
    private static final String[] RESERVED = {"ema.", "opt.", "state.", "rng."};

    /** A checkpoint that is valid safetensors but does not fit what it is loaded into. */
    public static final class MismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        public MismatchException(Path file, String problem) {
            super("checkpoint " + file + ": " + problem);
        }
    }

    /** What {@link #load} returns besides the restored tensors: the step, fresh Rngs at their saved state, and metadata. */
    public record Restored(long step, Map<String, Rng> rngs, Map<String, String> metadata) {}

    /**
     * Saves model parameters and, when non-null, optimizer state, EMA weights and the given Rng
     * states, with the training step.
     */
    public static void save(Path file, Module model, Optimizer opt, Ema ema, long step, Map<String, Rng> rngs,
                            Map<String, String> extraMetadata) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        if (extraMetadata != null) meta.putAll(extraMetadata);
        meta.put("format", FORMAT);
        meta.put("version", VERSION);
        meta.put("step", Long.toString(step));
        meta.put("model", model.getClass().getName());
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            for (String r : RESERVED)
                if (e.getKey().startsWith(r))
                    throw new IllegalArgumentException("Checkpoint: parameter name '" + e.getKey() + "' uses the reserved prefix " + r);
            out.put(e.getKey(), entry(e.getValue()));
        }
        out.put("state.step", Entry.i64(new long[] {step}, 1));
        if (opt != null) {
            meta.put("optimizer", opt.kind());
            meta.put("optimizer.lr", Double.toString(opt.lr));
            meta.put("optimizer.betas", opt.beta1 + "," + opt.beta2);
            meta.put("optimizer.eps", Double.toString(opt.eps));
            meta.put("optimizer.weight_decay", Double.toString(opt.weightDecay));
            for (Map.Entry<String, Optimizer.State> e : opt.state().entrySet()) {
                out.put("opt.m." + e.getKey(), entry(e.getValue().m));
                out.put("opt.v." + e.getKey(), entry(e.getValue().v));
                out.put("opt.step." + e.getKey(), Entry.i64(new long[] {e.getValue().step}, 1));
            }
        }
        if (ema != null) {
            meta.put("ema", ema.kind.name().toLowerCase());
            meta.put("ema.value", Double.toString(ema.value));
            for (Map.Entry<String, Tensor> e : ema.shadow().entrySet()) out.put("ema." + e.getKey(), entry(e.getValue()));
            out.put("state.ema_updates", Entry.i64(new long[] {ema.updates()}, 1));
        }
        if (rngs != null)
            for (Map.Entry<String, Rng> e : rngs.entrySet())
                out.put("rng." + e.getKey(), Entry.i64(new long[] {e.getValue().seed(), e.getValue().counter()}, 2));
        SafeTensors.write(file, out, meta);
    }

    /** Saves the model's parameters only (plus step 0): loadable by {@link #load} with null optimizer and EMA. */
    public static void saveWeights(Path file, Module model) throws IOException {
        save(file, model, null, null, 0, null, null);
    }

    /**
     * Restores a checkpoint into model and, when non-null, opt and ema (which must then be in the
     * file, of the same kind). Entries for a null optimizer or EMA are ignored. Validates everything
     * first; on any problem throws and changes nothing.
     */
    public static Restored load(Path file, Module model, Optimizer opt, Ema ema) throws IOException {
        SafeTensors.Loaded f = SafeTensors.read(file);
        Map<String, String> meta = f.metadata();
        Map<String, Entry> ts = f.tensors();
        if (!FORMAT.equals(meta.get("format")))
            throw new MismatchException(file, "metadata 'format' is " + quote(meta.get("format")) + ", expected '" + FORMAT + "'");
        if (!VERSION.equals(meta.get("version")))
            throw new MismatchException(file, "unsupported version " + quote(meta.get("version")) + " (this build reads " + VERSION + ")");

        // 1. what we need, with dtypes and shapes
        Map<String, Tensor> need = new LinkedHashMap<>(model.namedParameters());
        Map<String, long[]> needI64 = new LinkedHashMap<>();
        needI64.put("state.step", new long[] {1});
        if (opt != null) {
            if (meta.get("optimizer") == null) throw new MismatchException(file, "no optimizer state in the file");
            if (!opt.kind().equals(meta.get("optimizer")))
                throw new MismatchException(file, "optimizer is '" + meta.get("optimizer") + "' in the file but '" + opt.kind() + "' here");
            for (Map.Entry<String, Optimizer.State> e : opt.state().entrySet()) {
                need.put("opt.m." + e.getKey(), e.getValue().m);
                need.put("opt.v." + e.getKey(), e.getValue().v);
                needI64.put("opt.step." + e.getKey(), new long[] {1});
            }
        }
        if (ema != null) {
            if (meta.get("ema") == null) throw new MismatchException(file, "no EMA weights in the file");
            String kind = ema.kind.name().toLowerCase();
            if (!kind.equals(meta.get("ema")) || !Double.toString(ema.value).equals(meta.get("ema.value")))
                throw new MismatchException(file, "EMA is " + meta.get("ema") + "(" + meta.get("ema.value") + ") in the file but " + kind + "("
                        + ema.value + ") here");
            for (Map.Entry<String, Tensor> e : ema.shadow().entrySet()) need.put("ema." + e.getKey(), e.getValue());
            needI64.put("state.ema_updates", new long[] {1});
        }

        // 2. validate: presence, dtype, shape of everything needed; nothing unexpected
        for (Map.Entry<String, Tensor> e : need.entrySet()) {
            Entry en = ts.get(e.getKey());
            if (en == null) throw new MismatchException(file, "missing tensor '" + e.getKey() + "'");
            Tensor t = e.getValue();
            SafeTensors.DType want = t.dtype() == DType.F64 ? SafeTensors.DType.F64 : SafeTensors.DType.F32;
            if (en.dtype() != want)
                throw new MismatchException(file, "tensor '" + e.getKey() + "' is " + en.dtype() + " but the model needs " + want);
            if (!Arrays.equals(en.shape(), toLong(t.shape())))
                throw new MismatchException(file, "tensor '" + e.getKey() + "' has shape " + Arrays.toString(en.shape()) + " but the model needs "
                        + Arrays.toString(t.shape()));
        }
        for (Map.Entry<String, long[]> e : needI64.entrySet()) checkI64(file, ts, e.getKey(), e.getValue());
        Map<String, Rng> rngs = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : ts.entrySet()) {
            String n = e.getKey();
            if (need.containsKey(n) || needI64.containsKey(n)) continue;
            if (n.startsWith("rng.")) {
                checkI64(file, ts, n, new long[] {2});
                long[] sc = e.getValue().asLongs();
                rngs.put(n.substring(4), new Rng(sc[0], sc[1]));
                continue;
            }
            if (opt == null && n.startsWith("opt.")) continue;
            if (ema == null && (n.startsWith("ema.") || n.equals("state.ema_updates"))) continue;
            throw new MismatchException(file, "unexpected tensor '" + n + "' (" + e.getValue().dtype() + " " + Arrays.toString(e.getValue().shape())
                    + "): not a parameter of the model" + (opt != null ? " nor optimizer state" : "") + (ema != null ? " nor EMA state" : ""));
        }
        long step = ts.get("state.step").asLongs()[0];

        // 3. apply (nothing above has touched the model)
        for (Map.Entry<String, Tensor> e : need.entrySet()) e.getValue().copyFrom(tensor(ts.get(e.getKey()), e.getValue()));
        if (opt != null)
            for (Map.Entry<String, Optimizer.State> e : opt.state().entrySet()) e.getValue().step = ts.get("opt.step." + e.getKey()).asLongs()[0];
        if (ema != null) ema.setUpdates(ts.get("state.ema_updates").asLongs()[0]);
        return new Restored(step, rngs, meta);
    }

    private static void checkI64(Path file, Map<String, Entry> ts, String name, long[] shape) throws MismatchException {
        Entry en = ts.get(name);
        if (en == null) throw new MismatchException(file, "missing tensor '" + name + "'");
        if (en.dtype() != SafeTensors.DType.I64 || !Arrays.equals(en.shape(), shape))
            throw new MismatchException(file, "tensor '" + name + "' is " + en.dtype() + " " + Arrays.toString(en.shape()) + ", expected I64 "
                    + Arrays.toString(shape));
    }

    private static String quote(String s) {
        return s == null ? "missing" : "'" + s + "'";
    }

    private static long[] toLong(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) l[i] = s[i];
        return l;
    }

    static Entry entry(Tensor t) {
        return t.dtype() == DType.F64 ? Entry.f64(t.toDoubleArray(), toLong(t.shape())) : Entry.f32(t.toFloatArray(), toLong(t.shape()));
    }

    private static Tensor tensor(Entry e, Tensor like) {
        return like.dtype() == DType.F64 ? Tensor.of(e.asDoubles(), like.shape()) : Tensor.of(e.asFloats(), like.shape());
    }
}
