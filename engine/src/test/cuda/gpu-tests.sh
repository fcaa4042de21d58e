#!/usr/bin/env bash
# Runs the CUDA tests (dev.ember.engine.backend.cuda, dev.ember.engine.cuda, DeviceOpsTest) on the real GPU of a
# machine with an NVIDIA driver but no Maven and no network.
#
#   gpu-tests.sh pack [BUNDLE]   on a build machine, after `mvn -pl engine test-compile`:
#                                writes BUNDLE (default engine/target/gpu-bundle)
#   gpu-tests.sh run  [BUNDLE]   on the GPU machine: runs the tests from BUNDLE
#
# A bundle is a folder with
#   java/            a jlink'd Java 17 runtime (java/bin/java)
#   jars/*.jar       jcuda, jcuda-natives-*-linux-x86_64, jna (the emulated device, where g++ is), junit-platform-console-standalone
#   classes/         engine/target/classes (PTX resources included)
#   test-classes/    engine/target/test-classes
# The GPU machine needs only libcuda.so.1 (the driver). Run from the repository root (or engine/)
# so the tests that read engine/src/main/cuda find it; elsewhere they skip. Exit status is JUnit's.
set -euo pipefail
engine="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
mode="${1:-run}"
bundle="$(realpath -m "${2:-$engine/target/gpu-bundle}")" # absolute: run changes to the engine directory
JCUDA_VERSION=12.6.0
JUNIT_CONSOLE_VERSION=1.14.1

case "$mode" in
  pack)
    m2="${M2_REPO:-$HOME/.m2/repository}"
    jars=("$m2/org/jcuda/jcuda/$JCUDA_VERSION/jcuda-$JCUDA_VERSION.jar"
          "$m2/org/jcuda/jcuda-natives/$JCUDA_VERSION/jcuda-natives-$JCUDA_VERSION-linux-x86_64.jar"
          "$m2/net/java/dev/jna/jna/5.19.1/jna-5.19.1.jar"
          "$m2/org/junit/platform/junit-platform-console-standalone/$JUNIT_CONSOLE_VERSION/junit-platform-console-standalone-$JUNIT_CONSOLE_VERSION.jar")
    for j in "${jars[@]}"; do [[ -f "$j" ]] || { echo "missing $j (run mvn first)" >&2; exit 2; }; done
    [[ -d "$engine/target/test-classes" ]] || { echo "missing $engine/target/test-classes: run mvn -pl engine test-compile" >&2; exit 2; }
    rm -rf "$bundle"
    mkdir -p "$bundle/jars"
    cp "${jars[@]}" "$bundle/jars/"
    cp -r "$engine/target/classes" "$bundle/classes"
    cp -r "$engine/target/test-classes" "$bundle/test-classes"
    jlink --add-modules java.base,java.logging,java.management,java.xml,java.scripting,jdk.unsupported,jdk.incubator.vector \
          --strip-debug --no-header-files --no-man-pages --compress=2 --output "$bundle/java"
    du -sh "$bundle" "$bundle"/*
    ;;
  run)
    java="$bundle/java/bin/java"
    [[ -x "$java" ]] || java=java
    console=$(ls "$bundle"/jars/junit-platform-console-standalone-*.jar)
    cp="$bundle/classes:$bundle/test-classes"
    for j in "$bundle"/jars/*.jar; do [[ "$j" == "$console" ]] || cp="$cp:$j"; done
    cd "$engine"
    EMBER_CUDA_REAL=1 "$java" --add-modules jdk.incubator.vector -Xss4m -jar "$console" execute --disable-banner \
        --details=tree -cp "$cp" --select-package dev.ember.engine.backend.cuda \
        --select-package dev.ember.engine.cuda --select-class dev.ember.engine.DeviceOpsTest
    ;;
  *) echo "usage: gpu-tests.sh pack|run [BUNDLE]" >&2; exit 2 ;;
esac
