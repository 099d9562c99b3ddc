#!/usr/bin/env bash
# Run THERE (the GPU machine, repository root, with .device/ from prepare.sh carried along):
#   1. nvidia-smi
#   2. the JUnit tests tagged "cuda" of cuda-kernels and scm (plain-text log + XML reports)
#   3. bin/scm's bench on CUDA: fmnist-xs batch 32, fmnist-s batch 128
#      (reference, one H100: PyTorch eager + torch.func.jvp 252 ms, JAX jit 59 ms for fmnist-s b128)
#   4. the same bench on this machine's CPU: fmnist-xs batch 32
#   (KernelBench only with KERNELBENCH=1)
# Writes under $OUT (default ./device-out); every step under its own timeout, at most ~6.5 min
# in all; prints a summary with PASS/FAIL per check at the end; exit status 0 only if all pass.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${OUT:-$root/device-out}
mkdir -p "$out"
dev=.device
java=$dev/jre/bin/java
cp=$(ls "$dev"/lib/*.jar 2>/dev/null | tr '\n' ':')
jopts=(-Xmx24g -XX:+UseParallelGC --add-modules jdk.incubator.vector)
t0=$(date +%s)
declare -a checks=()
fail=0
check() { # name, ok(0/1), detail
    if (($2 == 0)); then checks+=("PASS  $1  $3"); else checks+=("FAIL  $1  $3"); fail=1; fi
}

echo "== nvidia-smi"
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; } 2>&1 | tee "$out/nvidia-smi.txt"
[[ -x $java ]] || { echo "run.sh: no Java runtime at $java (run cuda-kernels/device/prepare.sh first and carry .device)"; exit 2; }

echo "== JUnit tests tagged cuda, cuda-kernels + scm (log: $out/tests.log)"
timeout 180 "$java" "${jopts[@]}" -Dtangent.cuda.sync=true -jar "$dev/junit-platform-console-standalone.jar" execute \
    -cp "$cp" --scan-classpath "$dev/lib/tangent-cuda-kernels-tests.jar:$dev/lib/tangent-scm-tests.jar" --include-tag cuda \
    --details=tree --disable-banner --disable-ansi-colors --reports-dir "$out/junit" >"$out/tests.log" 2>&1
trc=$?
t1=$(date +%s)
ntests=$(grep -Eo '[0-9]+ tests successful' "$out/tests.log" | grep -Eo '[0-9]+' || echo 0)
check "cuda tests (cuda-kernels + scm)" $((trc != 0 || ntests < 50)) "exit $trc$( ((trc == 124)) && echo ' TIMED OUT'), $ntests successful, $((t1 - t0)) s"

if [[ ${KERNELBENCH:-0} == 1 ]]; then
    echo "== KernelBench (log: $out/kernelbench.log)"
    timeout 60 "$java" "${jopts[@]}" -cp "$cp" tangent.cuda.bench.KernelBench 20 >"$out/kernelbench.log" 2>&1
fi

# bench NAME MODEL BATCH DEVICE TIMEOUT [extra args]
bench() {
    local name=$1 model=$2 batch=$3 device=$4 limit=$5; shift 5
    local log="$out/bench-$name.log" s=$(date +%s)
    echo "== bench $model batch $batch on $device (log: $log)"
    timeout "$limit" "$java" "${jopts[@]}" -cp "$cp" tangent.scm.cli.Main bench --model "$model" --batch "$batch" --device "$device" "$@" \
        >"$log" 2>&1
    local rc=$?
    local ms=$(grep -Eo '^step_ms: [0-9.]+' "$log" | awk '{print $2}')
    cat "$log" | grep -v '^\s*at ' | head -20
    check "bench $model b$batch $device" $((rc != 0 || ${#ms} == 0)) "exit $rc$( ((rc == 124)) && echo ' TIMED OUT'), step_ms ${ms:-none}, $(( $(date +%s) - s )) s"
}
bench cuda-xs32 fmnist-xs 32 cuda 50 --warmup-steps 5 --iters 20
bench cuda-s128 fmnist-s 128 cuda 80 --warmup-steps 5 --iters 20
bench cpu-xs32 fmnist-xs 32 cpu 80 --warmup-steps 2 --iters 5
t2=$(date +%s)

echo
echo "================ summary ================"
head -1 "$out/nvidia-smi.txt"
grep -E "tests (successful|failed|aborted|skipped|found)|containers failed" "$out/tests.log" | sed 's/^[[:space:]]*//;s/^\[//;s/\]$//' \
    || { echo "-- no JUnit summary; end of the log:"; tail -25 "$out/tests.log"; }
grep -E "✘|\[X\]" "$out/tests.log" | head -40
if ((trc != 0)); then
    echo "-- first failure details:"
    grep -m 3 -A 8 -E "=> (org\.opentest4j|java\.|tangent\.|jcuda)" "$out/tests.log" | head -60
fi
grep -h "^CudaStepTest:" "$out/tests.log" 2>/dev/null | head -5
for f in "$out"/bench-*.log; do
    [[ -f $f ]] || continue
    echo "-- $(basename "$f" .log): $(grep -m1 "^bench:" "$f" | cut -c1-170)"
    grep -E '^(dual_forward_ms|backward_ms|optimizer_ms|step_min_ms|loss_last|step_ms)' "$f" | sed 's/^/   /'
done
echo "   reference, fmnist-s batch 128 on one H100: PyTorch eager + torch.func.jvp 252 ms, JAX jit 59 ms"
printf '%s\n' "${checks[@]}"
echo "total: $((t2 - t0)) s; files under $out"
exit $fail
