#!/usr/bin/env bash
# t_dnsbld_tcp.sh -- DNS over TCP (RFC 7766): pipelined queries in one
# write all answered, a query split over many writes, a zero-length message
# closing the connection, the idle timeout (tcp_timeout) and the connection
# cap (tcp_max_connections), over IPv4 and IPv6.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example

write_config
cat >>"$T/dnsbl.yaml" <<YAML
tcp_timeout: 2s
tcp_max_connections: 3
YAML
loader list 192.0.2.1 >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

check "the connection cap: 3 answered, the rest closed" -- dc maxconn $PORT 3
check "20 pipelined queries in one write, all answered" -- dc pipeline $PORT 20 \
	1.2.0.192.$Z 2.2.0.192.$Z $Z 2.0.0.127.$Z
check "200 pipelined queries, all answered" -- dc pipeline $PORT 200 1.2.0.192.$Z 9.9.9.9.$Z
check "pipelined over IPv6" -- dc pipeline $PORT 10 1.2.0.192.$Z --server ::1
check "a query split byte by byte; zero length closes" -- dc split $PORT 1.2.0.192.$Z
check "idle connection closed after tcp_timeout (2s)" -- dc idle $PORT 2
check "TCP answer: listed" -- dc q $PORT 1.2.0.192.$Z ANY --tcp --rcode NOERROR --aa --an 2
check "TCP answer: NXDOMAIN" -- dc q $PORT 2.2.0.192.$Z A --tcp --rcode NXDOMAIN --soa-ttl 300
is "$(dig +tcp +short -p $PORT @::1 1.2.0.192.$Z A)" "127.0.0.2" "dig +tcp over ::1"
is "$(kdig +tcp +short -p $PORT @127.0.0.1 1.2.0.192.$Z A)" "127.0.0.2" "kdig +tcp"
check "the cap again after the others closed" -- dc maxconn $PORT 3
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
