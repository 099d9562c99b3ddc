package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.Module;

/**
 * The spec's residual block RB(cin -> cout, attn) with adaptive double normalization:
 * <pre>
 * h = conv0( SiLU( norm0(x) ) )                       # Conv3x3 cin -> cout
 * s, b = split(affine(e))                             # Linear(E -> 2 cout): scale, shift
 * h = pnorm(s) * norm1(h) + pnorm(b)                  # no "1 +"
 * h = conv1( dropout( SiLU(h) ) )                     # Conv3x3 cout -> cout
 * x = (h + skip(x)) / sqrt(2)                         # skip: Conv1x1 when cin != cout, else identity
 * if attn: x = attn(x)                                # {@link SelfAttention}
 * </pre>
 * Children in registration (and init) order: norm0, conv0, affine, norm1, conv1, dropout, [skip], [attn].
 */
public final class ResBlock extends Module {
    public final int cin, cout;
    public final GroupNorm norm0, norm1;
    public final Conv2d conv0, conv1, skip;
    public final Linear affine;
    public final Dropout dropout;
    public final SelfAttention attn;
    private final PixelNorm pnorm = new PixelNorm(1, 1e-8);

    /** A block from cin to cout channels conditioned on an embedding of width embWidth, with self-attention when attention, dropout probability dropoutP drawing masks from dropoutRng; weights from rng. */
    public ResBlock(int cin, int cout, int embWidth, boolean attention, double dropoutP, DType dtype, Rng rng, Rng dropoutRng) {
        this.cin = cin;
        this.cout = cout;
        norm0 = child("norm0", GroupNorm.forChannels(cin, dtype));
        conv0 = child("conv0", Conv2d.same(cin, cout, 3, dtype, rng));
        affine = child("affine", new Linear(embWidth, 2 * cout, dtype, rng));
        norm1 = child("norm1", GroupNorm.forChannels(cout, dtype));
        dropout = child("dropout", new Dropout(dropoutP, dropoutRng));
        conv1 = child("conv1", Conv2d.same(cout, cout, 3, dtype, rng));
        skip = cin != cout ? child("skip", Conv2d.same(cin, cout, 1, dtype, rng)) : null;
        attn = attention ? child("attn", new SelfAttention(cout, dtype, rng)) : null;
    }

    /** x: (B, cin, H, W), e: (B, E) -> (B, cout, H, W). */
    public Tensor forward(Tensor x, Tensor e) {
        int b = x.size(0);
        Tensor h = conv0.forward(norm0.forwardSilu(x));   // SiLU(norm0(x)), one primitive
        Tensor[] sb = F.split(affine.forward(e), 1, cout, cout);
        Tensor s = pnorm.forward(sb[0]).reshape(b, cout, 1, 1);
        Tensor sh = pnorm.forward(sb[1]).reshape(b, cout, 1, 1);
        h = F.scaleShiftSilu(norm1.forward(h), s, sh);   // SiLU(norm1(h) s + sh), one primitive
        h = conv1.forward(dropout.forward(h));
        Tensor y = F.addScale(h, skip != null ? skip.forward(x) : x, Math.sqrt(0.5));   // (h + skip(x)) / sqrt 2
        return attn != null ? attn.forward(y) : y;
    }
}
