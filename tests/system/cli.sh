#!/bin/sh
# The seed, bench and check subcommands of the timingseed tool. Nothing here
# asserts a timing: bench runs in its --quick mode (for this test only) and
# only its JSON shape is checked.
#   cli.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
ts=$build/bin/timingseed
modules=$build/modules
conf=$src/openssl.cnf.example
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# --- seed -------------------------------------------------------------------

run "$ts" seed -n 64 --hex
if [ "$rc" -eq 0 ] && grep -Eq '^[0-9a-f]{128}$' "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 1 ]; then
	ok "seed -n 64 --hex: 128 hex digits"
else
	fail "seed -n 64 --hex: 128 hex digits"
fi
cp "$tmp/out" "$tmp/first"
run "$ts" seed -n 64 --hex
if [ "$rc" -eq 0 ] && ! cmp -s "$tmp/out" "$tmp/first"; then
	ok "seed: two runs differ"
else
	fail "seed: two runs differ"
fi

run "$ts" seed -n 100
[ "$rc" -eq 0 ] && [ "$(wc -c <"$tmp/out")" -eq 100 ] && ok "seed -n 100: 100 raw bytes" ||
	fail "seed -n 100: 100 raw bytes"

run "$ts" seed
[ "$rc" -eq 0 ] && [ "$(wc -c <"$tmp/out")" -eq 32 ] && ok "seed: 32 bytes by default" ||
	fail "seed: 32 bytes by default"

for bad in 0 -5 abc 12x 1099511627777 ''; do
	run "$ts" seed -n "$bad"
	if [ "$rc" -ne 0 ] && [ ! -s "$tmp/out" ] && grep -q -- '-n' "$tmp/err"; then
		ok "seed -n '$bad' refused with a message"
	else
		fail "seed -n '$bad' refused with a message"
	fi
done
run "$ts" seed -n
[ "$rc" -ne 0 ] && [ -s "$tmp/err" ] && ok "seed -n without a value refused" ||
	fail "seed -n without a value refused"
run "$ts" seed --bogus
[ "$rc" -ne 0 ] && grep -q 'bogus' "$tmp/err" && ok "seed: unknown argument refused" ||
	fail "seed: unknown argument refused"

# Progress goes to stderr only when it is a terminal, once a run takes a
# second. progress_checks WHAT PATTERN ARGS... runs timingseed ARGS (long
# enough to pass that second) twice: stderr a file, which must stay empty,
# then stderr a pty made by util-linux script(1), which must show PATTERN
# (script copies the pty to its stdout; each \r rewrite is made a line).
# Where script cannot make a pty the second check is skipped, and says so.
# The command's stdout goes to $tmp/out both times, for the caller.
progress_checks() {
	what=$1 pattern=$2
	shift 2
	run "$ts" "$@"
	tr '\r' '\n' <"$tmp/err" >"$tmp/pty" && mv "$tmp/pty" "$tmp/err"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]; then
		ok "$what, stderr a file: no progress on stderr"
	else
		fail "$what, stderr a file: no progress on stderr (status $rc)"
	fi
	cp "$tmp/out" "$tmp/out.file"
	if ! command -v script >/dev/null 2>&1 || ! script -qec true /dev/null </dev/null >/dev/null 2>&1; then
		echo "skip - $what, stderr a terminal: no util-linux script(1) here to make a pty"
		return
	fi
	# ARGS are plain words here; $TS_BIN and $TS_OUT are expanded by the
	# shell script runs.
	TS_BIN=$ts TS_OUT=$tmp/out script -qec "\"\$TS_BIN\" $* >\"\$TS_OUT\"" /dev/null \
		</dev/null >"$tmp/pty" 2>&1
	rc=$?
	tr '\r' '\n' <"$tmp/pty" >"$tmp/err"
	if [ "$rc" -eq 0 ] && grep -q "$pattern" "$tmp/err"; then
		ok "$what, stderr a terminal: progress shown"
	else
		fail "$what, stderr a terminal: progress shown (status $rc)"
	fi
}

# The pool serves about 120 KB/s here (vdso_clock and cpu_jitter, issue
# 22), so 250000 bytes take about 2 s: past the progress line's 1 s delay even
# on a faster machine or a calibrated one.
big=250000
progress_checks "seed -n $big" "timingseed: seed: [0-9]*/$big bytes" seed -n $big
if [ "$(wc -c <"$tmp/out.file")" -eq $big ] && [ "$(wc -c <"$tmp/out")" -eq $big ]; then
	ok "seed -n $big: $big bytes on stdout, off and on a terminal"
else
	fail "seed -n $big: $big bytes on stdout, off and on a terminal"
fi

# unix_ipc makes about 10-20 thousand samples a second: 40000 take 2-4 s.
progress_checks "sample unix_ipc -n 40000" "timingseed: sample: unix_ipc [0-9]*/40000 samples" \
	sample unix_ipc -n 40000 -o -
if [ "$(wc -c <"$tmp/out.file")" -eq 40000 ]; then
	ok "sample unix_ipc -n 40000 -o -: 40000 bytes"
else
	fail "sample unix_ipc -n 40000 -o -: 40000 bytes"
fi

# --- sources ----------------------------------------------------------------

# sources --json lists, for every source, the assessments its default credit
# is held to (what scripts/measure-credits.sh runs); every setting in them
# must be one the source takes: each available source collects a few
# samples with each assessment's settings.
run "$ts" sources --json
if [ "$rc" -eq 0 ] && python3 - "$tmp/out" >"$tmp/plan" 2>>"$tmp/err" <<'EOF'
import json, sys
srcs = json.load(open(sys.argv[1]))
by = {s["name"]: s for s in srcs}
assert all(s["assessments"] for s in srcs), "a source without assessments"
labels = [a["label"] for a in by["pipe_buffer"]["assessments"]]
assert labels == ["write size fixed at 1", "write size fixed at 4096"], labels
assert by["vdso_clock"]["assessments"] == [{"label": "defaults", "sets": []}]
for s in srcs:
    if s["available"]:
        for a in s["assessments"]:
            print(s["name"], *("--set " + x for x in a["sets"]))
EOF
then
	ok "sources --json: the assessments of every source"
else
	fail "sources --json: the assessments of every source"
fi
bad=0
while read -r line; do
	# shellcheck disable=SC2086 # a source and its --set words
	"$ts" sample $line -n 64 -o "$tmp/few" >/dev/null 2>"$tmp/err.sample" ||
		{ bad=$((bad + 1)); echo "  sample $line: $(cat "$tmp/err.sample")" >>"$tmp/err"; }
done <"$tmp/plan"
if [ -s "$tmp/plan" ] && [ "$bad" -eq 0 ]; then
	ok "sources --json: each assessment's settings are taken ($(wc -l <"$tmp/plan") assessments)"
else
	fail "sources --json: each assessment's settings are taken ($bad refused)"
fi

# --- check ------------------------------------------------------------------

# check_case NAME EXPECTED_STATUS PATTERN_IN_OUTPUT ENV... -- ARGS...
check_case() {
	name=$1 want=$2 pattern=$3
	shift 3
	run env "$@"
	if [ "$rc" -eq "$want" ] && grep -Eq "$pattern" "$tmp/out" "$tmp/err"; then
		ok "$name"
	else
		fail "$name (status $rc, expected $want)"
	fi
}

check_case "check: openssl.cnf.example seeds from timingseed" 0 '^YES: ' \
	OPENSSL_MODULES="$modules" "$ts" check --config "$conf"
check_case "check: config from OPENSSL_CONF" 0 '^YES: ' \
	OPENSSL_MODULES="$modules" OPENSSL_CONF="$conf" "$ts" check

sed 's/^seed = TIMING-SEED/seed = TIMING-SEEED/' "$conf" >"$tmp/misspelt.cnf"
check_case "check: misspelt seed name" 1 '^NO: seed = TIMING-SEEED: no RAND of that name' \
	OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/misspelt.cnf"

check_case "check: module not loadable" 1 '^NO: .*timingseed.so cannot be loaded' \
	OPENSSL_MODULES="$tmp/nowhere" "$ts" check --config "$conf"
grep -q "$tmp/nowhere/timingseed.so does not exist" "$tmp/out" &&
	ok "check: module not loadable: names the path tried" ||
	fail "check: module not loadable: names the path tried"
# What that costs an application depends on the library check runs on.
major=$(sed -n 's/^OpenSSL  *OpenSSL \([0-9]*\)\..*/\1/p' "$tmp/out")
if [ "${major:-0}" -ge 4 ]; then
	consequence='OpenSSL 4.0 and later refuse to start the DRBG'
else
	consequence='OpenSSL 3.x does not report this: its primary DRBG seeds from the OS'
fi
grep -q "^    $consequence" "$tmp/out" && ok "check: explains what OpenSSL ${major:-?} does then" ||
	fail "check: no '$consequence' for OpenSSL ${major:-?}"

sed '/^random = random_sect/d' "$conf" >"$tmp/norandom.cnf"
check_case "check: config without random section" 1 '^NO: the config has no random section' \
	OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/norandom.cnf"

awk '/^\[timingseed_sect\]/ { s = 1 } s && /^activate/ { next } { print }' "$conf" \
	>"$tmp/noactivate.cnf"
check_case "check: provider never activated" 1 '^NO: .*never activated' \
	OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/noactivate.cnf"

sed '/^timingseed = timingseed_sect/d' "$conf" >"$tmp/notlisted.cnf"
check_case "check: provider not listed (-provider mode)" 1 \
	'^NO: .*does not activate the timingseed provider' \
	OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/notlisted.cnf"

sed 's/^activate = 1$/activate = 1\ndeadline_mz = 5/' "$conf" >"$tmp/badkey.cnf"
check_case "check: provider refuses a bad key" 1 "^NO: .*refused to start: .*deadline_mz" \
	OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/badkey.cnf"

check_case "check: missing config file is an error" 2 'cannot read config' \
	OPENSSL_MODULES="$modules" "$ts" check --config "$tmp/does-not-exist.cnf"

# --- bench ------------------------------------------------------------------

run "$ts" bench --json --quick
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
keys = ["warm_median_ms", "warm_p90_ms", "warm_p99_ms", "cold_median_ms",
        "throughput_bytes_per_s"]
for side in ("timingseed", "seed_src"):
    for k in keys:
        assert isinstance(d[side][k], (int, float)), (side, k)
        assert d[side][k] >= 0, (side, k)
assert isinstance(d["process_ratio"], (int, float)) and d["process_ratio"] >= 0, "process_ratio"
assert isinstance(d["process"]["pairs"], int), "process.pairs"
assert isinstance(d["sources"], list) and d["sources"], "sources"
for s in d["sources"]:
    assert isinstance(s["name"], str), s
    for k in ("samples_per_s", "credit", "credited_bits_per_s"):
        assert isinstance(s[k], (int, float)), (s["name"], k)
' "$tmp/out" >"$tmp/py" 2>&1; then
	ok "bench --json: parses, with the required keys"
else
	cat "$tmp/py" >>"$tmp/err"
	fail "bench --json: parses, with the required keys"
fi

run "$ts" bench --quick
[ "$rc" -eq 0 ] && grep -q 'TIMING-SEED' "$tmp/out" && grep -q 'SEED-SRC' "$tmp/out" &&
	ok "bench: human table names both" || fail "bench: human table names both"

# --calibration: a calibration of this machine (cpu_jitter alone, ~15-30 s)
# measured beside the defaults; the provider must say it is in force, and
# the new keys come beside the old ones. A file made for another machine
# (its binding's kernel changed, its digest recomputed) is not in force:
# bench says so and measures nothing calibrated.
run "$ts" calibrate --force -o "$tmp/cal.conf" cpu_jitter
if [ "$rc" -ne 0 ] || [ ! -s "$tmp/cal.conf" ]; then
	fail "bench --calibration: calibrate" "$tmp/out" "$tmp/err"
fi
run "$ts" bench --json --quick --calibration "$tmp/cal.conf"
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
cal = sys.argv[2]
keys = ["warm_median_ms", "warm_p90_ms", "warm_p99_ms", "cold_median_ms",
        "throughput_bytes_per_s"]
for side in ("timingseed", "seed_src", "timingseed_calibrated"):
    for k in keys:
        assert isinstance(d[side][k], (int, float)) and d[side][k] >= 0, (side, k)
c = d["calibration"]
assert c["file"] == cal and c["in_force"] is True, c
assert c["status"].startswith(cal + " in force: cpu_jitter "), c
for k in ("warm_median", "cold_median", "throughput"):
    assert isinstance(d["ratios_calibrated"][k], (int, float)), k
# No process row where openssl cannot load the module (an ASan build).
measured = d["process"]["pairs"] > 0
for k in ("process_ratio", "process_ratio_calibrated"):
    if measured:
        assert isinstance(d[k], (int, float)) and d[k] > 0, k
    else:
        assert d[k] is None or d[k] == 0, k
assert not measured or d["process_calibrated"]["timingseed_calibrated_median_ms"] > 0
cj = [s for s in d["sources"] if s["name"] == "cpu_jitter"][0]
assert isinstance(cj["credit_calibrated"], (int, float)), cj
' "$tmp/out" "$(realpath "$tmp/cal.conf")" >"$tmp/py" 2>&1; then
	ok "bench --calibration --json: in force, the calibrated column and keys beside the old"
else
	cat "$tmp/py" >>"$tmp/err"
	fail "bench --calibration --json: in force, the calibrated column and keys" "$tmp/out" "$tmp/err"
fi
sed -e 's/^machine.kernel = .*/machine.kernel = Linux 0.0.0-elsewhere x86_64/' -e '$d' \
	"$tmp/cal.conf" >"$tmp/other.conf"
echo "sha256 = $(sha256sum <"$tmp/other.conf" | cut -d' ' -f1)" >>"$tmp/other.conf"
chmod 600 "$tmp/other.conf"
run "$ts" bench --json --quick --calibration "$tmp/other.conf"
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["calibration"]
assert c["in_force"] is False and "not used" in c["status"], c
assert "NOT IN FORCE" in c["note"], c
assert d["timingseed_calibrated"] is None and d["process_ratio_calibrated"] is None
assert d["timingseed"]["warm_median_ms"] > 0
' "$tmp/out" >"$tmp/py" 2>&1 && grep -q 'NOT IN FORCE' "$tmp/err"; then
	ok "bench --calibration from another machine: not in force, said so, nothing calibrated"
else
	cat "$tmp/py" >>"$tmp/err"
	fail "bench --calibration from another machine" "$tmp/out" "$tmp/err"
fi

run "$ts" bench --quick --modules "$tmp/nowhere"
[ "$rc" -ne 0 ] && grep -q 'could not load the shared library' "$tmp/err" &&
	ok "bench: unloadable module is an error" || fail "bench: unloadable module is an error"

# --- selftest ---------------------------------------------------------------
# The on-demand test: a line per source, exit 0 when all pass; an induced
# fault over a source's real samples is caught, naming the test, exit 1.

check_case "selftest: every available source passes" 0 '^vdso_clock +startup +1024 +pass' -- \
	"$ts" selftest
check_case "selftest SOURCE: only that one" 0 '^pipe_buffer +startup +1024 +pass' -- \
	"$ts" selftest pipe_buffer
[ "$(grep -c 'pass' "$tmp/out")" -eq 1 ] && ok "selftest SOURCE: one line" ||
	fail "selftest SOURCE: one line"
check_case "selftest: a source that cannot run here fails" 1 '^kqueue_events .*not run' -- \
	"$ts" selftest kqueue_events
check_case "selftest: unknown source" 2 'unknown source' -- "$ts" selftest nonesuch
check_case "selftest --induce stuck: the RCT catches it" 1 \
	'^pipe_buffer: induced stuck fault .*caught before any block was served: .*repetition count test' \
	-- "$ts" selftest --induce stuck pipe_buffer
check_case "selftest --induce biased: the APT catches it" 1 \
	'^unix_ipc: induced biased fault .*caught before any block was served: .*adaptive proportion test' \
	-- "$ts" selftest --induce biased unix_ipc
check_case "selftest --induce stuck, low credit: the RCT over retests" 1 \
	'^proc_info: induced stuck fault .*caught .*repetition count test \(retest\)' \
	-- "$ts" selftest --induce stuck proc_info
check_case "selftest --induce: unknown fault" 2 'stuck or biased' -- \
	"$ts" selftest --induce lukewarm pipe_buffer

finish
