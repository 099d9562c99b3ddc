package tangent.nn.layers;

import tangent.core.DType;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The spec's single-head self-attention block over the H*W positions of x (B, C, H, W):
 * <pre>
 * q, k, v = split(qkv( norm(x) ))          # qkv: Conv1x1(C -> 3C), channel order q, k, v
 * a = softmax_j(q_i . k_j / sqrt(C)) v_j   # per position i
 * y = (x + proj(a)) / sqrt(2)              # proj: Conv1x1(C -> C)
 * </pre>
 * Children: {@code norm} (GN(C)), {@code qkv}, {@code proj}.
 */
public final class SelfAttention extends Layer {
    public final int channels;
    public final GroupNorm norm;
    public final Conv2d qkv, proj;

    /** Attention over a map of the given channels, weights from rng. */
    public SelfAttention(int channels, DType dtype, Rng rng) {
        this.channels = channels;
        norm = child("norm", GroupNorm.forChannels(channels, dtype));
        qkv = child("qkv", new Conv2d(channels, 3 * channels, 1, 1, 0, dtype, rng));
        proj = child("proj", new Conv2d(channels, channels, 1, 1, 0, dtype, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), n = h * w;
        Tensor[] qkvs = F.split(qkv.forward(norm.forward(x)).reshape(b, 3 * c, n), 1, c, c, c);
        // scores[b, i, j] = sum_c q[b, c, i] k[b, c, j] / sqrt(C); softmax over the keys j
        Tensor scores = F.matmul(qkvs[0], qkvs[1], true, false).mul(1.0 / Math.sqrt(c));
        Tensor attn = F.softmax(scores, 2);
        // a[b, c, i] = sum_j v[b, c, j] attn[b, i, j]
        Tensor a = F.matmul(qkvs[2], attn, false, true).reshape(b, c, h, w);
        return F.addScale(x, proj.forward(a), Math.sqrt(0.5));   // (x + proj(a)) / sqrt 2
    }
}
