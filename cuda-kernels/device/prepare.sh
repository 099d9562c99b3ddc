#!/usr/bin/env bash
# Run HERE (development machine, repository root or anywhere in the checkout): builds everything the
# GPU machine needs into .device/ (git-ignored; carry it with the run): a small Java 17 runtime, the
# jars (core, cuda-kernels with its PTX, nn, scm, picocli, the cuda-kernels and scm test classes),
# JCuda with slimmed natives and the JUnit console launcher. Then on the GPU machine:
# bash cuda-kernels/device/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BUILD_DIR:-target-dev}
m2=${M2_REPO:-$HOME/.m2/repository}
jcuda=12.6.0
console=1.10.2
dev=.device

command -v /usr/local/bin/nvcc >/dev/null || [[ -n ${NVCC:-} ]] || { echo "prepare.sh: nvcc not found: the kernels would not be built" >&2; exit 1; }
mvnflags=(-q -DbuildDir="$build" -pl cuda-kernels,scm -am -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true)
[[ -n ${NVCC:-} ]] && mvnflags+=(-Dnvcc="$NVCC")
echo "== building (mvn package -DskipTests, build dir $build)"
mvn -o "${mvnflags[@]}" package || mvn "${mvnflags[@]}" package

rm -rf "$dev/lib"
mkdir -p "$dev/lib"
cp core/"$build"/tangent-core-*[0-9].jar cuda-kernels/"$build"/tangent-cuda-kernels-*[0-9].jar nn/"$build"/tangent-nn-*[0-9].jar \
    scm/"$build"/tangent-scm-*[0-9].jar scm/"$build"/lib/picocli-*.jar "$dev/lib/"
listing=$(unzip -l "$dev"/lib/tangent-cuda-kernels-*[0-9].jar)
for m in elementwise reduce gemm conv optim norm act igemm rng; do
    grep -q "tangent/cuda/$m.sm90.ptx" <<<"$listing" || { echo "prepare.sh: $m.sm90.ptx is missing from the jar" >&2; exit 1; }
done
(cd cuda-kernels/"$build"/test-classes && jar cf "$root/$dev/lib/tangent-cuda-kernels-tests.jar" .)
(cd scm/"$build"/test-classes && jar cf "$root/$dev/lib/tangent-scm-tests.jar" tangent)  # classes only (no test data)
unzip -l "$dev/lib/tangent-scm-tests.jar" | grep -c 'tangent/scm/train/CudaStepTest.class' >/dev/null || { echo "prepare.sh: CudaStepTest missing from the scm test jar" >&2; exit 1; }
grep -q 'tangent/cuda/CudaKernelSmokeTest.class' <<<"$(unzip -l "$dev/lib/tangent-cuda-kernels-tests.jar")" || { echo "prepare.sh: CudaKernelSmokeTest (run.sh's sanitizer target) missing from the test jar" >&2; exit 1; }
command -v python3 >/dev/null && for f in benchmarks/pytorch/sct_step.py benchmarks/jax/sct_step.py; do
    python3 -c "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])" "$f" || { echo "prepare.sh: $f does not parse" >&2; exit 1; }
done
cp "$m2/org/jcuda/jcuda/$jcuda/jcuda-$jcuda.jar" "$dev/lib/"
/work/shared/device/slim-jcuda-natives.sh "$m2/org/jcuda/jcuda-natives/$jcuda/jcuda-natives-$jcuda-linux-x86_64.jar" \
    "$dev/lib/jcuda-natives-$jcuda-linux-x86_64-slim.jar" >/dev/null

cjar="$m2/org/junit/platform/junit-platform-console-standalone/$console/junit-platform-console-standalone-$console.jar"
if [[ ! -f $cjar ]]; then
    echo "== fetching junit-platform-console-standalone $console"
    mvn -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:$console
fi
cp "$cjar" "$dev/junit-platform-console-standalone.jar"

echo "== Java runtime"
# java.xml: the JUnit console launcher writes its XML reports with it; jdk.zipfs: it scans jars for tests
# jdk.incubator.vector: core's float32 CPU kernels (the CPU bench runs with --add-modules, as bin/scm)
EXTRA_MODULES=java.xml,jdk.zipfs,jdk.incubator.vector${EXTRA_MODULES:+,$EXTRA_MODULES} /work/shared/device/make-jre.sh "$dev/jre"

echo "== .device contents"
du -sh "$dev" "$dev"/jre "$dev"/lib/* "$dev"/junit-platform-console-standalone.jar
total=$(du -sm "$dev" | cut -f1)
(( total < 60 )) || { echo "prepare.sh: .device is ${total} MiB, too big for the 64 MiB carry limit" >&2; exit 1; }
echo "ready: on the GPU machine, one call with carry [.device] and timeout_s 560: OUT=\$OUT bash cuda-kernels/device/run.sh"
echo "       (cuda tests, bench fmnist-s b128, PyTorch/JAX references, compute-sanitizer; about 8 minutes)"
