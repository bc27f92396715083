#!/bin/sh
# timingseed report: over files of known entropy it gives the known figures;
# a live quick report's JSON meets tests/system/report.schema.json and its
# HTML is one self-contained page with the plots. report_render.sh has the
# browser's view of it.
#   report.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
ts=$build/bin/timingseed
py=/usr/bin/python3 # Debian's, with python3-jsonschema (scripts/deps.sh)
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# jq-like: evaluate a Python expression over report.json in DIR, print it.
field() {
	$py -c 'import json,sys; r=json.load(open(sys.argv[1]+"/report.json")); print(eval(sys.argv[2]))' "$1" "$2"
}

# --- files of known entropy ---------------------------------------------------
# Known min-entropy: independent samples, symbol 0 with probability 1/2 and
# the other 255 equally likely: H = -log2(1/2) = 1 bit. And uniform bytes:
# 8 bits. Seeded, so a failure can be reproduced.
$py - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
rng = random.Random(20261201)
half = bytes(0 if rng.random() < 0.5 else rng.randrange(1, 256) for _ in range(300000))
open(d + "/half.u8", "wb").write(half)
open(d + "/uniform.u8", "wb").write(bytes(rng.randrange(256) for _ in range(300000)))
row = bytes(rng.randrange(256) for _ in range(1000))
open(d + "/same-rows.u8", "wb").write(row * 300)
PY

run "$ts" report -o "$tmp/half" --file "$tmp/half.u8"
# The sequential estimate is the one to match the known figure; the column
# dataset's estimate spreads wider (the bit string's t-tuple, 0.80 on this
# seed), and the smallest of them is what the verdict uses.
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "$tmp/half" ] &&
	[ "$(field "$tmp/half" '0.95 <= r["sources"][0]["assessments"][0]["min_entropy"] <= 1.02')" = True ] &&
	[ "$(field "$tmp/half" '0.7 <= r["sources"][0]["smallest_estimate"] <= 1.02')" = True ] &&
	[ "$(field "$tmp/half" 'r["sources"][0]["assessments"][0]["restart"]["sanity"]')" = pass ] &&
	[ "$(field "$tmp/half" 'r["sources"][0]["assessments"][0]["restart"]["rows"]')" = 300 ]; then
	ok "report --file, H = 1 bit: estimate $(field "$tmp/half" 'round(r["sources"][0]["assessments"][0]["min_entropy"], 4)'), restart sanity passes on 300 x 1000"
else
	fail "report --file, H = 1 bit (rc $rc): $(field "$tmp/half" 'r["sources"][0]["assessments"][0]["min_entropy"], r["sources"][0]["smallest_estimate"]' 2>&1)"
fi

run "$ts" report -o "$tmp/uniform" --file "$tmp/uniform.u8"
if [ "$rc" -eq 0 ] &&
	[ "$(field "$tmp/uniform" '6.5 <= r["sources"][0]["assessments"][0]["min_entropy"] <= 8')" = True ] &&
	[ "$(field "$tmp/uniform" 'r["sources"][0]["verdict"]')" = "no credit" ]; then
	ok "report --file, H = 8 bits: estimate $(field "$tmp/uniform" 'round(r["sources"][0]["assessments"][0]["min_entropy"], 4)') (3e5 samples; 7.88 at 1e6, docs/estimators.md)"
else
	fail "report --file, H = 8 bits (rc $rc)"
fi

# Every restart the same sequence of uniform bytes: each column holds one
# value, so against a claim of 7 bits the column sanity check fails and the
# file supports no credit. (Without -H the file's own sequential estimate,
# near 0 since the rows repeat, is the claim, and there is nothing to fail.)
run "$ts" report -o "$tmp/same" --file "$tmp/same-rows.u8" -c 1000 -H 7
if [ "$rc" -eq 0 ] &&
	[ "$(field "$tmp/same" 'r["sources"][0]["assessments"][0]["restart"]["sanity"]')" = fail ] &&
	[ "$(field "$tmp/same" 'r["sources"][0]["assessments"][0]["restart"]["max_column"]')" = 300 ] &&
	[ "$(field "$tmp/same" 'r["sources"][0]["supported_credit"] < 0.001')" = True ]; then
	ok "report --file, identical restarts: column sanity fails (count 300), no credit supported"
else
	fail "report --file, identical restarts (rc $rc)"
fi

# --- a live report ------------------------------------------------------------
run "$ts" report -o "$tmp/live" --quick vdso_clock
if [ "$rc" -eq 0 ] && [ -s "$tmp/live/report.json" ] && [ -s "$tmp/live/report.html" ]; then
	ok "report --quick vdso_clock writes report.json and report.html"
else
	fail "report --quick vdso_clock (rc $rc)"
fi
cp "$tmp/live/report.html" "$build/report-quick.html" 2>/dev/null # for report_render

for d in half live; do
	if $py - "$src/tests/system/report.schema.json" "$tmp/$d/report.json" >"$tmp/out" 2>"$tmp/err" <<'PY'; then
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
PY
		ok "$d report.json meets the schema"
	else
		fail "$d report.json does not meet the schema"
	fi
done

if [ "$(field "$tmp/live" '[s["name"] for s in r["sources"]]')" = "['vdso_clock']" ] &&
	[ "$(field "$tmp/live" 'r["quick"] and r["samples"] == 100000 and r["restart_rows"] == 100')" = True ] &&
	[ "$(field "$tmp/live" 'r["sources"][0]["credit"] <= r["sources"][0]["default_credit"]')" = True ] &&
	[ "$(field "$tmp/live" 'r["sources"][0]["health"]["rct_cutoff"] > 1')" = True ]; then
	ok "live report: the source named, reduced sizes, credit in force <= default, health cutoffs"
else
	fail "live report fields: $(head -c 600 "$tmp/live/report.json")"
fi

# The page: parses, holds five charts per assessment, names nothing outside.
if $py - "$tmp/live/report.html" >"$tmp/out" 2>"$tmp/err" <<'PY'; then
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "img", "input", "link", "hr", "circle", "rect", "line", "path"}
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.svgs, self.bad = [], 0, []
    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs += 1
        if tag in ("script", "link", "img", "iframe", "object", "embed"):
            self.bad.append(tag)
        for k, v in attrs:
            if k in ("src", "href") and not (v or "").startswith("#"):
                self.bad.append("%s=%s" % (k, v))
            if k.startswith("on"):
                self.bad.append(k)
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            raise SystemExit("unbalanced </%s> after %s" % (tag, self.stack[-3:]))
        self.stack.pop()
text = open(sys.argv[1]).read()
p = P()
p.feed(text)
p.close()
assert not p.stack, "unclosed: %s" % p.stack
assert not p.bad, "external or active content: %s" % p.bad
assert p.svgs >= 6, "%d charts" % p.svgs
assert "url(" not in text and "@import" not in text
for s in ("distribution of the 8-bit symbol", "raw durations", "autocorrelation",
          "estimates against the credit", "per restart row", "per column"):
    assert s in text, s
PY
	ok "report.html parses, holds the six charts, names no external resource"
else
	fail "report.html"
fi

run "$ts" report --bogus
[ "$rc" -eq 2 ] && ok "report: unknown option exits 2" || fail "report --bogus: rc $rc"
run "$ts" report no_such_source -o "$tmp/x"
[ "$rc" -eq 2 ] && grep -q no_such_source "$tmp/err" && ok "report: unknown source exits 2, named" ||
	fail "report no_such_source: rc $rc"
run "$ts" report -o "$tmp/x" --file "$tmp/nonexistent.u8"
[ "$rc" -eq 1 ] && grep -q nonexistent "$tmp/err" && ok "report: missing file exits 1, named" ||
	fail "report missing file: rc $rc"
run "$ts" report -o /proc/self/no/such/dir --file "$tmp/half.u8"
[ "$rc" -eq 1 ] && grep -q "cannot make" "$tmp/err" && ok "report: unwritable DIR exits 1" ||
	fail "report unwritable dir: rc $rc"

finish "# report: "
