package tangent.nn.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tangent.core.Tensor;

/** Layers applied in order; children are named "0", "1", ... (PyTorch's nn.Sequential naming). */
public final class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();

    /** The layers applied in order, children named "0", "1", ... */
    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Appends a layer; returns this. */
    public Sequential add(Layer l) {
        layers.add(child(String.valueOf(layers.size()), l));
        return this;
    }

    /** The layers, in order (read-only). */
    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    @Override
    public Tensor forward(Tensor x) {
        for (Layer l : layers) x = l.forward(x);
        return x;
    }
}
