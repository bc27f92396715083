# What the shell tests in tests/system share. Each sources it once its own
# variables are set (and after its skip check, where it has one):
#   . "$(dirname "$0")/lib.sh"
# It makes $tmp, a fresh directory removed on exit, sets the counters, and
# defines ok, fail, run and finish. A test that needs its own (a server to
# kill on exit, other files to show, another environment) redefines it
# after sourcing this.
# shellcheck shell=sh
fails=0
passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ok MESSAGE, fail MESSAGE [FILE...]: count the check and say so. fail shows,
# indented, the files named (the last 40 lines of each, with its name), or
# else what the last run wrote: $tmp/err and $tmp/out (nothing where neither is).
ok() { passes=$((passes + 1)); echo "ok   - $1"; }
fail() {
	fails=$((fails + 1))
	echo "FAIL - $1"
	shift
	if [ "$#" -eq 0 ]; then
		sed 's/^/       /' "$tmp/err" "$tmp/out" 2>/dev/null
		return
	fi
	for f in "$@"; do
		[ -s "$f" ] && tail -n 40 "$f" | sed "s|^|       $(basename "$f"): |"
	done
}

# run COMMAND...: stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	# shellcheck disable=SC2034 # read by the test
	rc=$?
}

# finish [PREFIX]: the summary line (after PREFIX), then exit: 0 when no
# check failed, 1 when any did.
# shellcheck disable=SC2120 # PREFIX is optional
finish() {
	echo "${1-}$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
	exit
}
