#!/bin/sh
# Install what building and testing timingseed needs on Debian 12.
#   deps.sh [test]    "test" adds the test-only packages.
# Runs apt-get only when something is missing, so it is cheap to repeat.
set -eu
pkgs="gcc make cmake pkg-config openssl libssl-dev perl"
# test: cmocka, the sanitizer and fuzzer runtimes, the real clients,
# dpkg-dev and lintian for tests/system/package.sh, and mmdebstrap for
# scripts/compat.sh (root filesystems of other Debian suites); llvm
# (llvm-nm, llvm-objdump read Mach-O), file and xz-utils for
# scripts/macos.sh, python3-jsonschema, python3-pil and chromium for the
# report's tests (schema, screenshot), libseccomp-dev and openssh-server
# for the confinement tests (seccomp filters, sshd's sandbox), and npm below;
# e2fsprogs (mke2fs -d: the guests' disks), cpio and xz-utils (their
# initrds) for scripts/machines.sh, and in norec its qemu-system-x86 and
# qemu-system-arm (TCG guests), without their recommends (a GUI, about 150
# packages, that the headless guests do not use).
norec=""
[ "${1:-}" = test ] && pkgs="$pkgs libcmocka-dev libseccomp-dev openssh-server openssh-client valgrind clang libclang-rt-14-dev python3 curl dpkg-dev lintian mmdebstrap llvm file xz-utils python3-jsonschema python3-pil chromium e2fsprogs cpio" &&
	norec="qemu-system-x86 qemu-system-arm"
missing=""
missing_norec=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
for p in $norec; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing_norec="$missing_norec $p"
done
# scripts/macos.sh fetches zig with npm: Debian's package only when there
# is no npm at all (a Node.js installed otherwise brings its own).
[ "${1:-}" = test ] && ! command -v npm >/dev/null && missing="$missing npm"
[ -z "$missing$missing_norec" ] && exit 0
echo "timingseed: installing$missing$missing_norec" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
[ -z "$missing" ] || $sudo apt-get install -y -qq $missing >/dev/null
# shellcheck disable=SC2086
[ -z "$missing_norec" ] || $sudo apt-get install -y -qq --no-install-recommends $missing_norec >/dev/null
