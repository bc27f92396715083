#!/bin/sh
# timingseed in emulated machines (issue 24): other clocksources, CPUs
# without rdtscp, one CPU, and arm64 (the generic timer, cntvct_el0, with a
# vDSO), each a Debian trixie guest booted by qemu with TCG (this machine's
# /dev/kvm cannot boot a stock kernel; TCG can, and it is what CI has).
#
# The machines, a covering set rather than the whole product (3 clocksources
# x 2 CPU models x 2 CPU counts): each clocksource, CPU model, CPU count and
# both x86 machine types appear at least once, and so does each pair that
# changes a code path:
#   x86-tsc-max-2       q35, clocksource=tsc, -cpu max (rdtscp), 2 CPUs: the
#                       reference machine's shape; `report --quick` of
#                       vdso_clock here (the report names the counter)
#   x86-hpet-max-1      q35, clocksource=hpet, 1 CPU: clock_gettime() is a
#                       system call, so vdso_clock must say unavailable
#   x86-acpipm-qemu64-2 pc (i440fx), clocksource=acpi_pm, -cpu qemu64 (no
#                       rdtscp: tick.c falls back to rdtsc), 2 CPUs: no
#                       vDSO clock and no rdtscp at once
#   x86-tsc-qemu64-1    pc, clocksource=tsc, -cpu qemu64, 1 CPU: a vDSO
#                       clock read with rdtsc as the tick counter
#   arm64-a72-2         virt, -cpu cortex-a72, 2 CPUs, the generic timer
#                       (62.5 MHz under qemu): cntvct_el0 with a vDSO;
#                       `report --quick` of vdso_clock here too
# In each: `timingseed sources` (and --json: availability, the credit in
# force after the startup estimate), `openssl rand` seeded through
# openssl.cnf.example with TIMINGSEED_DEBUG=1 (the trace must show
# get_seed), `timingseed selftest`, `timingseed check --config`, a short
# assessment (`report --quick vdso_clock` in x86-tsc-max-2 and arm64,
# about 30 s under TCG; `assess SOURCE -n 100000` of one syscall-free
# source elsewhere: a quick report of every source takes minutes under
# TCG), and the cmocka programs in guest_tests
# (test_confine, and the tick-counter tests when the tree has them).
#   machines.sh [MACHINE...]
#   TS_MACHINES_CACHE  images (default ~/.cache/timingseed/machines)
#   TS_MIRROR          the Debian archive (default http://deb.debian.org/debian)
#   TS_MACHINES_JOBS   guests at a time (default nproc)
#   TS_MACHINES_ASSESS extra assessments in every guest, SOURCE:N[:OPT=V/...],...
#   TS_MACHINES_TIMEOUT seconds per guest (default 300)
# Images: a trixie build root (amd64 with the arm64 cross compiler and
# arm64 libraries: the guests' builds are made there, the arm64 one cross
# compiled, as nothing runs under emulation but the guests), and per
# architecture the kernel, an initrd (busybox-static and the modules the
# root needs, scripts/machines/init) and an ext4 root image (an
# `mmdebstrap --variant=extract` root: unpacked, no maintainer scripts, so
# no qemu-user). Kept under the cache and made anew when older than a week,
# when `apt-get update` in the build root shows the archive moved on, or
# when this recipe changes. A download that fails names what and from where
# and fails the stage. One run at a time per cache (a lock). The machine's
# own configuration is never touched: chroot in mount and PID namespaces
# (unshare), qemu without KVM, images opened with snapshot=on.
# Each guest gets guest_timeout seconds, then qemu is killed and its row
# fails. The last lines are a table, a row per guest; exits 1 if any
# failed.
# Times on this 2-core machine (2026-12-03, other builds running, load
# average 4-6): from nothing cached 230 s (build root and images 126 s,
# both builds, guests 104 s); with images cached 241 s (apt-get update,
# builds 44 + 37 s, guests 143 s, the arm64 one 93 s). A run from nothing
# beside an arm64 guest assessing 10^6 samples (both cores busy) took 553 s.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${TS_MACHINES_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/timingseed/machines}
mirror=${TS_MIRROR:-http://deb.debian.org/debian}
logs=$src/build-machines
jobs=${TS_MACHINES_JOBS:-$(nproc 2>/dev/null || echo 2)}
suite=trixie
max_age_days=7
guest_timeout=${TS_MACHINES_TIMEOUT:-300}
# Bump when what goes into an image changes (init, modules, packages).
recipe=1
# The cmocka programs built for and run in every guest, when the tree has
# them as CMake targets: the confinement matrix, and the "no fault from the
# tick counter" tests (issue 24, item 3), matched by name.
guest_tests="test_confine test_tick*"
# The build root: native and cross compilers, and the libraries for both.
build_pkgs=gcc,libc6-dev,make,cmake,pkg-config,libssl-dev,libcmocka-dev,libseccomp-dev
build_pkgs=$build_pkgs,gcc-aarch64-linux-gnu,libc6-dev-arm64-cross
build_pkgs=$build_pkgs,libssl-dev:arm64,libcmocka-dev:arm64,libseccomp-dev:arm64
# The guests' userland: the tool's and the tests' libraries, openssl for
# `openssl rand`, busybox for the shell and the initrd, and the kernel.
guest_pkgs="libc6 libssl3t64 openssl libcmocka0 libseccomp2 busybox-static"
# The modules the initrd loads (their dependencies first, found in each
# module's own modinfo).
initrd_modules="virtio_blk crc32c_generic ext4"

# NAME ARCH MACHINE CPU CPUS CLOCKSOURCE WORK (report=SOURCE | assess=SOURCE:N,...)
all_machines='
arm64-a72-2         arm64 virt cortex-a72 2 -       report=vdso_clock
x86-tsc-max-2       amd64 q35  max        2 tsc     report=vdso_clock
x86-hpet-max-1      amd64 q35  max        1 hpet    assess=cpu_jitter:100000
x86-acpipm-qemu64-2 amd64 pc   qemu64     2 acpi_pm assess=cpu_jitter:100000
x86-tsc-qemu64-1    amd64 pc   qemu64     1 tsc     assess=vdso_clock:100000
'

say() { echo "machines: $*" >&2; }
die() {
	say "$*"
	exit 1
}
now() { date +%s; }

# in_root ROOT COMMAND...: as compat.sh's, COMMAND in ROOT in mount and PID
# namespaces of its own, with a clean environment and none of our fds.
in_root() {
	r=$1
	shift
	unshare --mount --pid --fork --mount-proc="$r/proc" \
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" 3>&- 9>&-
}

# ---- one guest: machines.sh --guest NAME (run by xargs below) ----------------
run_guest() {
	line=$(printf '%s\n' "$all_machines" | awk -v n="$1" '$1 == n')
	[ -n "$line" ] || die "unknown machine '$1'"
	# shellcheck disable=SC2086 # the fields of the line
	set -- $line
	name=$1 arch=$2 mt=$3 cpu=$4 cpus=$5 cs=$6 work=$7
	dir=$logs/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	img=$cache/$arch
	tests=$(cat "$logs/tests-$arch")
	append="quiet loglevel=3 panic=-1 ts.name=$name ts.arch=$arch ts.$work"
	[ -n "$tests" ] && append="$append ts.tests=$tests"
	[ -n "${TS_MACHINES_ASSESS:-}" ] && append="$append ts.assess=$TS_MACHINES_ASSESS"
	[ "$cs" = - ] || append="$append clocksource=$cs"
	case $arch in
	amd64) set -- qemu-system-x86_64 -M "$mt" -cpu "$cpu" && append="console=ttyS0 $append" ;;
	arm64) set -- qemu-system-aarch64 -M "$mt" -cpu "$cpu" && append="console=ttyAMA0 $append" ;;
	esac
	t0=$(now)
	rc=0
	timeout -k 10 "$guest_timeout" "$@" -accel tcg -smp "$cpus" -m 1024 \
		-nodefaults -display none -no-reboot -serial "file:$dir/console.raw" \
		-kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$append" \
		-drive "file=$img/root.ext4,if=none,id=root,format=raw,snapshot=on" \
		-device virtio-blk-pci,drive=root \
		-drive "file=$logs/build-$arch.ext4,if=none,id=build,format=raw,readonly=on" \
		-device virtio-blk-pci,drive=build </dev/null >"$dir/qemu.log" 2>&1 || rc=$?
	secs=$(($(now) - t0))
	tr -d '\r' <"$dir/console.raw" >"$dir/console.log"
	field() { sed -n "s/^TS-FIELD $1=//p" "$dir/console.log" | tail -n 1; }
	result=ok
	why=""
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="killed after ${guest_timeout} s"
	elif [ "$rc" -ne 0 ]; then
		why="qemu exited $rc: $(head -c 200 "$dir/qemu.log")"
	elif ! grep -q '^TS-DONE' "$dir/console.log"; then
		why="the guest stopped before the end"
	elif [ -n "$(field failed)" ]; then
		why="failed: $(field failed)"
	fi
	[ -z "$why" ] || result=FAILED
	printf '  %-20s %-17s %-18s %-7s %4s s  %-36s %s\n' "$name" "$(field clocksource)" \
		"$(field counter)" "$result" "$secs" "$(field first_seed)" "$(field credits)" >"$dir/row"
	if [ -n "$why" ]; then
		printf '    %s: %s (console: %s)\n' "$name" "$why" "$dir/console.log" >>"$dir/row"
		say "$name: FAILED, $why"
		grep -E '^(FAIL|init:|TS-STEP .* rc=[1-9])|Kernel panic|\[  FAILED' "$dir/console.log" |
			head -n 20 >&2 || true
		return 1
	fi
	say "$name: ok, $secs s"
}

if [ "${1:-}" = --guest ]; then
	run_guest "$2"
	exit
fi

# ---- images ----------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (chroot, mounts); run it as root or with sudo"
for tool in mmdebstrap unshare chroot qemu-system-x86_64 qemu-system-aarch64 mke2fs cpio xz; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh test installs it)"
done
mkdir -p "$cache" "$logs"
exec 9>"$cache/.lock"
flock 9
t_start=$(now)

# make_build_root ROOT LOG
make_build_root() {
	rm -rf "$1.new"
	if ! mmdebstrap --mode=root --variant=apt --architectures=amd64,arm64 \
		--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Retries "3"' \
		--include="$build_pkgs" "$suite" "$1.new" "deb $mirror $suite main" >"$2" 2>&1; then
		grep -E '^(E|W):|Err:|404|Failed' "$2" | head -n 20 >&2
		rm -rf "$1.new"
		die "build root: mmdebstrap of $suite (amd64 + arm64: $build_pkgs) from $mirror failed (log: $2)"
	fi
	# mmdebstrap leaves no package lists; image_key reads them.
	if ! in_root "$1.new" apt-get update -qq >>"$2" 2>&1; then
		tail -n 20 "$2" >&2
		rm -rf "$1.new"
		die "build root: apt-get update from $mirror ($suite) failed (log: $2)"
	fi
	touch "$1.new/.timingseed-made"
	rm -rf "$1"
	mv "$1.new" "$1"
}

# build_root_fresh ROOT LOG: 0 when ROOT can be used as it is.
build_root_fresh() {
	[ -f "$1/.timingseed-made" ] || return 1
	# shellcheck disable=SC2016,SC2046 # dpkg's format; a list of packages
	if ! st=$(in_root "$1" dpkg-query -W -f='${Status}\n' $(echo "$build_pkgs" | tr , ' ') 2>&1) ||
		printf '%s\n' "$st" | grep -qv '^install ok installed$'; then
		say "build root: lacks packages this script now installs"
		return 1
	fi
	[ -n "$(find "$1/.timingseed-made" -mtime -"$max_age_days")" ] || {
		say "build root: older than $max_age_days days"
		return 1
	}
	if ! in_root "$1" apt-get update -qq >"$2" 2>&1; then
		cat "$2" >&2
		die "build root: apt-get update from $mirror ($suite) failed"
	fi
	if in_root "$1" apt-get -s dist-upgrade 2>/dev/null | grep -q '^Inst '; then
		say "build root: the archive has newer packages than it holds"
		return 1
	fi
}

# image_key ARCH: what an image of ARCH is made of, as the archive has it
# now (the build root's package lists): the recipe and each package's version.
image_key() {
	echo "recipe $recipe, $suite, $initrd_modules"
	cat "$src/scripts/machines/init"
	for p in $guest_pkgs linux-image-$1; do
		v=$(in_root "$broot" apt-cache policy "$p:$1" | sed -n 's/^ *Candidate: //p')
		if [ -z "$v" ] || [ "$v" = "(none)" ]; then
			say "$1 image: $p:$1 is not in $suite at $mirror (apt-cache policy in $broot)"
			return 1
		fi
		echo "$p $v"
	done
}

# initrd_add KO_DIR MODULE OUT: MODULE after its dependencies, once each,
# decompressed into OUT/lib/modules and listed in OUT/modules.
initrd_add() {
	grep -qx "$2" "$3/modules" 2>/dev/null && return 0
	f=$(find "$1" -name "$2.ko*" | head -n 1)
	[ -n "$f" ] || die "initrd: module $2 not found under $1"
	case $f in
	*.xz) xz -dc "$f" >"$3/lib/modules/$2.ko" ;;
	*) cp "$f" "$3/lib/modules/$2.ko" ;;
	esac
	for d in $(tr '\0' '\n' <"$3/lib/modules/$2.ko" | sed -n 's/^depends=//p' | tr , ' '); do
		initrd_add "$1" "$d" "$3"
	done
	echo "$2" >>"$3/modules"
}

# make_image ARCH DIR LOG: kernel, initrd and root image of ARCH in DIR.
make_image() {
	arch=$1
	new=$2.new
	rm -rf "$new"
	mkdir -p "$new"
	# shellcheck disable=SC2086 # a list of packages
	if ! mmdebstrap --mode=root --variant=extract --arch="$arch" \
		--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Retries "3"' \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--include="$(echo $guest_pkgs linux-image-"$arch" | tr ' ' ,)" \
		"$suite" "$new/root" "deb $mirror $suite main" >"$3" 2>&1; then
		grep -E '^(E|W):|Err:|404|Failed' "$3" | head -n 20 >&2
		rm -rf "$new"
		die "$arch image: mmdebstrap of $suite ($arch: $guest_pkgs linux-image-$arch) from $mirror failed (log: $3)"
	fi
	r=$new/root
	kver=""
	for k in "$r"/usr/lib/modules/*; do kver=${k##*/}; done
	[ -f "$r/boot/vmlinuz-$kver" ] || die "$arch image: no kernel in linux-image-$arch"
	cp "$r/boot/vmlinuz-$kver" "$new/vmlinuz"
	i=$new/initrd
	mkdir -p "$i/bin" "$i/lib/modules"
	: >"$i/modules"
	for m in $initrd_modules; do
		initrd_add "$r/usr/lib/modules/$kver" "$m" "$i"
	done
	cp "$r/usr/bin/busybox" "$i/bin/busybox"
	cp "$src/scripts/machines/init" "$i/init"
	chmod 755 "$i/init"
	(cd "$i" && find . | cpio -o -H newc --quiet) | gzip -1 >"$new/initrd.img"
	rm -rf "$i" "${r:?}/boot" "${r:?}/usr/lib/modules"
	mkdir -p "$r/build" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/root"
	size=$(($(du -sm "$r" | cut -f1) * 5 / 4 + 64))
	mke2fs -q -F -t ext4 -L tsroot -d "$r" "$new/root.ext4" "${size}M" >>"$3" 2>&1 ||
		die "$arch image: mke2fs -d of the root failed (log: $3)"
	rm -rf "$r"
	echo "$kver" >"$new/kernel"
	rm -rf "$2"
	mv "$new" "$2"
}

broot=$cache/build-$suite
if [ -d "$broot" ] && build_root_fresh "$broot" "$logs/build-root-update.log"; then
	say "build root: reusing $broot"
else
	say "build root: making $broot with mmdebstrap ($suite, amd64 + arm64, from $mirror)"
	make_build_root "$broot" "$logs/build-root.log"
fi

# The images, made in the background while the builds run.
image_pids=""
for arch in amd64 arm64; do
	key=$(image_key "$arch") || die "$arch image: a package it needs cannot be had"
	if [ -f "$cache/$arch/root.ext4" ] && [ "$(cat "$cache/$arch/key" 2>/dev/null)" = "$key" ] &&
		[ -n "$(find "$cache/$arch/key" -mtime -"$max_age_days")" ]; then
		say "$arch image: reusing $cache/$arch (kernel $(cat "$cache/$arch/kernel"))"
		continue
	fi
	say "$arch image: making $cache/$arch ($suite from $mirror)"
	(make_image "$arch" "$cache/$arch" "$logs/image-$arch.log" &&
		printf '%s\n' "$key" >"$cache/$arch/key") &
	image_pids="$image_pids $!"
done

# ---- builds ----------------------------------------------------------------
# The tree as it is here, less git's and the builds' files.
rm -rf "$broot/src" "$broot/build"
mkdir -p "$broot/src"
# shellcheck disable=SC2015 # find only where git cannot list the files
(cd "$src" && git ls-files -co --exclude-standard -z 2>/dev/null ||
	find . -path ./.git -prune -o -path './build*' -prune -o -type f -print0) |
	(cd "$src" && tar --null -T - -cf -) | tar -C "$broot/src" -xf -

# build ARCH: configure (cross for arm64) and build the tool, the module and
# guest_tests into /build/ARCH, the path the guests mount it at (test
# programs have the module directory compiled in).
build() {
	case $1 in
	amd64) set -- "$1" "" ;;
	arm64) set -- "$1" "-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
		-DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc" ;;
	esac
	# shellcheck disable=SC2016 # expanded inside the build root
	in_root "$broot" sh -c '
		[ "$1" = arm64 ] && export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
		cmake -S /src -B "/build/$1" -DBUILD_TESTING=ON $2 >/dev/null || exit 1
		targets=""
		for t in $(cmake --build "/build/$1" --target help | sed -n "s/^\.\.\. //p"); do
			for p in $3; do
				case $t in $p) targets="$targets $t" ;; esac
			done
		done
		echo "$targets" >"/build/$1/guest-tests"
		cmake --build "/build/$1" -j"$4" --target timingseed_cli timingseed_provider $targets
	' sh "$1" "$2" "$guest_tests" "$jobs"
}

failed_build=""
for arch in amd64 arm64; do
	t0=$(now)
	if build "$arch" >"$logs/build-$arch.log" 2>&1; then
		say "$arch build: $(($(now) - t0)) s, tests:$(cat "$broot/build/$arch/guest-tests")"
	else
		grep -E 'error|warning' "$logs/build-$arch.log" | head -n 40 >&2
		say "$arch build: failed (log: $logs/build-$arch.log)"
		failed_build="$failed_build $arch"
	fi
done

for pid in $image_pids; do
	wait "$pid" || die "a guest image could not be made (logs: $logs/image-*.log)"
done
t_ready=$(now)

# The build disk of each architecture: guest.sh, the config, the build.
for arch in amd64 arm64; do
	d=$logs/disk-$arch
	rm -rf "$d"
	mkdir -p "$d/$arch/bin" "$d/$arch/modules" "$d/$arch/tests"
	tests=""
	case " $failed_build " in *" $arch "*) ;; *)
		b=$broot/build/$arch
		cp "$b/bin/timingseed" "$d/$arch/bin/"
		cp "$b"/modules/*.so "$d/$arch/modules/"
		built=$(cat "$b/guest-tests")
		for t in $built; do
			cp "$b/tests/$t" "$d/$arch/tests/"
			tests="$tests,$t"
		done
		;;
	esac
	echo "${tests#,}" >"$logs/tests-$arch"
	cp "$src/scripts/machines/guest.sh" "$src/openssl.cnf.example" "$d/"
	mke2fs -q -F -t ext4 -d "$d" "$logs/build-$arch.ext4" 64M ||
		die "mke2fs -d of the $arch build disk failed"
done

# ---- guests ----------------------------------------------------------------
# shellcheck disable=SC2046 # the machines' names
[ $# -gt 0 ] || set -- $(printf '%s\n' "$all_machines" | awk 'NF { print $1 }')
say "booting $# guests, $jobs at a time: $*"
status=0
# In the table's order: the arm64 guest, the slowest, first.
printf '%s\n' "$@" | xargs -P "$jobs" -n 1 sh "$0" --guest || status=1
t_end=$(now)

echo "machines: guest                clocksource       tick counter       result   time  first seed (sources)                 sources available: credit in force (<default)"
for m in "$@"; do
	cat "$logs/$m/row" 2>/dev/null || printf '  %-20s %s\n' "$m" "FAILED (no row)"
done
for arch in $failed_build; do
	echo "  the $arch build failed (log: $logs/build-$arch.log)"
	status=1
done
echo "machines: images and builds $((t_ready - t_start)) s, guests $((t_end - t_ready)) s, in all $((t_end - t_start)) s"
exit "$status"
