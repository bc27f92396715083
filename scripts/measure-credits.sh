#!/bin/sh
# SP 800-90B non-IID assessment of every source that runs here, with the
# collector's own variation fixed (docs/sources.md: variation the collector
# picks is known to an attacker and worth zero bits), and the check that
# each default credit is at most half the smallest min-entropy measured for
# its source.
#
# The settings are not listed here: each source's struct ts_assessment list
# (sources/*.c), as `timingseed sources --json` prints it, says which
# assessments its credit is held to, so a new source or a new setting is
# measured without editing this script.
#   measure-credits.sh [BUILD_DIR] [N]
# Exit status: 0 when every credit holds, 1 when one does not (named), 2
# when nothing could be measured or checked (the tool, an assessment, no
# source that runs here).
set -eu
b=${1:-build}
n=${2:-1000000}
ts=$b/bin/timingseed
die() {
	echo "measure-credits: $*" >&2
	exit 2
}
[ -x "$ts" ] || die "no $ts (build first)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$ts" sources --json >"$tmp/sources.json" </dev/null || die "timingseed sources failed"

# One line per assessment: NAME<TAB>LABEL<TAB>--set A --set B ...
cat >"$tmp/plan.py" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1])):
    if not s["available"]:
        continue
    for a in s["assessments"]:
        sets = " ".join("--set " + x for x in a["sets"])
        print("%s\t%s\t%s" % (s["name"], a["label"], sets))
EOF
python3 "$tmp/plan.py" "$tmp/sources.json" >"$tmp/plan" || die "cannot read the sources' assessments"
[ -s "$tmp/plan" ] || die "no source runs here: nothing measured"

: >"$tmp/results"
while IFS="$(printf '\t')" read -r name label sets; do
	printf '%-44s ' "$name ($label)"
	# shellcheck disable=SC2086 # $sets is a list of words
	if ! "$ts" assess "$name" $sets -n "$n" --json >"$tmp/one.json" 2>"$tmp/err" </dev/null; then
		echo "assessment failed:"
		sed 's/^/  /' "$tmp/err"
		exit 2
	fi
	# Full precision for the check, four places for the reader.
	h=$(python3 -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))[0]["min_entropy"]))' \
		"$tmp/one.json" </dev/null) || die "$name: unreadable result"
	printf '%.4f bits/sample\n' "$h"
	printf '%s\t%s\n' "$name" "$h" >>"$tmp/results"
done <"$tmp/plan"

# Each default credit against half the smallest figure of its source:
# exit 1 when one does not hold; a failure of the check itself is 2.
cat >"$tmp/check.py" <<'EOF'
import json, sys
try:
    credit = {s["name"]: s["default_credit"] for s in json.load(open(sys.argv[1]))}
    low = {}
    for line in open(sys.argv[2]):
        name, h = line.split("\t")
        low[name] = min(low.get(name, float("inf")), float(h))
    lines = ["%-22s default credit %.4f, half the smallest %.4f: %s"
             % (name, credit[name], h / 2, "holds" if credit[name] <= h / 2 else "DOES NOT HOLD")
             for name, h in low.items()]
except Exception as e:  # a python failure would exit 1, the "does not hold" status
    print("measure-credits: %r" % e, file=sys.stderr)
    sys.exit(2)
print("\n".join(lines))
sys.exit(1 if any(l.endswith("DOES NOT HOLD") for l in lines) else 0)
EOF
rc=0
python3 "$tmp/check.py" "$tmp/sources.json" "$tmp/results" || rc=$?
[ "$rc" -le 1 ] || die "the check itself failed"
exit "$rc"
