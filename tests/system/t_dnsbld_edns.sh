#!/usr/bin/env bash
# t_dnsbld_edns.sh -- EDNS0 (RFC 6891) and truncation: the OPT in answers,
# BADVERS, the UDP size limit max(512, min(payload, 1232)), TC with the
# question only, the full answer over TCP, and TXT split into strings of at
# most 255 bytes; DO (RFC 3225) and CD copied into answers; IPv4 answers
# with DF set (RFC 9715).
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }

# A TXT may not hold "$$" (txt.h): the '$'s are spaced.  Each '$' is 127.0.0.2.
long="$(printf 'x%.0s' $(seq 1 300))$(printf ' $%.0s' $(seq 1 30))"	# 600 bytes
huge=$(printf 'h%.0s' $(seq 1 1800))					# 1800 bytes
T570="$(printf 'x%.0s' $(seq 1 300))$(printf ' 127.0.0.2%.0s' $(seq 1 30))"
T1800=$huge
write_config "  - name: long.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    a: 127.0.0.2
    txt: \"$long\"
  - name: huge.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    a: 127.0.0.2
    txt: \"$huge\""
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

check "EDNS query: OPT with payload 1232, DO clear" -- dc q $PORT 2.0.0.127.relays.example A \
	--edns 4096 --rcode NOERROR --aa --opt-payload 1232
check "DO set: copied into the answer (RFC 3225)" -- dc q $PORT 2.0.0.127.relays.example A \
	--edns 1232 --do --rcode NOERROR --opt-payload 1232 --an 1
check "DO set on a negative answer: copied" -- dc q $PORT 3.0.0.127.relays.example A \
	--edns 1232 --do --rcode NXDOMAIN --opt-payload 1232
check "DO set over TCP at the apex: copied" -- dc q $PORT relays.example SOA --tcp \
	--edns 1232 --do --rcode NOERROR --opt-payload 1232
check "DO and CD set: both copied" -- dc q $PORT 2.0.0.127.relays.example TXT \
	--edns 1232 --do --cd --rcode NOERROR --an 1
check "CD set without EDNS: copied" -- dc q $PORT 2.0.0.127.relays.example A --cd --an 1
out=$(dig +dnssec +cdflag -p $PORT @127.0.0.1 2.0.0.127.relays.example A 2>&1)
echo "$out" | grep -q "flags: do;"; ok $? "dig +dnssec sees do in the answer's OPT"
echo "$out" | grep -q "flags: qr aa rd cd;"; ok $? "dig +cdflag sees cd in the answer"
check "no EDNS: no OPT in the answer" -- dc q $PORT 2.0.0.127.relays.example A --no-opt --an 1
check "EDNS version 1: BADVERS, no answer" -- dc q $PORT 2.0.0.127.relays.example A \
	--edns 1232 --ednsver 1 --rcode BADVERS --an 0 --opt-payload 1232
check "BADVERS also at the apex" -- dc q $PORT relays.example SOA --edns 1232 --ednsver 3 --rcode BADVERS --an 0
check "EDNS on a negative answer" -- dc q $PORT 3.0.0.127.relays.example A --edns 1232 \
	--rcode NXDOMAIN --opt-payload 1232 --soa-ttl 300
check "EDNS on REFUSED" -- dc q $PORT www.example.org A --edns 1232 --rcode REFUSED --opt-payload 1232

check "600-byte TXT, no EDNS: TC, question only, <= 512" -- dc q $PORT 2.0.0.127.long.example TXT \
	--tc --an 0 --ns 0 --max-size 512
check "600-byte TXT, payload 512: TC" -- dc q $PORT 2.0.0.127.long.example TXT --edns 512 \
	--tc --an 0 --max-size 512 --opt-payload 1232
check "600-byte TXT, payload 100 counts as 512: TC" -- dc q $PORT 2.0.0.127.long.example TXT \
	--edns 100 --tc --max-size 512
check "600-byte TXT, payload 1232: fits, 3 strings" -- dc q $PORT 2.0.0.127.long.example TXT \
	--edns 1232 --no-tc --an 1 --txt "$T570" --txt-strings 3 --max-size 1232
check "600-byte TXT, payload 4096: fits in 1232" -- dc q $PORT 2.0.0.127.long.example TXT \
	--edns 4096 --no-tc --an 1 --txt "$T570" --max-size 1232
check "600-byte TXT over TCP without EDNS" -- dc q $PORT 2.0.0.127.long.example TXT --tcp \
	--no-tc --an 1 --txt "$T570"
check "1800-byte TXT, payload 4096: TC (limit 1232)" -- dc q $PORT 2.0.0.127.huge.example TXT \
	--edns 4096 --tc --an 0 --max-size 1232
check "1800-byte TXT over TCP: whole, 8 strings" -- dc q $PORT 2.0.0.127.huge.example TXT --tcp \
	--edns 4096 --no-tc --an 1 --txt "$T1800" --txt-strings 8
check "A of the same name still fits over UDP" -- dc q $PORT 2.0.0.127.huge.example A --no-tc --an 1
out=$(dig +ignore +noedns -p $PORT @127.0.0.1 2.0.0.127.long.example TXT 2>&1)
echo "$out" | grep -q "flags: qr aa tc"; ok $? "dig +ignore sees tc"
out=$(dig +bufsize=1232 -p $PORT @127.0.0.1 2.0.0.127.long.example TXT 2>&1)
echo "$out" | grep -q "udp: 1232"; ok $? "dig sees udp: 1232"
# RFC 9715: IPv4 answers leave with DF set (and so IP ID 0, RFC 6864),
# never fragmented by the server, the largest a UDP answer can be too.
if [ "$(id -u)" = 0 ]; then
	check "IPv4 answer: DF set, IP ID 0" -- dc iphdr $PORT 2.0.0.127.relays.example A \
		--rcode NOERROR
	check "IPv4 NXDOMAIN with EDNS: DF set, IP ID 0" -- dc iphdr $PORT \
		3.0.0.127.relays.example TXT --edns 1232 --rcode NXDOMAIN
	check "600-byte TXT at payload 1232: DF set, IP ID 0" -- dc iphdr $PORT \
		2.0.0.127.long.example TXT --edns 1232 --min-size 600
	check "REFUSED: DF set, IP ID 0" -- dc iphdr $PORT www.example.org A --rcode REFUSED
	check "TC (1800-byte TXT): DF set, IP ID 0" -- dc iphdr $PORT \
		2.0.0.127.huge.example TXT --edns 4096 --tc
else
	echo "# skipped: capturing on lo needs root (5 checks)"
fi
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
