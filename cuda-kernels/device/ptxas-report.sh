#!/usr/bin/env bash
# Run HERE (needs nvcc only): compiles every src/main/cuda/*.cu for sm_90 with ptxas verbose and
# prints one line per kernel: registers, spill stores/loads (bytes), stack frame, shared memory.
# Zero spills is the goal; a kernel with spills is flagged.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
nvcc=${NVCC:-/usr/local/bin/nvcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-26s %-15s %5s %7s %7s %6s %7s\n' kernel file regs spill_st spill_ld stack smem
for cu in "$root"/cuda-kernels/src/main/cuda/*.cu; do
    f=$(basename "$cu")
    "$nvcc" -cubin -O3 -arch=sm_90 -Xptxas -v -o "$tmp/k.cubin" "$cu" 2>&1 | awk -v f="$f" '
        /Compiling entry function/ { match($0, /\x27[^\x27]+\x27/); k = substr($0, RSTART + 1, RLENGTH - 2) }
        /bytes stack frame/ { st = $1; ss = $5; sl = $9 }
        /Used [0-9]+ registers/ {
            match($0, /Used [0-9]+ registers/); r = substr($0, RSTART + 5, RLENGTH - 15)
            sm = 0; if (match($0, /[0-9]+ bytes smem/)) sm = substr($0, RSTART, RLENGTH - 11)
            printf "%-26s %-15s %5s %7s %7s %6s %7s%s\n", k, f, r, ss, sl, st, sm, (ss + sl > 0 ? "  SPILLS" : "")
        }' | sort
done
