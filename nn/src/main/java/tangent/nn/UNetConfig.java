package tangent.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A U-Net configuration (see /work/shared/spec/unet.md).
 *
 * @param channels image channels C
 * @param res input resolution (square); attention runs at resolution res/4 and in the middle
 * @param ch base width
 * @param mult width multiplier per level
 * @param blocks residual blocks per level in the encoder (the decoder has blocks + 1)
 * @param dropout dropout probability inside the residual blocks (0 = none)
 */
public record UNetConfig(int channels, int res, int ch, int[] mult, int blocks, double dropout) {
    private static final Map<String, UNetConfig> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("fmnist-xs", new UNetConfig(1, 28, 32, new int[] {1, 2, 2}, 2, 0.0));
        NAMED.put("fmnist-s", new UNetConfig(1, 28, 64, new int[] {1, 2, 2}, 2, 0.0));
        NAMED.put("cifar-m", new UNetConfig(3, 32, 128, new int[] {1, 2, 2}, 2, 0.0));
    }

    public UNetConfig {
        if (channels <= 0 || res <= 0 || ch <= 0 || blocks <= 0 || mult == null || mult.length == 0)
            throw new IllegalArgumentException("UNetConfig: bad sizes " + Arrays.toString(new int[] {channels, res, ch, blocks}));
        if (ch % 2 != 0) throw new IllegalArgumentException("UNetConfig: ch = " + ch + " must be even (positional embedding)");
        if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException("UNetConfig: dropout " + dropout + " not in [0, 1)");
        mult = mult.clone();
    }

    /** One of {@link #names()}; throws listing them otherwise. */
    public static UNetConfig named(String name) {
        UNetConfig c = NAMED.get(name);
        if (c == null)
            throw new IllegalArgumentException("unknown U-Net config '" + name + "'; known configs: " + String.join(", ", NAMED.keySet()));
        return c;
    }

    /** The names {@link #named} accepts (e.g. "fmnist-xs"). */
    public static java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(NAMED.keySet());
    }

    /** This configuration with dropout probability p. */
    public UNetConfig withDropout(double p) {
        return new UNetConfig(channels, res, ch, mult, blocks, p);
    }

    @Override
    public int[] mult() {
        return mult.clone();
    }

    /** Width of the time embedding, E = 4 ch. */
    public int embWidth() {
        return 4 * ch;
    }

    /** The number of parameters the U-Net of this config has, counted from the layout without building it. */
    public long parameterCount() {
        long e = embWidth();
        long n = lin(ch, e) + lin(e, e) + conv(channels, ch, 3);
        java.util.ArrayDeque<Integer> skips = new java.util.ArrayDeque<>();
        skips.push(ch);
        int c = ch, r = res;
        for (int l = 0; l < mult.length; l++) {
            if (l > 0) {
                n += conv(c, c, 3);
                r = (r - 1) / 2 + 1;
                skips.push(c);
            }
            for (int b = 0; b < blocks; b++) {
                n += rb(c, ch * mult[l], e, r == res / 4);
                c = ch * mult[l];
                skips.push(c);
            }
        }
        n += rb(c, c, e, true) + rb(c, c, e, false);
        for (int l = mult.length - 1; l >= 0; l--) {
            for (int b = 0; b <= blocks; b++) {
                n += rb(c + skips.pop(), ch * mult[l], e, r == res / 4);
                c = ch * mult[l];
            }
            if (l > 0) {
                n += conv(c, c, 3);
                r *= 2;
            }
        }
        return n + 2L * c + conv(c, channels, 3);
    }

    private static long conv(long i, long o, long k) {
        return o * i * k * k + o;
    }

    private static long lin(long i, long o) {
        return o * i + o;
    }

    private static long rb(long ci, long co, long e, boolean attn) {
        long n = 2 * ci + conv(ci, co, 3) + lin(e, 2 * co) + 2 * co + conv(co, co, 3) + (ci != co ? conv(ci, co, 1) : 0);
        if (attn) n += 2 * co + conv(co, 3 * co, 1) + conv(co, co, 1);
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && c.channels == channels && c.res == res && c.ch == ch && Arrays.equals(c.mult, mult)
                && c.blocks == blocks && Double.compare(c.dropout, dropout) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {channels, res, ch, Arrays.hashCode(mult), blocks, dropout});
    }

    @Override
    public String toString() {
        return "UNetConfig[C=" + channels + ", res=" + res + ", ch=" + ch + ", mult=" + Arrays.toString(mult) + ", blocks=" + blocks
                + ", dropout=" + dropout + "]";
    }
}
