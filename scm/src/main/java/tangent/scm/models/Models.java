package tangent.scm.models;

import java.util.List;
import tangent.core.DType;
import tangent.nn.MlpDenoiser;
import tangent.nn.Module;
import tangent.nn.TimeConditioned;
import tangent.nn.UNet;
import tangent.nn.UNetConfig;

/** The named networks of the command line: the U-Net configs of spec/unet.md and the 2-D MLP. */
public final class Models {
    private Models() {}

    /** Fourier octaves of the 2-D MLP's input (MlpDenoiser): periods 2, 1, 1/2, 1/4 in units of sigma_d (a square of the checkerboard is 0.87 wide). */
    public static final int MLP_FOURIER_OCTAVES = 4;

    public static final List<String> NAMES = List.of("fmnist-xs", "fmnist-s", "cifar-m", "mlp");

    /** A network that is both a {@link Module} (parameters) and a {@link TimeConditioned} F(x, t). */
    public static <M extends Module & TimeConditioned> M create(String name, DType dtype, long seed) {
        return create(name, dtype, seed, 0);
    }

    /** classes: K for a class-conditional network (a label embedding added to the time embedding), 0 for an unconditional one. */
    public static <M extends Module & TimeConditioned> M create(String name, DType dtype, long seed, int classes) {
        @SuppressWarnings("unchecked")
        M m = (M) (name.equals("mlp") ? new MlpDenoiser(2, 128, 3, classes, MLP_FOURIER_OCTAVES, dtype, seed) : new UNet(config(name), classes, dtype, seed));
        return m;
    }

    public static UNetConfig config(String name) {
        if (!NAMES.contains(name)) throw unknown(name);
        return UNetConfig.named(name);
    }

    public static void check(String name) {
        if (!NAMES.contains(name)) throw unknown(name);
    }

    /** Shape of one sample: (C, H, W) for U-Nets, (2) for the MLP. */
    public static int[] sampleShape(String name) {
        if (name.equals("mlp")) return new int[] {2};
        UNetConfig c = config(name);
        return new int[] {c.channels(), c.res(), c.res()};
    }

    public static boolean isImage(String name) {
        check(name);
        return !name.equals("mlp");
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown model '" + name + "'; valid: " + String.join(", ", NAMES));
    }
}
