# tests/system/mta.sh -- shared by the MTA tests (t_mta_*.sh), sourced
# after lib.sh: a private Unbound resolver on loopback that knows only the
# test zone, as an MTA's resolver would be set up in front of dnsbld.
#
# Unbound listens on $RESOLVER port 53 (a loopback address of its own,
# 127.53.X.Y, because resolv.conf cannot name a port), runs in the
# foreground from $T/unbound, and asks dnsbld (127.0.0.1@$PORT) through a
# stub zone for relays.example.  Every other name is answered from a
# static local zone for ".", so it never needs root hints, a trust anchor
# or any address off loopback.  Kill it with stop_unbound (the MTA tests
# call it from their EXIT trap).

UNBOUND_PID=
RESOLVER=

need() {	# need COMMAND PACKAGE: fail the test when a package is missing
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
		echo "# $1 is missing: install $2 (tests/packages.txt)"
		ok 1 "$2 is installed"
		done_testing
		exit 1
	fi
}

# free_resolver_addr: a 127.53.X.Y with port 53 free for UDP and TCP.
free_resolver_addr() {
	$PY - <<'PY'
import socket, random
for _ in range(200):
    a = "127.53.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
    try:
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, typ)
            s.bind((a, 53)); s.close()
        print(a); break
    except OSError:
        continue
PY
}

# start_unbound: write $T/unbound/unbound.conf, start Unbound in the
# foreground and wait until it answers for its own zone.  A second
# argument, if given, is extra server: configuration.
start_unbound() {
	local d=$T/unbound i
	RESOLVER=$(free_resolver_addr)
	[ -n "$RESOLVER" ] || { echo "# no free 127.53.x.y:53"; return 1; }
	mkdir -p "$d"
	cat >"$d/unbound.conf" <<EOF
server:
	interface: $RESOLVER@53
	port: 53
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	username: ""
	chroot: ""
	directory: "$d"
	pidfile: "$d/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	# No validation: no trust anchor, nothing fetched from the network.
	module-config: "iterator"
	domain-insecure: "relays.example"
	# dnsbld is on loopback.
	do-not-query-localhost: no
	# Nothing but the stub zone leaves Unbound: every other name is
	# answered here (NXDOMAIN), so no root hints are ever needed.
	local-zone: "." static
	local-zone: "relays.example." transparent
${1:-}
stub-zone:
	name: "relays.example"
	stub-addr: 127.0.0.1@$PORT
remote-control:
	control-enable: no
EOF
	unbound-checkconf "$d/unbound.conf" >"$d/checkconf.out" 2>&1 || {
		echo "# unbound-checkconf:"; sed 's/^/#   /' "$d/checkconf.out"; return 1; }
	unbound -d -c "$d/unbound.conf" >"$d/unbound.log" 2>&1 &
	UNBOUND_PID=$!
	for i in $(seq 1 150); do
		if dig -b "$DIG_SRC" +time=1 +tries=1 @"$RESOLVER" relays.example SOA 2>/dev/null |
		    grep -q 'status: NOERROR'; then
			return 0
		fi
		kill -0 "$UNBOUND_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "# unbound did not answer:"; sed 's/^/#   /' "$d/unbound.log"
	return 1
}

stop_unbound() {
	[ -n "$UNBOUND_PID" ] || return 0
	kill -TERM "$UNBOUND_PID" 2>/dev/null
	wait "$UNBOUND_PID" 2>/dev/null
	UNBOUND_PID=
}

# rdig NAME TYPE: ask the resolver, short answer.  The tests' own queries
# come from $DIG_SRC, so that Unbound's log (log-queries) tells them from
# the MTA's, which come from 127.0.0.1.
DIG_SRC=127.0.0.99
rdig() { dig -b "$DIG_SRC" +time=3 +tries=3 +short @"$RESOLVER" "$1" "$2"; }
# rstatus NAME TYPE: the resolver's rcode.
rstatus() {
	dig -b "$DIG_SRC" +time=3 +tries=3 @"$RESOLVER" "$1" "$2" 2>/dev/null |
	    sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
