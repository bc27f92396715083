#!/bin/sh
# The suite again under sanitizers:
#  - ASan + UBSan (LeakSanitizer on): every C test, and the tool through cli.sh.
#    The shell tests that run the system's `openssl` binary are left out: an
#    ASan-built module cannot be loaded into an uninstrumented program.
#  - TSan: the thread and fork tests.
# Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

cmake -S . -B build-asan -DTS_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
ctest --test-dir build-asan --output-on-failure -E '^(integration|clients|package|man)$'

cmake -S . -B build-tsan -DTS_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$jobs" --target test_threads test_fork timingseed_provider >/dev/null
ctest --test-dir build-tsan --output-on-failure -R '^(test_threads|test_fork)$'
