package tangent.nn.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tangent.nn.Module;

/** An indexed list of (possibly different) modules, children named "0", "1", ... (PyTorch's nn.ModuleList). */
public final class ModuleList extends Module {
    private final List<Module> items = new ArrayList<>();

    /** Appends m as child "size()" and returns it. */
    public <M extends Module> M add(M m) {
        items.add(child(String.valueOf(items.size()), m));
        return m;
    }

    /** The modules, in order (read-only). */
    public List<Module> items() {
        return Collections.unmodifiableList(items);
    }

    /** The number of modules. */
    public int size() {
        return items.size();
    }
}
