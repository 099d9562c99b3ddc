package tangent.nn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.layers.Conv2d;
import tangent.nn.layers.Dropout;
import tangent.nn.layers.GroupNorm;
import tangent.nn.layers.LabelEmbedding;
import tangent.nn.layers.ModuleList;
import tangent.nn.layers.ResBlock;
import tangent.nn.layers.TimeEmbedding;
import tangent.nn.layers.Upsample;

/**
 * The sCM U-Net of /work/shared/spec/unet.md: F(x, t) with x (B, C, res, res), t (B,) in radians.
 *
 * <p>Parameter names (PyTorch-like, in init order):
 * <pre>
 * emb.fc0.{weight,bias}, emb.fc1.*        time-embedding MLP (Linear ch -> 4ch -> 4ch)
 * conv_in.*                               Conv3x3 C -> ch
 * down.{i}.*                              encoder, in order: a Conv2d (stride-2 downsample: down.i.weight)
 *                                         or a ResBlock (down.i.norm0, conv0, affine, norm1, conv1,
 *                                         [skip], [attn.norm, attn.qkv, attn.proj])
 * mid.0.*, mid.1.*                        middle ResBlocks (mid.0 has attention)
 * up.{i}.*                                decoder, in order: ResBlocks, and Upsample (up.i.conv.*)
 * out_norm.*, out_conv.*                  GN(c) and Conv3x3 c -> C
 * </pre>
 * For fmnist-xs: down.0, down.1 = level 0 blocks; down.2 = downsample; down.3, down.4 = level 1;
 * down.5 = downsample; down.6, down.7 = level 2 (with attention); up.0-2 level 2, up.3 upsample, ...
 * Weights are OIHW (conv) and (out, in) (linear), as in PyTorch.
 *
 * <p>Dropout layers share one {@link Rng} ({@link #dropoutRng()}), split from the init seed;
 * replace it with {@link #setDropoutRng} (e.g. when resuming a checkpoint).
 */
public final class UNet extends Module implements ClassConditioned {
    public final UNetConfig config;
    public final DType dtype;
    public final TimeEmbedding emb;
    public final Conv2d convIn;
    public final ModuleList down, mid, up;
    public final GroupNorm outNorm;
    public final Conv2d outConv;
    /** The class embedding (K + 1, 4 ch) added to the time embedding, or null for an unconditional network. */
    public final LabelEmbedding label;
    private Rng dropoutRng;

    /** A float32 network with weights from seed. */
    public UNet(UNetConfig config, long seed) {
        this(config, DType.F32, seed);
    }

    /** A network of the given dtype with weights drawn from {@code new Rng(seed)}. */
    public UNet(UNetConfig config, DType dtype, long seed) {
        this(config, 0, dtype, seed);
    }

    /**
     * classes: K for a class-conditional network (labels 0..K, K = no class; parameter label.weight
     * (K + 1, 4 ch) drawn after all others, so the rest equals the unconditional network of the
     * same seed), 0 for an unconditional one.
     */
    public UNet(UNetConfig config, int classes, DType dtype, long seed) {
        if (classes < 0) throw new IllegalArgumentException("UNet: classes must be >= 0, got " + classes);
        this.config = config;
        this.dtype = dtype;
        Rng rng = new Rng(seed);
        dropoutRng = rng.split();
        int ch = config.ch(), e = config.embWidth(), res = config.res();
        int[] mult = config.mult();
        double p = config.dropout();
        emb = child("emb", new TimeEmbedding(ch, e, dtype, rng));
        convIn = child("conv_in", Conv2d.same(config.channels(), ch, 3, dtype, rng));
        down = child("down", new ModuleList());
        Deque<Integer> skips = new ArrayDeque<>();
        skips.push(ch);
        int c = ch, r = res;
        for (int l = 0; l < mult.length; l++) {
            if (l > 0) {
                down.add(new Conv2d(c, c, 3, 2, 1, dtype, rng));
                r = (r - 1) / 2 + 1;
                skips.push(c);
            }
            for (int b = 0; b < config.blocks(); b++) {
                down.add(new ResBlock(c, ch * mult[l], e, r == res / 4, p, dtype, rng, dropoutRng));
                c = ch * mult[l];
                skips.push(c);
            }
        }
        mid = child("mid", new ModuleList());
        mid.add(new ResBlock(c, c, e, true, p, dtype, rng, dropoutRng));
        mid.add(new ResBlock(c, c, e, false, p, dtype, rng, dropoutRng));
        up = child("up", new ModuleList());
        for (int l = mult.length - 1; l >= 0; l--) {
            for (int b = 0; b <= config.blocks(); b++) {
                up.add(new ResBlock(c + skips.pop(), ch * mult[l], e, r == res / 4, p, dtype, rng, dropoutRng));
                c = ch * mult[l];
            }
            if (l > 0) {
                up.add(new Upsample(c, dtype, rng));
                r *= 2;
            }
        }
        outNorm = child("out_norm", GroupNorm.forChannels(c, dtype));
        outConv = child("out_conv", Conv2d.same(c, config.channels(), 3, dtype, rng));
        label = classes > 0 ? child("label", new LabelEmbedding(classes, e, dtype, rng)) : null;
    }

    @Override
    public int classes() {
        return label == null ? 0 : label.classes;
    }

    /** x: (B, C, res, res) (already divided by sigma_d), t: (B,), labels (B,) or null -> (B, C, res, res). */
    @Override
    public Tensor forward(Tensor x, Tensor t, int[] labels) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != config.channels() || t.dim() != 1 || t.size(0) != s[0])
            throw new IllegalArgumentException("UNet: x must be (B, " + config.channels() + ", H, W) and t (B,), got x "
                    + Arrays.toString(s) + " and t " + Arrays.toString(t.shape()));
        Tensor e = LabelEmbedding.addTo(emb.forward(t.dtype() == dtype ? t : t.to(dtype)), label, labels, "UNet");
        Tensor h = convIn.forward(x);
        Deque<Tensor> skips = new ArrayDeque<>();
        skips.push(h);
        for (Module m : down.items()) {
            h = m instanceof ResBlock rb ? rb.forward(h, e) : ((Conv2d) m).forward(h);
            skips.push(h);
        }
        for (Module m : mid.items()) h = ((ResBlock) m).forward(h, e);
        for (Module m : up.items()) {
            if (m instanceof ResBlock rb) h = rb.forward(F.concat(1, h, skips.pop()), e);
            else h = ((Upsample) m).forward(h);
        }
        return outConv.forward(outNorm.forwardSilu(h));
    }

    /** The stream every dropout layer draws its masks from. */
    public Rng dropoutRng() {
        return dropoutRng;
    }

    /** Makes every dropout layer draw its masks from rng. */
    public void setDropoutRng(Rng rng) {
        dropoutRng = rng;
        for (Dropout d : modulesOfType(Dropout.class)) d.setRng(rng);
    }

    /** Freezes (reuses) or releases the dropout masks of every block; see {@link Dropout#freeze}. */
    public void freezeDropoutMasks(boolean on) {
        for (Dropout d : modulesOfType(Dropout.class)) d.freeze(on);
    }

    /** A table of the modules that own parameters (name, type, parameter shapes, count) and the total. */
    public String summary() {
        return Summary.of(this);
    }
}
