#!/usr/bin/env python3
"""PyTorch CPU reference for the float32 1x1 convolutions of fmnist-xs at batch 32 (the shapes of
core's PointwiseAB harness): forward, backward-input and backward-weight, 2 threads, GFLOP/s
(2 B O C H W FLOP per call; GFLOP/s at the median and the mean call time, as in kernels.py).
Run: /usr/bin/python3 benchmarks/pytorch/pointwise.py
"""
import torch

from kernels import bench_conv

SHAPES = [(32, 128, 14, 64), (32, 128, 7, 64), (32, 96, 14, 64), (32, 96, 28, 32),
          (32, 64, 28, 32), (32, 64, 7, 192), (32, 64, 7, 64), (32, 32, 14, 64)]


def main():
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, mkldnn {torch.backends.mkldnn.is_available()}")
    for (B, C, H, O) in SHAPES:
        x = torch.randn(B, C, H, H)
        w = torch.randn(O, C, 1, 1)
        gy = torch.randn(B, O, H, H)
        flops = 2.0 * B * O * C * H * H
        tag = f"B{B} C{C} {H}x{H} O{O}"
        bench_conv((f"fwd   {tag}", f"bwdIn {tag}", f"bwdW  {tag}"), x, w, gy, 0, flops)


if __name__ == "__main__":
    main()
