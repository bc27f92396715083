#!/bin/sh
# The Debian package: cpack -G DEB, then what the .deb holds and declares.
#   package.sh BUILD_DIR SOURCE_DIR
# Always: the control fields, the file list (module in TS_MODULESDIR, the
# tool in /usr/bin, both man pages, the docs, copyright and changelog,
# nothing under /usr/local or a build path), lintian with no error or
# warning, and the unpacked module and tool working from the unpacked
# tree. As root, unless TS_TEST_DPKG=0: dpkg -i, OpenSSL finding the
# module with no path given, the tool from /usr/bin, dpkg -r and nothing
# left behind. That part installs into the machine for a few seconds; it
# refuses to run over an installed timingseed. Lintian and the round trip
# are skipped when TS_MODULESDIR is not the system libcrypto's modulesdir
# under /usr (a build against a private OpenSSL).
# shellcheck disable=SC2015 # ok never fails: A && ok || fail is if-then-else here
set -u
build=$1
src=$2
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
installed=0
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "$installed" -eq 1 ]; then
		dpkg -r timingseed >/dev/null 2>&1 || echo "package.sh: dpkg -r timingseed failed: remove it by hand" >&2
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT # instead of lib.sh's, which only removes $tmp
trap 'exit 130' INT TERM

: >"$tmp/err"
: >"$tmp/out"
modulesdir=$(sed -n 's/^TS_MODULESDIR:PATH=//p' "$build/CMakeCache.txt")
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb=$tmp/pkg/timingseed_${version}_$arch.deb
case $modulesdir in
/*) ;;
*) modulesdir=/usr/$modulesdir ;; # relative: under CPACK_PACKAGING_INSTALL_PREFIX
esac
echo "# TS_MODULESDIR $modulesdir (libcrypto's modulesdir: $(pkg-config --variable=modulesdir libcrypto))"
# A build against a private OpenSSL (its own prefix) packages its module
# under that OpenSSL's prefix, which is no place for a Debian package: the
# lintian and dpkg checks are for a module dir under /usr.
case $modulesdir in
/usr/*) system=1 ;;
*) system=0 ;;
esac

if cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/out" 2>"$tmp/err" &&
	[ -s "$deb" ]; then
	ok "cpack -G DEB made $(basename "$deb")"
else
	fail "cpack -G DEB (expected $deb; made: $(ls "$tmp/pkg" 2>/dev/null))"
	finish
fi

# ---- control fields -----------------------------------------------------
field() { dpkg-deb -f "$deb" "$1" 2>/dev/null; }
[ "$(field Package)" = timingseed ] && ok "Package: timingseed" || fail "Package: '$(field Package)'"
[ "$(field Version)" = "$version" ] && ok "Version: $version" || fail "Version: '$(field Version)'"
[ "$(field Architecture)" = "$arch" ] && ok "Architecture: $arch" ||
	fail "Architecture: '$(field Architecture)'"
# The package of the libcrypto the module links (libssl3, libssl3t64, libssl4).
soname=$(ldd "$build/modules/timingseed.so" | sed -n 's/^[[:space:]]*\(libcrypto\.so\.[0-9]*\) => .*/\1/p')
libpkg=$(dpkg -S "*/$soname" 2>/dev/null | sed -n 's/^\([^:,]*\).*/\1/p' | grep -v -- '-dev$' | head -n 1)
field Depends | grep -Eq "(^|, )${libpkg:-libssl} \(>= [0-9][^)]*\)" && field Depends | grep -Eq '(^|, )libc6 \(>= ' &&
	ok "Depends: $(field Depends) (the module links $soname of $libpkg)" ||
	fail "Depends lacks libc6 or ${libpkg:-the package of $soname}: '$(field Depends)'"
field Maintainer | grep -Eq '^[^<]+ <[^@>]+@[^>]+>$' && ok "Maintainer: $(field Maintainer)" ||
	fail "Maintainer: '$(field Maintainer)'"
[ "$(field Description | wc -l)" -ge 3 ] && field Description | head -n 1 | grep -q . &&
	ok "Description: synopsis and long description" || fail "Description: '$(field Description)'"

# ---- file list ----------------------------------------------------------
dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$tmp/files"
for f in "$modulesdir/timingseed.so" /usr/bin/timingseed /usr/share/man/man1/timingseed.1.gz \
	/usr/share/man/man7/timingseed.7.gz /usr/share/doc/timingseed/openssl.cnf.example /usr/share/doc/timingseed/openssl-fips.cnf.example \
	/usr/share/doc/timingseed/README.md /usr/share/doc/timingseed/copyright \
	/usr/share/doc/timingseed/changelog.gz; do
	grep -qx "$f" "$tmp/files" && ok "contains $f" || fail "no $f in the package"
done
# Regular files only under /usr/bin, /usr/share and the module directory.
dpkg-deb --contents "$deb" | awk '/^-/ {print $NF}' | sed 's|^\./|/|' >"$tmp/regular"
if grep -Ev "^(/usr/bin/|/usr/share/|$modulesdir/)" "$tmp/regular" >"$tmp/out"; then
	: >"$tmp/err"
	fail "files outside /usr/bin, /usr/share and $modulesdir"
else
	ok "every file under /usr/bin, /usr/share or $modulesdir"
fi
dpkg-deb --contents "$deb" | grep "timingseed.so\$" | grep -q '^-rw-r--r-- root/root' &&
	ok "timingseed.so is 0644 root:root" || fail "timingseed.so mode: $(dpkg-deb --contents "$deb" | grep 'timingseed.so$')"

# ---- Debian policy, as lintian checks it ----------------------------------
if [ "$system" -eq 0 ]; then
	echo "skip - lintian: the module dir $modulesdir is not under /usr"
elif command -v lintian >/dev/null; then
	# As root lintian warns that it should not be; that line is not a finding.
	if lintian --fail-on error,warning --tag-display-limit 0 "$deb" >"$tmp/out" 2>"$tmp/err"; then
		ok "lintian: no error or warning"
	else
		fail "lintian"
	fi
else
	: >"$tmp/out"
	echo "lintian is not installed (scripts/deps.sh test installs it)" >"$tmp/err"
	fail "lintian"
fi

# ---- the unpacked tree --------------------------------------------------
dpkg-deb -x "$deb" "$tmp/root"
top=$(gzip -dc "$tmp/root/usr/share/doc/timingseed/changelog.gz" | head -n 1)
case $top in
"timingseed ($version) "*) ok "changelog.gz starts with version $version" ;;
*) fail "changelog.gz top entry '$top' is not version $version: add an entry to packaging/changelog" ;;
esac
for f in openssl.cnf.example openssl-fips.cnf.example README.md; do
	cmp -s "$src/$f" "$tmp/root/usr/share/doc/timingseed/$f" && ok "packaged $f is the source's" ||
		fail "packaged $f differs from $src/$f"
done
if env -u OPENSSL_MODULES -u OPENSSL_CONF openssl list -random-generators \
	-provider-path "$tmp/root$modulesdir" -provider timingseed >"$tmp/out" 2>"$tmp/err" &&
	grep -q 'TIMING-SEED @ timingseed' "$tmp/out"; then
	ok "the packaged module loads: TIMING-SEED @ timingseed"
else
	fail "the packaged module does not load"
fi
if "$tmp/root/usr/bin/timingseed" --help >"$tmp/out" 2>"$tmp/err" && grep -q 'timingseed sources' "$tmp/out"; then
	ok "the packaged tool runs"
else
	fail "the packaged tool"
fi
for s in 1 7; do
	if gzip -dc "$tmp/root/usr/share/man/man$s/timingseed.$s.gz" >"$tmp/out" 2>"$tmp/err" &&
		grep -q "^\.TH TIMINGSEED $s " "$tmp/out"; then
		ok "timingseed.$s.gz is a section $s man page"
	else
		fail "timingseed.$s.gz"
	fi
done

# ---- dpkg -i / dpkg -r: as root, unless TS_TEST_DPKG=0 -------------------
if [ "$(id -u)" -ne 0 ] || [ "${TS_TEST_DPKG:-1}" = 0 ]; then
	echo "skip - dpkg -i/-r round trip (needs root; TS_TEST_DPKG=${TS_TEST_DPKG:-1})"
	finish
fi
if [ "$system" -eq 0 ] || [ "$modulesdir" != "$(pkg-config --variable=modulesdir libcrypto)" ] ||
	[ "$modulesdir" != "$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')" ]; then
	echo "skip - dpkg -i/-r round trip: TS_MODULESDIR $modulesdir is not the system openssl's modulesdir under /usr"
	finish
fi
if dpkg-query -W -f='${Status}' timingseed 2>/dev/null | grep -q 'installed' ||
	[ -e "$modulesdir/timingseed.so" ] || [ -e /usr/bin/timingseed ]; then
	: >"$tmp/out"
	echo "timingseed already on this machine: $(ls "$modulesdir/timingseed.so" /usr/bin/timingseed 2>/dev/null)" >"$tmp/err"
	fail "dpkg round trip not run: it would replace, then remove, an existing install"
	finish
fi
if dpkg -i "$deb" >"$tmp/out" 2>"$tmp/err"; then
	installed=1
	ok "dpkg -i"
else
	installed=1 # half-installed: remove it all the same
	fail "dpkg -i"
	finish
fi
cd / || exit 1
if env -u OPENSSL_MODULES -u OPENSSL_CONF openssl list -random-generators -provider timingseed \
	>"$tmp/out" 2>"$tmp/err" && grep -q 'TIMING-SEED @ timingseed' "$tmp/out"; then
	ok "installed: openssl finds the module with no path"
else
	fail "installed: openssl list -random-generators -provider timingseed"
fi
if env -u OPENSSL_MODULES TIMINGSEED_DEBUG=1 OPENSSL_CONF=/usr/share/doc/timingseed/openssl.cnf.example \
	openssl rand -hex 32 >"$tmp/out" 2>"$tmp/err" && grep -q '^timingseed: get_seed' "$tmp/err"; then
	ok "installed: the packaged example config seeds openssl rand from timingseed"
else
	fail "installed: openssl rand under /usr/share/doc/timingseed/openssl.cnf.example"
fi
if [ "$(command -v timingseed)" = /usr/bin/timingseed ] && env PATH=/usr/bin:/bin timingseed sources \
	>"$tmp/out" 2>"$tmp/err" && grep -q '^pipe_buffer ' "$tmp/out"; then
	ok "installed: timingseed sources runs from /usr/bin"
else
	fail "installed: timingseed sources from /usr/bin (found $(command -v timingseed))"
fi
if dpkg -r timingseed >"$tmp/out" 2>"$tmp/err"; then
	installed=0
	ok "dpkg -r"
else
	fail "dpkg -r"
fi
left=$(ls "$modulesdir/timingseed.so" /usr/bin/timingseed /usr/share/doc/timingseed \
	/usr/share/man/man7/timingseed.7.gz 2>/dev/null)
[ -z "$left" ] && ok "removed: nothing left behind" || fail "left after dpkg -r: $left"
# The provider cannot be found any more (openssl fails to load it).
env -u OPENSSL_MODULES -u OPENSSL_CONF openssl list -random-generators -provider timingseed \
	>"$tmp/out" 2>"$tmp/err"
if grep -q 'TIMING-SEED' "$tmp/out"; then
	fail "removed: openssl still finds TIMING-SEED"
else
	ok "removed: openssl no longer finds the module"
fi
finish
