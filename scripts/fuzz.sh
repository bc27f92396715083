#!/bin/sh
# Build the libFuzzer harness over the config parsers (ASan+UBSan) and run
# it for a bounded time (FUZZ_SECONDS, default 60) from the committed corpus.
#   fuzz.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
secs=${1:-${FUZZ_SECONDS:-60}}
out=build-fuzz
mkdir -p "$out/new"
# The engine is compiled into the harness so libFuzzer sees its coverage;
# its version as CMake gives it (pool/machine.c binds a calibration to it).
version=$(sed -n 's/^project(timingseed VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
clang -g -O1 -std=c11 -D_GNU_SOURCE -DTS_VERSION="\"$version\"" -Iinclude -Ipool \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	tests/fuzz/fuzz_config.c sources/*.c pool/*.c ea/*.c \
	-lcrypto -lm -lpthread -o "$out/fuzz_config"
# New inputs go to $out/new; the committed corpus is only read.
ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_config" -max_total_time="$secs" -timeout=10 \
	-print_final_stats=1 "$out/new" tests/fuzz/corpus
