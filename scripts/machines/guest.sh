#!/usr/bin/busybox sh
# PID 1 in a guest of scripts/machines.sh, run by busybox sh from the build
# disk (/build, read-only). The kernel command line says which guest this
# is: ts.name=, ts.arch= (the build under /build/ARCH), ts.report=SOURCE
# (`timingseed report --quick SOURCE`) or ts.assess=SOURCE:N (`timingseed
# assess SOURCE -n N`; SOURCE:N:OPTION=VALUE/... adds --set), ts.tests=NAME,... (cmocka programs under
# /build/ARCH/tests). Every step's output goes to the console; the host
# reads the lines that start with "TS-" (a step's exit status, the row's
# fields), then the guest powers off.
# shellcheck shell=sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
mkdir -p /dev/shm /dev/pts
mount -t tmpfs shm /dev/shm
mount -t devpts pts /dev/pts
# No ld.so.cache in an unpacked root: ldconfig writes one (the loader finds
# the multiarch directories without it, but not every library).
[ -x /sbin/ldconfig ] && /sbin/ldconfig 2>/dev/null

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^ts\.$1=//p"; }
name=$(arg name)
arch=$(arg arch)
b=/build/$arch
ts=$b/bin/timingseed
cnf=/build/openssl.cnf.example
export OPENSSL_MODULES="$b/modules"
failed=""

# step NAME COMMAND...: run it, show its output, record its status.
step() {
	n=$1
	shift
	echo "== $name: $n: $*"
	t0=$(date +%s)
	"$@" >/tmp/out 2>&1
	rc=$?
	cat /tmp/out
	echo "TS-STEP $n rc=$rc $(($(date +%s) - t0)) s"
	[ "$rc" -eq 0 ] || failed="$failed $n"
	return "$rc"
}

cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
echo "TS-FIELD clocksource=$cs"
echo "TS-FIELD cpus=$(nproc)"
echo "TS-FIELD kernel=$(uname -r)"

step sources "$ts" sources
step sources-json "$ts" sources --json
cp /tmp/out /tmp/sources.json
vdso=$(sed -n 's/.*"name": "vdso_clock".*"available": \([a-z]*\).*"note": "\([^"]*\)".*/\1: \2/p' \
	/tmp/sources.json)
echo "TS-FIELD vdso_clock=$vdso"

# Honesty (issue 24, item 2): where clock_gettime() is a system call, the
# vDSO source must not claim to be one that makes none.
case $cs in
hpet | acpi_pm)
	case $vdso in
	true*)
		echo "FAIL: clocksource $cs has no vDSO read mode, yet vdso_clock is available"
		failed="$failed vdso-honesty"
		;;
	esac
	;;
esac

# The seed through openssl.cnf, with the trace (as scripts/demo.sh).
echo "== $name: seed: openssl rand -hex 32 through $cnf"
TIMINGSEED_DEBUG=1 OPENSSL_CONF=$cnf openssl rand -hex 32 >/tmp/rand 2>/tmp/trace
rc=$?
cat /tmp/rand /tmp/trace
first=$(grep -m1 '^timingseed: get_seed' /tmp/trace)
if [ "$rc" -eq 0 ] && [ -n "$first" ]; then
	echo "TS-STEP seed rc=0"
	# "... sources vdso_clock=7144x0.045, 6.436 ms": the time and the sources.
	echo "TS-FIELD first_seed=$(echo "$first" | sed -n 's/.*, \([0-9.]* ms\)$/\1/p') ($(echo "$first" |
		sed -n 's/.* sources \(.*\), [0-9.]* ms$/\1/p' | sed 's/=[0-9]*x[0-9.]*//g'))"
else
	echo "TS-STEP seed rc=${rc}, no get_seed trace line: OpenSSL did not seed from timingseed"
	failed="$failed seed"
	echo "TS-FIELD first_seed=-"
fi

# The on-demand test of every available source, each with its own
# deadline (2 s). A source that cannot give its 1024 startup samples in
# that time is not credited (by design, and so not a failure of the code
# paths here): under TCG that can be a slow one (unix_ipc in the arm64
# guest, 300-900 samples/s). It is named in the row; any other failure
# fails it.
step selftest "$ts" selftest
if [ "$rc" -ne 0 ] && ! grep ' FAIL: ' /tmp/out | grep -qv 'deadline passed$'; then
	echo "selftest: only deadlines passed (emulation speed), not a failure here"
	failed=${failed% selftest}
fi
# The credit in force per source after its on-demand test ("<default"
# where the startup estimate lowered it), or why it has none.
credits=$(awk '$2 == "startup" {
		if (/pass: credit/) { c = $(NF - 2) + 0; d = $NF + 0; v = c (c < d ? "<" d : "") }
		else if (/deadline passed$/) v = "none (deadline)"
		else v = "FAIL"
		printf "%s%s %s", sep, $1, v; sep = ", " }' /tmp/out)
echo "TS-FIELD credits=$credits"
step check "$ts" check --config "$cnf"

report=$(arg report)
assess=$(arg assess)
if [ -n "$report" ]; then
	step "report-quick-$report" "$ts" report --quick -o /tmp/report "$report"
	counter=$(sed -n 's/.*"counter": "\([^"]*\)".*/\1/p' /tmp/report/report.json | head -n 1)
	echo "TS-FIELD counter=$counter"
else
	# The counter tick.c picks, by the same rule (the report says it where
	# it runs).
	case $arch in
	arm64) counter=cntvct_el0 ;;
	*) if grep -qw rdtscp /proc/cpuinfo; then counter=rdtscp; else counter=rdtsc; fi ;;
	esac
	echo "TS-FIELD counter=$counter (cpuinfo)"
fi
if [ -n "$assess" ]; then
	# SOURCE:N[:OPTION=VALUE/...]
	for a in $(echo "$assess" | tr , ' '); do
		n=${a#*:}
		sets=""
		case $n in *:*)
			sets=$(echo "${n#*:}" | tr / ' ' | sed 's/[^ ][^ ]*/--set &/g')
			n=${n%%:*}
			;;
		esac
		# shellcheck disable=SC2086 # the --set options
		step "assess-${a%%:*}" "$ts" assess "${a%%:*}" -n "$n" $sets
	done
fi

# cmocka programs built for this guest: test_confine, and the tick-counter
# tests when the tree has them (scripts/machines.sh: guest_tests).
for t in $(arg tests | tr , ' '); do
	[ -x "$b/tests/$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=stdout step "$t" "$b/tests/$t"
done

echo "TS-FIELD failed=${failed# }"
echo "TS-DONE"
sync
poweroff -f
