#!/bin/sh
# Real clients, seeded by timingseed through openssl.cnf.example:
#  (a) a TLS 1.3 handshake on loopback between `openssl s_server -rev` and
#      `openssl s_client`, a line echoed back (reversed) through it;
#  (b) Python's ssl module (Debian's /usr/bin/python3 when present):
#      ssl.RAND_bytes and a verified TLS connection to s_server;
#  (c) curl: an https request to `s_server -www`, verified with --cacert.
# Each process runs with TIMINGSEED_DEBUG=1 and its own stderr file, and
# must show a 'timingseed: get_seed' line there. The same run is repeated
# with OPENSSL_MODULES pointing nowhere, which shows the positive checks can
# fail: each client on OpenSSL 3.x still works (its silent fallback to the
# OS seed) and the trace line must be absent; on 4.0+ it must refuse to
# start its DRBG ("unable to fetch drbg"). Each client is judged by the
# OpenSSL it runs on, which need not be the `openssl` command's (Debian's
# experimental has python and curl on 3.x beside openssl 4.0); when the
# server's OpenSSL refuses, that phase's server runs seeded by timingseed.
#   clients.sh BUILD_DIR SOURCE_DIR
# shellcheck disable=SC2015 # ok never fails: A && ok || fail is if-then-else here
set -u
build=$1
src=$2
conf=$src/openssl.cnf.example
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
srv_pid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT # instead of lib.sh's, which only removes $tmp
trap 'exit 130' INT TERM


# traced MODULES COMMAND...: the environment of every client and server.
traced() {
	tm=$1
	shift
	env OPENSSL_CONF="$conf" OPENSSL_MODULES="$tm" TIMINGSEED_DEBUG=1 "$@"
}

# major VERSION_TEXT: the major version in "OpenSSL 3.6.5 ..." or "OpenSSL/4.0.3".
major() { printf '%s\n' "$1" | sed -n 's/.*OpenSSL[ /]\([0-9]*\)\..*/\1/p' | head -n 1; }

# refused NAME STATUS STDERR_FILE: a client on OpenSSL 4.0+ with the seed
# unfetchable must fail, saying so, and not be seeded by timingseed.
refused() {
	if [ "$2" -eq 0 ]; then
		fail "$1: exit status 0, expected OpenSSL 4.0+ to refuse its DRBG" "$3"
	elif ! grep -q 'unable to fetch drbg' "$3"; then
		fail "$1: failed, but not with 'unable to fetch drbg'" "$3"
	elif grep -q '^timingseed: get_seed' "$3"; then
		fail "$1: failed, yet a timingseed trace line" "$3"
	else
		ok "$1: refused to start its DRBG (OpenSSL 4.0+, no fallback)"
	fi
}

# seeded NAME STDERR_FILE EXPECT(trace|notrace)
seeded() {
	if grep -q '^timingseed: get_seed [0-9]* bytes, [0-9.]* bits of entropy ([0-9]* asked[^)]*), [0-9.]* credited bits in [0-9]* blocks, sources ' "$2"; then
		if [ "$3" = trace ]; then
			ok "$1 was seeded by timingseed ($(grep -c '^timingseed: get_seed' "$2") get_seed)"
		else
			fail "$1: a timingseed trace line with OPENSSL_MODULES pointing nowhere" "$2"
		fi
	elif [ "$3" = notrace ]; then
		ok "$1: no trace line, OpenSSL fell back to its OS seed"
	else
		fail "$1: no 'timingseed: get_seed' line on its stderr: not seeded by timingseed" "$2"
	fi
}

# What s_server -rev sends back (perl-base is essential on Debian).
reverse() { printf '%s' "$1" | perl -ne 'print scalar reverse $_'; }

if [ -x /usr/bin/python3 ]; then
	py=/usr/bin/python3
else
	py=$(command -v python3 || true)
fi

free_port() {
	if [ -n "$py" ]; then
		"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
	else
		echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	fi
}

# start_server MODULES NAME MODE(-rev|-www): sets port and srv_pid. Retries
# on another port when s_server exits before it is listening.
start_server() {
	sm=$1 name=$2 mode=$3
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		traced "$sm" timeout 60 openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" \
			-key "$tmp/key.pem" -naccept 1 "$mode" </dev/null >"$tmp/$name.srv.out" \
			2>"$tmp/$name.srv.err" &
		srv_pid=$!
		i=0
		while [ "$i" -lt 150 ]; do
			grep -qs '^ACCEPT' "$tmp/$name.srv.out" && return 0
			kill -0 "$srv_pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		srv_pid=""
		echo "# s_server on port $port not listening (attempt $attempt)"
	done
	return 1
}

# stop_server: s_server -naccept 1 ends after its one connection; give it
# 10 s, then kill it. Sets srv_status.
stop_server() {
	i=0
	while [ "$i" -lt 100 ] && kill -0 "$srv_pid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "$srv_pid" 2>/dev/null
	srv_status=0
	wait "$srv_pid" || srv_status=$?
	srv_pid=""
}

cat >"$tmp/client.py" <<'EOF'
import socket, ssl, sys
port, cafile, msg = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("openssl", ssl.OPENSSL_VERSION)
print("RAND_bytes", len(ssl.RAND_bytes(32)))
ctx = ssl.create_default_context(cafile=cafile)
with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        print("version", s.version())
        s.sendall(msg.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        print("reply", got.decode().strip())
        s.sendall(b"CLOSE\n")
EOF

# A self-signed certificate for localhost and 127.0.0.1, made without
# timingseed, with a config of its own (an OpenSSL built with install_sw
# has no openssl.cnf, and req wants one).
printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$tmp/req.cnf"
if env -u OPENSSL_CONF -u OPENSSL_MODULES openssl req -config "$tmp/req.cnf" -x509 -newkey ec \
	-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	>"$tmp/req.out" 2>&1; then
	ok "self-signed certificate"
else
	fail "openssl req: cannot make the test certificate" "$tmp/req.out"
	finish
fi

echo "# openssl: $(openssl version)"
ossl_major=$(major "$(openssl version)")
py_major=$ossl_major
curl_major=$ossl_major
if [ -n "$py" ]; then
	py_version=$("$py" -c 'import ssl; print(ssl.OPENSSL_VERSION)' 2>&1)
	py_major=$(major "$py_version")
	echo "# python: $py, $py_version"
fi
if command -v curl >/dev/null; then
	echo "# curl: $(command -v curl), $(curl -V | head -n 1)"
	curl_major=$(major "$(curl -V | head -n 1)")
fi

# expect_for MAJOR: what a client on that OpenSSL shows in this phase.
expect_for() {
	if [ "$phase" = timingseed ]; then
		echo trace
	elif [ "${1:-3}" -ge 4 ]; then
		echo refused
	else
		echo notrace
	fi
}

for phase in timingseed fallback; do
	srv_m=$build/modules
	if [ "$phase" = timingseed ]; then
		m=$build/modules
	else
		m=$tmp/nowhere
		[ "$(expect_for "$ossl_major")" = refused ] || srv_m=$m
	fi
	expect=$(expect_for "$ossl_major")
	srv_expect=trace
	[ "$srv_m" = "$m" ] && srv_expect=$expect
	echo "# $phase: OPENSSL_MODULES=$m for the clients, $srv_m for s_server"
	if [ "$srv_m" != "$m" ]; then
		traced "$m" timeout 30 openssl s_server -accept 127.0.0.1:0 -cert "$tmp/cert.pem" \
			-key "$tmp/key.pem" -naccept 1 -rev </dev/null >"$tmp/srv-refused.out" \
			2>"$tmp/srv-refused.err"
		refused "[$phase] s_server" $? "$tmp/srv-refused.err"
	fi

	# (a) openssl s_server and s_client.
	msg="hello from s_client, $phase"
	rev=$(reverse "$msg")
	c="[$phase] s_client"
	if ! start_server "$srv_m" "tls-$phase" -rev; then
		fail "[$phase] s_server never listened" "$tmp/tls-$phase.srv.err" "$tmp/tls-$phase.srv.out"
	else
		printf '%s\nCLOSE\n' "$msg" | traced "$m" timeout 30 openssl s_client \
			-connect "127.0.0.1:$port" -servername localhost -verify_hostname localhost \
			-CAfile "$tmp/cert.pem" -verify_return_error -ign_eof \
			>"$tmp/tls.cli.out" 2>"$tmp/tls.cli.err"
		status=$?
	fi
	if [ -z "$srv_pid" ]; then
		:
	elif [ "$expect" = refused ]; then
		# No connection came: the server need not be waited for.
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		srv_pid=""
		refused "$c" "$status" "$tmp/tls.cli.err"
		seeded "[$phase] s_server" "$tmp/tls-$phase.srv.err" "$srv_expect"
	else
		stop_server
		[ "$status" -eq 0 ] && ok "$c exit status 0" ||
			fail "$c exit status $status" "$tmp/tls.cli.err" "$tmp/tls.cli.out"
		grep -q '^ *Verify return code: 0 (ok)' "$tmp/tls.cli.out" &&
			ok "$c: Verify return code: 0 (ok)" || fail "$c: certificate not verified" "$tmp/tls.cli.out"
		proto=$(sed -n 's/^ *Protocol *: *\(TLSv1\.[23]\)$/\1/p' "$tmp/tls.cli.out" | head -n 1)
		[ -n "$proto" ] && ok "$c: session Protocol $proto" ||
			fail "$c: no TLS session Protocol line" "$tmp/tls.cli.out"
		grep -qxF "$rev" "$tmp/tls.cli.out" && ok "$c: '$msg' echoed back reversed through TLS" ||
			fail "$c: no '$rev' from s_server -rev" "$tmp/tls.cli.out"
		[ "$srv_status" -eq 0 ] && grep -q 'CONNECTION CLOSED' "$tmp/tls-$phase.srv.err" &&
			ok "[$phase] s_server served one connection and exited 0" ||
			fail "[$phase] s_server exit status $srv_status" "$tmp/tls-$phase.srv.err"
		seeded "[$phase] s_server" "$tmp/tls-$phase.srv.err" "$srv_expect"
		seeded "$c" "$tmp/tls.cli.err" "$expect"
	fi

	# (b) Python's ssl module.
	c="[$phase] python ssl"
	msg="hello from python, $phase"
	rev=$(reverse "$msg")
	if [ -z "$py" ]; then
		fail "$c: no python3 (scripts/deps.sh test installs it)"
	elif start_server "$srv_m" "py-$phase" -rev; then
		traced "$m" timeout 30 "$py" "$tmp/client.py" "$port" "$tmp/cert.pem" "$msg" \
			>"$tmp/py.out" 2>"$tmp/py.err"
		status=$?
		stop_server
		if [ "$(expect_for "$py_major")" = refused ]; then
			refused "$c" "$status" "$tmp/py.err"
		else
			[ "$status" -eq 0 ] && ok "$c: exit status 0" || fail "$c: exit status $status" "$tmp/py.err" "$tmp/py.out"
			grep -qx 'RAND_bytes 32' "$tmp/py.out" && ok "$c: ssl.RAND_bytes(32)" ||
				fail "$c: ssl.RAND_bytes" "$tmp/py.out"
			grep -Eq '^version TLSv1\.[23]$' "$tmp/py.out" && grep -qxF "reply $rev" "$tmp/py.out" &&
				ok "$c: verified $(sed -n 's/^version //p' "$tmp/py.out") connection, line echoed back" ||
				fail "$c: TLS connection to s_server" "$tmp/py.out" "$tmp/py.err"
			seeded "$c" "$tmp/py.err" "$(expect_for "$py_major")"
		fi
	else
		fail "[$phase] s_server never listened" "$tmp/py-$phase.srv.err"
	fi

	# (c) curl.
	c="[$phase] curl"
	if ! command -v curl >/dev/null; then
		fail "$c: no curl (scripts/deps.sh test installs it)"
	elif ! curl -V | head -n 1 | grep -q 'OpenSSL/'; then
		fail "$c: curl is not built with OpenSSL: $(curl -V | head -n 1)"
	elif start_server "$srv_m" "curl-$phase" -www; then
		traced "$m" timeout 30 curl -sS --cacert "$tmp/cert.pem" -o "$tmp/curl.body" \
			-w 'http_code %{http_code} verify %{ssl_verify_result}\n' "https://127.0.0.1:$port/" \
			>"$tmp/curl.out" 2>"$tmp/curl.err"
		status=$?
		stop_server
		if [ "$(expect_for "$curl_major")" = refused ]; then
			refused "$c" "$status" "$tmp/curl.err"
		else
			[ "$status" -eq 0 ] && grep -qx 'http_code 200 verify 0' "$tmp/curl.out" &&
				ok "$c: https GET, certificate verified, 200" ||
				fail "$c: exit status $status" "$tmp/curl.out" "$tmp/curl.err"
			grep -q 'Cipher is' "$tmp/curl.body" && ok "$c: s_server's status page received" ||
				fail "$c: body" "$tmp/curl.body"
			seeded "$c" "$tmp/curl.err" "$(expect_for "$curl_major")"
		fi
	else
		fail "[$phase] s_server never listened" "$tmp/curl-$phase.srv.err"
	fi
done

finish
