#!/usr/bin/env python3
"""PyTorch reference for `bin/scm bench`: the same sCT training step on the same U-Net.

The network is nn/src/test/resources/tangent/nn/torch_unet.py (the build UNetTorchTest compares
with tangent's forward; its parameter count is checked against unet.md: fmnist-s has 6,946,881), the step /work/shared/spec/scm.md as tangent's ScmObjective computes it:
  x_t = cos t x0 + sin t z, v = cos t z - sin t x0, (F, J) = jvp(F_theta, (x_t/sigma_d, t),
  (cos t sin t v/sigma_d, cos t sin t)), g = -cos^2 t (sigma_d Fm - v) - r (cos t sin t x_t + sigma_d J),
  g /= ||g|| + 0.1, L = mean[exp(w)/D ||F - Fm - g||^2 - w], then RAdam (lr 1e-4, betas (0.9, 0.99),
  eps 1e-8) and an EMA (0.999) of the weights.
Two ways to get (F, J), as in issue 9's table:
  --ad fwad  one pass with torch.autograd.forward_ad: the primal is taped, the tangent detached
             (what tangent does);
  --ad func  torch.func.jvp under no_grad for (Fm, J), plus a second, taped forward for F.
--precision fp32 turns TF32 off for matmuls and cuDNN convolutions (exact float32); tf32 turns it on.
Random data (as bench), fixed seeds. Prints per-step times, the peak device memory and, last,
`step_ms: x` (median). Runs on the CPU too (--device cpu; --model tiny for a quick check).
--mode sample times 1-step sampling instead, as `bench --mode sample`: under no_grad,
  x = cos(t_max) sigma_d eps - sin(t_max) sigma_d F(eps, t_max), t_max = arctan(80 / sigma_d);
step_ms is then the median time per batch, and images_per_s is printed.
--profile N runs N more steps under torch.profiler after the timed ones and prints, per step, the
  self CPU time of the ops that took the most and of all convolution ops together (the profiler
  adds its own overhead: its totals are a breakdown, not a timing).
`bin/scm bench --torch` runs this script beside its own measurement.

  python3 benchmarks/pytorch/sct_step.py --model fmnist-s --batch 128 --device cuda --ad fwad
"""
import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

# The U-Net: the PyTorch build that nn's UNetTorchTest checks against tangent's forward pass
# (same parameter names, outputs equal to float64 rounding).
sys.dont_write_bytecode = True  # no __pycache__ in nn's test resources
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "nn/src/test/resources/tangent/nn"))
from torch_unet import UNet  # noqa: E402

CONFIGS = {  # C, res, ch, mult, blocks, expected U-Net parameter count (unet.md)
    "tiny": (1, 8, 8, (1, 2), 1, None),
    "fmnist-xs": (1, 28, 32, (1, 2, 2), 2, 1742881),
    "fmnist-s": (1, 28, 64, (1, 2, 2), 2, 6946881),
    "cifar-m": (3, 32, 128, (1, 2, 2), 2, 27742851),
}
SIGMA_D, P_MEAN, P_STD, NORM_C, WARMUP_H = 0.5, -1.0, 1.4, 0.1, 10000.0


def pos_emb(t, dim):
    half = dim // 2
    freqs = (1.0 / 10000.0) ** (torch.arange(half, device=t.device, dtype=t.dtype) / half)
    ang = t[:, None] * freqs[None, :]
    return torch.cat([ang.cos(), ang.sin()], dim=1)


class AdaptiveWeight(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 1)
        nn.init.zeros_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, t):
        return self.fc(pos_emb(t, 128)).reshape(-1)


def per_sample(v, rank):
    return v.reshape(-1, *([1] * (rank - 1)))


def sct_loss(net, wnet, x0, z, t, r, ad):
    rank = x0.dim()
    with torch.no_grad():
        tb = per_sample(t, rank)
        xt = tb.cos() * x0 + tb.sin() * z
        v = tb.cos() * z - tb.sin() * x0
        cs = t.cos() * t.sin()
        xin, dx = xt / SIGMA_D, per_sample(cs, rank) * v / SIGMA_D
    if ad == "fwad":
        import torch.autograd.forward_ad as fwAD
        with fwAD.dual_level():
            y = net(fwAD.make_dual(xin, dx), fwAD.make_dual(t, cs))
            f, jac = fwAD.unpack_dual(y)
            jac = jac.detach()
    else:
        with torch.no_grad():
            _, jac = torch.func.jvp(net, (xin, t), (dx, cs))
        f = net(xin, t)
    fm = f.detach()
    with torch.no_grad():
        g = -(tb.cos() ** 2) * (SIGMA_D * fm - v) - r * (tb.cos() * tb.sin() * xt + SIGMA_D * jac)
        norm = g.flatten(1).norm(dim=1) + NORM_C
        g = g / per_sample(norm, rank)
    w = wnet(t)
    d = f[0].numel()
    sq = (f - fm - g).flatten(1).square().sum(dim=1)
    return (w.exp() * sq / d - w).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fmnist-s", choices=sorted(CONFIGS))
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--ad", default="fwad", choices=["fwad", "func"])
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32"])
    ap.add_argument("--warmup-steps", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--mode", default="step", choices=["step", "sample"])
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads (default: all cores)")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="profile N more steps (CPU self time per op)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("sct_step.py: --device cuda but torch sees no CUDA device (torch " + torch.__version__ + ")")
    tf32 = a.precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    C, res, ch, mult, blocks, expected = CONFIGS[a.model]
    dev = torch.device(a.device)
    net, wnet = UNet(C, res, ch, list(mult), blocks).to(dev), AdaptiveWeight().to(dev)
    n = sum(p.numel() for p in net.parameters())
    if expected is not None and n != expected:
        sys.exit(f"sct_step.py: the U-Net has {n} parameters, unet.md says {expected} for {a.model}: the network differs")
    params = list(net.parameters()) + list(wnet.parameters())
    opt = torch.optim.RAdam(params, lr=1e-4, betas=(0.9, 0.99), eps=1e-8)
    ema = [p.detach().clone() for p in net.parameters()]
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    print(f"torch {torch.__version__}, {name}, {torch.get_num_threads()} threads, mode {a.mode}, model {a.model} ({n} params), batch {a.batch}, ad {a.ad}, {a.precision}")

    gen = torch.Generator(device=dev).manual_seed(1)
    if a.mode == "sample":
        sample(net, a, C, res, dev, gen)
        return
    times, losses = [], []
    timed_end = a.warmup_steps + a.iters  # steps from here on are profiled, not timed
    prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) if a.profile else None
    for step in range(timed_end + a.profile):
        if step == timed_end and prof is not None:
            prof.start()
        x0 = torch.rand(a.batch, C, res, res, device=dev, generator=gen) * 2 - 1
        z = torch.randn(a.batch, C, res, res, device=dev, generator=gen) * SIGMA_D
        tau = P_MEAN + P_STD * torch.randn(a.batch, device=dev, generator=gen)
        t = torch.atan(tau.exp() / SIGMA_D)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        loss = sct_loss(net, wnet, x0, z, t, min(1.0, (step + 1) / WARMUP_H), a.ad)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(ema, 0.999)
            torch._foreach_add_(ema, [p.detach() for p in net.parameters()], alpha=1 - 0.999)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if a.warmup_steps <= step < timed_end:
            times.append((time.perf_counter() - t0) * 1e3)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            sys.exit(f"sct_step.py: loss {losses[-1]} at step {step}")
    if prof is not None:
        prof.stop()
        print_profile(prof, a.profile)
    peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else float("nan")
    print(f"loss_first: {losses[0]:.6f}   loss_last: {losses[-1]:.6f}")
    print(f"step_min_ms: {min(times):.2f}   step_max_ms: {max(times):.2f}")
    print(f"peak_mem_mib: {peak:.1f}")
    print(f"step_ms: {statistics.median(times):.2f}")


def print_profile(prof, steps, top=25):
    """Self CPU time per step of the ops that took the most, and of every op whose name has "conv"."""
    rows = [(e.self_cpu_time_total / 1e3 / steps, e.count // steps, e.key) for e in prof.key_averages()]
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    conv = sum(r[0] for r in rows if "conv" in r[2].lower())
    print(f"== torch.profiler: {total:.1f} ms self CPU time per step ({steps} steps) ==")
    print(f"{'op':<48} {'ms/step':>9} {'calls/step':>11}")
    for ms, calls, name in rows[:top]:
        print(f"{name[:48]:<48} {ms:9.1f} {calls:11d}")
    print(f"all ops named *conv*: {conv:.1f} ms per step ({100 * conv / total:.0f} %)")


def sample(net, a, C, res, dev, gen):
    t_max = math.atan(80.0 / SIGMA_D)
    times = []
    with torch.no_grad():
        for step in range(a.warmup_steps + a.iters):
            eps = torch.randn(a.batch, C, res, res, device=dev, generator=gen)
            t = torch.full((a.batch,), t_max, device=dev)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            x = math.cos(t_max) * SIGMA_D * eps - math.sin(t_max) * SIGMA_D * net(eps, t)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            if step >= a.warmup_steps:
                times.append((time.perf_counter() - t0) * 1e3)
            if not torch.isfinite(x).all():
                sys.exit(f"sct_step.py: a sample is not finite at batch {step}")
    med = statistics.median(times)
    print(f"images_per_s: {a.batch / (med / 1e3):.1f}")
    print(f"step_min_ms: {min(times):.2f}   step_max_ms: {max(times):.2f}")
    print(f"step_ms: {med:.2f}")


if __name__ == "__main__":
    main()
