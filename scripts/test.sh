#!/bin/sh
# Set up, build, and run the whole test suite. Every stage runs, even after
# one fails; the last lines are a table of each stage's result and wall
# time, and the exit status is 1 if any stage failed.
set -u
cd "$(dirname "$0")/.." || exit 1
start=$(date +%s)
sh scripts/deps.sh test || exit 1
rows=""
failed=0

# stage NAME COMMAND...
stage() {
	name=$1
	shift
	t0=$(date +%s)
	echo "== test: $name" >&2
	if "$@"; then
		result=ok
	else
		result=FAILED
		failed=1
	fi
	rows="$rows$(printf '  %-7s %5s s  %s' "$result" "$(($(date +%s) - t0))" "$name")
"
}

# BUILD_TESTING=ON whatever an earlier configure (scripts/demo.sh) left in
# the cache; --no-tests=error: a run of no test is a failure.
# The browser's rendering of a report must run here, not be skipped.
suite() {
	cmake -S . -B build -DBUILD_TESTING=ON >/dev/null &&
		cmake --build build -j"$(nproc)" || return 1
	ctest --test-dir build --output-on-failure --no-tests=error >build/ctest.log 2>&1
	rc=$?
	cat build/ctest.log
	[ "$rc" -eq 0 ] || return 1
	grep -Eq 'Test +#[0-9]+: report_render \.+ +Passed' build/ctest.log ||
		{ echo "report_render did not pass (chromium missing?)" && return 1; }
}

stage "CTest suite on this machine ($(openssl version | cut -d' ' -f1,2))" suite
# The same suite under ASan+UBSan, the thread and fork tests under TSan,
# key unit tests under valgrind.
stage "sanitizers (scripts/sanitize.sh)" sh scripts/sanitize.sh
# libFuzzer over the config parsers, bounded: about a minute.
stage "libFuzzer, 60 s (scripts/fuzz.sh)" sh scripts/fuzz.sh 60
# macOS, arm64 and x86_64: the sources under -Werror, a sources-only
# program, libcrypto for darwin, the module and the tool (compiled and
# linked with zig's C compiler, not run).
stage "macOS cross-build, arm64 and x86_64 (scripts/macos.sh)" sh scripts/macos.sh
# The CTest suite against Debian's own OpenSSL 3.5 (+ FIPS), 3.6 and 4.0,
# each in a root filesystem of its suite.
stage "Debian's OpenSSL 3.5 + FIPS, 3.6, 4.0 (scripts/compat.sh)" sh scripts/compat.sh
# Emulated machines (qemu TCG): x86-64 with clocksource tsc, hpet and
# acpi_pm, with and without rdtscp, one and two CPUs, and arm64, each a
# trixie guest running the tool, a seed through openssl.cnf, selftest,
# check, an assessment and the confinement tests; a row per machine.
stage "emulated machines, x86-64 and arm64 (scripts/machines.sh)" sh scripts/machines.sh

echo "== test: stages"
printf '%s' "$rows"
echo "== test: $(($(date +%s) - start)) s in all"
exit "$failed"
