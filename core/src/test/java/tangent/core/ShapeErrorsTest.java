package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tangent.core.ops.Conv2dBackwardInput;
import tangent.core.ops.Conv2dBackwardWeight;
import tangent.core.ops.Pad;
import tangent.core.ops.SumPool2x;

/** Each op family rejects bad shapes with an IllegalArgumentException naming the op and the shapes. */
class ShapeErrorsTest {
    static Tensor z(int... s) {
        return Tensor.zeros(DType.F64, s);
    }

    static Arguments c(String family, Executable call, String... mustContain) {
        return Arguments.of(family, call, mustContain);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("add", () -> z(2, 3).add(z(4)), "add", "(2, 3)", "(4,)"),
                c("sub", () -> z(2, 3).sub(z(3, 2)), "sub", "(2, 3)", "(3, 2)"),
                c("mul", () -> z(5).mul(z(2, 4)), "mul", "(5,)", "(2, 4)"),
                c("div", () -> z(2, 2, 3).div(z(2, 2)), "div", "(2, 2, 3)", "(2, 2)"),
                c("compare", () -> z(2, 3).gt(z(4)), "gt", "(2, 3)", "(4,)"),
                c("where", () -> F.where(z(2, 3), z(3), z(5)), "where", "(2, 3)", "(5,)"),
                c("dtype", () -> z(2).add(Tensor.zeros(DType.F32, 2)), "add", "float32", "float64", "(2,)"),
                c("matmul inner", () -> z(2, 3).matmul(z(4, 5)), "matmul", "(2, 3)", "(4, 5)"),
                c("matmul vector", () -> z(4).matmul(z(3, 2)), "matmul", "(4,)", "(3, 2)"),
                c("matmul batch", () -> z(2, 3, 4).matmul(z(3, 4, 5)), "matmul", "(2,)", "(3,)"),
                c("linear", () -> F.linear(z(4, 5), z(3, 6), null), "matmul", "(4, 5)", "(3, 6)"),
                c("conv2d channels", () -> F.conv2d(z(1, 3, 5, 5), z(4, 2, 3, 3), null, 1, 1), "conv2d", "(1, 3, 5, 5)", "(4, 2, 3, 3)"),
                c("conv2d rank", () -> F.conv2d(z(3, 5, 5), z(4, 3, 3, 3), null, 1, 0), "conv2d", "(3, 5, 5)"),
                c("conv2d kernel", () -> F.conv2d(z(1, 1, 2, 2), z(1, 1, 5, 5), null, 1, 0), "conv2d", "(1, 1, 5, 5)", "(1, 1, 2, 2)"),
                c("conv2d bias", () -> F.conv2d(z(1, 1, 4, 4), z(2, 1, 3, 3), z(3), 1, 1), "conv2d", "(3,)"),
                c("conv2d_backward_input", () -> new Conv2dBackwardInput(new int[] {1, 2, 5, 5}, 1, 1).apply(z(1, 3, 4, 4), z(3, 2, 3, 3)),
                        "conv2d_backward_input", "(1, 3, 4, 4)", "(1, 3, 5, 5)"),
                c("conv2d_backward_weight", () -> new Conv2dBackwardWeight(new int[] {3, 2, 3, 3}, 1, 1).apply(z(1, 2, 5, 5), z(1, 3, 4, 4)),
                        "conv2d_backward_weight", "(1, 3, 4, 4)"),
                c("upsample2x", () -> F.upsample2x(z(2, 3)), "upsample2x", "(2, 3)"),
                c("sum_pool2x", () -> new SumPool2x().apply(z(1, 1, 3, 4)), "sum_pool2x", "(1, 1, 3, 4)"),
                c("reshape", () -> z(2, 3).reshape(4, 2), "reshape", "(2, 3)", "(4, 2)"),
                c("reshape -1", () -> z(2, 3).reshape(4, -1), "reshape", "(2, 3)", "(4, -1)"),
                c("permute", () -> z(2, 3).permute(0, 0), "permute", "[0, 0]"),
                c("transpose", () -> z(2, 3).transpose(0, 2), "transpose", "axis 2", "rank 2"),
                c("slice", () -> z(2, 3).slice(1, 2, 5), "slice", "(2, 3)"),
                c("pad", () -> new Pad(new int[] {2, 3}, 1, 2).apply(z(2, 2)), "pad", "(2, 2)", "(2, 3)"),
                c("expand", () -> z(2, 3).expand(4, 3), "expand", "(2, 3)", "(4, 3)"),
                c("concat", () -> F.concat(0, z(2, 3), z(2, 4)), "concat", "(2, 3)", "(2, 4)"),
                c("sum axis", () -> z(2, 3).sum(2, false), "sum", "axis 2", "rank 2"),
                c("max axis", () -> z(2, 3).max(new int[] {-3}, false), "max", "axis -3", "rank 2"),
                c("mean axes", () -> z(2, 3).mean(new int[] {1, 1}, false), "mean", "axis 1"),
                c("softmax", () -> F.softmax(z(2, 3), 2), "softmax", "rank 2"),
                c("group_norm", () -> F.groupNorm(z(2, 6, 3, 3), 4, null, null, 1e-5), "group_norm", "(2, 6, 3, 3)"),
                c("cross_entropy", () -> F.crossEntropy(z(3, 4), new int[] {0, 1}), "cross_entropy", "(3, 4)"),
                c("l2_norm", () -> F.l2NormPerSample(z(3)), "l2_norm", "(3,)"),
                c("sum_squares_per_sample", () -> F.sumSquaresPerSample(z(3)), "sum_squares_per_sample", "(3,)"),
                c("split", () -> F.split(z(2, 5), 1, 2, 2), "split", "(2, 5)"),
                c("of", () -> Tensor.of(new double[5], 2, 3), "of", "(2, 3)"),
                c("item", () -> z(2).item(), "item", "(2,)"),
                c("copyFrom", () -> z(2).copyFrom(z(3)), "copyFrom", "(3,)", "(2,)"),
                c("jvp tangent", () -> ForwardAD.jvp(in -> in[0], new Tensor[] {z(2)}, new Tensor[] {z(3)}), "jvp", "(3,)", "(2,)"),
                c("backward seed", () -> Autograd.backward(z(2).requiresGrad(true).mul(2.0), z(3), false), "backward", "(3,)", "(2,)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void messageNamesOpAndShapes(String family, Executable call, String[] mustContain) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, family);
        for (String s : mustContain)
            assertTrue(e.getMessage().contains(s), "message of " + family + " lacks '" + s + "': " + e.getMessage());
    }
}
