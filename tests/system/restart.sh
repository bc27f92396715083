#!/bin/sh
# timingseed assess --restart (SP 800-90B 3.1.4): row datasets of known
# entropy from files, a small live run, and bad arguments. Data of known
# entropy comes from python3's seeded PRNG, so each run sees the same.
#   restart.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
ts=$build/bin/timingseed
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# json_check NAME EXPR: EXPR (python, over j = the restart report's object
# and x = the restart object in it) must be true.
json_check() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1
j = a[0]; x = j["restart"]
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
' "$tmp/out" "$2" 2>>"$tmp/err"; then
		ok "$1"
	else
		fail "$1 (status $rc)"
	fi
}

python3 - "$tmp" <<'EOF'
import random, sys
d = sys.argv[1]
r = random.Random(13)
# 200 restarts of 500 uniform bytes: 8 bits/sample
open(d + "/uniform.u8", "wb").write(bytes(r.getrandbits(8) for _ in range(200 * 500)))
# one row of 500 uniform bytes, the same in every restart
row = bytes(r.getrandbits(8) for _ in range(500))
open(d + "/same.u8", "wb").write(row * 200)
# 0 with probability 1/2, else uniform over 1..255: min-entropy 1
open(d + "/biased.u8", "wb").write(bytes(0 if r.random() < 0.5 else r.randrange(1, 256)
                                         for _ in range(200 * 500)))
open(d + "/nibbles.u8", "wb").write(bytes(r.getrandbits(4) for _ in range(100 * 100)))
open(d + "/constant.u8", "wb").write(bytes(200 * 500))
EOF

# --- files of known entropy ---------------------------------------------------

# H_I 7, not 8: the binomial cutoff bounds one value's count; at H_I 8 all
# 256 values of uniform bytes are at that probability, and the largest of
# their counts passes U far more often than alpha (docs/estimators.md).
run "$ts" assess --restart --file "$tmp/uniform.u8" -c 500 -H 7 --json
json_check "uniform bytes: sanity passes, h_rows and h_columns near 8, test passes" \
	'x["rows"] == 200 and x["columns"] == 500 and x["sanity"] == "pass" and x["pass"] is True
and 5.5 < x["h_rows"] <= 8 and 5.5 < x["h_columns"] <= 8 and x["h_initial"] == 7
and x["max_row"] <= x["cutoff_rows"] and x["max_column"] <= x["cutoff_columns"]
and j["kind"] == "file" and j["samples"] == 100000 and "verdict" not in j'

run "$ts" assess --restart --file "$tmp/same.u8" -c 500 -H 7 --json
json_check "identical rows: column sanity fails (one value per column), test fails" \
	'x["sanity"] == "fail" and x["pass"] is False and x["max_column"] == 200
and x["max_column"] > x["cutoff_columns"] and x["max_row"] <= x["cutoff_rows"]
and x["h_columns"] < 1'

run "$ts" assess --restart --file "$tmp/biased.u8" -c 500 -H 1 --json
json_check "min-entropy 1 at H_I 1: sanity passes, estimates near 1" \
	'x["sanity"] == "pass" and x["pass"] is True and 0.85 < x["h_rows"] < 1.05
and 0.85 < x["h_columns"] < 1.05'

run "$ts" assess --restart --file "$tmp/biased.u8" -c 500 -H 4 --json
json_check "min-entropy 1 claimed at H_I 4: sanity and validation fail" \
	'x["sanity"] == "fail" and x["pass"] is False and min(x["h_rows"], x["h_columns"]) < 2'

# Without -H the file's own assessment is H_I: the row dataset's estimate.
run "$ts" assess --restart --file "$tmp/uniform.u8" -c 500 --json
json_check "no -H: H_I is the whole file's assessment, equal to h_rows" \
	'abs(x["h_initial"] - j["min_entropy"]) < 1e-6 and abs(x["h_rows"] - j["min_entropy"]) < 1e-6'

run "$ts" assess --restart --file "$tmp/uniform.u8" -c 500 -H 7
if [ "$rc" -eq 0 ] && grep -q '^  sanity check: pass (largest row count' "$tmp/out" &&
	grep -q '^  h_rows [0-9.]*, h_columns [0-9.]*' "$tmp/out" &&
	grep -q '^  restart test: pass$' "$tmp/out" && ! grep -q credit "$tmp/out"; then
	ok "text report: sanity line, h_rows, h_columns, result; no credit for a file"
else
	fail "text report: sanity line, h_rows, h_columns, result; no credit for a file"
fi

run "$ts" assess --restart --file "$tmp/constant.u8" -c 500
if [ "$rc" -eq 1 ] && grep -q 'give -H' "$tmp/err"; then
	ok "constant file without -H: no H_I to test against, status 1"
else
	fail "constant file without -H: no H_I to test against, status 1 (got $rc)"
fi

# --- a live source --------------------------------------------------------------

run "$ts" assess --restart vdso_clock -r 20 -c 1000 --json
json_check "vdso_clock, 20 fresh processes x 1000 samples: the JSON fields" \
	'x["rows"] == 20 and x["columns"] == 1000 and x["sanity"] in ("pass", "fail")
and 0 <= x["h_rows"] <= 8 and 0 <= x["h_columns"] <= 8 and j["kind"] == "source"
and abs(x["h_initial"] - 2 * j["credit"]) < 1e-6 and j["samples"] == 20000
and j["verdict"] == ("pass" if j["credit"] <= min(x["h_rows"], x["h_columns"]) / 2 else "fail")
and x["pass"] == (x["sanity"] == "pass" and min(x["h_rows"], x["h_columns"]) >= x["h_initial"] / 2)
and abs(x["alpha"] - 0.01 / 1020) < 1e-9'
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]; then
	ok "live run: nothing on stderr when it is not a terminal"
else
	fail "live run: nothing on stderr when it is not a terminal"
fi

run "$ts" assess --restart vdso_clock -r 3 -c 100 --set no_such_option=1
if [ "$rc" -eq 2 ] && grep -q 'no_such_option' "$tmp/err"; then
	ok "a bad --set is refused before any restart (status 2)"
else
	fail "a bad --set is refused before any restart (status $rc)"
fi

# A restart that fails: epoll_events needs more descriptors than 8 leave
# its child (the parent's pipes fit): status 1, the source and the restart
# named, the child's own message passed on.
run sh -c 'ulimit -n 8 && exec "$0" assess --restart epoll_events -r 2 -c 100' "$ts"
if [ "$rc" -eq 1 ] && grep -q '^timingseed: epoll_events: restart 1 of 2: `timingseed sample` failed' "$tmp/err" &&
	grep -q 'collection failed' "$tmp/err" && [ ! -s "$tmp/out" ]; then
	ok "a failing restart: status 1, the source, the restart and the child's message"
else
	fail "a failing restart: status 1, the source, the restart and the child's message (got $rc)"
fi

# --- bad arguments: status 2, a message, nothing on stdout ------------------------

bad() {
	what=$1
	shift
	run "$ts" assess --restart "$@"
	if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
		ok "refused with status 2: $what"
	else
		fail "refused with status 2: $what (got $rc)"
	fi
}
bad "file size not a multiple of -c" --file "$tmp/uniform.u8" -c 7
bad "-r not the file's rows" --file "$tmp/uniform.u8" -c 500 -r 3
bad "-c 1" --file "$tmp/uniform.u8" -c 1
bad "-r 1" vdso_clock -r 1 -c 100
bad "-r 0" vdso_clock -r 0
bad "-H 0" --file "$tmp/uniform.u8" -c 500 -H 0
bad "-H 9" --file "$tmp/uniform.u8" -c 500 -H 9
bad "-H abc" --file "$tmp/uniform.u8" -c 500 -H abc
bad "samples wider than --bits" --file "$tmp/biased.u8" -c 500 -H 1 --bits 4
bad "-H above the word size (4 bits inferred)" --file "$tmp/nibbles.u8" -c 100 -H 5
bad "no source and no file"
bad "a source and a file" vdso_clock --file "$tmp/uniform.u8"
bad "two sources" vdso_clock pipe_buffer
bad "an unknown source" no_such_source
bad "--set with a file" --file "$tmp/uniform.u8" -c 500 --set a=b
bad "a missing file" --file "$tmp/does-not-exist" -c 500
bad "an unknown option" vdso_clock --bogus

finish
