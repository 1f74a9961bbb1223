#!/usr/bin/env bash
# t_dnsbld_wildcard.sh -- dnsbld bound to the wildcard addresses 0.0.0.0
# and :: answers each UDP query from the address it was sent to
# (IP_PKTINFO / IPV6_PKTINFO), also where routing would pick another
# source (in a network namespace of its own).  Queries go to loopback
# addresses only.
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

# The answer's source is the address asked even where routing would pick
# another: in a network namespace of the test's own, with 127.0.0.53 and
# 2001:db8::53 on its loopback beside 127.0.0.1 and ::1, a client bound to
# 127.0.0.1 or ::1 asks the other address; routing would answer from the
# client's own.
NS=dnsbl-wc-$$
wc_cleanup() { [ -n "$DNSBLD_PID" ] && kill "$DNSBLD_PID" 2>/dev/null &&
	wait "$DNSBLD_PID" 2>/dev/null; DNSBLD_PID=; ip netns del "$NS" 2>/dev/null; cleanup; }
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "$NS" 2>/dev/null; then
	trap wc_cleanup EXIT
	ip netns exec "$NS" ip link set lo up &&
	    ip netns exec "$NS" ip addr add 127.0.0.53/8 dev lo &&
	    ip netns exec "$NS" ip -6 addr add 2001:db8::53/128 dev lo nodad
	ok $? "a namespace with 127.0.0.53 and 2001:db8::53 on its loopback"
	ip netns exec "$NS" "$DNSBLD" -c "$T/dnsbl.yaml" 2>"$T/dnsbld-ns.log" &
	DNSBLD_PID=$!
	out=$(ip netns exec "$NS" $PY - $PORT <<'PY'
import socket, sys, time
import dns.message
port = int(sys.argv[1])
res = []
for fam, src, dst in ((socket.AF_INET, "127.0.0.1", "127.0.0.53"),
                      (socket.AF_INET6, "::1", "2001:db8::53")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(0.5)
    q = dns.message.make_query("2.0.0.127.relays.example", "A")
    got = None
    for _ in range(40):		# until dnsbld is up, at most 20 s
        s.sendto(q.to_wire(), (dst, port))
        try:
            d, frm = s.recvfrom(4096)
        except socket.timeout:
            continue
        m = dns.message.from_wire(d)
        if m.id == q.id:
            got = (frm[0], [x.to_text() for x in m.answer[0]] if m.answer else [])
            break
    res.append("%s from %s" % (got[1], got[0]) if got else "no answer")
print("; ".join(res))
PY
)
	is "$out" "['127.0.0.2'] from 127.0.0.53; ['127.0.0.2'] from 2001:db8::53" \
	    "client on 127.0.0.1 and ::1: answered from 127.0.0.53 and 2001:db8::53, the addresses asked"
	kill -TERM "$DNSBLD_PID"; wait "$DNSBLD_PID"; ok $? "dnsbld in the namespace exits 0"
	DNSBLD_PID=
	ip netns del "$NS"
else
	echo "# skipped: a network namespace needs root and ip (3 checks)"
fi
done_testing
