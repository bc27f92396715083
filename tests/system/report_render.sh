#!/bin/sh
# A real browser renders a report: headless Chromium (Debian's chromium)
# takes a screenshot of a live --quick report, and the picture must hold the
# page: text, and the charts' bar colour in quantity. Exits 77 (skipped)
# where chromium is not installed (the compat root filesystems);
# scripts/test.sh requires it to pass on this machine.
#   report_render.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
ts=$build/bin/timingseed
py=/usr/bin/python3 # Debian's, with python3-pil (scripts/deps.sh)
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
	echo "# report_render: skipped, no chromium here"
	exit 77
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

if ! "$ts" report -o "$tmp/r" --quick vdso_clock >/dev/null 2>"$tmp/err"; then
	echo "FAIL - report --quick vdso_clock"
	cat "$tmp/err"
	exit 1
fi
# --no-sandbox: root in a container has no user namespace for the sandbox.
# A fresh profile dir, so nothing of another run (or of the user) is read.
HOME=$tmp timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/profile" --window-size=1000,4000 \
	--screenshot="$tmp/shot.png" "file://$tmp/r/report.html" >"$tmp/log" 2>&1
if [ ! -s "$tmp/shot.png" ]; then
	echo "FAIL - chromium made no screenshot"
	tail -5 "$tmp/log"
	exit 1
fi
# Chart bars are #3b6ea5 (report_svg.c); text is near black.
if $py - "$tmp/shot.png" <<'PY'; then
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = im.getdata()
bars = sum(1 for p in px if abs(p[0] - 0x3b) < 12 and abs(p[1] - 0x6e) < 12 and abs(p[2] - 0xa5) < 12)
dark = sum(1 for p in px if max(p) < 80)
print("# screenshot %dx%d: %d bar pixels, %d text pixels" % (w, h, bars, dark))
assert w == 1000 and h == 4000, "size"
assert dark > 0.002 * w * h, "no text rendered"
assert bars > 0.005 * w * h, "no charts rendered"
PY
	echo "ok   - chromium renders the report: text and charts"
else
	echo "FAIL - the screenshot is blank or holds no chart"
	exit 1
fi
