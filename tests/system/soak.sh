#!/bin/sh
# timingseed selftest --file: the pool's health tests counted over files
# where the alarms are known: none for uniform bytes at their true credit,
# an exact number for a stuck run, certain APT alarms for an over-claimed
# bias; and bad arguments.
#   soak.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
ts=$build/bin/timingseed
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# json_check NAME EXPR: EXPR over j, the JSON report, must be true.
json_check() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
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
r = random.Random(7)
open(d + "/uniform.u8", "wb").write(r.randbytes(1000000))
# a stuck run of 5000 zeros between bytes that are never 0: exactly 5000 long
nz = lambda n: bytes(r.randrange(1, 256) for _ in range(n))
open(d + "/stuck.u8", "wb").write(nz(10000) + bytes(5000) + nz(10000))
open(d + "/short.u8", "wb").write(nz(1000) + bytes(667) + nz(1000))
open(d + "/edge.u8", "wb").write(nz(1000) + bytes(668) + nz(1000))
# 0 with probability 1/2: min-entropy 1, claimed as 8
open(d + "/biased.u8", "wb").write(bytes(0 if r.random() < 0.5 else r.randrange(1, 256)
                                         for _ in range(100000)))
EOF

# Uniform bytes at their true credit, 8: RCT cutoff 5, APT cutoff for
# Binomial(511, 1/256). Expected alarms over 10^6 samples: at most 10^6 x
# 2^-30 (RCT) and 10^6 / 512 x 2^-30 (APT): none.
run "$ts" selftest --file "$tmp/uniform.u8" --credit 8 --json
json_check "uniform bytes at credit 8: no alarm, expected counts from alpha" \
	'j["samples"] == 1000000 and j["rct"]["cutoff"] == 5 and j["rct"]["cutoff_permanent"] == 9
and j["rct"]["intermittent"] == 0 and j["rct"]["permanent"] == 0
and j["apt"]["intermittent"] == 0 and j["apt"]["permanent"] == 0
and abs(j["rct"]["expected_intermittent"] - 1e6 * 2**-30) < 1e-9
and abs(j["apt"]["expected_intermittent"] - 1e6 / 512 * 2**-30) < 1e-12'

# The run of 5000 zeros covers samples 10000-14999; the pool's chunks are
# 4096 samples, so it falls in two, 2288 and 2712 samples long. At credit 1
# (RCT cutoffs 31 and 61, APT 325 and 355 of 512) each of those chunks
# reaches every cutoff of both tests: 2 alarms of each kind, one per chunk,
# as the pool would throw away two chunks.
run "$ts" selftest --file "$tmp/stuck.u8" --credit 1 --json
json_check "a stuck run of 5000 at credit 1: 2 intermittent and 2 permanent alarms of each test" \
	'j["rct"]["cutoff"] == 31 and j["rct"]["cutoff_permanent"] == 61
and j["rct"]["intermittent"] == 2 and j["rct"]["permanent"] == 2
and j["apt"]["cutoff"] == 325 and j["apt"]["intermittent"] == 2 and j["apt"]["permanent"] == 2'

# The same run at vdso_clock's credit, 0.045 (RCT cutoffs 668 and 1335:
# both chunks hold more than 1335 zeros; the APT cannot fail there).
run "$ts" selftest --file "$tmp/stuck.u8" --credit 0.045
if [ "$rc" -eq 0 ] && grep -Eq '^  RCT intermittent +668 +2\^-30 +2 ' "$tmp/out" &&
	grep -Eq '^  RCT permanent +1335 +2\^-60 +2 ' "$tmp/out" &&
	grep -Eq '^  APT intermittent +513 .* 0 .*cannot fail' "$tmp/out"; then
	ok "the stuck run at credit 0.045, text report: 2 and 2 RCT alarms, the APT cannot fail"
else
	fail "the stuck run at credit 0.045, text report"
fi

# Shorter than the RCT's intermittent cutoff at 0.045: no alarm.
run "$ts" selftest --file "$tmp/short.u8" --credit 0.045 --json
json_check "a run of 667 at credit 0.045 (cutoff 668): no alarm" \
	'j["rct"]["intermittent"] == 0 and j["rct"]["permanent"] == 0'
run "$ts" selftest --file "$tmp/edge.u8" --credit 0.045 --json
json_check "a run of 668 at credit 0.045: one intermittent alarm, no permanent one" \
	'j["rct"]["intermittent"] == 1 and j["rct"]["permanent"] == 0'

# Min-entropy 1 credited 8: the half-probability value fills each window.
run "$ts" selftest --file "$tmp/biased.u8" --credit 8 --json
# 25 chunks of (at most) 4096, 8 windows each, half of them with 0 as
# their reference: every chunk should fail both APT cutoffs (17 and 26).
json_check "a bias credited far too high: APT alarms in nearly every chunk" \
	'20 <= j["apt"]["intermittent"] <= 25 and 20 <= j["apt"]["permanent"] <= 25'

for args in "--file $tmp/uniform.u8" "--credit 1" "--file $tmp/uniform.u8 --credit 0" \
	"--file $tmp/uniform.u8 --credit 9" "--file $tmp/uniform.u8 --credit x" \
	"--file $tmp/missing --credit 1" "--file $tmp/uniform.u8 --credit 1 --bogus"; do
	# shellcheck disable=SC2086 # the arguments are split on purpose
	run "$ts" selftest $args
	if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
		ok "selftest $args: refused with status 2"
	else
		fail "selftest $args: refused with status 2 (got $rc)"
	fi
done

finish
