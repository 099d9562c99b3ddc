#!/usr/bin/env python3
"""PyTorch CPU reference for the tangent kernel benchmarks (GemmBench, ConvBench).

Times the same float32 shapes as the JMH benchmarks with torch.set_num_threads(2): every call
is timed on its own for about a second after a warm-up, and GFLOP/s is printed at the median call
time and at the mean one. Those are the statistics of JMH's SampleTime mode (p0.50 and the mean),
which ConvBench runs in (GemmBench with `-bm sample`), so the two sides compare like with like.
On the shared test VM a few calls in ten ran up to twice as slow, on both sides, in bursts that a
loop of pure arithmetic showed too (benchmarks/RESULTS.md, 2026-12-03); the median is the figure
such bursts move least.
Run: /usr/bin/python3 benchmarks/pytorch/kernels.py [--passes N]: N passes over the conv shapes in
one process (default 1), each printed; how fast oneDNN runs a shape here moves with what the
process ran before, so a comparison should take each shape's best pass.
"""
import argparse
import statistics
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def bench(name, fn, flops, warmup=0.3, min_time=1.0):
    """Calls fn for warmup seconds, then times each call for min_time seconds (at least 5 calls)."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        fn()
    times = []
    end = time.perf_counter() + min_time
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    med, mean = statistics.median(times), statistics.fmean(times)
    print(f"{name:40s} median {flops / med * 1e-9:7.1f} GFLOP/s  mean {flops / mean * 1e-9:7.1f} GFLOP/s"
          f"  ({len(times)} calls)")


def main():
    parser = argparse.ArgumentParser(description="PyTorch CPU reference for GemmBench and ConvBench")
    parser.add_argument("--passes", type=int, default=1, help="passes over the conv shapes (default 1)")
    passes = parser.parse_args().passes
    if passes < 1:
        parser.error("--passes must be at least 1")
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, mkldnn {torch.backends.mkldnn.is_available()}")
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    c = torch.empty(n, n)
    bench("gemm 1024x1024x1024", lambda: torch.mm(a, b, out=c), 2.0 * n * n * n)

    # ConvBench's shapes: the two, then the 3x3 convolutions fmnist-xs runs most
    for p in range(1, passes + 1):
        if passes > 1:
            print(f"pass {p} of {passes}")
        for (B, C, H, O) in [(32, 64, 28, 64), (32, 128, 14, 128), (32, 32, 28, 32), (32, 64, 14, 64), (32, 64, 7, 64)]:
            x = torch.randn(B, C, H, H)
            w = torch.randn(O, C, 3, 3)
            gy = torch.randn(B, O, H, H)
            flops = 2.0 * B * O * H * H * C * 9
            tag = f"3x3 {C}->{O} {B}x{C}x{H}x{H}"
            bench_conv((f"conv fwd {tag}", f"conv bwdInput {tag}", f"conv bwdWeight {tag}"), x, w, gy, 1, flops)


def bench_conv(names, x, w, gy, padding, flops):
    """Times conv2d(x, w) at stride 1 and the given padding: forward, backward-input and
    backward-weight (gy the output's cotangent), printed under the three names."""
    with torch.no_grad():
        bench(names[0], lambda: torch.nn.functional.conv2d(x, w, stride=1, padding=padding), flops)

    def bwd(mask):
        return lambda: torch.ops.aten.convolution_backward(
            gy, x, w, None, [1, 1], [padding, padding], [1, 1], False, [0, 0], 1, mask)

    bench(names[1], bwd([True, False, False]), flops)
    bench(names[2], bwd([False, True, False]), flops)


if __name__ == "__main__":
    main()
