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
 * The I/O layer of training checkpoints (scm's run checkpoints build on it): one safetensors
 * file, written atomically (via {@link SafeTensors#write}).
 *
 * <p>Tensor names:
 * <pre>
 * &lt;param name&gt;             model parameters, PyTorch layouts (conv OIHW, linear (out, in)), model dtype
 * ema.&lt;param name&gt;         EMA weights
 * opt.m.&lt;name&gt;, opt.v.&lt;name&gt;   optimizer moments; opt.step.&lt;name&gt;: I64 (1), updates applied to that parameter
 * state.step             I64 (1): the training step
 * state.ema_updates      I64 (1): EMA update count
 * rng.&lt;key&gt;              I64 (2): {seed, counter} of each saved {@link Rng}
 * extra.&lt;name&gt;           caller data (e.g. a loss history), any dtype and shape
 * </pre>
 * Metadata: {@code format=tangent-checkpoint}, {@code version=1}, {@code step}, {@code optimizer}
 * (kind, e.g. "radam") with its hyperparameters, {@code ema} (kind and value), plus caller extras.
 * Several networks trained together (a network and a loss-weighting head, say) are saved as one
 * container {@link Module} whose children they are; the EMA may cover only one of them (its
 * shadow names are then that network's parameter names).
 *
 * <p>{@link #load} validates every name, shape and dtype the model, optimizer and EMA need (and
 * rejects tensors nobody asked for), the caller's expected metadata values and extra tensors,
 * before it writes anything, so a bad file leaves them unchanged; its error names the file and the
 * first problem. {@link #loadEmaWeights} does the same for the EMA weights alone, loaded as the
 * parameters of a fresh network (sampling, a teacher). A file that is not valid safetensors
 * (truncated, corrupt) fails in the reader with {@link SafeTensors.FormatException}.
 */
public final class CheckpointIO {
    private CheckpointIO() {}

    public static final String FORMAT = "tangent-checkpoint";
    public static final String VERSION = "1";
    private static final String[] RESERVED = {"ema.", "opt.", "state.", "rng.", "extra."};

    /** A checkpoint that is valid safetensors but does not fit what it is loaded into. */
    public static final class MismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        /** A mismatch in file, described by problem. */
        public MismatchException(Path file, String problem) {
            super(printable("checkpoint " + file + ": " + problem));
        }
    }

    /**
     * s with control characters (C0, DEL, C1) written as {@code \\uXXXX} escapes, so that text from a
     * file (metadata, tensor names) printed in a message cannot move the cursor or recolour a terminal.
     */
    public static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            boolean control = ch < 0x20 || (ch >= 0x7f && ch <= 0x9f);
            if (control && sb == null) sb = new StringBuilder(s.substring(0, i));
            if (sb != null) {
                if (control) sb.append(String.format("\\u%04x", (int) ch));
                else sb.append(ch);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * What {@link #load} returns besides the restored tensors: the step, fresh Rngs at their saved
     * state, metadata, and the extra tensors asked for (by name, without the {@code extra.} prefix).
     */
    public record Restored(long step, Map<String, Rng> rngs, Map<String, String> metadata, Map<String, Entry> extras) {}

    /**
     * An extra tensor {@link #load} must find: its dtype and shape, where a dimension of -1 matches
     * any length (a loss history of any length: {@code new Spec(F64, -1)}).
     */
    public record Spec(SafeTensors.ElementType dtype, long... shape) {}

    /**
     * Saves model parameters and, when non-null, optimizer state, EMA weights and the given Rng
     * states, with the training step.
     */
    public static void save(Path file, Module model, Optimizer opt, Ema ema, long step, Map<String, Rng> rngs,
                            Map<String, String> extraMetadata) throws IOException {
        save(file, model, opt, ema, step, rngs, null, extraMetadata);
    }

    /**
     * {@link #save} with extra tensors, stored as {@code extra.<name>} and handed back by a
     * {@link #load} that asks for them.
     */
    public static void save(Path file, Module model, Optimizer opt, Ema ema, long step, Map<String, Rng> rngs,
                            Map<String, Entry> extraTensors, Map<String, String> extraMetadata) throws IOException {
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
                    throw new IllegalArgumentException("CheckpointIO: parameter name '" + e.getKey() + "' uses the reserved prefix " + r);
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
        if (extraTensors != null)
            for (Map.Entry<String, Entry> e : extraTensors.entrySet()) out.put("extra." + e.getKey(), e.getValue());
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
        return load(SafeTensors.read(file), model, opt, ema, null, null);
    }

    /**
     * {@link #load} that also requires the metadata values in expectMetadata (checked first, so a
     * checkpoint of another kind of run fails on its description rather than on a tensor) and the
     * extra tensors in extras (returned in {@link Restored#extras}; extra tensors not asked for are
     * ignored). Nothing is written unless all of it fits.
     */
    public static Restored load(SafeTensors.Loaded f, Module model, Optimizer opt, Ema ema, Map<String, String> expectMetadata,
                                Map<String, Spec> extras) throws IOException {
        Path file = f.file();
        Map<String, String> meta = checkHeader(f, expectMetadata);
        Map<String, Entry> ts = f.tensors();

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
        checkNeeded(file, ts, need, "the model");
        for (Map.Entry<String, long[]> e : needI64.entrySet()) checkI64(file, ts, e.getKey(), e.getValue());
        Map<String, Entry> extraOut = checkExtras(file, ts, extras);
        Map<String, Rng> rngs = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : ts.entrySet()) {
            String n = e.getKey();
            if (need.containsKey(n) || needI64.containsKey(n) || n.startsWith("extra.")) continue;
            if (n.startsWith("rng.")) {
                rngs.put(n.substring(4), rng(file, ts, n));
                continue;
            }
            if (opt == null && n.startsWith("opt.")) continue;
            if (ema == null && (n.startsWith("ema.") || n.equals("state.ema_updates"))) continue;
            throw new MismatchException(file, "unexpected tensor '" + n + "' (" + e.getValue().dtype() + " " + Arrays.toString(e.getValue().shape())
                    + "): not a parameter of the model" + (opt != null ? " nor optimizer state" : "") + (ema != null ? " nor EMA state" : ""));
        }
        long step = counter(file, ts, "state.step");
        if (opt != null)
            for (String n : opt.state().keySet()) counter(file, ts, "opt.step." + n);
        if (ema != null) counter(file, ts, "state.ema_updates");

        // 3. apply (nothing above has touched the model)
        for (Map.Entry<String, Tensor> e : need.entrySet()) e.getValue().copyFrom(tensor(ts.get(e.getKey()), e.getValue()));
        if (opt != null)
            for (Map.Entry<String, Optimizer.State> e : opt.state().entrySet()) e.getValue().step = ts.get("opt.step." + e.getKey()).asLongs()[0];
        if (ema != null) ema.setUpdates(ts.get("state.ema_updates").asLongs()[0]);
        return new Restored(step, rngs, meta, extraOut);
    }

    /**
     * Loads the EMA weights of a checkpoint ({@code ema.<name>}) as the parameters of model, e.g. a
     * fresh network for sampling or a distillation teacher. Requires the values in expectMetadata
     * (may be null), an {@code ema.} tensor for every parameter of model and no other {@code ema.}
     * tensors; validates all of it before writing anything. The rest of the file is ignored.
     */
    public static Restored loadEmaWeights(SafeTensors.Loaded f, Module model, Map<String, String> expectMetadata) throws IOException {
        Path file = f.file();
        Map<String, String> meta = checkHeader(f, expectMetadata);
        Map<String, Entry> ts = f.tensors();
        if (meta.get("ema") == null) throw new MismatchException(file, "no EMA weights in the file");
        Map<String, Tensor> need = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) need.put("ema." + e.getKey(), e.getValue());
        checkNeeded(file, ts, need, "the model");
        checkI64(file, ts, "state.step", new long[] {1});
        for (Map.Entry<String, Entry> e : ts.entrySet())
            if (e.getKey().startsWith("ema.") && !need.containsKey(e.getKey()))
                throw new MismatchException(file, "unexpected tensor '" + e.getKey() + "' (" + e.getValue().dtype() + " "
                        + Arrays.toString(e.getValue().shape()) + "): the model has no parameter '" + e.getKey().substring(4) + "'");
        Map<String, Rng> rngs = new LinkedHashMap<>();
        for (String n : ts.keySet())
            if (n.startsWith("rng.")) rngs.put(n.substring(4), rng(file, ts, n));
        long step = counter(file, ts, "state.step");
        for (Map.Entry<String, Tensor> e : need.entrySet()) e.getValue().copyFrom(tensor(ts.get(e.getKey()), e.getValue()));
        return new Restored(step, rngs, meta, Map.of());
    }

    /**
     * The metadata of a file read with {@link SafeTensors#read}, after checking that it is a
     * checkpoint of this format and version and carries the expected values (may be null).
     */
    public static Map<String, String> checkHeader(SafeTensors.Loaded f, Map<String, String> expectMetadata) throws MismatchException {
        Path file = f.file();
        Map<String, String> meta = f.metadata();
        if (!FORMAT.equals(meta.get("format")))
            throw new MismatchException(file, "metadata 'format' is " + quote(meta.get("format")) + ", expected '" + FORMAT + "'");
        if (!VERSION.equals(meta.get("version")))
            throw new MismatchException(file, "unsupported version " + quote(meta.get("version")) + " (this build reads " + VERSION + ")");
        if (expectMetadata != null)
            for (Map.Entry<String, String> e : expectMetadata.entrySet())
                if (!e.getValue().equals(meta.get(e.getKey())))
                    throw new MismatchException(file, "metadata '" + e.getKey() + "' is " + quote(meta.get(e.getKey())) + " in the file but '"
                            + e.getValue() + "' here");
        return meta;
    }

    private static void checkNeeded(Path file, Map<String, Entry> ts, Map<String, Tensor> need, String who) throws MismatchException {
        for (Map.Entry<String, Tensor> e : need.entrySet()) {
            Entry en = ts.get(e.getKey());
            if (en == null) throw new MismatchException(file, "missing tensor '" + e.getKey() + "'");
            Tensor t = e.getValue();
            SafeTensors.ElementType want = SafeTensors.ElementType.of(t.dtype());
            if (en.dtype() != want)
                throw new MismatchException(file, "tensor '" + e.getKey() + "' is " + en.dtype() + " but " + who + " needs " + want);
            if (!Arrays.equals(en.shape(), toLong(t.shape())))
                throw new MismatchException(file, "tensor '" + e.getKey() + "' has shape " + Arrays.toString(en.shape()) + " but " + who + " needs "
                        + Arrays.toString(t.shape()));
            checkFinite(file, e.getKey(), en);
        }
    }

    /** Refuses a float tensor holding NaN or an infinity (the weights of a run that diverged). */
    static void checkFinite(Path file, String name, Entry en) throws MismatchException {
        double bad = 0;
        long at = -1;
        if (en.dtype() == SafeTensors.ElementType.F32) {
            float[] v = en.asFloats();
            for (int i = 0; i < v.length && at < 0; i++) if (!Float.isFinite(v[i])) { at = i; bad = v[i]; }
            if (at >= 0) throw nonFinite(file, name, bad, at, v.length);
        } else if (en.dtype() == SafeTensors.ElementType.F64) {
            double[] v = en.asDoubles();
            for (int i = 0; i < v.length && at < 0; i++) if (!Double.isFinite(v[i])) { at = i; bad = v[i]; }
            if (at >= 0) throw nonFinite(file, name, bad, at, v.length);
        }
    }

    private static MismatchException nonFinite(Path file, String name, double v, long at, long n) {
        return new MismatchException(file, "tensor '" + name + "' holds " + v + " (element " + at + " of " + n
                + "): the run that wrote it diverged; use a checkpoint written before that");
    }

    /** A step or update counter: I64 (1), >= 0. */
    private static long counter(Path file, Map<String, Entry> ts, String name) throws MismatchException {
        long v = ts.get(name).asLongs()[0];
        if (v < 0) throw new MismatchException(file, "tensor '" + name + "' is " + v + "; a step count must be >= 0");
        return v;
    }

    private static Map<String, Entry> checkExtras(Path file, Map<String, Entry> ts, Map<String, Spec> extras) throws MismatchException {
        Map<String, Entry> out = new LinkedHashMap<>();
        if (extras == null) return out;
        for (Map.Entry<String, Spec> e : extras.entrySet()) {
            String n = "extra." + e.getKey();
            Entry en = ts.get(n);
            if (en == null) throw new MismatchException(file, "missing tensor '" + n + "'");
            Spec want = e.getValue();
            boolean shapeOk = en.shape().length == want.shape().length;
            for (int i = 0; shapeOk && i < want.shape().length; i++) shapeOk = want.shape()[i] < 0 || want.shape()[i] == en.shape()[i];
            if (en.dtype() != want.dtype() || !shapeOk)
                throw new MismatchException(file, "tensor '" + n + "' is " + en.dtype() + " " + Arrays.toString(en.shape()) + ", expected "
                        + want.dtype() + " " + Arrays.toString(want.shape()).replace("-1", "any"));
            out.put(e.getKey(), en);
        }
        return out;
    }

    private static Rng rng(Path file, Map<String, Entry> ts, String name) throws MismatchException {
        checkI64(file, ts, name, new long[] {2});
        long[] sc = ts.get(name).asLongs();
        return new Rng(sc[0], sc[1]);
    }

    private static void checkI64(Path file, Map<String, Entry> ts, String name, long[] shape) throws MismatchException {
        Entry en = ts.get(name);
        if (en == null) throw new MismatchException(file, "missing tensor '" + name + "'");
        if (en.dtype() != SafeTensors.ElementType.I64 || !Arrays.equals(en.shape(), shape))
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
