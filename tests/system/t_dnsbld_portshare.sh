#!/usr/bin/env bash
# t_dnsbld_portshare.sh -- no other local user can bind dnsbld's UDP port
# and take a share of its queries.  dnsbld's UDP sockets set SO_REUSEPORT
# (one socket a worker), which the kernel grants only to sockets of the
# same owner, and not SO_REUSEADDR, which on UDP would let any user's
# socket that sets it bind the same address and port.  A port from 1024
# up needs no privilege, so this is what keeps it dnsbld's.  Another
# socket of dnsbld's own user that sets SO_REUSEPORT can still share the
# port (dnsbld(8) says so); that is checked too, as documented behaviour.
# With one worker and with two.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: binding as another user needs root"
	done_testing
	exit 0
fi

# try_bind UID FLAGS: bind 127.0.0.1:$PORT for UDP as UID with the socket
# options FLAGS (reuseaddr, reuseport, both); prints "bound" or the error.
try_bind() {
	$PY - "$1" "$2" "$PORT" <<'PY'
import errno, os, socket, sys
uid, flags, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if uid != 0:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if flags in ("reuseaddr", "both"):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if flags in ("reuseport", "both"):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind(("127.0.0.1", port))
    print("bound")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}

nobody=65534
for workers in 1 2; do
	write_config "workers: $workers"
	start_dnsbld || { ok 1 "dnsbld starts ($workers workers)"; continue; }
	for flags in reuseaddr reuseport both; do
		is "$(try_bind $nobody $flags)" EADDRINUSE \
		    "$workers worker(s): another user's socket with $flags cannot bind dnsbld's UDP port"
	done
	is "$(try_bind 0 reuseaddr)" EADDRINUSE \
	    "$workers worker(s): nor one of dnsbld's own user with SO_REUSEADDR alone"
	is "$(try_bind 0 reuseport)" bound \
	    "$workers worker(s): one of its own user with SO_REUSEPORT can (dnsbld(8))"
	is "$(dig +time=2 +tries=2 -p "$PORT" @127.0.0.1 2.0.0.127.relays.example A +short)" \
	    127.0.0.2 "$workers worker(s): dnsbld still answers"
	stop_dnsbld; ok $? "$workers worker(s): dnsbld exits 0 on SIGTERM"
done
done_testing
