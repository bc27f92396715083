#!/bin/sh
# Integration: the openssl command line, in both loading modes, and what a
# seed that cannot be fetched does, made visible: 3.x falls back to the OS
# seed silently (no trace line), 4.0 refuses the DRBG. Each check can fail:
# every positive check looks for the trace line, every negative one for its
# absence.
#   integration.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
modules=$build/modules
conf=$src/openssl.cnf.example
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# OpenSSL 4.0 refuses to start its DRBG when the configured seed cannot be
# fetched; 3.x seeds from the OS instead, silently.
major=$(openssl version | sed -n 's/^OpenSSL \([0-9]*\)\..*/\1/p')
strict=0
[ "${major:-3}" -ge 4 ] && strict=1
echo "# $(openssl version): a seed that cannot be fetched $([ "$strict" -eq 1 ] &&
	echo "fails the DRBG" || echo "falls back to the OS")"

# check NAME EXPECT(trace|notrace|unfetched) COMMAND...
#   unfetched: the configured seed cannot be fetched. 3.x: the command
#   succeeds on the OS seed, no trace line; 4.0+: it fails, saying the DRBG
#   could not be fetched, and prints nothing.
check() {
	name=$1 expect=$2
	shift 2
	if [ "$expect" = unfetched ] && [ "$strict" -eq 1 ]; then
		if env TIMINGSEED_DEBUG=1 "$@" >"$tmp/out" 2>"$tmp/err"; then
			fail "$name: exit status 0, expected OpenSSL $major to refuse the DRBG"
		elif grep -q '^timingseed: get_seed' "$tmp/err"; then
			fail "$name: timingseed served a seed"
		elif ! grep -q 'unable to fetch drbg' "$tmp/err"; then
			fail "$name: failed, but not with 'unable to fetch drbg'"
		elif [ -s "$tmp/out" ]; then
			fail "$name: failed, yet printed output"
		else
			ok "$name: OpenSSL $major refuses to start its DRBG"
		fi
		return
	fi
	[ "$expect" = unfetched ] && expect=notrace
	if ! env TIMINGSEED_DEBUG=1 "$@" >"$tmp/out" 2>"$tmp/err"; then
		fail "$name (exit status)"
		return
	fi
	if grep -q '^timingseed: get_seed [0-9]* bytes, [0-9.]* bits of entropy ([0-9]* asked[^)]*), [0-9.]* credited bits in [0-9]* blocks, sources ' "$tmp/err"; then
		[ "$expect" = trace ] && ok "$name" || fail "$name: timingseed served a seed, expected the OS seed"
	else
		[ "$expect" = notrace ] && ok "$name" || fail "$name: no trace line, OpenSSL fell back to its OS seed"
	fi
}

# openssl rand -hex 32 prints exactly 64 hex digits
hex_ok() {
	grep -Eq '^[0-9a-f]{64}$' "$tmp/out" && ok "$1: 32 random bytes printed" || fail "$1: output"
}

if env OPENSSL_MODULES="$modules" openssl list -random-generators -provider-path "$modules" \
	-provider timingseed -provider default >"$tmp/out" 2>"$tmp/err" &&
	grep -q 'TIMING-SEED' "$tmp/out" && grep -q '@ timingseed' "$tmp/out"; then
	ok "openssl list -random-generators lists TIMING-SEED @ timingseed"
else
	fail "openssl list -random-generators"
fi

check "config only" trace env OPENSSL_MODULES="$modules" OPENSSL_CONF="$conf" openssl rand -hex 32
hex_ok "config only"

check "-provider flag under the example config" trace env -u OPENSSL_MODULES OPENSSL_CONF="$conf" \
	openssl rand -provider-path "$modules" -provider timingseed -provider default -hex 32
hex_ok "-provider flag"

# The seed cannot be fetched: 3.x succeeds silently with its OS seed (the
# trace shows it), 4.0+ fails.
check "module not loadable" unfetched env OPENSSL_MODULES="$tmp/nowhere" \
	OPENSSL_CONF="$conf" openssl rand -hex 32
[ "$strict" -eq 1 ] || hex_ok "module not loadable"

sed 's/^seed = TIMING-SEED/seed = TIMING-SEEED/' "$conf" >"$tmp/misspelt.cnf"
check "misspelt seed name" unfetched env OPENSSL_MODULES="$modules" \
	OPENSSL_CONF="$tmp/misspelt.cnf" openssl rand -hex 32

check "-provider flag alone (default config): OS fallback" notrace env -u OPENSSL_CONF \
	openssl rand -provider-path "$modules" -provider timingseed -provider default -hex 32

# Provider keys in openssl.cnf: applied, and bad ones refuse the load.
keys_conf() {
	sed "s/^activate = 1\$/activate = 1\n$1/" "$conf" >"$tmp/keys.cnf"
}
keys_conf 'confined = never\nsources = pipe_buffer\ncredit.pipe_buffer = 0.04\ndeadline_ms = 1500\npipe_buffer.num_pipes = 8'
check "config keys applied" trace env OPENSSL_MODULES="$modules" OPENSSL_CONF="$tmp/keys.cnf" \
	openssl rand -hex 32
grep -q 'sources pipe_buffer=[0-9]*x0.040, [0-9.]* ms' "$tmp/err" &&
	ok "config keys: only pipe_buffer, at credit 0.04" || fail "config keys: trace"
for bad in 'deadline_mz = 100:unknown key .deadline_mz.' 'deadline_ms = -3:deadline_ms' \
	'sources = pipe_buffer,nonesuch:nonesuch' 'credit.pipe_buffer = 12:credit.pipe_buffer' \
	'pipe_buffer.num_pipes = lots:num_pipes' 'confined = perhaps:confined' \
	'sources = pipe_buffer:every source named makes system calls.*confined = never' \
	'credit.pipe_buffer = 1:above pipe_buffer.s default credit .*timingseed calibrate pipe_buffer'; do
	keys_conf "${bad%%:*}"
	check "bad key '${bad%%:*}': not loaded" unfetched env OPENSSL_MODULES="$modules" \
		OPENSSL_CONF="$tmp/keys.cnf" openssl rand -hex 32
	grep -q "^timingseed: not loaded: .*${bad#*:}" "$tmp/err" &&
		ok "bad key '${bad%%:*}': the trace names it" || fail "bad key '${bad%%:*}': message"
done

# A DRBG seeded by timingseed survives several requests in one process.
check "larger request" trace env OPENSSL_MODULES="$modules" OPENSSL_CONF="$conf" \
	openssl rand -out "$tmp/big" 100000
[ "$(wc -c <"$tmp/big")" -eq 100000 ] && ok "100000 bytes written" || fail "100000 bytes written"

# OpenSSL 3.5+: random_provider = timingseed sends RAND_bytes itself to the
# provider, every byte from the pool. Older OpenSSL has no such key.
ver=$(openssl version | sed -n 's/^OpenSSL \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
if [ "${ver% *}" -gt 3 ] || [ "${ver#* }" -ge 5 ]; then
	sed 's/^seed_properties = provider=timingseed$/&\nrandom_provider = timingseed/' "$conf" \
		>"$tmp/rp.cnf"
	if env TIMINGSEED_DEBUG=1 OPENSSL_MODULES="$modules" OPENSSL_CONF="$tmp/rp.cnf" \
		openssl rand -hex 32 >"$tmp/out" 2>"$tmp/err" &&
		grep -q '^timingseed: random_bytes public 32 bytes, 256.0 bits of entropy (256 asked), [0-9.]* credited bits' "$tmp/err"; then
		ok "random_provider = timingseed: RAND_bytes served by random_bytes"
	else
		fail "random_provider = timingseed"
	fi
	hex_ok "random_provider"
else
	echo "skip - random_provider: $(openssl version) has no such key (3.5+)"
fi

finish
