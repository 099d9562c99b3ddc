#!/usr/bin/env bash
# Run THERE (the GPU machine, repository root, with .device/ from prepare.sh carried along):
# nvidia-smi, the JUnit tests tagged "cuda" (plain-text log + XML reports), then KernelBench.
# Writes under $OUT (default ./device-out); ends within 6 minutes; prints a summary at the end.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${OUT:-$root/device-out}
mkdir -p "$out"
dev=.device
java=$dev/jre/bin/java
cp=$(ls "$dev"/lib/*.jar | tr '\n' ':')
t0=$(date +%s)

echo "== nvidia-smi"
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; } 2>&1 | tee "$out/nvidia-smi.txt"
[[ -x $java ]] || { echo "run.sh: no Java runtime at $java (run cuda-kernels/device/prepare.sh first and carry .device)"; exit 2; }

echo "== JUnit tests tagged cuda (log: $out/tests.log)"
timeout 250 "$java" -Xmx16g -XX:+UseParallelGC -Dtangent.cuda.sync=true -jar "$dev/junit-platform-console-standalone.jar" execute \
    -cp "$cp" --scan-classpath "$dev/lib/tangent-cuda-kernels-tests.jar" --include-tag cuda \
    --details=tree --disable-banner --disable-ansi-colors --reports-dir "$out/junit" >"$out/tests.log" 2>&1
trc=$?
t1=$(date +%s)

echo "== KernelBench (log: $out/bench.log)"
timeout 90 "$java" -Xmx16g -cp "$cp" tangent.cuda.bench.KernelBench 20 >"$out/bench.log" 2>&1
brc=$?
t2=$(date +%s)

echo
echo "================ summary ================"
head -1 "$out/nvidia-smi.txt"
echo "tests: exit $trc$( ((trc == 124)) && echo ' (TIMED OUT)') in $((t1 - t0)) s"
grep -E "tests (successful|failed|aborted|skipped|found)|containers failed" "$out/tests.log" | sed 's/^[[:space:]]*//;s/^\[//;s/\]$//' \
    || { echo "-- no JUnit summary; end of the log:"; tail -25 "$out/tests.log"; }
grep -E "✘|\[X\]" "$out/tests.log" | head -40
if ((trc != 0)); then
    echo "-- first failure details:"
    grep -m 3 -A 6 -E "=> (org\.opentest4j|java\.|tangent\.|jcuda)" "$out/tests.log" | head -60
fi
echo "bench: exit $brc$( ((brc == 124)) && echo ' (TIMED OUT)') in $((t2 - t1)) s"
cat "$out/bench.log"
echo "total: $((t2 - t0)) s; files under $out"
exit $(( trc != 0 ? trc : brc ))
