#!/usr/bin/env python3
"""JAX reference for `bin/scm bench`: the same sCT training step on the same U-Net, jit-compiled.

The network follows /work/shared/spec/unet.md (checked by its parameter count), the step
/work/shared/spec/scm.md as tangent's ScmObjective computes it and as benchmarks/pytorch/sct_step.py
does: one jax.jvp through the U-Net whose primal output F carries the gradient (jax.grad
differentiates through the jvp; J and Fm are stop_gradient), g normalised per sample, the
adaptive-weight loss, then RAdam (lr 1e-4, betas (0.9, 0.99), eps 1e-8) and an EMA (0.999), all in
one jitted function. Pure jax.numpy (no flax/optax needed).
--precision fp32 sets jax_default_matmul_precision to "highest" (exact float32 convolutions and
matmuls); tf32 to "tensorfloat32". Prints the peak device memory and, last, `step_ms: x` (median
of the timed steps, each ended by block_until_ready).

  python3 benchmarks/jax/sct_step.py --model fmnist-s --batch 128 --precision fp32
"""
import argparse
import math
import statistics
import sys
import time

CONFIGS = {  # C, res, ch, mult, blocks, expected U-Net parameter count (unet.md)
    "tiny": (1, 8, 8, (1, 2), 1, None),
    "fmnist-xs": (1, 28, 32, (1, 2, 2), 2, 1742881),
    "fmnist-s": (1, 28, 64, (1, 2, 2), 2, 6946881),
    "cifar-m": (3, 32, 128, (1, 2, 2), 2, 27742851),
}
SIGMA_D, P_MEAN, P_STD, NORM_C, WARMUP_H = 0.5, -1.0, 1.4, 0.1, 10000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fmnist-s", choices=sorted(CONFIGS))
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32"])
    ap.add_argument("--warmup-steps", type=int, default=3)
    ap.add_argument("--iters", type=int, default=20)
    a = ap.parse_args()

    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_default_matmul_precision", "highest" if a.precision == "fp32" else "tensorfloat32")
    C, res, ch, mult, blocks, expected = CONFIGS[a.model]
    E = 4 * ch
    key = [jax.random.PRNGKey(0)]

    def nxt():
        key[0], k = jax.random.split(key[0])
        return k

    def uniform(shape, fan_in):
        b = 1.0 / math.sqrt(fan_in)
        return jax.random.uniform(nxt(), shape, jnp.float32, -b, b)

    def conv_p(cin, cout, k):
        return {"w": uniform((cout, cin, k, k), cin * k * k), "b": uniform((cout,), cin * k * k)}

    def lin_p(cin, cout):
        return {"w": uniform((cout, cin), cin), "b": uniform((cout,), cin)}

    def gn_p(c):
        return {"g": jnp.ones((c,), jnp.float32), "b": jnp.zeros((c,), jnp.float32)}

    # ---- the network: params (a pytree of arrays) and a static structure ----
    def rb_p(cin, cout, attn):
        p = {"norm0": gn_p(cin), "conv0": conv_p(cin, cout, 3), "affine": lin_p(E, 2 * cout), "norm1": gn_p(cout),
             "conv1": conv_p(cout, cout, 3)}
        if cin != cout:
            p["skip"] = conv_p(cin, cout, 1)
        if attn:
            p["attn"] = {"norm": gn_p(cout), "qkv": conv_p(cout, 3 * cout, 1), "proj": conv_p(cout, cout, 1)}
        return p

    params = {"fc0": lin_p(ch, E), "fc1": lin_p(E, E), "conv_in": conv_p(C, ch, 3)}
    down, skips, c, r = [], [ch], ch, res
    for l, m in enumerate(mult):
        if l > 0:
            down.append(("down", conv_p(c, c, 3)))
            r = (r - 1) // 2 + 1
            skips.append(c)
        for _ in range(blocks):
            down.append(("rb", rb_p(c, ch * m, r == res // 4)))
            c = ch * m
            skips.append(c)
    mid = [("rb", rb_p(c, c, True)), ("rb", rb_p(c, c, False))]
    up = []
    for l in reversed(range(len(mult))):
        for _ in range(blocks + 1):
            up.append(("rb", rb_p(c + skips.pop(), ch * mult[l], r == res // 4)))
            c = ch * mult[l]
        if l > 0:
            up.append(("up", conv_p(c, c, 3)))
            r *= 2
    kinds = ([k for k, _ in down], [k for k, _ in mid], [k for k, _ in up])
    params.update({"down": [p for _, p in down], "mid": [p for _, p in mid], "up": [p for _, p in up],
                   "out_norm": gn_p(c), "out_conv": conv_p(c, C, 3)})
    wparams = {"w": jnp.zeros((1, 128), jnp.float32), "b": jnp.zeros((1,), jnp.float32)}
    n = sum(x.size for x in jax.tree_util.tree_leaves(params))
    if expected is not None and n != expected:
        sys.exit(f"sct_step.py: the U-Net has {n} parameters, unet.md says {expected} for {a.model}: the network differs")

    def conv(p, x, stride=1):
        k = p["w"].shape[2]
        y = lax.conv_general_dilated(x, p["w"], (stride, stride), [(k // 2, k // 2)] * 2,
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return y + p["b"][None, :, None, None]

    def linear(p, x):
        return x @ p["w"].T + p["b"]

    def group_norm(p, x):
        b, cc = x.shape[:2]
        g = min(32, cc // 4)
        xr = x.reshape(b, g, -1)
        mu = xr.mean(axis=2, keepdims=True)
        var = ((xr - mu) ** 2).mean(axis=2, keepdims=True)
        y = ((xr - mu) * lax.rsqrt(var + 1e-5)).reshape(x.shape)
        return y * p["g"][None, :, None, None] + p["b"][None, :, None, None]

    def pnorm(v):
        return v * lax.rsqrt((v * v).mean(axis=1, keepdims=True) + 1e-8)

    def pos_emb(t, dim):
        half = dim // 2
        freqs = (1.0 / 10000.0) ** (jnp.arange(half, dtype=jnp.float32) / half)
        ang = t[:, None] * freqs[None, :]
        return jnp.concatenate([jnp.cos(ang), jnp.sin(ang)], axis=1)

    def attention(p, x):
        b, cc, h, w = x.shape
        qkv = conv(p["qkv"], group_norm(p["norm"], x)).reshape(b, 3 * cc, h * w)
        q, k, v = qkv[:, :cc], qkv[:, cc:2 * cc], qkv[:, 2 * cc:]
        scores = jnp.einsum("bci,bcj->bij", q, k) / math.sqrt(cc)
        attn = jax.nn.softmax(scores, axis=2)
        o = jnp.einsum("bcj,bij->bci", v, attn).reshape(b, cc, h, w)
        return (x + conv(p["proj"], o)) * math.sqrt(0.5)

    def resblock(p, x, e):
        cout = p["conv0"]["w"].shape[0]
        h = conv(p["conv0"], jax.nn.silu(group_norm(p["norm0"], x)))
        sb = linear(p["affine"], e)
        s, sh = pnorm(sb[:, :cout]), pnorm(sb[:, cout:])
        h = group_norm(p["norm1"], h) * s[:, :, None, None] + sh[:, :, None, None]
        h = conv(p["conv1"], jax.nn.silu(h))
        y = (h + (conv(p["skip"], x) if "skip" in p else x)) * math.sqrt(0.5)
        return attention(p["attn"], y) if "attn" in p else y

    def unet(p, x, t):
        e = jax.nn.silu(linear(p["fc1"], jax.nn.silu(linear(p["fc0"], pos_emb(t, ch)))))
        h = conv(p["conv_in"], x)
        sk = [h]
        for kind, q in zip(kinds[0], p["down"]):
            h = resblock(q, h, e) if kind == "rb" else conv(q, h, 2)
            sk.append(h)
        for q in p["mid"]:
            h = resblock(q, h, e)
        for kind, q in zip(kinds[2], p["up"]):
            if kind == "rb":
                h = resblock(q, jnp.concatenate([h, sk.pop()], axis=1), e)
            else:
                h = conv(q, jnp.repeat(jnp.repeat(h, 2, axis=2), 2, axis=3))
        return conv(p["out_conv"], jax.nn.silu(group_norm(p["out_norm"], h)))

    def loss_fn(both, x0, z, t, rr):
        p, wp = both
        tb = t[:, None, None, None]
        xt = jnp.cos(tb) * x0 + jnp.sin(tb) * z
        v = jnp.cos(tb) * z - jnp.sin(tb) * x0
        cs = jnp.cos(t) * jnp.sin(t)
        f, jac = jax.jvp(lambda xx, tt: unet(p, xx, tt), (xt / SIGMA_D, t), (cs[:, None, None, None] * v / SIGMA_D, cs))
        fm, jac = lax.stop_gradient(f), lax.stop_gradient(jac)
        g = -(jnp.cos(tb) ** 2) * (SIGMA_D * fm - v) - rr * (jnp.cos(tb) * jnp.sin(tb) * xt + SIGMA_D * jac)
        g = g / (jnp.sqrt((g * g).reshape(g.shape[0], -1).sum(axis=1)) + NORM_C)[:, None, None, None]
        w = (pos_emb(t, 128) @ wp["w"].T + wp["b"]).reshape(-1)
        d = f[0].size
        sq = ((f - fm - g) ** 2).reshape(f.shape[0], -1).sum(axis=1)
        return jnp.mean(jnp.exp(w) * sq / d - w)

    b1, b2, lr, eps = 0.9, 0.99, 1e-4, 1e-8
    rho_inf = 2 / (1 - b2) - 1

    def radam(p, g, m, v, k):  # torch.optim.RAdam's rule, k = step number from 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1 ** k)
        rho = rho_inf - 2 * k * b2 ** k / (1 - b2 ** k)
        rect = jnp.sqrt(jnp.maximum((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho), 0.0))
        adapt = jnp.sqrt(1 - b2 ** k) / (jnp.sqrt(v) + eps)
        return jnp.where(rho > 5, p - lr * mhat * rect * adapt, p - lr * mhat), m, v

    def step_fn(both, m, v, ema, x0, z, t, rr, k):
        loss, grads = jax.value_and_grad(loss_fn)(both, x0, z, t, rr)
        flat = jax.tree_util.tree_map(lambda p, g, mm, vv: radam(p, g, mm, vv, k), both, grads, m, v)
        isleaf = lambda x: isinstance(x, tuple) and len(x) == 3 and not isinstance(x[0], tuple)
        both = jax.tree_util.tree_map(lambda o: o[0], flat, is_leaf=isleaf)
        m = jax.tree_util.tree_map(lambda o: o[1], flat, is_leaf=isleaf)
        v = jax.tree_util.tree_map(lambda o: o[2], flat, is_leaf=isleaf)
        ema = jax.tree_util.tree_map(lambda e_, p_: 0.999 * e_ + 0.001 * p_, ema, both[0])
        return both, m, v, ema, loss

    step = jax.jit(step_fn, donate_argnums=(0, 1, 2, 3))
    both = (params, wparams)
    m = jax.tree_util.tree_map(jnp.zeros_like, both)
    v = jax.tree_util.tree_map(jnp.zeros_like, both)
    ema = jax.tree_util.tree_map(jnp.array, params)
    dev = jax.devices()[0]
    print(f"jax {jax.__version__}, {dev.device_kind}, model {a.model} ({n} params), batch {a.batch}, {a.precision}")

    dkey = jax.random.PRNGKey(1)
    times, losses = [], []
    t_compile = time.perf_counter()
    for i in range(a.warmup_steps + a.iters):
        dkey, k1, k2, k3 = jax.random.split(dkey, 4)
        x0 = jax.random.uniform(k1, (a.batch, C, res, res), jnp.float32, -1, 1)
        z = jax.random.normal(k2, (a.batch, C, res, res), jnp.float32) * SIGMA_D
        t = jnp.arctan(jnp.exp(P_MEAN + P_STD * jax.random.normal(k3, (a.batch,), jnp.float32)) / SIGMA_D)
        x0.block_until_ready()
        t0 = time.perf_counter()
        both, m, v, ema, loss = step(both, m, v, ema, x0, z, t, jnp.float32(min(1.0, (i + 1) / WARMUP_H)), jnp.float32(i + 1))
        loss = float(loss)  # waits for the step
        if i == 0:
            print(f"first step (compile + run): {time.perf_counter() - t_compile:.1f} s")
        if i >= a.warmup_steps:
            times.append((time.perf_counter() - t0) * 1e3)
        losses.append(loss)
        if not math.isfinite(loss):
            sys.exit(f"sct_step.py: loss {loss} at step {i}")
    stats = dev.memory_stats() or {}
    peak = stats.get("peak_bytes_in_use", float("nan")) / 2**20
    print(f"loss_first: {losses[0]:.6f}   loss_last: {losses[-1]:.6f}")
    print(f"step_min_ms: {min(times):.2f}   step_max_ms: {max(times):.2f}")
    print(f"peak_mem_mib: {peak:.1f}")
    print(f"step_ms: {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
