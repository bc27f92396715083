#!/bin/sh
# FIPS mode, where the FIPS provider is installed (Debian: openssl-provider-fips,
# OpenSSL 3.5+; scripts/compat.sh runs this in trixie): openssl-fips.cnf.example
# after `openssl fipsinstall` into a temporary file. Checks that FIPS mode
# is in force (MD5 refused), that `openssl rand`, Python's ssl.RAND_bytes
# and a key generation are seeded by timingseed (the trace line), and that
# `timingseed check` says YES. Then the two mistakes that file warns of,
# each of which must lose the trace line and make check say NO with advice
# that fixes it: seed_properties without ",-fips", and no random_provider
# (RAND_bytes then goes to the FIPS module's own DRBGs). And `random` after
# `providers`, where random_provider comes too late.
# Exit 77 (skipped) when there is no fips.so in libcrypto's modulesdir.
#   fips.sh BUILD_DIR SOURCE_DIR
# shellcheck disable=SC2015 # ok never fails: A && ok || fail is if-then-else here
set -u
build=$1
src=$2
ts=$build/bin/timingseed
modulesdir=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
if [ ! -f "$modulesdir/fips.so" ]; then
	echo "skip - no FIPS provider: $modulesdir/fips.so (Debian: openssl-provider-fips, 3.5+)"
	exit 77
fi
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# fail: the files shown cut to 40 lines.
fail() { fails=$((fails + 1)); echo "FAIL - $1"; sed 's/^/       /' "$tmp/err" "$tmp/out" 2>/dev/null | head -n 40; }

# run CONF COMMAND...: stdout in $tmp/out, stderr in $tmp/err, status in $rc.
# The module comes from the config's `module`: OPENSSL_MODULES would hide fips.so.
run() {
	c=$1
	shift
	env -u OPENSSL_MODULES OPENSSL_CONF="$c" TIMINGSEED_DEBUG=1 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
traced() { grep -q '^timingseed: get_seed [0-9]* bytes, [0-9.]* bits of entropy ([0-9]* asked[^)]*), [0-9.]* credited bits in [0-9]* blocks, sources ' "$tmp/err"; }
major=$(openssl version | sed -n 's/^OpenSSL \([0-9]*\)\..*/\1/p')
echo "# $(openssl version), $modulesdir/fips.so"

: >"$tmp/err"
: >"$tmp/out"
if openssl fipsinstall -out "$tmp/fipsmodule.cnf" -module "$modulesdir/fips.so" \
	>"$tmp/out" 2>"$tmp/err"; then
	ok "openssl fipsinstall"
else
	fail "openssl fipsinstall"
	finish
fi
sed -e "s|^\.include /etc/ssl/fipsmodule\.cnf\$|.include $tmp/fipsmodule.cnf|" \
	-e "/^\[timingseed_sect\]\$/a module = $build/modules/timingseed.so" \
	"$src/openssl-fips.cnf.example" >"$tmp/fips.cnf"
grep -qx ".include $tmp/fipsmodule.cnf" "$tmp/fips.cnf" &&
	grep -qx "module = $build/modules/timingseed.so" "$tmp/fips.cnf" &&
	ok "openssl-fips.cnf.example: include and module set" ||
	fail "openssl-fips.cnf.example: the .include or [timingseed_sect] line moved"
conf=$tmp/fips.cnf

# ---- the example ----------------------------------------------------------
run "$conf" openssl list -providers
for p in fips base timingseed; do
	awk -v p="$p" '$1 == p { s = 1; next } /^  [^ ]/ { s = 0 } s && /status: active/ { f = 1 }
		END { exit !f }' "$tmp/out" && ok "provider $p active" || fail "provider $p not active"
done
run "$conf" openssl dgst -md5 "$conf"
[ "$rc" -ne 0 ] && ok "FIPS mode in force: MD5 refused" || fail "MD5 works: not in FIPS mode"

run "$conf" openssl rand -hex 16
[ "$rc" -eq 0 ] && grep -Eqx '[0-9a-f]{32}' "$tmp/out" && traced &&
	ok "openssl rand -hex 16: seeded by timingseed" || fail "openssl rand: not seeded by timingseed"
run "$conf" python3 -c 'import ssl; print(len(ssl.RAND_bytes(16)))'
[ "$rc" -eq 0 ] && grep -qx 16 "$tmp/out" && traced &&
	ok "python ssl.RAND_bytes: seeded by timingseed" || fail "python ssl.RAND_bytes"
run "$conf" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/key.pem"
[ "$rc" -eq 0 ] && traced && ok "openssl genpkey EC: seeded by timingseed" || fail "genpkey"
run "$conf" "$ts" check --config "$conf"
[ "$rc" -eq 0 ] && grep -q '^YES: ' "$tmp/out" && ok "check: YES for openssl-fips.cnf.example" ||
	fail "check on openssl-fips.cnf.example (status $rc)"
grep -q '^key generation ' "$tmp/out" && ok "check: tried a key generation in fips.so" ||
	fail "check: no key generation line"

# ---- the mistakes the file warns of ----------------------------------------
# no_trace NAME: openssl rand is not seeded by timingseed (3.x: the OS seed;
# 4.0+ may refuse the DRBG instead when the seed is not fetched).
no_trace() {
	run "$1" openssl rand -hex 16
	if traced; then
		fail "$2: openssl rand still seeded by timingseed"
	elif [ "$rc" -eq 0 ] || [ "${major:-3}" -ge 4 ]; then
		ok "$2: openssl rand not seeded by timingseed (status $rc)"
	else
		fail "$2: openssl rand failed (status $rc)"
	fi
}
# check_no CONF NAME PATTERN: check exits 1 with PATTERN in its output.
check_no() {
	run "$1" "$ts" check --config "$1"
	[ "$rc" -eq 1 ] && grep -q '^NO: ' "$tmp/out" && grep -Eq -- "$3" "$tmp/out" &&
		ok "check: NO for $2, with the fix" || fail "check on $2 (status $rc; wants /$3/)"
}

sed 's/^seed_properties = provider=timingseed,-fips$/seed_properties = provider=timingseed/' \
	"$conf" >"$tmp/nofips.cnf"
no_trace "$tmp/nofips.cnf" "seed_properties without -fips"
check_no "$tmp/nofips.cnf" "seed_properties without -fips" 'seed_properties = provider=timingseed,-fips'

sed '/^random_provider = none$/d' "$conf" >"$tmp/norp.cnf"
no_trace "$tmp/norp.cnf" "no random_provider"
check_no "$tmp/norp.cnf" "no random_provider" 'random_provider = none'
grep -q '^primary DRBG .* drew [1-9][0-9]* samples' "$tmp/out" &&
	ok "check: the primary DRBG is seeded even so (only RAND_bytes is not)" ||
	fail "check: primary DRBG line under no random_provider"

awk '/^random = random_sect$/ { next } { print } /^providers = provider_sect$/ { print "random = random_sect" }' \
	"$conf" >"$tmp/late.cnf"
no_trace "$tmp/late.cnf" "random after providers"
check_no "$tmp/late.cnf" "random after providers" 'Put `random = random_sect` before `providers'
finish
