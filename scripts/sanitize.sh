#!/bin/sh
# The suite again under sanitizers and valgrind:
#  - ASan + UBSan (LeakSanitizer on, tests/lsan.supp): every C test, the tool
#    through cli.sh, and integration.sh and calibration.sh with the ASan runtime preloaded into
#    the system's `openssl` (an ASan-built module cannot be loaded into an
#    uninstrumented program otherwise). clients, sshd and package are left
#    to the plain suite: curl and cpack hang with the ASan runtime
#    preloaded, and Debian's sshd cannot load an ASan-built module.
#    test_confine too: its children run under seccomp filters that refuse
#    calls the ASan runtime itself makes (sigaltstack as the child exits:
#    a CHECK failure and SIGILL under the EPERM filter), so they would die
#    of the runtime, not of timingseed.
#  - TSan: the thread and fork tests (not test_confine, as under ASan).
#  - valgrind memcheck (a build without sanitizers): key unit tests, any
#    error or definite leak fails.
# Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error);
# each test gets at most 300 s, so a hang fails instead of stalling. All
# three stages run even when one fails; the exit status is 1 if any did.
#   sh scripts/sanitize.sh        (builds in build-asan, build-tsan, build-valgrind)
set -u
cd "$(dirname "$0")/.." || exit 1
src=$(pwd)
jobs=$(nproc)
cc=${CC:-cc}
failed=""
start=$(date +%s)

sh scripts/deps.sh test || exit 1

stage() {
	name=$1
	shift
	t0=$(date +%s)
	echo "== sanitize: $name"
	if "$@"; then
		echo "== sanitize: $name: ok, $(($(date +%s) - t0)) s"
	else
		echo "== sanitize: $name: FAILED, $(($(date +%s) - t0)) s"
		failed="$failed; $name"
	fi
}

# build DIR SANITIZERS [cmake --build arguments]
build() {
	dir=$1
	san=$2
	shift 2
	cmake -S . -B "$dir" -DTS_SANITIZE="$san" >/dev/null || return 1
	if ! cmake --build "$dir" -j"$jobs" "$@" >"$dir/sanitize-build.log" 2>&1; then
		tail -40 "$dir/sanitize-build.log"
		return 1
	fi
}

asan() {
	build build-asan address,undefined || return 1
	ok=0
	# OpenSSL-internal leaks only may ever be suppressed (see the file).
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
		LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0" \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure --no-tests=error --timeout 300 \
		-E '^(integration|calibration|clients|sshd|package|test_confine)$' || ok=1
	# The leaks of the shell and of openssl are not ours: LeakSanitizer
	# is off here; the module's are the unit tests' business.
	LD_PRELOAD=$($cc -print-file-name=libasan.so) \
		ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure --no-tests=error --timeout 300 -R '^(integration|calibration)$' || ok=1
	return $ok
}

tsan() {
	build build-tsan thread --target test_threads test_fork timingseed_provider || return 1
	# die_after_fork=0: children that start threads (the sources do) are
	# fine when their parent had none; the one case TSan cannot follow,
	# threads in a child of a threaded parent, test_fork skips and says so.
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:die_after_fork=0 \
		ctest --test-dir build-tsan --output-on-failure --no-tests=error --timeout 300 \
		-R '^(test_threads|test_fork)$'
}

# Not test_fork (the children of a threaded parent lose that thread's
# memory, which memcheck calls a leak), not test_limits (valgrind's own fds
# count against the limit), not test_alloc, test_threads, test_ea (too slow
# under memcheck; LeakSanitizer covers them). test_leaks runs shortened.
valgrind_tests() {
	tests="test_health test_extract test_pool test_zeroize test_provider test_provider_fail test_leaks"
	# shellcheck disable=SC2086 # a list of targets
	build build-valgrind "" --target $tests timingseed_provider timingseed_fault || return 1
	ok=0
	for t in $tests; do
		log=build-valgrind/$t.valgrind.log
		echo "-- valgrind $t"
		[ "$t" = test_leaks ] &&
			echo "   shortened: TS_LEAKS_SEEDS=200 TS_LEAKS_PER_SOURCE=20 (10,000 and 1,000 under ASan)"
		if ! TS_LEAKS_SEEDS=200 TS_LEAKS_PER_SOURCE=20 \
			valgrind -q --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			"build-valgrind/tests/$t" >"$log" 2>&1; then
			grep -v '^--[0-9]*-- ' "$log" | tail -40
			echo "-- valgrind $t: FAILED (whole log: $log)"
			ok=1
		fi
	done
	return $ok
}

stage "ASan+UBSan: the suite" asan
stage "TSan: thread and fork tests" tsan
stage "valgrind: key unit tests" valgrind_tests

echo "== sanitize: $(($(date +%s) - start)) s in all"
if [ -n "$failed" ]; then
	echo "== sanitize: FAILED${failed#;}"
	exit 1
fi
echo "== sanitize: clean"
