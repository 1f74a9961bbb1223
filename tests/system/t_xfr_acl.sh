#!/usr/bin/env bash
# t_xfr_acl.sh -- who may transfer: transfer.allow (clients bound to
# 127.0.0.1 and 127.0.0.2, both loopback) and TSIG keys (hmac-sha256).
# A client outside the allow list is REFUSED, with or without a valid key;
# a zone with transfer.keys refuses unsigned requests and other keys; a
# wrong secret gets NOTAUTH with BADSIG, an unknown key NOTAUTH with
# BADKEY; every message of a signed transfer is signed (checked by
# dnspython, dig and kdig).  The same rules hold for IXFR over UDP.  A
# SIGHUP that changes the allow list applies to the next transfer.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example S=signed.example
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
K2=c2Vjb25kLWtleS1mb3ItdGhlLXRlc3RzLTQ1Njc4OTA=
BAD=d3Jvbmctc2VjcmV0LWZvci10aGUtdGVzdHMtMDAwMDA=

acl_config() {	# acl_config ALLOW: relays.example's transfer.allow
	write_config
	sed -i "s|      allow: \[127.0.0.0/8\]|      allow: [$1]|" "$T/dnsbl.yaml"
	cat >>"$T/dnsbl.yaml" <<YAML
  - name: $S
    soa: {mname: ns1.$S, rname: hostmaster.$S}
    ns: [ns1.$S]
    transfer:
      allow: [127.0.0.0/8]
      keys: [k1]
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
  - {name: k2, algorithm: hmac-sha256, secret: $K2}
YAML
}
acl_config 127.0.0.2
loader list 192.0.2.1 >/dev/null &&
$PY -c '
for i in range(3000):
    print("10.1.%d.%d" % (i // 100, i % 100 * 2 + 1))' >"$T/ips.txt" &&
loader import --format lines --zone $S "$T/ips.txt" >/dev/null
ok $? "listings made"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

check "from 127.0.0.1, outside allow: REFUSED" -- X xfr $PORT $Z --source 127.0.0.1 --rcode REFUSED --records 0
check "from 127.0.0.2, in allow: the zone" -- X xfr $PORT $Z --source 127.0.0.2 --rcode NOERROR --kind full
check "a valid key from outside allow: still REFUSED" -- X xfr $PORT $Z --source 127.0.0.1 --key k1:$K1 --rcode REFUSED
check "a valid key from inside allow, zone without keys: signed answer" -- X xfr $PORT $Z --source 127.0.0.2 --key k1:$K1 --rcode NOERROR --kind full
check "IXFR over UDP from outside allow: REFUSED" -- X xfr $PORT $Z --udp --ixfr 1 --source 127.0.0.1 --rcode REFUSED
check "IXFR over UDP from inside allow: the SOA" -- X xfr $PORT $Z --udp --ixfr 1 --source 127.0.0.2 --rcode NOERROR --kind uptodate

check "zone with keys, no key: REFUSED" -- X xfr $PORT $S --rcode REFUSED --records 0
check "zone with keys, key k1: every message signed and verified" -- X xfr $PORT $S --key k1:$K1 --rcode NOERROR --kind full --min-messages 5
check "zone with keys, IXFR with k1: signed, incremental" -- X xfr $PORT $S --key k1:$K1 --ixfr 1 --rcode NOERROR --kind incremental --min-messages 5
check "zone with keys, another valid key (k2): REFUSED" -- X xfr $PORT $S --key k2:$K2 --rcode REFUSED
check "a wrong secret: NOTAUTH, BADSIG" -- X xfr $PORT $S --key k1:$BAD --rcode NOTAUTH --tsig-error BADSIG --records 0
check "an unknown key: NOTAUTH, BADKEY" -- X xfr $PORT $S --key k9:$K1 --rcode NOTAUTH --tsig-error BADKEY --records 0
check "IXFR over UDP, wrong secret: NOTAUTH" -- X xfr $PORT $S --udp --ixfr 1 --key k1:$BAD --rcode NOTAUTH --tsig-error BADSIG
check "IXFR over UDP with k1: the SOA, signed" -- X xfr $PORT $S --udp --ixfr 1 --key k1:$K1 --rcode NOERROR --kind uptodate
# The clients' complaints are their comment lines (";; ..."); the records
# are not searched, since a base64 MAC may spell "bad" by chance.
complaints() { grep '^;' | grep -i "fail\|bad\|couldn't\|error\|warning"; }
out=$(dig +tcp +time=20 -p $PORT @127.0.0.1 $S AXFR -y hmac-sha256:k1:$K1 2>&1)
echo "$out" | grep -q "XFR size: 6007 records" && ! echo "$out" | complaints
ok $? "dig -y verifies the signed transfer"
out=$(kdig +timeout=20 -p $PORT @127.0.0.1 $S AXFR -y hmac-sha256:k1:$K1 2>&1)
echo "$out" | grep -q "6007 records" && ! echo "$out" | complaints
ok $? "kdig -y verifies the signed transfer"
out=$(kdig +timeout=20 -p $PORT @127.0.0.1 $S AXFR -y hmac-sha256:k1:$BAD 2>&1)
echo "$out" | complaints >/dev/null; ok $? "kdig with a wrong secret complains"
out=$(dig +tcp -p $PORT @127.0.0.1 $S AXFR -y hmac-sha256:k1:$BAD 2>&1)
echo "$out" | grep -q "BADSIG"; ok $? "dig with a wrong secret sees BADSIG"
grep -q "AXFR $S to 127.0.0.1: bad TSIG (NOTAUTH)" "$T/dnsbld.log"; ok $? "dnsbld logs the bad TSIG"
grep -q "AXFR $Z to 127.0.0.1: refused" "$T/dnsbld.log"; ok $? "dnsbld logs the refusal"

# SIGHUP with 127.0.0.1 allowed.
acl_config 127.0.0.1
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 50); do
	grep -q reloaded "$T/dnsbld.log" && break; sleep 0.1
done
check "after SIGHUP: 127.0.0.1 allowed" -- X xfr $PORT $Z --source 127.0.0.1 --rcode NOERROR --kind full
check "after SIGHUP: 127.0.0.2 refused" -- X xfr $PORT $Z --source 127.0.0.2 --rcode REFUSED
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
