#!/usr/bin/env bash
# t_dnsbld_wildcard.sh -- dnsbld bound to the wildcard addresses 0.0.0.0
# and :: answers each UDP query from the address it was sent to
# (IP_PKTINFO / IPV6_PKTINFO).  Queries go to loopback addresses only.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }

write_config
sed -i "s/^  - 127.0.0.1@$PORT/  - 0.0.0.0@$PORT/; s/^  - \"::1@$PORT\"/  - \"::@$PORT\"/" "$T/dnsbl.yaml"
grep -q "0.0.0.0@$PORT" "$T/dnsbl.yaml"; ok $? "config listens on 0.0.0.0 and ::"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
for a in 127.0.0.1 127.0.0.2 127.1.2.3 ::1; do
	check "UDP to $a: answered from $a" -- dc q $PORT 2.0.0.127.relays.example A \
		--server $a --rcode NOERROR --a 127.0.0.2
	check "TCP to $a" -- dc q $PORT relays.example SOA --server $a --tcp --rcode NOERROR --an 1
done
check "EDNS on a wildcard socket" -- dc q $PORT 3.0.0.127.relays.example A --server 127.0.0.9 \
	--edns 1232 --rcode NXDOMAIN --opt-payload 1232
# The wildcard socket's answers (sendmsg with IP_PKTINFO) carry DF and
# IP ID 0 as well (RFC 9715; t_dnsbld_edns for the others).
if [ "$(id -u)" = 0 ]; then
	check "wildcard socket: DF set, IP ID 0, from the address asked" -- \
		dc iphdr $PORT 2.0.0.127.relays.example A --server 127.1.2.3 --rcode NOERROR
else
	echo "# skipped: capturing on lo needs root (1 check)"
fi
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
