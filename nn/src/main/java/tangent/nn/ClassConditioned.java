package tangent.nn;

import tangent.core.Tensor;

/**
 * A {@link TimeConditioned} network that may also take class labels: F(x, t, y) with y (B,) in
 * 0..K, where K = {@link #classes()} and label K is the null label ("no class", as classifier-free
 * guidance trains with label dropout). Labels {@code null} mean the null label for every sample;
 * an unconditional network ({@code classes() == 0}) accepts only {@code null}.
 * {@link #forward(Tensor, Tensor)} is F(x, t, null).
 */
public interface ClassConditioned extends TimeConditioned {
    /** K, the number of real classes (0: unconditional); the null label is K. */
    int classes();

    Tensor forward(Tensor x, Tensor t, int[] labels);

    @Override
    default Tensor forward(Tensor x, Tensor t) {
        return forward(x, t, null);
    }

    /** F(., ., y) with the labels fixed: the view the samplers and objectives take. */
    default TimeConditioned withLabels(int[] labels) {
        return (x, t) -> forward(x, t, labels);
    }
}
