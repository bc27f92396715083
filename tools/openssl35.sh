#!/bin/sh
# Build timingseed against OpenSSL 3.5 from Debian trixie's source package
# and run its whole CTest suite there. tools/test.sh runs it last.
#   openssl35.sh [CACHE_DIR]
#       CACHE_DIR holds the OpenSSL 3.5 source and build (default:
#       ${XDG_CACHE_HOME:-$HOME/.cache}/timingseed/openssl35); timingseed
#       itself is built in build-openssl35/ of this tree, afresh each run.
#   TS_CTEST_ARGS="-R test_alloc" openssl35.sh    extra ctest arguments
#
# Needs root or sudo (apt-get), deb.debian.org, dpkg-dev (dpkg-source),
# perl, gcc, make, cmake; about 300 MB in CACHE_DIR. What it does:
#   1. adds a trixie deb-src line in a sources.list.d file of its own,
#      `apt-get update`, `apt-get source openssl`, then removes the file and
#      runs `apt-get update` again, so the machine's apt state is as before;
#   2. ./Configure --prefix=CACHE_DIR/openssl --libdir=lib no-tests, make build_sw,
#      make install_sw install_ssldirs (210 s on 2 cores);
#   3. cmake with OPENSSL_ROOT_DIR and PKG_CONFIG_PATH pointing at it, so
#      TS_MODULESDIR is that build's modulesdir, build, and ctest with
#      LD_LIBRARY_PATH and PATH set so that `openssl` and every libcrypto
#      loaded are 3.5.
# Steps 1 and 2 are skipped when CACHE_DIR/openssl already holds a 3.5
# build (about 2 minutes then instead of 6). Exits non-zero when a step or
# a test fails. The last lines give the time each step took.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
# HOME may be unset under a CI runner: the passwd entry has it.
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
work=${1:-${XDG_CACHE_HOME:-$home/.cache}/timingseed/openssl35}
mkdir -p "$work"
work=$(cd "$work" && pwd)
prefix=$work/openssl
build=$src/build-openssl35
# One run at a time per cache: a second waits rather than build into it too.
exec 9>"$work/.lock"
flock 9
list=/etc/apt/sources.list.d/timingseed-trixie-src.sources
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
jobs=$(nproc 2>/dev/null || echo 2)
export DEBIAN_FRONTEND=noninteractive

say() { echo "openssl35: $*" >&2; }
die() {
	say "$*"
	exit 1
}
now() { date +%s; }
timings=""
took() {
	timings="$timings
  $1: $(($(now) - $2)) s"
}

for tool in dpkg-source perl gcc make cmake pkg-config; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev perl gcc make cmake pkg-config)"
done

added=0
remove_list() {
	if [ "$added" -eq 1 ]; then
		$sudo rm -f "$list"
		added=0
		say "removed $list; apt-get update to drop trixie's source lists"
		$sudo apt-get update -qq || say "apt-get update failed; run it by hand"
	fi
}
trap remove_list EXIT
trap 'exit 130' INT TERM

# 1. The source package.
if [ -x "$prefix/bin/openssl" ] &&
	LD_LIBRARY_PATH="$prefix/lib" "$prefix/bin/openssl" version | grep -q '^OpenSSL 3\.5\.'; then
	say "reusing $prefix ($(LD_LIBRARY_PATH="$prefix/lib" "$prefix/bin/openssl" version))"
else
	t=$(now)
	[ -e "$list" ] && die "$list already exists: not mine, not touching it"
	added=1
	$sudo tee "$list" >/dev/null <<-EOF
		# Added by timingseed's tools/openssl35.sh; removed when it ends.
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: trixie
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	say "apt-get update with trixie deb-src"
	$sudo apt-get -o Acquire::Retries=3 update -qq
	rm -rf "$work/src"
	mkdir -p "$work/src"
	# As root apt warns that _apt cannot write here and downloads unsandboxed.
	(cd "$work/src" && $sudo apt-get -o Acquire::Retries=3 source -qq openssl) ||
		die "apt-get source openssl failed"
	remove_list
	took "download and unpack the source package" "$t"

	dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'openssl-3.5*' | head -n 1)
	[ -n "$dir" ] || die "no openssl-3.5* directory in $work/src: $(ls "$work/src")"
	say "building $dir into $prefix"

	# 2. OpenSSL itself: libraries, modules, the openssl binary; no docs, no tests.
	t=$(now)
	rm -rf "$prefix"
	(cd "$dir" && ./Configure --prefix="$prefix" --openssldir="$prefix/ssl" --libdir=lib \
		shared no-tests >"$work/configure.log" 2>&1) || die "Configure failed: see $work/configure.log"
	(cd "$dir" && make -j"$jobs" build_sw >"$work/make.log" 2>&1) ||
		die "make build_sw failed: see $work/make.log"
	took "build OpenSSL (make -j$jobs build_sw)" "$t"
	t=$(now)
	(cd "$dir" && make install_sw install_ssldirs >"$work/install.log" 2>&1) ||
		die "make install_sw install_ssldirs failed: see $work/install.log"
	took "install OpenSSL (make install_sw install_ssldirs)" "$t"
fi

export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export PATH="$prefix/bin:$PATH"
version=$(openssl version)
case $version in
"OpenSSL 3.5."*) say "openssl on PATH: $version" ;;
*) die "openssl on PATH is not 3.5: $version" ;;
esac
modulesdir=$(pkg-config --variable=modulesdir libcrypto)
[ "$modulesdir" = "$prefix/lib/ossl-modules" ] || die "pkg-config modulesdir is $modulesdir"

# 3. timingseed against it. A fresh build dir: a cached OpenSSL from an
# earlier configure would silently win.
t=$(now)
rm -rf "$build"
cmake -S "$src" -B "$build" -DOPENSSL_ROOT_DIR="$prefix" >"$work/cmake.log" 2>&1 ||
	die "cmake configure failed: see $work/cmake.log"
grep -q "Found OpenSSL: .*$prefix.*(found suitable version \"3\.5\." "$work/cmake.log" ||
	die "CMake did not pick OpenSSL 3.5 from $prefix: $(grep 'OpenSSL' "$work/cmake.log")"
if ! cmake --build "$build" -j"$jobs" >"$work/build.log" 2>&1; then
	grep -E 'error|warning' "$work/build.log" | head -n 40 >&2
	die "timingseed does not build against $version: see $work/build.log"
fi
took "build timingseed" "$t"
ldd "$build/modules/timingseed.so" | grep -q "$prefix/lib/libcrypto.so.3" ||
	die "timingseed.so does not resolve libcrypto to $prefix: $(ldd "$build/modules/timingseed.so")"
say "timingseed.so resolves libcrypto from $prefix/lib; TS_MODULESDIR=$(sed -n 's/^TS_MODULESDIR:PATH=//p' "$build/CMakeCache.txt")"

t=$(now)
status=0
# shellcheck disable=SC2086 # TS_CTEST_ARGS: extra ctest arguments, split on spaces
# package.sh skips lintian and dpkg by itself: the module dir is not under /usr.
ctest --test-dir "$build" --output-on-failure ${TS_CTEST_ARGS:-} || status=$?
took "ctest" "$t"
say "against $version: ctest exit status $status"
echo "openssl35: timings:$timings" >&2
exit "$status"
