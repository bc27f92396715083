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
# when the tool cannot be run or an assessment fails.
set -eu
b=${1:-build}
n=${2:-1000000}
ts=$b/bin/timingseed
[ -x "$ts" ] || { echo "measure-credits: no $ts (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$ts" sources --json >"$tmp/sources.json" || { echo "measure-credits: timingseed sources failed" >&2; exit 2; }

# One line per assessment: NAME<TAB>LABEL<TAB>--set A --set B ...
python3 - "$tmp/sources.json" >"$tmp/plan" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1])):
    if not s["available"]:
        continue
    for a in s["assessments"]:
        sets = " ".join("--set " + x for x in a["sets"])
        print("%s\t%s\t%s" % (s["name"], a["label"], sets))
EOF

: >"$tmp/results"
while IFS="$(printf '\t')" read -r name label sets; do
	printf '%-44s ' "$name ($label)"
	# shellcheck disable=SC2086 # $sets is a list of words
	if ! "$ts" assess "$name" $sets -n "$n" --json >"$tmp/one.json" 2>"$tmp/err"; then
		echo "assessment failed:"
		sed 's/^/  /' "$tmp/err"
		exit 2
	fi
	h=$(python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))[0]["min_entropy"])' "$tmp/one.json")
	echo "$h bits/sample"
	printf '%s\t%s\n' "$name" "$h" >>"$tmp/results"
done <"$tmp/plan"

# Each default credit against half the smallest figure of its source.
python3 - "$tmp/sources.json" "$tmp/results" <<'EOF'
import json, sys
credit = {s["name"]: s["default_credit"] for s in json.load(open(sys.argv[1]))}
low = {}
for line in open(sys.argv[2]):
    name, h = line.split("\t")
    low[name] = min(low.get(name, float("inf")), float(h))
bad = 0
for name, h in low.items():
    ok = credit[name] <= h / 2
    bad += not ok
    print("%-22s default credit %.4f, half the smallest %.4f: %s"
          % (name, credit[name], h / 2, "holds" if ok else "DOES NOT HOLD"))
sys.exit(1 if bad else 0)
EOF
