#!/usr/bin/env bash
# t_dnsbld_any.sh -- RFC 8482: a query of type ANY over UDP gets one RRset
# (the SOA at the apex, the A of a listed address, the first glue RRset of
# a glue name) and never needs TC, even when the name's TXT is too large
# for UDP; over TCP it gets every RRset.  Each answer is parsed by
# dnspython (anycheck.py), and a signed ANY follows the same rule.
source "$(dirname "$0")/lib.sh"
ac() { $PY "$ROOT/tests/system/anycheck.py" "$@"; }
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
huge=$(printf 'h%.0s' $(seq 1 1800))
write_config "    glue:
      - {name: ns1.relays.example, address: 127.0.0.53}
      - {name: ns1.relays.example, address: '::53'}
      - {name: ns2.relays.example, address: '::54'}
      - {name: ns2.relays.example, address: 127.0.0.54}
  - name: huge.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    a: 127.0.0.2
    txt: \"$huge\"
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}"
loader list 192.0.2.1 2001:db8::1 >/dev/null; ok $? "listings made"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

Z=relays.example
V6=$($PY -c "import ipaddress; print(ipaddress.ip_address('2001:db8::1').reverse_pointer.replace('.ip6.arpa', ''))")
check "ANY: one RRset over UDP, all over TCP" -- ac $PORT apex:$Z listed:1.2.0.192.$Z \
	listed:2.0.0.127.$Z listed:$V6.$Z glue:ns1.$Z none:9.9.9.9.$Z none:2.0.192.$Z \
	apex:huge.example listed:2.0.0.127.huge.example
sed 's/^/  /' "$T/check.out"
# ns2's first glue record is its AAAA: that RRset is the one.
check "glue name whose first glue is AAAA: the AAAA alone over UDP" -- \
	dc q $PORT ns2.$Z ANY --rcode NOERROR --no-tc --an 1 --ns 0
out=$(dig +notcp +noedns -p $PORT @127.0.0.1 ns2.$Z ANY 2>&1)
echo "$out" | grep -qE "^ns2\.$Z\.[[:space:]].*AAAA[[:space:]]+::54$" && ! echo "$out" | grep -q "127.0.0.54"
ok $? "dig: ns2 ANY over UDP is its AAAA, without its A"
check "1800-byte TXT name, no EDNS: ANY fits 512, no TC" -- \
	dc q $PORT 2.0.0.127.huge.example ANY --no-tc --an 1 --a 127.0.0.2 --max-size 512
check "... and over TCP ANY brings the TXT too" -- \
	dc q $PORT 2.0.0.127.huge.example ANY --tcp --no-tc --an 2 --a 127.0.0.2 --txt "$huge"
check "signed ANY over UDP: one RRset, signed" -- \
	dc tsig $PORT 1.2.0.192.$Z ANY --key k1:$K1 --rcode NOERROR --an 1
check "signed ANY over TCP: both RRsets, signed" -- \
	dc tsig $PORT 1.2.0.192.$Z ANY --key k1:$K1 --rcode NOERROR --an 2 --tcp
check "class ANY, type ANY at the apex over UDP: the SOA" -- \
	dc raw $PORT 1234000000010000000000000672656c617973076578616d706c650000ff00ff --rcode NOERROR
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
