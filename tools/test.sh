#!/bin/sh
# Set up, build, and run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh test
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure
# The same suite under ASan+UBSan, and the thread and fork tests under TSan.
sh tools/sanitize.sh
# libFuzzer over the config parsers, bounded: about a minute.
sh tools/fuzz.sh 60
# The suite again against OpenSSL 3.5, built from Debian trixie's source
# package: about 6 minutes the first time, 2 once its build is cached.
sh tools/openssl35.sh
