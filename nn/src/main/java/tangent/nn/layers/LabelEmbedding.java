package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.Module;

/**
 * A learned vector per class label: labels (B,) in 0..K -> (B, width), where label K is the null
 * label of classifier-free guidance ("no class"). Parameter {@code weight} (K + 1, width), drawn
 * N(0, 1) as PyTorch's nn.Embedding; the lookup is one_hot(labels) (B, K + 1) @ weight, so the
 * gradient reaches only the rows of the labels in the batch.
 */
public final class LabelEmbedding extends Module {
    public final int classes, width;
    public final Tensor weight;

    /** @param classes K, the number of real classes (the table has K + 1 rows) */
    public LabelEmbedding(int classes, int width, DType dtype, Rng rng) {
        if (classes < 1) throw new IllegalArgumentException("LabelEmbedding: classes must be >= 1, got " + classes);
        this.classes = classes;
        this.width = width;
        weight = param("weight", rng.normal(dtype, classes + 1, width));
    }

    /** labels (B,) in 0..K (K: null) -> (B, width). */
    public Tensor forward(int[] labels) {
        int k = classes + 1;
        double[] oneHot = new double[labels.length * k];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > classes)
                throw new IllegalArgumentException("LabelEmbedding: label " + labels[i] + " not in 0.." + classes + " (" + classes + " = no class)");
            oneHot[i * k + labels[i]] = 1;
        }
        return Tensor.of(oneHot, labels.length, k).to(weight.dtype()).matmul(weight);
    }

    /**
     * e + label(labels) for a conditional network (labels null: the null label K for all), e itself
     * for an unconditional one (label null), which refuses labels. e: (B, width).
     */
    public static Tensor addTo(Tensor e, LabelEmbedding label, int[] labels, String who) {
        if (label == null) {
            if (labels != null) throw new IllegalArgumentException(who + ": an unconditional network takes no class labels");
            return e;
        }
        int b = e.size(0);
        if (labels == null) {
            labels = new int[b];
            java.util.Arrays.fill(labels, label.classes);
        }
        if (labels.length != b) throw new IllegalArgumentException(who + ": " + labels.length + " labels for a batch of " + b);
        return e.add(label.forward(labels));
    }
}
