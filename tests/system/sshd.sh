#!/bin/sh
# A real client: Debian's own sshd, with its seccomp preauth sandbox, seeded
# by timingseed loaded from the SYSTEM-WIDE openssl.cnf, as README tells an
# administrator to (issue 22, item 3).
#
# sshd runs as root on a free loopback port (127.0.0.1 only), with a config
# of its own (host key in a temporary directory, StrictModes no, PidFile
# none, UsePAM no, LogLevel DEBUG3). It reads the system's openssl.cnf, which
# this machine's file is not: sshd runs in a private mount namespace
# (unshare -m) where a test config is bind-mounted over the file OpenSSL
# reads (OPENSSLDIR/openssl.cnf, resolved: on Debian /etc/ssl/openssl.cnf).
# The test config is the system's own plus timingseed loaded by absolute
# path, `trace = 1`, and a [random] section with seed = TIMING-SEED, read
# before the providers (compose.awk, below).
#
# Which process wrote a trace line: sshd -e keeps its stderr (fd 2) open in
# every process it starts: the listener, the per-connection process
# (re-exec'd sshd, or sshd-session on 10.x) and its preauth child (a fork,
# or sshd-auth on 10.x), which inherits fd 2 and writes the trace there
# before and after its seccomp filter (write is allowed). That fd 2 is a
# Unix stream socket whose reader (pidlog.py, below) gets the writer's pid
# from the kernel with every write (SCM_CREDENTIALS), so each line is logged
# with the pid that wrote it. The per-connection process logs "Network child
# is on pid N": N is the preauth child, and its own lines are the trace of
# the sandboxed process, whatever the listener and the monitor wrote.
#
# One login over loopback with ssh per key exchange this OpenSSH offers
# among curve25519-sha256, ecdh-sha2-nistp256, diffie-hellman-group14-sha256,
# sntrup761x25519-sha512@openssh.com and mlkem768x25519-sha256. Each must
# work and run `echo ok`; sshd's log must show no SIGSYS, no "terminated by
# signal", no "sandbox violation"; the seccomp filter attached in each
# preauth child; and a 'timingseed: get_seed' line from each preauth child's
# pid. The same run with `module =` pointing nowhere must show no trace line
# at all, logins still working on OpenSSL 3.x (its fallback to the OS seed),
# so the "trace present" check is not vacuous. On 4.0+ OpenSSL's DRBG does
# not start then, but sshd may still log in (OpenSSH takes its own random
# numbers from libc's arc4random where glibc has one: Debian's sid sshd on
# 4.0 does), so there either outcome passes and only the trace is checked.
#
# Not checked: whether a get_seed ran before or after the preauth child's
# seccomp filter (both write to the same fd; only the pid is known, not the
# moment relative to prctl); the post-auth child (the login is root's, and
# sshd 9.x serves root in the monitor itself, with no post-auth fork); the
# kernel's audit log of seccomp kills (sshd's own "terminated by signal" is
# checked instead); sshd under systemd with its unit's own filters.
#
# Needs root, sshd and python3. The mount namespace: `unshare -m
# --propagation private`; inside a compat root (scripts/compat.sh, marked by
# /.timingseed-made) / is not a mount point, so that fails, and the bind
# mount is made with --propagation unchanged in the namespace in_root
# made private already (unshare --mount's default). Elsewhere without a
# private mount namespace, the test is skipped: it never writes the
# system's openssl.cnf.
#   sshd.sh BUILD_DIR SOURCE_DIR
# shellcheck disable=SC2015 # ok never fails: A && ok || fail is if-then-else here
set -u
build=$(cd "$1" && pwd) # absolute: the config names the module by its path
module=$build/modules/timingseed.so
sshd=/usr/sbin/sshd

skip() {
	echo "skip: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (sshd, mount namespaces)"
[ -x "$sshd" ] || skip "no $sshd (openssh-server)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || skip "no ssh (openssh-client)"
command -v unshare >/dev/null || skip "no unshare (util-linux)"
if [ -x /usr/bin/python3 ]; then
	py=/usr/bin/python3
else
	py=$(command -v python3) || skip "no python3 (scripts/deps.sh test installs it)"
fi

# The environment of sshd and ssh: OpenSSL's system-wide config, no trace by
# the environment (trace = 1 in the config is what turns it on).
unset OPENSSL_CONF OPENSSL_MODULES TIMINGSEED_DEBUG

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
sshd_pid=""
col_pid=""
made_privsep=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	stop_sshd
	[ -n "$made_privsep" ] && rmdir /run/sshd 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT # instead of lib.sh's, which only removes $tmp
trap 'exit 130' INT TERM


# major VERSION_TEXT: the major version in "OpenSSL 3.6.5 ...".
major() { printf '%s\n' "$1" | sed -n 's/.*OpenSSL[ /]\([0-9]*\)\..*/\1/p' | head -n 1; }

# The file OpenSSL reads as its system-wide config.
dir=$(openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')
cnf=$(readlink -f "$dir/openssl.cnf")
[ -n "$dir" ] && [ -f "$cnf" ] || skip "no system-wide openssl.cnf ('$dir/openssl.cnf')"
cp "$cnf" "$tmp/system.cnf"
ossl_major=$(major "$(openssl version)")
echo "# $("$sshd" -V 2>&1 | head -n 1), $(openssl version)"
echo "# system-wide config: $dir/openssl.cnf -> $cnf"

# How sshd gets its own view of that file.
if unshare -m --propagation private true 2>/dev/null; then
	ns="unshare -m --propagation private"
elif [ -f /.timingseed-made ] && unshare -m --propagation unchanged true 2>/dev/null; then
	ns="unshare -m --propagation unchanged"
	echo "# a compat root: / is not a mount point; in_root's mount namespace is private"
else
	skip "no private mount namespace here (unshare -m): will not touch $cnf"
fi
echo "# sshd runs under: $ns, $cnf bind-mounted over"

# compose.awk: the system's openssl.cnf, plus timingseed loaded and [random]
# seed = TIMING-SEED, as an administrator would edit it. Run over the same
# file twice: the first pass finds the init section (N, from openssl_conf),
# its providers section (P) and that one's default provider (D). The second
# prints the file, `random` first in [N] (before `providers`, README), and
# appends the new sections; [P] and [D] are reopened there (later keys add
# to a section, or replace a key of the same name): timingseed listed, and
# the default provider activated, since listing one replaces the implicit
# default.
cat >"$tmp/compose.awk" <<'EOF'
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]*(#.*)?$/, "", s); return s }
function header(line) { return line ~ /^[ \t]*\[[^]]*\]/ }
function secname(line) { line = trim(line); gsub(/^\[[ \t]*|[ \t]*\].*$/, "", line); return line }
function kv(line, key) {
	if (line !~ "^[ \t]*" key "[ \t]*=") return ""
	sub("^[ \t]*" key "[ \t]*=[ \t]*", "", line)
	return trim(line)
}
FNR == 1 { pass++; sect = "" }
pass == 1 {
	if (header($0)) { sect = secname($0); next }
	if (sect == "" && kv($0, "openssl_conf") != "") N = kv($0, "openssl_conf")
	if (N != "" && sect == N && kv($0, "providers") != "") P = kv($0, "providers")
	if (N != "" && sect == N && kv($0, "random") != "") R = kv($0, "random")
	if (sect != "") body[sect] = body[sect] "\n" $0
	next
}
pass == 2 && FNR == 1 {
	if (R != "") { print "compose.awk: [" N "] has a random section already" > "/dev/stderr"; bad = 1; exit 1 }
	if (P != "") {
		n = split(body[P], l, "\n")
		for (i = 1; i <= n; i++) if (kv(l[i], "default") != "") D = kv(l[i], "default")
	}
	if (N == "") { N = "timingseed_init"; print "openssl_conf = " N; newinit = 1 }
}
pass == 2 {
	print
	if (header($0) && secname($0) == N) {
		print "random = timingseed_random_sect"
		if (P == "") print "providers = timingseed_provider_sect"
	}
}
END {
	if (bad) exit 1
	print ""
	print "# Added by tests/system/sshd.sh: seed OpenSSL's DRBGs from timingseed."
	if (newinit) {
		print "[" N "]"
		print "random = timingseed_random_sect"
		print "providers = timingseed_provider_sect"
	}
	print "[timingseed_random_sect]"
	print "seed = TIMING-SEED"
	print "seed_properties = provider=timingseed"
	if (P == "") {
		P = "timingseed_provider_sect"
		D = "timingseed_default_sect"
		print "[" P "]"
		print "default = " D
	} else {
		print "[" P "]"
		if (D == "") { D = "timingseed_default_sect"; print "default = " D }
	}
	print "timingseed = timingseed_sect"
	print "[" D "]"
	print "activate = 1"
	print "[timingseed_sect]"
	print "module = " module
	print "activate = 1"
	print "trace = 1"
}
EOF

# pidlog.py OUT PIDFILE COMMAND...: COMMAND with its stdout and stderr on a
# Unix stream socket; each line it or any process it starts writes there
# goes to OUT as "PID<TAB>line", PID the writer's, which the kernel attaches
# to every write (SCM_CREDENTIALS; a stream read never joins two writers'
# bytes). PIDFILE gets COMMAND's pid (unshare and sh exec: sshd's). Ends
# when every writer has closed the socket, or 10 s after COMMAND exits.
cat >"$tmp/pidlog.py" <<'EOF'
import select, signal, socket, struct, subprocess, sys, time

out = open(sys.argv[1], "w", buffering=1)
rd, wr = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
rd.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
p = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=wr, stderr=wr)
wr.close()
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % p.pid)
signal.signal(signal.SIGTERM, lambda *_: p.terminate())
partial = {}
crlen = socket.CMSG_SPACE(struct.calcsize("3i"))
ended = None
while True:
    if ended is None and p.poll() is not None:
        ended = time.monotonic()
    if ended is not None and time.monotonic() - ended > 10:
        break
    if not select.select([rd], [], [], 0.2)[0]:
        continue
    data, anc, _, _ = rd.recvmsg(65536, crlen)
    if not data:
        break
    pid = 0
    for level, kind, cd in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", cd[:12])[0]
    *lines, partial[pid] = (partial.get(pid, b"") + data).split(b"\n")
    for line in lines:
        out.write("%d\t%s\n" % (pid, line.decode("utf-8", "replace")))
for pid, rest in partial.items():
    if rest:
        out.write("%d\t%s\n" % (pid, rest.decode("utf-8", "replace")))
sys.exit(p.wait(timeout=10))
EOF

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Keys: the host key, and the test login's.
mkdir -m 700 "$tmp/keys"
if ssh-keygen -q -t ed25519 -N '' -C sshd.sh-host -f "$tmp/keys/host_ed25519" >"$tmp/err" 2>&1 &&
	ssh-keygen -q -t ed25519 -N '' -C sshd.sh-login -f "$tmp/keys/id" >>"$tmp/err" 2>&1 &&
	cp "$tmp/keys/id.pub" "$tmp/keys/authorized_keys"; then
	ok "host key and login key"
else
	fail "ssh-keygen" "$tmp/err"
	finish
fi
user=$(id -un)
# The privilege separation directory (empty, root's, not group or world
# writable); removed at the end if made here.
if [ ! -d /run/sshd ]; then
	mkdir -m 755 /run/sshd && made_privsep=1
fi

# The key exchanges to test: those this OpenSSH offers among the list.
kexes=""
for k in curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group14-sha256 \
	sntrup761x25519-sha512@openssh.com mlkem768x25519-sha256; do
	ssh -Q kex | grep -qxF "$k" && kexes="$kexes $k"
done
for k in curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group14-sha256; do
	case " $kexes " in *" $k "*) ;; *) fail "ssh -Q kex does not list $k" ;; esac
done
echo "# key exchanges:$kexes"

# start_sshd PHASE: sshd -D -e with the test config in its own mount
# namespace, under pidlog.py. Sets port, sshd_pid, col_pid, log. Retries on
# another port when sshd ends before it listens.
start_sshd() {
	log=$tmp/$1.log
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		cat >"$tmp/sshd_config" <<-EOF
			Port $port
			ListenAddress 127.0.0.1
			HostKey $tmp/keys/host_ed25519
			AuthorizedKeysFile $tmp/keys/authorized_keys
			PidFile none
			UsePAM no
			StrictModes no
			LogLevel DEBUG3
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			PermitRootLogin prohibit-password
			UseDNS no
			PrintMotd no
			KexAlgorithms $(echo "$kexes" | sed 's/^ //; s/ /,/g')
		EOF
		rm -f "$tmp/sshd.pid"
		# shellcheck disable=SC2016,SC2086 # expanded by that sh; $ns is a command
		"$py" "$tmp/pidlog.py" "$log" "$tmp/sshd.pid" $ns sh -c \
			'mount --bind "$1" "$2" && exec "$3" -D -e -f "$4"' sh \
			"$tmp/$1.cnf" "$cnf" "$sshd" "$tmp/sshd_config" </dev/null >"$tmp/pidlog.err" 2>&1 &
		col_pid=$!
		i=0
		while [ "$i" -lt 100 ]; do
			[ -s "$tmp/sshd.pid" ] && sshd_pid=$(cat "$tmp/sshd.pid")
			grep -qs "Server listening on 127.0.0.1 port $port\." "$log" && return 0
			kill -0 "$col_pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		stop_sshd
		echo "# sshd on port $port not listening (attempt $attempt)"
		grep -q 'Address already in use' "$log" || return 1
	done
	return 1
}

# stop_sshd: SIGTERM to sshd, SIGKILL 5 s later; then pidlog.py ends (all
# writers gone, or 10 s after sshd).
stop_sshd() {
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null
		i=0
		while [ "$i" -lt 50 ] && kill -0 "$sshd_pid" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$sshd_pid" 2>/dev/null
		sshd_pid=""
	fi
	if [ -n "$col_pid" ]; then
		wait "$col_pid" 2>/dev/null
		col_pid=""
	fi
}

# login KEX: ssh to the test sshd with that key exchange only; sets
# login_ok (yes/no). The client's output is in $tmp/ssh.out and ssh.err.
login() {
	rm -f "$tmp/known_hosts"
	timeout 20 ssh -v -F /dev/null -p "$port" -i "$tmp/keys/id" -o IdentitiesOnly=yes \
		-o BatchMode=yes -o ConnectTimeout=10 -o UserKnownHostsFile="$tmp/known_hosts" \
		-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=accept-new \
		-o KexAlgorithms="$1" "$user@127.0.0.1" echo ok </dev/null >"$tmp/ssh.out" 2>"$tmp/ssh.err"
	status=$?
	login_ok=no
	[ "$status" -eq 0 ] && [ "$(cat "$tmp/ssh.out")" = ok ] &&
		tr -d '\r' <"$tmp/ssh.err" | grep -qxF "debug1: kex: algorithm: $1" && login_ok=yes
}

# traces LOG [PID] [FROM [TO]]: count the get_seed lines (of PID's, or all)
# in lines FROM..TO of LOG.
traces() {
	awk -F '\t' -v pid="${2:-}" -v from="${3:-1}" -v to="${4:-0}" \
		'NR >= from && (to == 0 || NR <= to) && (pid == "" || $1 == pid) &&
		 $2 ~ /^timingseed: get_seed [0-9]+ bytes, / { n++ } END { print n + 0 }' "$1"
}

# sandbox_clean LOG PHASE: sshd saw no process killed by its sandbox.
sandbox_clean() {
	if grep -Eiq 'sigsys|terminated by signal|sandbox violation|killed by signal|seccomp.*(violation|denied)' "$1"; then
		grep -Ei 'sigsys|terminated by signal|sandbox violation|killed by signal|seccomp.*(violation|denied)' \
			"$1" >"$tmp/bad"
		fail "[$2] sshd's log shows a process killed or a sandbox violation" "$tmp/bad"
	else
		ok "[$2] no SIGSYS, 'terminated by signal' or 'sandbox violation' in sshd's log"
	fi
}

table=$tmp/table
t0=$(date +%s)
for phase in timingseed nowhere; do
	if [ "$phase" = timingseed ]; then
		m=$module
	else
		m=$tmp/nowhere/timingseed.so
	fi
	if ! awk -v module="$m" -f "$tmp/compose.awk" "$tmp/system.cnf" "$tmp/system.cnf" \
		>"$tmp/$phase.cnf" 2>"$tmp/err"; then
		fail "[$phase] cannot compose the test openssl.cnf from $cnf" "$tmp/err"
		continue
	fi
	# Refuses: OpenSSL 4.0+ with the seed unfetchable (no fallback).
	refuses=no
	[ "$phase" = nowhere ] && [ "${ossl_major:-3}" -ge 4 ] && refuses=yes
	echo "# [$phase] module = $m"
	if ! start_sshd "$phase"; then
		if [ "$refuses" = yes ]; then
			[ "$(traces "$log")" -eq 0 ] && ok "[$phase] sshd did not start (OpenSSL 4.0+, an unfetchable seed), no trace line" ||
				fail "[$phase] a trace line with the module nowhere" "$log"
		else
			fail "[$phase] sshd never listened" "$log" "$tmp/pidlog.err"
		fi
		continue
	fi
	ok "[$phase] sshd $sshd_pid listening on 127.0.0.1:$port"
	if cmp -s "$cnf" "$tmp/system.cnf"; then
		ok "[$phase] $cnf unchanged outside sshd's mount namespace"
	else
		fail "[$phase] $cnf differs outside sshd's mount namespace: the bind mount leaked"
	fi
	: >"$tmp/$phase.logins"
	for k in $kexes; do
		from=$(($(wc -l <"$log") + 1))
		login "$k"
		# The per-connection process names its preauth child before the key
		# exchange, long before ssh is done; give the log a moment.
		i=0
		child=""
		while [ "$i" -lt 50 ]; do
			child=$(tail -n "+$from" "$log" | sed -n 's/^[0-9]*\t.*Network child is on pid \([0-9]*\).*/\1/p' | head -n 1)
			[ -n "$child" ] && break
			sleep 0.1
			i=$((i + 1))
		done
		echo "$k $login_ok ${child:--} $from" >>"$tmp/$phase.logins"
		if [ "$refuses" = yes ]; then
			echo "# [$phase] $k: login $login_ok (OpenSSL 4.0+, an unfetchable seed: either passes)"
		else
			[ "$login_ok" = yes ] && ok "[$phase] $k: logged in, ran 'echo ok'" ||
				fail "[$phase] $k: login failed (ssh exit status $status)" "$tmp/ssh.err" "$tmp/ssh.out"
		fi
	done
	stop_sshd
	sandbox_clean "$log" "$phase"

	total=$(traces "$log")
	if [ "$phase" = nowhere ]; then
		[ "$total" -eq 0 ] && ok "[$phase] no 'timingseed: get_seed' line from any sshd process" ||
			fail "[$phase] $total trace lines with the module nowhere" "$log"
	else
		n=$(traces "$log" "$(head -n 1 "$tmp/sshd.pid")")
		[ "$n" -gt 0 ] && ok "[$phase] the listener was seeded by timingseed ($n get_seed)" ||
			fail "[$phase] no get_seed line from the listener (pid $(cat "$tmp/sshd.pid"))" "$log"
	fi
	# Per login: the preauth child's own lines, and all lines from the
	# login's start to the next's (the listener's reseed after its fork, the
	# per-connection process, the preauth and the session child).
	# (each login's last line: the line before the next login's first)
	awk 'NR > 1 { print prev, $4 - 1 } { prev = $0 } END { if (NR) print prev, 0 }' \
		"$tmp/$phase.logins" >"$tmp/$phase.ranges"
	while read -r k lok child from to; do
		all=$(traces "$log" "" "$from" "$to")
		pre=-
		if [ "$child" = - ]; then
			[ "$refuses" = yes ] || fail "[$phase] $k: no 'Network child is on pid' line for the login" "$log"
		else
			pre=$(traces "$log" "$child")
			seccomp=$(awk -F '\t' -v from="$from" -v to="$to" 'NR >= from && (to == 0 || NR <= to) &&
				$2 ~ /attaching seccomp filter/ { n++ } END { print n + 0 }' "$log")
			[ "$seccomp" -ge 1 ] && ok "[$phase] $k: the preauth child $child attached its seccomp filter" ||
				fail "[$phase] $k: no 'attaching seccomp filter' for the login: not the seccomp sandbox" "$log"
			if [ "$phase" = timingseed ]; then
				[ "$pre" -gt 0 ] && ok "[$phase] $k: the preauth child $child was seeded by timingseed ($pre get_seed)" ||
					fail "[$phase] $k: no get_seed line from the preauth child $child" "$log"
			fi
		fi
		printf '  %-10s  %-36s  %-5s  %11s  %14s  %12s\n' "$phase" "$k" "$lok" "$child" "$pre" "$all" >>"$table"
	done <"$tmp/$phase.ranges"
done

echo "# sshd, seeded by timingseed from the system-wide openssl.cnf ($(($(date +%s) - t0)) s):"
printf '  %-10s  %-36s  %-5s  %11s  %14s  %12s\n' module kex login "preauth pid" "get_seed there" "get_seed all"
[ -s "$table" ] && cat "$table"
finish
