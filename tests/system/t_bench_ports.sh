#!/usr/bin/env bash
# t_bench_ports.sh -- the ports the benches give their servers
# (tests/bench/lib.sh, bench_ports) are distinct, free on 127.0.0.1 for UDP
# and TCP, and below the kernel's ephemeral range, where no client is given
# one as its own source port.  A client that sets SO_REUSEPORT (dig does)
# can be given the port of a server whose sockets set it too (dnsbld's
# UDP sockets do), and then gets its own query back: in a bench run of
# 2026-12-03 one of the answers compared came back to dig that way.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/bench/lib.sh"

lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)
echo "# ephemeral range from $lo"
bad_range=0 bad_dup=0 bad_free=0 calls=50
for i in $(seq 1 $calls); do
	ports=($(bench_ports 3))
	[ ${#ports[@]} -eq 3 ] || { bad_range=$((bad_range + 1)); continue; }
	for p in "${ports[@]}"; do
		if [ "$p" -lt 20000 ] || { [ "$lo" -gt 21000 ] && [ "$p" -ge "$lo" ]; }; then
			bad_range=$((bad_range + 1))
			echo "# $p outside 20000 to $lo"
		fi
	done
	[ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -eq 3 ] ||
	    bad_dup=$((bad_dup + 1))
	# Each one free now: bound for UDP and TCP on 127.0.0.1.
	$PY - "${ports[@]}" <<'PY' || bad_free=$((bad_free + 1))
import socket, sys
for p in sys.argv[1:]:
    for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, typ)
        s.bind(("127.0.0.1", int(p)))
        s.close()
PY
done
is "$bad_range" 0 "$calls calls of bench_ports 3: three ports each, all from 20000 to below $lo"
is "$bad_dup" 0 "the three of a call are distinct"
is "$bad_free" 0 "and free for UDP and TCP on 127.0.0.1"
done_testing
