package tangent.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tangent.core.Tensor;

/**
 * A network part with named parameters and named children, PyTorch style: parameters are found by
 * hierarchical names such as {@code down.3.c0.weight}, in registration order.
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter (marks it requiresGrad) and returns it. */
    protected Tensor param(String name, Tensor init) {
        checkName(name);
        init.requiresGrad(true);
        params.put(name, init);
        return init;
    }

    /** Registers a child module and returns it. */
    protected <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".") || params.containsKey(name) || children.containsKey(name))
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

    /** All parameters, depth first (the values of {@link #namedParameters()}). */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Direct children, in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** The number of scalar parameters (sum of their element counts). */
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

    /** Whether training mode (dropout active) is on. */
    public boolean isTraining() {
        return training;
    }

    /** Clears the gradient of every parameter. */
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
