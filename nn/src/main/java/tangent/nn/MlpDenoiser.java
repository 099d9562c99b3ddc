package tangent.nn;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.layers.GroupNorm;
import tangent.nn.layers.LabelEmbedding;
import tangent.nn.layers.Linear;
import tangent.nn.layers.ModuleList;
import tangent.nn.layers.PixelNorm;
import tangent.nn.layers.TimeEmbedding;

/**
 * F(x, t) for low-dimensional toy data, x (B, D): the U-Net's time conditioning on an MLP.
 * <pre>
 * e = emb(t)                                          # positional (dim = width) -> Linear -> SiLU -> Linear -> SiLU, width E = width
 * e = e + label(y)                                    # class-conditional only: LabelEmbedding (K + 1, width), y = K: no class
 * h = fc_in(phi(x))                                   # Linear D (1 + 2K) -> width
 *     phi(x) = [x, sin(pi x), cos(pi x), ..., sin(2^(K-1) pi x), cos(2^(K-1) pi x)]   # K Fourier octaves (K = 0: phi(x) = x)
 * per block i:  u = fc0(SiLU(norm0(h)))               # Linear width -> width
 *               s, b = split(affine(e));  u = pnorm(s) * norm1(u) + pnorm(b)
 *               h = (h + fc1(SiLU(u))) / sqrt(2)
 * out = fc_out(SiLU(out_norm(h)))                     # Linear width -> D
 * </pre>
 * Norms are GroupNorm(width) with min(32, width/4) groups. Names: emb.*, fc_in.*, blocks.{i}.{norm0,fc0,affine,norm1,fc1}.*,
 * out_norm.*, fc_out.*, and label.weight when class-conditional (drawn last, so the other weights
 * equal the unconditional network's of the same seed).
 */
public final class MlpDenoiser extends Module implements ClassConditioned {
    public final int dataDim, width;
    /** Fourier octaves K of the input: fc_in sees [x, sin(2^k pi x), cos(2^k pi x) for k = 0 .. K-1] (0: x alone). */
    public final int fourierOctaves;
    public final DType dtype;
    public final TimeEmbedding emb;
    public final Linear fcIn, fcOut;
    public final ModuleList blocks;
    public final GroupNorm outNorm;
    /** The class embedding, or null for an unconditional network. */
    public final LabelEmbedding label;
    private final PixelNorm pnorm = new PixelNorm(1, 1e-8);

    /** A float32 denoiser for 2-D data, width 128, 3 blocks. */
    public MlpDenoiser(long seed) {
        this(2, 128, 3, DType.F32, seed);
    }

    /** A denoiser for dataDim-dimensional data with numBlocks residual blocks of the given width, weights from {@code new Rng(seed)}. */
    public MlpDenoiser(int dataDim, int width, int numBlocks, DType dtype, long seed) {
        this(dataDim, width, numBlocks, 0, dtype, seed);
    }

    /** classes: K for a class-conditional network (labels 0..K, K = no class), 0 for an unconditional one. */
    public MlpDenoiser(int dataDim, int width, int numBlocks, int classes, DType dtype, long seed) {
        this(dataDim, width, numBlocks, classes, 0, dtype, seed);
    }

    /** fourierOctaves: K (at least 0) octaves of sine and cosine features of x beside x itself (fc_in then takes D (1 + 2K) inputs). */
    public MlpDenoiser(int dataDim, int width, int numBlocks, int classes, int fourierOctaves, DType dtype, long seed) {
        if (fourierOctaves < 0) throw new IllegalArgumentException("MlpDenoiser: fourierOctaves must be >= 0, got " + fourierOctaves);
        if (classes < 0) throw new IllegalArgumentException("MlpDenoiser: classes must be >= 0, got " + classes);
        this.dataDim = dataDim;
        this.width = width;
        this.fourierOctaves = fourierOctaves;
        this.dtype = dtype;
        Rng rng = new Rng(seed);
        emb = child("emb", new TimeEmbedding(width, width, dtype, rng));
        fcIn = child("fc_in", new Linear(dataDim * (1 + 2 * fourierOctaves), width, dtype, rng));
        blocks = child("blocks", new ModuleList());
        for (int i = 0; i < numBlocks; i++) blocks.add(new Block(width, dtype, rng));
        outNorm = child("out_norm", GroupNorm.forChannels(width, dtype));
        fcOut = child("fc_out", new Linear(width, dataDim, dtype, rng));
        label = classes > 0 ? child("label", new LabelEmbedding(classes, width, dtype, rng)) : null;
    }

    @Override
    public int classes() {
        return label == null ? 0 : label.classes;
    }

    /** One residual block of the denoiser. */
    public static final class Block extends Module {
        final GroupNorm norm0, norm1;
        final Linear fc0, affine, fc1;

        Block(int width, DType dtype, Rng rng) {
            norm0 = child("norm0", GroupNorm.forChannels(width, dtype));
            fc0 = child("fc0", new Linear(width, width, dtype, rng));
            affine = child("affine", new Linear(width, 2 * width, dtype, rng));
            norm1 = child("norm1", GroupNorm.forChannels(width, dtype));
            fc1 = child("fc1", new Linear(width, width, dtype, rng));
        }
    }

    /** x (B, D) -> [x, sin(pi x), cos(pi x), ..., sin(2^(K-1) pi x), cos(2^(K-1) pi x)] (B, D (1 + 2K)). */
    Tensor fourierFeatures(Tensor x) {
        if (fourierOctaves == 0) return x;
        Tensor[] parts = new Tensor[1 + 2 * fourierOctaves];
        parts[0] = x;
        for (int k = 0; k < fourierOctaves; k++) {
            Tensor a = x.mul(Math.PI * (1 << k));
            parts[1 + 2 * k] = a.sin();
            parts[2 + 2 * k] = a.cos();
        }
        return F.concat(1, parts);
    }

    /** x: (B, D), t: (B,), labels (B,) or null -> (B, D). */
    @Override
    public Tensor forward(Tensor x, Tensor t, int[] labels) {
        if (x.dim() != 2 || x.size(1) != dataDim || t.dim() != 1 || t.size(0) != x.size(0))
            throw new IllegalArgumentException("MlpDenoiser: x must be (B, " + dataDim + ") and t (B,), got x "
                    + java.util.Arrays.toString(x.shape()) + " and t " + java.util.Arrays.toString(t.shape()));
        Tensor e = LabelEmbedding.addTo(emb.forward(t.dtype() == dtype ? t : t.to(dtype)), label, labels, "MlpDenoiser");
        Tensor h = fcIn.forward(fourierFeatures(x));
        for (tangent.nn.Module m : blocks.items()) {
            Block b = (Block) m;
            Tensor u = b.fc0.forward(b.norm0.forward(h).silu());
            Tensor[] sb = F.split(b.affine.forward(e), 1, width, width);
            u = b.norm1.forward(u).mul(pnorm.forward(sb[0])).add(pnorm.forward(sb[1]));
            h = h.add(b.fc1.forward(u.silu())).mul(Math.sqrt(0.5));
        }
        return fcOut.forward(outNorm.forward(h).silu());
    }
}
