#!/bin/sh
# The whole CTest suite against Debian's own OpenSSL builds, one throwaway
# root filesystem per suite, so what is tested is what users install:
#   trixie        OpenSSL 3.5, with openssl-provider-fips: tests/system/fips.sh must run
#   sid           OpenSSL 3.6
#   experimental  OpenSSL 4.0 and its FIPS provider (sid plus experimental,
#                 installed -t experimental): tests/system/fips.sh must run
#   bookworm      OpenSSL 3.0: the machine itself, so not in the default list
# In each: configure with BUILD_TESTING=ON, build under -Werror, ctest with
# --no-tests=error (clients and the .deb's dpkg -i / dpkg -r round trip
# included: as root inside the root filesystem, never on the machine).
#   compat.sh [SUITE...]
#   TS_COMPAT_CACHE   root filesystems (default ~/.cache/timingseed/rootfs)
#   TS_MIRROR         the Debian archive (default http://deb.debian.org/debian)
#   TS_CTEST_ARGS     extra ctest arguments, split on spaces
# A root filesystem is made with mmdebstrap (about a minute each) and kept;
# it is made anew when older than a week, or when `apt-get update` inside it
# shows the archive has newer packages than it holds. The machine's own apt
# configuration is never touched. Needs root: chroot, and mounts in a mount
# namespace of its own (unshare), so nothing stays mounted when it ends.
# A download that fails names the suite and the URL and fails the stage.
# Exits 1 if any suite failed; the last lines are a table of the suites,
# their OpenSSL, the result and the time each took.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
# HOME may be unset under a CI runner: the passwd entry has it.
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${TS_COMPAT_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/timingseed/rootfs}
mirror=${TS_MIRROR:-http://deb.debian.org/debian}
logs=$src/build-compat
jobs=$(nproc 2>/dev/null || echo 2)
max_age_days=7
# What building and the whole suite need inside (clients: curl, python3;
# package: dpkg-dev, lintian, file; man pages: perl's pod2man; report:
# python3-jsonschema; confinement: libseccomp-dev, and sshd as a real
# client, with mount for the openssl.cnf sshd.sh binds over the system's (not
# in sid's minimal root); chromium is left out, the rendering is checked on
# this machine).
pkgs=gcc,libc6-dev,make,cmake,pkg-config,libssl-dev,openssl,perl,libcmocka-dev
pkgs=$pkgs,python3,python3-jsonschema,curl,ca-certificates,dpkg-dev,lintian,file
pkgs=$pkgs,libseccomp-dev,openssh-server,openssh-client,mount

say() { echo "compat: $*" >&2; }
die() {
	say "$*"
	exit 1
}
now() { date +%s; }

[ "$(id -u)" -eq 0 ] || die "needs root (chroot and mounts); run it as root or with sudo"
for tool in mmdebstrap unshare chroot; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh test installs it)"
done
mkdir -p "$cache" "$logs"
# One run at a time per cache: a second waits rather than build into it too.
exec 9>"$cache/.lock"
flock 9

# in_root ROOT COMMAND...: COMMAND in ROOT, with its own /proc, in mount and
# PID namespaces that end with it, a clean environment, and none of this
# script's own fds (the lock, the table): the tests count open fds.
in_root() {
	r=$1
	shift
	unshare --mount --pid --fork --mount-proc="$r/proc" \
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" 3>&- 9>&-
}

# suite_setup SUITE: sets base (the suite mmdebstrap makes), extra (packages
# of that suite), exp (1: OpenSSL from experimental on top) and fips (1: the
# fips test must run there, not be skipped).
suite_setup() {
	exp=0
	fips=0
	extra=""
	case $1 in
	bookworm | sid) base=$1 ;;
	trixie)
		base=trixie
		extra=,openssl-provider-fips
		fips=1
		;;
	experimental)
		base=sid
		exp=1
		fips=1
		;;
	*) die "unknown suite '$1' (bookworm, trixie, sid, experimental)" ;;
	esac
}

# make_root SUITE ROOT LOG: a new root filesystem in ROOT.new, then in ROOT.
make_root() {
	new=$2.new
	rm -rf "$new"
	set -- "$1" "$2" "$3" "deb $mirror $base main"
	[ "$exp" -eq 1 ] && set -- "$@" "deb $mirror experimental main"
	# Check-Valid-Until: the archives reachable here can serve Release
	# files past that date. Kept in the root filesystem for later updates.
	if ! mmdebstrap --mode=root --variant=apt \
		--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Retries "3"' \
		--include="$pkgs$extra" "$base" "$new" "$4" ${5:+"$5"} >"$3" 2>&1; then
		grep -E '^(E|W):|Err:|404|Failed' "$3" | head -n 20 >&2
		rm -rf "$new"
		die "$1: mmdebstrap of $base from $mirror failed (log: $3)"
	fi
	if [ "$exp" -eq 1 ] &&
		! in_root "$new" sh -c 'apt-get update -qq &&
			apt-get install -y -qq -t experimental openssl libssl-dev openssl-provider-fips' \
			>>"$3" 2>&1; then
		tail -n 20 "$3" >&2
		rm -rf "$new"
		die "$1: installing OpenSSL from experimental ($mirror experimental) failed (log: $3)"
	fi
	touch "$new/.timingseed-made"
	rm -rf "$2"
	mv "$new" "$2"
}

# fresh SUITE ROOT LOG: whether ROOT can be used as it is (exit 0), or must
# be made anew (1). A failing `apt-get update` fails the stage.
fresh() {
	[ -f "$2/.timingseed-made" ] || return 1
	# Each must be installed: dpkg-query -W also succeeds for a package
	# dpkg merely knows of ("unknown ok not-installed": sid's mount).
	# shellcheck disable=SC2016,SC2046,SC2086 # dpkg's format; a list of packages
	if ! st=$(in_root "$2" dpkg-query -W -f='${Status}\n' $(echo "$pkgs$extra" | tr , ' ') \
		$([ "$exp" -eq 1 ] && echo openssl-provider-fips) 2>&1) ||
		printf '%s\n' "$st" | grep -qv '^install ok installed$'; then
		say "$1: the root filesystem lacks packages this script now installs"
		return 1
	fi
	[ -n "$(find "$2/.timingseed-made" -mtime -"$max_age_days")" ] || {
		say "$1: root filesystem older than $max_age_days days"
		return 1
	}
	if ! in_root "$2" apt-get update -qq >"$3" 2>&1; then
		cat "$3" >&2
		die "$1: apt-get update from $mirror failed"
	fi
	if in_root "$2" apt-get -s dist-upgrade 2>/dev/null | grep -q '^Inst '; then
		say "$1: the archive has newer packages than the root filesystem"
		return 1
	fi
}

# run_suite SUITE: prints one table row on fd 3; exit 1 on a failure.
run_suite() {
	suite=$1
	t0=$(now)
	suite_setup "$suite"
	root=$cache/$suite
	log=$logs/$suite
	mkdir -p "$log"
	if [ -d "$root" ] && fresh "$suite" "$root" "$log/apt-update.log"; then
		say "$suite: reusing $root"
	else
		say "$suite: making $root with mmdebstrap ($base from $mirror)"
		make_root "$suite" "$root" "$log/mmdebstrap.log"
	fi
	made=$(($(now) - t0))
	version=$(in_root "$root" openssl version | cut -d' ' -f1,2)
	say "$suite: $version"

	# The tree as it is here, less git's and the builds' files.
	rm -rf "$root/src" "$root/build"
	mkdir -p "$root/src"
	(cd "$src" && git ls-files -co --exclude-standard -z 2>/dev/null ||
		find . -path ./.git -prune -o -path './build*' -prune -o -type f -print0) |
		(cd "$src" && tar --null -T - -cf -) | tar -C "$root/src" -xf -

	t1=$(now)
	status=ok
	# shellcheck disable=SC2016 # expanded inside the root filesystem
	if ! in_root "$root" sh -c 'cmake -S /src -B /build -DBUILD_TESTING=ON >/dev/null &&
		cmake --build /build -j"$1"' sh "$jobs" >"$log/build.log" 2>&1; then
		grep -E 'error|warning' "$log/build.log" | head -n 40 >&2
		say "$suite: the build against $version failed (log: $log/build.log)"
		status=FAILED
	fi
	built=$(($(now) - t1))
	t2=$(now)
	tests="-"
	if [ "$status" = ok ]; then
		# shellcheck disable=SC2086 # TS_CTEST_ARGS: extra ctest arguments
		if ! in_root "$root" ctest --test-dir /build --output-on-failure --no-tests=error \
			${TS_CTEST_ARGS:-} >"$log/ctest.log" 2>&1; then
			status=FAILED
		fi
		if [ "$fips" -eq 1 ] && ! grep -Eq 'Test +#[0-9]+: fips \.+ +Passed' "$log/ctest.log"; then
			say "$suite: the FIPS test did not pass here, where the FIPS provider is installed"
			status=FAILED
		fi
		# The closing lines, failed tests included, for this output.
		sed -n '/tests passed/,$p' "$log/ctest.log"
		tests=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests failed out of \([0-9]*\)$/\1 failed of \2/p' \
			"$log/ctest.log")
		[ "$status" = ok ] || say "$suite: ctest failed (log: $log/ctest.log)"
	fi
	printf '  %-13s %-14s %-7s %-13s rootfs %4s s, build %4s s, ctest %4s s\n' \
		"$suite" "$version" "$status" "${tests:--}" "$made" "$built" "$(($(now) - t2))" >&3
	[ "$status" = ok ]
}

[ $# -gt 0 ] || set -- trixie sid experimental
rows=$logs/table.txt
: >"$rows"
failed=""
for s in "$@"; do
	# A subshell, so one suite's die() fails that suite alone.
	if ! (run_suite "$s" 3>>"$rows"); then
		failed="$failed $s"
		grep -q "^  $s " "$rows" || printf '  %-13s %-14s %s\n' "$s" "-" "FAILED (set-up)" >>"$rows"
	fi
done
echo "compat: suite         OpenSSL        result  ctest"
cat "$rows"
[ -z "$failed" ] || die "failed:$failed"
