#!/usr/bin/env bash
# Run THERE (the GPU machine, repository root, with .device/ from prepare.sh carried along), as
# one call of about 8 minutes (timeout_s 560 leaves room; every step has its own timeout, and a
# step is skipped when the budget left is too small for it):
#   1. nvidia-smi
#   2. the JUnit tests tagged "cuda" of cuda-kernels and scm: every kernel (forward, JVP, VJP)
#      against the CPU in float32 and float64, the whole sCT step on the GPU against the CPU
#   3. bin/scm's bench on CUDA, fmnist-s batch 128: step time, the pool's peak bytes in use, and
#      nvidia-smi's memory.used sampled every 200 ms while it runs
#   4. the same-run references (benchmarks/pytorch/sct_step.py, benchmarks/jax/sct_step.py):
#      PyTorch forward_ad and JAX jit, exact fp32, then the same with TF32
#   5. compute-sanitizer memcheck and racecheck on CudaKernelSmokeTest (every new kernel, small shapes)
# Files under $OUT (at most 8 come back): nvidia-smi.txt, tests.log, junit/TEST-junit-jupiter.xml,
# bench-cuda-s128.log, refs.log, sanitizer.log, summary.txt. The summary is printed last with
# PASS/FAIL/SKIP per check; exit status 0 only if every check that ran passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${OUT:-$root/device-out}
mkdir -p "$out"
dev=.device
java=$dev/jre/bin/java
cp=$(ls "$dev"/lib/*.jar 2>/dev/null | tr '\n' ':')
jopts=(-Xmx24g -XX:+UseParallelGC --add-modules jdk.incubator.vector)
budget=${BUDGET_S:-490}
t0=$(date +%s)
declare -a checks=()
fail=0
export PYTHONUNBUFFERED=1

check() { # name, ok(0/1), detail
    if (($2 == 0)); then checks+=("PASS  $1  $3"); else checks+=("FAIL  $1  $3"); fail=1; fi
}
left() { echo $((budget - ($(date +%s) - t0))); }
# limit CAP MIN: the timeout for a step, at most CAP and what the budget leaves; 0 when under MIN
limit() {
    local l=$(left)
    ((l > $1)) && l=$1
    ((l < $2)) && l=0
    echo $l
}

echo "== nvidia-smi"
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; } 2>&1 | tee "$out/nvidia-smi.txt"
[[ -x $java ]] || { echo "run.sh: no Java runtime at $java (run cuda-kernels/device/prepare.sh first and carry .device)"; exit 2; }
junit=(-jar "$dev/junit-platform-console-standalone.jar" execute -cp "$cp" --details=tree --disable-banner --disable-ansi-colors)

echo "== JUnit tests tagged cuda, cuda-kernels + scm (log: $out/tests.log)"
s=$(date +%s)
timeout "$(limit 200 60)" "$java" "${jopts[@]}" -Dtangent.cuda.sync=true "${junit[@]}" \
    --scan-classpath "$dev/lib/tangent-cuda-kernels-tests.jar:$dev/lib/tangent-scm-tests.jar" --include-tag cuda \
    --reports-dir "$out/junit" >"$out/tests.log" 2>&1
trc=$?
ntests=$(grep -Eo '[0-9]+ tests successful' "$out/tests.log" | grep -Eo '[0-9]+' || echo 0)
check "cuda tests (cuda-kernels + scm)" $((trc != 0 || ntests < 60)) "exit $trc$( ((trc == 124)) && echo ' TIMED OUT'), $ntests successful, $(($(date +%s) - s)) s"

# bench NAME MODEL BATCH CAP [extra args]
bench() {
    local name=$1 model=$2 batch=$3 cap=$4; shift 4
    local log="$out/bench-$name.log" s=$(date +%s) lim=$(limit "$cap" 40)
    if ((lim == 0)); then checks+=("SKIP  bench $model b$batch cuda  (budget)"); return; fi
    echo "== bench $model batch $batch on cuda (log: $log)"
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 >"$out/.mem-$name" 2>/dev/null &
    local smi=$!
    timeout "$lim" "$java" "${jopts[@]}" -cp "$cp" tangent.scm.cli.Main bench --model "$model" --batch "$batch" --device cuda "$@" \
        >"$log" 2>&1
    local rc=$?
    kill "$smi" 2>/dev/null
    wait "$smi" 2>/dev/null
    local peak=$(sort -n "$out/.mem-$name" 2>/dev/null | tail -1)
    echo "nvidia_smi_peak_memory_used_mib: ${peak:-none}   (whole process: context, module code and the pool's cache included)" >>"$log"
    rm -f "$out/.mem-$name"
    local ms=$(grep -Eo '^step_ms: [0-9.]+' "$log" | awk '{print $2}')
    grep -v '^\s*at ' "$log" | head -20
    check "bench $model b$batch cuda" $((rc != 0 || ${#ms} == 0)) "exit $rc$( ((rc == 124)) && echo ' TIMED OUT'), step_ms ${ms:-none}, $(( $(date +%s) - s )) s"
}
bench cuda-s128 fmnist-s 128 100 --warmup-steps 5 --iters 20

# ref NAME CAP MIN script args...: one reference run, appended to refs.log
ref() {
    local name=$1 cap=$2 min=$3; shift 3
    local lim=$(limit "$cap" "$min") s=$(date +%s)
    if ((lim == 0)); then checks+=("SKIP  $name  (budget)"); return; fi
    echo "== $name" | tee -a "$out/refs.log"
    timeout "$lim" python3 "$@" >>"$out/refs.log" 2>&1
    local rc=$?
    local ms=$(tail -5 "$out/refs.log" | grep -Eo '^step_ms: [0-9.]+' | awk '{print $2}')
    check "$name" $((rc != 0 || ${#ms} == 0)) "exit $rc$( ((rc == 124)) && echo ' TIMED OUT'), step_ms ${ms:-none}, $(( $(date +%s) - s )) s"
}
ref "pytorch fwad fp32" 70 30 benchmarks/pytorch/sct_step.py --model fmnist-s --batch 128 --ad fwad --precision fp32 --warmup-steps 3 --iters 10
ref "jax jit fp32" 110 50 benchmarks/jax/sct_step.py --model fmnist-s --batch 128 --precision fp32 --warmup-steps 2 --iters 10

# sanitize TOOL CAP: CudaKernelSmokeTest under compute-sanitizer, appended to sanitizer.log
sanitize() {
    local tool=$1 lim=$(limit "$2" 40) s=$(date +%s)
    if ((lim == 0)); then checks+=("SKIP  compute-sanitizer $tool  (budget)"); return; fi
    echo "== compute-sanitizer --tool $tool on CudaKernelSmokeTest" | tee -a "$out/sanitizer.log"
    local extra=()
    [[ $tool == racecheck ]] && extra=(--racecheck-report hazard)
    local cs=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
    if [[ -z $cs ]]; then checks+=("FAIL  compute-sanitizer $tool  (not found)"); fail=1; return; fi
    timeout "$lim" "$cs" --tool "$tool" "${extra[@]}" --target-processes all --error-exitcode 97 \
        "$java" "${jopts[@]}" -Dtangent.cuda.sync=true "${junit[@]}" --select-class tangent.cuda.CudaKernelSmokeTest \
        >>"$out/sanitizer.log" 2>&1
    local rc=$?
    local summary=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$out/sanitizer.log" | tail -1)
    local ok=$(grep -Eo '[0-9]+ tests successful' "$out/sanitizer.log" | tail -1)
    check "compute-sanitizer $tool" $((rc != 0)) "exit $rc$( ((rc == 124)) && echo ' TIMED OUT'), ${summary:-no summary}, ${ok:-no JUnit summary}, $(( $(date +%s) - s )) s"
}
sanitize memcheck 100
sanitize racecheck 100

ref "pytorch fwad tf32" 50 30 benchmarks/pytorch/sct_step.py --model fmnist-s --batch 128 --ad fwad --precision tf32 --warmup-steps 3 --iters 10
ref "jax jit tf32" 90 50 benchmarks/jax/sct_step.py --model fmnist-s --batch 128 --precision tf32 --warmup-steps 2 --iters 10
t2=$(date +%s)

{
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
        grep -E '^(loss_last|dual_forward_ms|backward_ms|optimizer_ms|step_min_ms|step_ms|nvidia_smi_peak)' "$f" | sed 's/^/   /'
    done
    [[ -f $out/refs.log ]] && grep -E '^(== |torch |jax |first step|peak_mem_mib|step_ms)' "$out/refs.log" | sed 's/^/   /'
    [[ -f $out/sanitizer.log ]] && grep -E "^== |ERROR SUMMARY|RACECHECK SUMMARY" "$out/sanitizer.log" | sed 's/^/   /'
    echo "   reference, fmnist-s batch 128 on one H100 (issue 9): PyTorch forward_ad 203 ms, JAX jit fp32 59 ms, TF32 31 ms"
    printf '%s\n' "${checks[@]}"
    echo "total: $((t2 - t0)) s of a ${budget} s budget; files under $out"
} | tee "$out/summary.txt"
exit $fail
