#!/usr/bin/env bash
# t_xfr_axfr.sh -- AXFR and IXFR from dnsbld, read by dnspython (every
# message parsed), dig and kdig: the transfer starts and ends with the SOA
# of the serial `loader stats` gives, holds the NS, the in-zone glue, the
# test entries and the A and TXT of each listing (a CIDR as wildcards);
# a 50,000-entry zone comes in many messages; IXFR gives the differences
# after list and delist, a single SOA to a current client, the whole zone
# when the journal (journal_max 3) no longer reaches back; over UDP, AXFR
# is refused and IXFR answered with the SOA alone.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example

write_config '    glue:
      - {name: ns1.relays.example, address: 192.0.2.53}
      - {name: ns1.relays.example, address: "2001:db8::53"}
      - {name: www.example.net, address: 192.0.2.80}'
echo "journal_max: 3" >>"$T/dnsbl.yaml"
loader list 192.0.2.1 198.51.100.0/24 2001:db8::1 2001:db8:1::/48 >/dev/null &&
loader list 10.20.30.40 --code 127.0.0.3 --txt 'own $ text' >/dev/null
ok $? "listings made"
serial() { loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])'; }
S1=$(serial)
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

TXT='"Open relay 192.0.2.1 - see https://relays.example/lookup?ip=192.0.2.1"'
check "AXFR: SOA first and last, serial $S1, NS, glue, A, TXT" -- \
	X xfr $PORT $Z --kind full --serial $S1 --rcode NOERROR \
	--has "@ NS ns1" --has "@ NS ns2" \
	--has "ns1 A 192.0.2.53" --has "ns1 AAAA 2001:db8::53" \
	--has "1.2.0.192 A 127.0.0.2" --has "1.2.0.192 TXT $TXT" \
	--has "2.0.0.127 A 127.0.0.2" \
	--has '*.100.51.198 A 127.0.0.2' \
	--has '*.100.51.198 TXT "Open relay 198.51.100.0/24 - see https://relays.example/lookup?ip=198.51.100.0/24"' \
	--has "40.30.20.10 A 127.0.0.3" --has '40.30.20.10 TXT "own 10.20.30.40 text"' \
	--has "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 A 127.0.0.2" \
	--has "*.1.0.0.0.8.b.d.0.1.0.0.2 A 127.0.0.2" \
	--hasnt "1.0.0.127 A 127.0.0.2"
grep -q "www.example.net" <(X xfr $PORT $Z --has "x A 1.1.1.1" 2>&1) ; ok $((!$?)) "out-of-zone glue not sent"
# 2 SOA + 2 NS + 2 glue + 2 test entries x2 + 5 listings (the /48 is one wildcard) x2
check "AXFR: 20 records" -- X xfr $PORT $Z --records 20
check "AXFR from ::1, outside transfer.allow: REFUSED" -- X xfr $PORT $Z --server ::1 --rcode REFUSED --records 0
n=$(dig +tcp -p $PORT @127.0.0.1 $Z AXFR +nocmd +nostats 2>/dev/null | grep -vc '^;\|^$')
is "$n" 20 "dig AXFR: 20 records"
n=$(kdig -p $PORT @127.0.0.1 $Z AXFR +nostats 2>/dev/null | grep -vc '^;\|^$')
is "$n" 20 "kdig AXFR: 20 records"

# IXFR after a list and a delist.
loader list 203.0.113.7 >/dev/null && loader delist 192.0.2.1 >/dev/null
S3=$(serial)
is "$S3" $((S1 + 2)) "two changes, two serials"
check "IXFR from $S1: incremental, the listing added and the delisting removed" -- \
	X xfr $PORT $Z --ixfr $S1 --kind incremental --serial $S3 \
	--has "7.113.0.203 A 127.0.0.2" --has "1.2.0.192 A 127.0.0.2" \
	--has "1.2.0.192 TXT $TXT" --records 10
out=$(dig +tcp -p $PORT @127.0.0.1 $Z IXFR=$S1 +nocmd +nostats 2>/dev/null | grep -v '^;' | awk 'NF {print $4, $1}' | tr '\n' ' ')
want="SOA relays.example. SOA relays.example. SOA relays.example. A 7.113.0.203.relays.example. TXT 7.113.0.203.relays.example. SOA relays.example. A 1.2.0.192.relays.example. TXT 1.2.0.192.relays.example. SOA relays.example. SOA relays.example. "
is "$out" "$want" "dig IXFR=$S1: SOA, per serial old SOA, deletions, new SOA, additions, SOA"
check "IXFR from the current serial: one SOA" -- X xfr $PORT $Z --ixfr $S3 --kind uptodate --records 1
check "IXFR from a serial ahead of ours: one SOA" -- X xfr $PORT $Z --ixfr $((S3 + 5)) --kind uptodate
loader list 203.0.113.8 >/dev/null; loader list 203.0.113.9 >/dev/null; loader list 203.0.113.10 >/dev/null
S6=$(serial)
check "IXFR from $S3 (3 serials back, journal_max 3): incremental" -- X xfr $PORT $Z --ixfr $S3 --kind incremental --serial $S6
check "IXFR from $S1 (journal too short): the whole zone" -- X xfr $PORT $Z --ixfr $S1 --kind full --serial $S6 \
	--has "10.113.0.203 A 127.0.0.2"

# UDP.
check "AXFR over UDP: REFUSED" -- X xfr $PORT $Z --udp --rcode REFUSED --records 0
check "IXFR over UDP: the SOA only" -- X xfr $PORT $Z --udp --ixfr $S1 --rcode NOERROR --kind uptodate --serial $S6
check "IXFR over UDP, current: the SOA only" -- X xfr $PORT $Z --udp --ixfr $S6 --kind uptodate

# A larger zone: many messages, each up to 64 KB.
# Odd addresses only, so each is a host of its own: 100,000 records.
$PY -c '
for i in range(50000):
    print("10.%d.%d.%d" % (100 + i // 32768, i // 128 % 256, i % 128 * 2 + 1))
' >"$T/big.txt"
loader import --format lines "$T/big.txt" >/dev/null
ok $? "50,000 addresses imported"
S7=$(serial)
check "AXFR of 50,000 entries: many messages, all parsed" -- X xfr $PORT $Z --kind full --serial $S7 --min-messages 20
out=$(X xfr $PORT $Z)
recs=$(echo "$out" | sed -n 's/.*records=\([0-9]*\).*/\1/p')
[ "$recs" -gt 100000 ]; ok $? "AXFR of 50,000 entries: over 100,000 records ($recs)"
msgs=$(dig +tcp -p $PORT @127.0.0.1 $Z AXFR 2>/dev/null | sed -n 's/.*messages \([0-9]*\), bytes \([0-9]*\).*/\1 \2/p')
set -- $msgs
[ "${1:-0}" -gt 20 ] && [ "$(( ${2:-0} / ${1:-1} ))" -gt 50000 ]
ok $? "dig: $msgs (messages, bytes): messages of over 50 KB on average"
grep -q "AXFR relays.example serial $S7 to 127.0.0.1: [0-9]* messages" "$T/dnsbld.log"
ok $? "dnsbld logs the transfer"
check "IXFR after the import: incremental" -- X xfr $PORT $Z --ixfr $S6 --kind incremental --serial $S7 --min-messages 20

# IXFR without the client's SOA: FORMERR over UDP and over TCP alike.
$PY - $PORT $Z <<'PY' >"$T/ixfr.out" 2>&1
import socket, struct, sys
import dns.message, dns.rcode
port, zone = int(sys.argv[1]), sys.argv[2]
q = dns.message.make_query(zone, "IXFR")
w = q.to_wire()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
u.sendto(w, ("127.0.0.1", port))
r1 = dns.message.from_wire(u.recv(4096))
t = socket.create_connection(("127.0.0.1", port), timeout=5)
t.sendall(struct.pack("!H", len(w)) + w)
n = struct.unpack("!H", t.recv(2, socket.MSG_WAITALL))[0]
r2 = dns.message.from_wire(t.recv(n, socket.MSG_WAITALL))
print(dns.rcode.to_text(r1.rcode()), dns.rcode.to_text(r2.rcode()),
      r1.id == q.id and r2.id == q.id)
PY
is "$(cat "$T/ixfr.out")" "FORMERR FORMERR True" "IXFR without an SOA: FORMERR over UDP and TCP"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
