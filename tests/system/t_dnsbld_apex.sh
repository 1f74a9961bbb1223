#!/usr/bin/env bash
# t_dnsbld_apex.sh -- the zone apex (SOA, NS with glue, ANY, NODATA), glue
# names, names outside every zone (REFUSED), the most specific of two
# nested zones, and a zone whose NS answer is too large for 512 bytes.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }

write_config "    glue:
      - {name: ns1.relays.example, address: 127.0.0.53}
      - {name: ns1.relays.example, address: '::53'}
      - {name: ns.other.test, address: 127.0.0.54}
      - {name: web.relays.example, address: 127.0.0.80}
  - name: sub.relays.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example, ttl: 600, minimum: 900}
    ns: [ns.other.test]
    a: 127.0.0.3
    txt: sub
  - name: big.example
    soa: {mname: ns00.big.example, rname: hostmaster.big.example}
    ns: [$(seq -f 'ns%02g.big.example' -s ', ' 0 19)]
    glue:
$(for i in $(seq 0 19); do printf '      - {name: ns%02d.big.example, address: 127.0.1.%d}\n' $i $((i + 1)); done)"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

check "apex SOA: NOERROR AA, one SOA" -- dc q $PORT relays.example SOA \
	--rcode NOERROR --aa --an 1 --ns 0 --ttl 3600
is "$(dig +short -p $PORT @127.0.0.1 relays.example SOA | awk '{print $1, $2, $4, $5, $6, $7}')" \
	"ns1.relays.example. hostmaster.relays.example. 3600 600 604800 300" "dig: SOA fields from the config"
check "apex NS with in-zone glue (A and AAAA)" -- dc q $PORT relays.example NS \
	--rcode NOERROR --aa --an 2 --ns-names ns1.relays.example,ns2.relays.example \
	--glue ns1.relays.example=127.0.0.53 --glue ns1.relays.example=::53
check "apex NS over TCP and IPv6" -- dc q $PORT relays.example NS --tcp --server ::1 \
	--rcode NOERROR --aa --an 2 --ar 2
check "apex ANY over TCP: SOA and NS" -- dc q $PORT relays.example ANY --tcp --edns 1232 \
	--rcode NOERROR --aa --an 3 --ar 2
check "apex ANY over UDP: the SOA alone (RFC 8482)" -- dc q $PORT relays.example ANY --edns 1232 \
	--rcode NOERROR --aa --no-tc --an 1 --ns 0 --ar 0
check "apex A: NODATA with SOA" -- dc q $PORT relays.example A \
	--rcode NOERROR --aa --an 0 --ns 1 --soa-ttl 300
check "apex TXT: NODATA" -- dc q $PORT relays.example TXT --rcode NOERROR --an 0 --ns 1
check "apex AAAA: NODATA" -- dc q $PORT relays.example AAAA --rcode NOERROR --an 0 --ns 1
check "glue name A" -- dc q $PORT ns1.relays.example A --rcode NOERROR --aa --a 127.0.0.53
# The NS RRset and a glue name's own A have the SOA's TTL (3600 by
# default), not the zone's ttl (2100), which is for listings.
check "apex NS TTL is the SOA's 3600" -- dc q $PORT relays.example NS --an 2 --ttl 3600
check "glue name A TTL is the SOA's 3600" -- dc q $PORT ns1.relays.example A --a 127.0.0.53 --ttl 3600
# Glue for a name that is no NS of the zone answers for itself, but stays
# out of the NS answer's additional section.
check "glue of a name that is no NS: its A" -- dc q $PORT web.relays.example A \
	--rcode NOERROR --aa --an 1 --a 127.0.0.80 --ttl 3600
check "apex NS: no glue of a name that is no NS" -- dc q $PORT relays.example NS --tcp \
	--an 2 --ar 2 --glue ns1.relays.example=127.0.0.53 --glue ns1.relays.example=::53
# Twenty in-zone NS with glue do not fit 512 bytes: TC with the question
# alone, every other count 0, and a message dnspython reads to its end.
check "20 NS with glue over TCP: all of them" -- dc q $PORT big.example NS --tcp \
	--rcode NOERROR --no-tc --an 20 --ar 20
check "20 NS with glue over UDP without EDNS: TC, counts 0" -- dc q $PORT big.example NS \
	--rcode NOERROR --tc --an 0 --ns 0 --ar 0 --max-size 512
check "the same with EDNS 512: TC, the OPT alone" -- dc q $PORT big.example NS --edns 512 \
	--rcode NOERROR --tc --an 0 --ns 0 --ar 0 --opt-payload 1232 --max-size 512
check "glue name MX: NODATA" -- dc q $PORT ns1.relays.example MX --rcode NOERROR --an 0 --ns 1
check "other name in zone: NXDOMAIN" -- dc q $PORT www.relays.example A \
	--rcode NXDOMAIN --aa --an 0 --ns 1 --soa-ttl 300
check "outside every zone: REFUSED without AA" -- dc q $PORT 2.0.0.127.example.org A \
	--rcode REFUSED --no-aa --an 0 --ns 0
check "the parent of a zone: REFUSED" -- dc q $PORT example A --rcode REFUSED --no-aa
check "root: REFUSED" -- dc q $PORT . NS --rcode REFUSED
check "nested zone apex SOA" -- dc q $PORT sub.relays.example SOA --rcode NOERROR --aa --ttl 600
check "nested zone NS: no out-of-zone glue" -- dc q $PORT sub.relays.example NS \
	--rcode NOERROR --an 1 --ar 0 --ns-names ns.other.test
check "nested zone test entry uses its own A" -- dc q $PORT 2.0.0.127.sub.relays.example ANY --tcp \
	--rcode NOERROR --aa --a 127.0.0.3 --txt sub
check "nested zone negative TTL = min(600, 900)" -- dc q $PORT 3.0.0.127.sub.relays.example A \
	--rcode NXDOMAIN --soa-ttl 600
check "zone names match in any case" -- dc q $PORT ReLaYs.ExAmPlE SOA --rcode NOERROR --aa --an 1 --echo
out=$(kdig -p $PORT @127.0.0.1 relays.example SOA +norec 2>&1)
echo "$out" | grep -q "status: NOERROR;"; ok $? "kdig: apex SOA NOERROR"
echo "$out" | grep -q "Flags: qr aa;"; ok $? "kdig: qr aa, no ra"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
