#!/usr/bin/env bash
# Checks tangent as a library, the way a user meets it (README.md, "Use it as a library"):
#  1. installs core and nn (and the parent pom) into the local Maven repository, building their
#     sources and javadoc jars; fails on any javadoc warning but the incubator-module one;
#  2. builds this separate project against the installed 0.1.0 artifacts, on the module path,
#     and runs it: the JVP and gradient lines must be exactly the expected ones and the MLP's loss
#     must fall at least 20-fold;
#  3. checks that a module cannot read tangent.core.cpu (not exported);
#  4. checks that tangent.core uses the Vector API on the module path exactly when the JVM is
#     started with --add-modules jdk.incubator.vector;
#  5. checks that README.md's snippet is this project's example, line for line.
# Usage: examples/library-user/run.sh   (SKIP_INSTALL=1 reuses what is installed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [[ -z ${SKIP_INSTALL:-} ]]; then
  log=$(mktemp)
  echo "library-user: mvn install -DskipTests -pl core,nn -am (with sources and javadoc jars)"
  if ! { mvn -B -o -ntp install -DskipTests -pl core,nn -am >"$log" 2>&1 || mvn -B -ntp install -DskipTests -pl core,nn -am >"$log" 2>&1; }; then
    grep -E 'ERROR|error:' "$log" | head -40 >&2
    echo "library-user: the install failed (above)" >&2
    exit 1
  fi
  if grep -E 'warning:' "$log" | grep -v 'incubating module' | grep -q .; then
    grep -E 'warning:' "$log" | grep -v 'incubating module' >&2
    echo "library-user: javadoc warnings (above); fix the comments" >&2
    exit 1
  fi
  rm -f "$log"
fi

cd "$here"
mvnargs=(-B -q -ntp compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
mvn -o "${mvnargs[@]}" 2>/dev/null || mvn "${mvnargs[@]}"
mp="target/classes:$(cat target/classpath.txt)"
out=$(java --add-modules jdk.incubator.vector -p "$mp" -m example.library/example.LibraryExample 2>/dev/null)
echo "$out"

fail() { echo "library-user: $*" >&2; exit 1; }
expect=$'f(x)   = tensor([0., 0.06185, 0.2397, 0.5112], shape=(4,), dtype=float64)
f\'(x)  = tensor([0., 0.4896, 0.9182, 1.230], shape=(4,), dtype=float64)
grad w = tensor([0., -0.1250, 1., 4.500], shape=(4,), dtype=float64)'
[[ "$(head -3 <<<"$out")" == "$expect" ]] || fail "the JVP and gradient lines differ from: "$'\n'"$expect"
first=$(awk '$1 == "step" && $2 == 0 {print $4}' <<<"$out")
last=$(awk '$1 == "step" && $2 == 200 {print $4}' <<<"$out")
[[ -n $first && -n $last ]] || fail "no loss lines for steps 0 and 200"
awk -v a="$first" -v b="$last" 'BEGIN {exit !(b * 20 < a)}' || fail "the loss fell only from $first to $last"

# tangent.core.cpu is not exported: a module that uses it must not compile.
neg=$(mktemp -d)
mkdir -p "$neg/src/bad"
echo 'module bad { requires tangent.nn; }' >"$neg/src/module-info.java"
echo 'package bad; public class Bad { Object s = tangent.core.cpu.CpuStorage.class; }' >"$neg/src/bad/Bad.java"
if msg=$(javac -p "$(cat target/classpath.txt)" -d "$neg/out" "$neg/src/module-info.java" "$neg/src/bad/Bad.java" 2>&1); then
  fail "a module could use tangent.core.cpu, which must not be exported"
fi
grep -q 'tangent.core.cpu' <<<"$msg" || fail "javac failed on the unexported package for another reason: $msg"
rm -rf "$neg"

# The Vector API on the module path: tangent.core reads jdk.incubator.vector (requires static)
# exactly when the JVM is started with --add-modules jdk.incubator.vector.
probe=$(mktemp -d)
echo 'public class Probe { public static void main(String[] a) { System.out.println(tangent.core.cpu.Gemm.f32Kernels()); } }' >"$probe/Probe.java"
core_jar=$(tr ':' '\n' <target/classpath.txt | grep 'tangent-core')
open=(-p "$core_jar" --add-exports tangent.core/tangent.core.cpu=ALL-UNNAMED)
javac "${open[@]}" --add-modules tangent.core -d "$probe" "$probe/Probe.java" 2>/dev/null
with=$(java "${open[@]}" --add-modules tangent.core,jdk.incubator.vector -cp "$probe" Probe 2>/dev/null)
without=$(java "${open[@]}" --add-modules tangent.core -cp "$probe" Probe 2>/dev/null)
echo "float32 kernels with --add-modules jdk.incubator.vector: $with; without: $without"
[[ $without == "pure Java: module jdk.incubator.vector not present"* ]] || fail "without the flag: $without"
[[ $with != *"not present"* && -n $with ]] || fail "with the flag the module is not read: $with"
rm -rf "$probe"

# README.md's snippet is the region between the markers, de-indented.
snippet=$(awk '/^```java library-example/ {on = 1; next} on && /^```/ {exit} on' "$root/README.md")
code=$(awk '/README example end/ {on = 0} on {sub(/^        /, ""); print} /README example begin/ {on = 1}' src/main/java/example/LibraryExample.java)
[[ -n $snippet ]] || fail "README.md has no \`\`\`java library-example block"
[[ "$snippet" == "$code" ]] || { diff <(echo "$snippet") <(echo "$code") >&2 || true; fail "README.md's snippet and LibraryExample.java differ (above)"; }
echo "library-user: ok (installed artifacts, module path, exports, Vector API flag, README snippet)"
