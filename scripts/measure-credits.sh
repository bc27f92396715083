#!/bin/sh
# SP 800-90B non-IID assessment of every Linux source with collector-chosen
# variation fixed (docs/sources.md: variation the collector picks is known to an
# attacker and worth zero bits). Each source's default credit must be at
# most half the smallest min-entropy printed for it here.
#   measure-credits.sh [BUILD_DIR] [N]
set -eu
b=${1:-build}
n=${2:-1000000}
ts=$b/bin/timingseed
run() {
	label=$1
	shift
	printf '%-44s ' "$label"
	"$ts" assess "$@" -n "$n" --json 2>/dev/null |
		python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print("%.4f bits/sample" % r["min_entropy"])'
}
run "pipe_buffer (write size fixed at 1)" pipe_buffer --set min_write_size=1 --set max_write_size=1
run "pipe_buffer (write size fixed at 4096)" pipe_buffer --set min_write_size=4096 --set max_write_size=4096
run "epoll_events (defaults)" epoll_events
run "unix_ipc (defaults)" unix_ipc
run "proc_info (stat only)" proc_info --set rusage=false
run "proc_info (rusage only)" proc_info --set stat=false
run "vdso_clock (defaults)" vdso_clock
