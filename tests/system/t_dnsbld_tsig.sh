#!/usr/bin/env bash
# t_dnsbld_tsig.sh -- RFC 8945 5.3: every answer to a signed request is
# signed, not only transfers.  A secondary's signed SOA check, a listed and
# an unlisted address, a name outside the zones (REFUSED), a NOTIFY sent to
# dnsbld (NOTIMP): each answer carries a TSIG whose MAC dnspython verifies,
# over UDP and TCP, and dig -y and kdig -y accept it.  A wrong secret gets
# NOTAUTH/BADSIG and an unknown key NOTAUTH/BADKEY, unsigned; a request
# signed outside its own fudge gets NOTAUTH/BADTIME, signed, with our time
# in Other Data.  A signed answer too large for UDP comes back with TC,
# signed, and whole over TCP.  A second TSIG record gets FORMERR.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
BAD=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjQ=
big=$(printf 'b%.0s' $(seq 1 2000))
write_config "    codes:
      big: {a: 127.0.0.9, txt: \"$big \$\"}
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
  - {name: k5.example, algorithm: hmac-md5, secret: $K1}
  - {name: k512, algorithm: hmac-sha512, secret: $K1}"
loader list 192.0.2.1 >/dev/null && loader list 192.0.2.9 --code big >/dev/null
ok $? "listings made"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

Z=relays.example
for tcp in "" --tcp; do
	w=${tcp:-udp}; w=${w#--}
	check "$w: signed SOA: NOERROR, signed" -- dc tsig $PORT $Z SOA --key k1:$K1 --rcode NOERROR --an 1 $tcp
	check "$w: signed A of a listed address: signed" -- dc tsig $PORT 1.2.0.192.$Z A --key k1:$K1 --rcode NOERROR --an 1 $tcp
	check "$w: signed A of an unlisted one: NXDOMAIN, signed" -- dc tsig $PORT 9.9.9.9.$Z A --key k1:$K1 --rcode NXDOMAIN --an 0 $tcp
	check "$w: signed query outside the zones: REFUSED, signed" -- dc tsig $PORT example.org A --key k1:$K1 --rcode REFUSED $tcp
	check "$w: signed NOTIFY to dnsbld: NOTIMP, signed" -- dc tsig $PORT $Z SOA --key k1:$K1 --opcode notify --rcode NOTIMP $tcp
	check "$w: wrong secret: NOTAUTH, BADSIG, unsigned" -- dc tsig $PORT $Z SOA --key k1:$BAD --rcode NOTAUTH --tsig-error BADSIG --unsigned $tcp
	check "$w: unknown key: NOTAUTH, BADKEY, unsigned" -- dc tsig $PORT $Z SOA --key k9:$K1 --rcode NOTAUTH --tsig-error BADKEY --unsigned $tcp
	check "$w: 1000 s ahead: NOTAUTH, BADTIME, signed with our time" -- dc tsig $PORT $Z SOA --key k1:$K1 --skew 1000 --rcode NOTAUTH --tsig-error BADTIME $tcp
done
check "the request's own fudge applies: 200 s off with fudge 300 verifies" -- \
	dc tsig $PORT $Z SOA --key k1:$K1 --skew -200 --fudge 300 --rcode NOERROR
check "... and 200 s off with fudge 100 is BADTIME" -- \
	dc tsig $PORT $Z SOA --key k1:$K1 --skew -200 --fudge 100 --rcode NOTAUTH --tsig-error BADTIME
check "hmac-md5 key: signed" -- dc tsig $PORT $Z SOA --key k5.example:$K1 --alg hmac-md5.sig-alg.reg.int --rcode NOERROR
check "hmac-sha512 key: signed" -- dc tsig $PORT 1.2.0.192.$Z TXT --key k512:$K1 --alg hmac-sha512 --rcode NOERROR --an 1
check "hmac-sha512 BADTIME: signed" -- dc tsig $PORT $Z SOA --key k512:$K1 --alg hmac-sha512 --skew 999 --rcode NOTAUTH --tsig-error BADTIME
check "a 2000-byte TXT signed over UDP: TC, signed" -- dc tsig $PORT 9.2.0.192.$Z TXT --key k1:$K1 --edns 1232 --rcode NOERROR --an 0
check "... and whole over TCP, signed" -- dc tsig $PORT 9.2.0.192.$Z TXT --key k1:$K1 --tcp --rcode NOERROR --an 1 --txt-len 2010

# RFC 8945 5.1: a signed query with a second record of type TSIG (here
# its own TSIG copied into the answer section) is FORMERR, before ldns
# reads it (ldns loses all TSIGs but one; tests/unit/test_tsig.c).
hex=$($PY - "$K1" <<'PYEOF'
import struct, sys
import dns.message, dns.tsig, dns.tsigkeyring
q = dns.message.make_query("relays.example", "SOA")
q.use_tsig(dns.tsigkeyring.from_text({"k1": sys.argv[1]}), keyname="k1",
           algorithm=dns.tsig.HMAC_SHA256)
w = q.to_wire()
at = 12 + len(b"\x06relays\x07example\x00") + 4
hdr = w[:6] + struct.pack("!HHH", 1, 0, 1)
print((hdr + w[12:at] + w[at:] + w[at:]).hex())
PYEOF
)
check "a TSIG in the answer section too: FORMERR" -- dc raw $PORT "$hex" --rcode FORMERR

out=$(dig +norec -p $PORT @127.0.0.1 -y hmac-sha256:k1:$K1 $Z SOA 2>&1)
echo "$out" | grep -q "status: NOERROR" && ! echo "$out" | grep -qi "expected a TSIG\|tsig verify\|could not be validated\|couldn't verify"
ok $? "dig -y: the signed SOA verifies"
out=$(dig +norec +tcp -p $PORT @127.0.0.1 -y hmac-sha256:k1:$K1 1.2.0.192.$Z TXT 2>&1)
echo "$out" | grep -q "status: NOERROR" && ! echo "$out" | grep -qi "expected a TSIG\|tsig verify\|could not be validated\|couldn't verify"
ok $? "dig -y over TCP: the signed TXT verifies"
out=$(kdig -p $PORT @127.0.0.1 -y hmac-sha256:k1:$K1 $Z SOA 2>&1)
echo "$out" | grep -q "status: NOERROR" && echo "$out" | grep -q "ANY	TSIG" && ! echo "$out" | grep "^;" | grep -qi "failed\|warning"
ok $? "kdig -y: the signed SOA verifies"
[ $? -eq 0 ] || echo "$out" | sed 's/^/#   /'
out=$(dig +norec -p $PORT @127.0.0.1 -y hmac-sha256:k1:$BAD $Z SOA 2>&1)
echo "$out" | grep -q "status: NOTAUTH" && echo "$out" | grep -q "BADSIG"
ok $? "dig -y with a wrong secret: NOTAUTH, BADSIG"
check "an unsigned query still gets an unsigned answer" -- dc q $PORT 1.2.0.192.$Z A --an 1 --rcode NOERROR
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
