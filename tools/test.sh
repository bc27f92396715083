#!/bin/sh
# Set up, build, and run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh test
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure
