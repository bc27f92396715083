#!/bin/sh
# Calibration end to end: `timingseed calibrate` on this machine writes a
# file the provider accepts through openssl.cnf (calibration = FILE); the
# trace, `check` and `sources` say it is in force, and the credit a seed
# is served at never exceeds the file's. The same file bound to another
# kernel (its digest made anew, as its writer would) is ignored with a
# message; edited without its digest, or writable by others, it is refused
# and the provider does not load. tests/unit/test_calibration.c covers
# the reading itself, field by field.
#   calibration.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
ts=$build/bin/timingseed
modules=$build/modules
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

cal=$tmp/cal.conf
# One syscall-free source: what a process that may confine itself runs.
# --force: the test suite runs beside other tests, whose load is no
# quiet machine's (the refusal to calibrate under load is the next check).
run "$ts" calibrate --force -o "$cal" cpu_jitter
if [ "$rc" -eq 0 ] && [ -s "$cal" ] && grep -qx "calibration = $cal" "$tmp/out" &&
	grep -Eq '^cpu_jitter +0\.0600 +[0-9.]+ +[0-9.]+ +[01] of 1 passed' "$tmp/out" &&
	grep -q '^# Made with --force' "$cal"; then
	ok "calibrate writes the file, its table and the line to add"
else
	fail "calibrate" "$tmp/out" "$tmp/err" "$cal"
fi
credit=$(sed -n 's/^source\.cpu_jitter\.credit = //p' "$cal")
smallest=$(sed -n 's/^source\.cpu_jitter\.figures\.1 = //p' "$cal" | tr ' ' '\n' | sort -g | head -n 1)
if [ -n "$credit" ] && awk -v c="$credit" -v s="$smallest" 'BEGIN { exit !(c <= s / 2) }'; then
	ok "the credit ($credit) is at most half the smallest figure ($smallest)"
else
	fail "credit '$credit' against smallest '$smallest'" "$cal"
fi
stat -c %a "$cal" | grep -qx 644 && ok "written mode 0644" || fail "mode $(stat -c %a "$cal")"

# Under load it refuses (exit 1, saying why), without --force. A load
# average above 0.5 per CPU is made with busy loops; skipped when the
# machine could not be loaded enough within a minute.
ncpu=$(nproc)
pids=""
i=0
while [ "$i" -lt $((ncpu * 2)) ]; do
	sh -c 'while :; do :; done' &
	pids="$pids $!"
	i=$((i + 1))
done
t=0
while [ "$t" -lt 60 ] && ! awk -v n="$ncpu" '{ exit !($1 > 0.5 * n) }' /proc/loadavg; do
	sleep 2
	t=$((t + 2))
done
if awk -v n="$ncpu" '{ exit !($1 > 0.5 * n) }' /proc/loadavg; then
	run "$ts" calibrate -o "$tmp/loaded.conf" cpu_jitter
	if [ "$rc" -eq 1 ] && grep -q 'the machine is loaded' "$tmp/err" && [ ! -e "$tmp/loaded.conf" ]; then
		ok "a loaded machine: calibrate refuses, naming the load"
	else
		fail "a loaded machine: rc $rc"
	fi
else
	echo "# skipped: the load average did not rise above 0.5 per CPU"
fi
# shellcheck disable=SC2086
kill $pids 2>/dev/null
wait 2>/dev/null

# A config that loads the module, names TIMING-SEED and the calibration,
# with cpu_jitter the only source, so its credit is the one served.
mkconf() {
	sed "/^\[timingseed_sect\]/a calibration = $1\nsources = cpu_jitter" \
		"$src/openssl.cnf.example" >"$tmp/openssl.cnf"
}
rand() {
	run env TIMINGSEED_DEBUG=1 OPENSSL_MODULES="$modules" OPENSSL_CONF="$tmp/openssl.cnf" \
		openssl rand -hex 32
}

mkconf "$cal"
rand
used=$(sed -n 's/^timingseed: get_seed .*sources \([^ ]*\), .*/\1/p' "$tmp/err" | tr ',' '\n' |
	sed -n 's/^cpu_jitter=[0-9]*x//p' | sort -g | tail -n 1)
if [ "$rc" -eq 0 ] && grep -q "^timingseed: calibration: $cal in force: cpu_jitter $credit" "$tmp/err"; then
	ok "the trace at load: the calibration in force, cpu_jitter $credit"
else
	fail "trace at load"
fi
# The credit served is the calibrated cap or below (the startup estimate
# only lowers it; the trace rounds to 3 decimals).
if [ -n "$used" ] && awk -v u="$used" -v c="$credit" 'BEGIN { exit !(u <= c + 0.0005) }'; then
	ok "served at $used, at most the calibrated $credit"
else
	fail "served cpu_jitter at $used, above the calibrated $credit"
fi
run env OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/openssl.cnf"
grep -q "^calibration  *$cal in force: cpu_jitter $credit" "$tmp/out" &&
	ok "check: calibration in force" || fail "check"
run "$ts" sources --calibration "$cal"
grep -Eq '^cpu_jitter .* calibrated ' "$tmp/out" && ok "sources: cpu_jitter's cap is calibrated" ||
	fail "sources --calibration"

# Another machine: the kernel release differs, the digest is remade.
other=$tmp/other.conf
sed '$d' "$cal" | sed 's/^machine\.kernel = .*/machine.kernel = Linux 0.0.0-elsewhere x86_64/' >"$other"
echo "sha256 = $(sha256sum "$other" | cut -d' ' -f1)" >>"$other"
mkconf "$other"
rand
if [ "$rc" -eq 0 ] && grep -q "^timingseed: calibration: $other not used, default credits in force: made on another machine or software: kernel is 'Linux 0.0.0-elsewhere" "$tmp/err" &&
	grep -q '^timingseed: get_seed' "$tmp/err"; then
	ok "another machine's file: ignored with the reason, served at the defaults"
else
	fail "another machine's file"
fi
run env OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/openssl.cnf"
grep -q "^calibration  *$other not used" "$tmp/out" && ok "check: not used, and why" ||
	fail "check: another machine's file"

# Edited after writing: refused, the provider does not load.
edited=$tmp/edited.conf
sed 's/^\(source\.cpu_jitter\.credit = \).*/\10.9000/' "$cal" >"$edited"
mkconf "$edited"
rand
grep -q "^timingseed: not loaded: calibration: $edited: its content does not match its sha256 line" "$tmp/err" &&
	! grep -q '^timingseed: get_seed' "$tmp/err" &&
	ok "an edited file: refused, the provider not loaded" || fail "an edited file"
run env OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/openssl.cnf"
[ "$rc" -eq 1 ] && grep -q 'sha256' "$tmp/out" && ok "check: exit 1, naming the digest" ||
	fail "check: edited file, rc $rc"

# Writable by others: refused.
cp "$cal" "$tmp/open.conf"
chmod 0666 "$tmp/open.conf"
mkconf "$tmp/open.conf"
rand
grep -q "^timingseed: not loaded: calibration: $tmp/open.conf: writable by group or others (mode 0666)" "$tmp/err" &&
	ok "a world-writable file: refused" || fail "a world-writable file"

finish
