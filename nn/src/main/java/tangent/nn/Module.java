package tangent.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tangent.core.Device;
import tangent.core.Tensor;

/**
 * A network part with named parameters, buffers and children, PyTorch style: parameters are found
 * by hierarchical names such as {@code down.3.c0.weight}, in registration order. Buffers are
 * tensors a layer needs that are not trained and not saved (constants of its configuration, e.g.
 * the positional embedding's frequencies).
 *
 * <p>Layers read their tensors through the module ({@link #parameter}, {@link #buffer}), never
 * from fields of their own, so that {@link #to} can replace them.
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter (marks it requiresGrad) and returns it. */
    protected Tensor param(String name, Tensor init) {
        checkName(name);
        init.requiresGrad(true);
        params.put(name, init);
        return init;
    }

    /** Registers a buffer (a constant tensor that moves with the module; no gradient) and returns it. */
    protected Tensor buffer(String name, Tensor init) {
        checkName(name);
        buffers.put(name, init);
        return init;
    }

    /** This module's parameter of that name (the current tensor: {@link #to} replaces it). */
    protected Tensor parameter(String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter '" + name + "'");
        return t;
    }

    /** This module's buffer of that name (the current tensor: {@link #to} replaces it). */
    protected Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": no buffer '" + name + "'");
        return t;
    }

    /** Registers a child module and returns it. */
    protected <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".") || params.containsKey(name) || buffers.containsKey(name)
                || children.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": bad or duplicate member name '" + name + "'");
    }

    /** All parameters, depth first, with dotted names. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : params.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out);
    }

    /** All buffers, depth first, with dotted names. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (Map.Entry<String, Tensor> b : e.getValue().buffers.entrySet()) out.put(prefix + b.getKey(), b.getValue());
        }
        return out;
    }

    /**
     * Moves every registered parameter and buffer of this module tree to the device. Each tensor
     * not already there is replaced in its module by a copy on the device: a parameter by a new
     * leaf that requires grad (its gradient is not carried over), a buffer by a plain copy. A tensor
     * registered twice stays shared. The module tree then holds no reference to the old tensors;
     * references taken before (a {@link #namedParameters} map, an optimizer built on it) still
     * point to them: build optimizers after moving, or hand them the new parameters
     * ({@code Optimizer.rebind}). Moving to CUDA needs its backend loaded (tangent.cuda.Cuda.init()).
     *
     * @return this module
     */
    public Module to(Device device) {
        Map<Tensor, Tensor> moved = new IdentityHashMap<>();
        for (Module m : namedModules().values()) {
            for (Map.Entry<String, Tensor> e : m.params.entrySet())
                e.setValue(moved.computeIfAbsent(e.getValue(), t -> t.device() == device ? t
                        : Devices.copy(t, device).requiresGrad(true)));
            for (Map.Entry<String, Tensor> e : m.buffers.entrySet())
                e.setValue(moved.computeIfAbsent(e.getValue(), t -> t.device() == device ? t : Devices.copy(t, device)));
        }
        return this;
    }

    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Direct children, in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor p : namedParameters().values()) n += p.numel();
        return n;
    }

    /** Sets training mode (dropout active) on this module and all children. */
    public void train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
    }

    public boolean isTraining() {
        return training;
    }

    public void zeroGrad() {
        for (Tensor p : namedParameters().values()) p.zeroGrad();
    }

    /** This module's own parameters (not its children's), in registration order. */
    public Map<String, Tensor> directParameters() {
        return Collections.unmodifiableMap(params);
    }

    /** This module and all its descendants, depth first, with dotted names ("" for this one). */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        for (Map.Entry<String, Module> e : children.entrySet())
            e.getValue().collectModules(name.isEmpty() ? e.getKey() : name + "." + e.getKey(), out);
    }

    /** All descendants (and this module) of the given type, depth first. */
    public <M extends Module> List<M> modulesOfType(Class<M> type) {
        List<M> out = new ArrayList<>();
        for (Module m : namedModules().values())
            if (type.isInstance(m)) out.add(type.cast(m));
        return out;
    }
}
