#!/usr/bin/env bash
# t_loader_export.sh -- loader export written to files and checked without
# a server: the zone format passes ldns-read-zone and nsd-checkzone, holds
# the RFC 5782 test entry 2.0.0.127 and never 1.0.0.127 (even with
# 127.0.0.0/8 listed), turns a /24 into *.3.2.1, a /23 into two /24
# wildcards and a /24 with a /32 of another code inside into answers right
# for every address (resolved from the file with wildcard rules); the
# rbldnsd format's lines; and --format lines round-trips through import
# into a fresh database.  (t_loader_export_servers.sh loads the exports
# into real NSD and rbldnsd.)
source "$(dirname "$0")/lib.sh"
# okd STATUS NAME FILE: ok, and on failure show FILE.
okd() { ok "$1" "$2"; [ "$1" -eq 0 ] || sed 's/^/#   /' "$3" | head -n 20; }

write_config
TPL='Open relay $ - see https://relays.example/lookup?ip=$'
ZONE_A=127.0.0.2
CODE=127.0.0.3

# Listings, and the answer each address must get (derived from these).
loader list 192.0.2.1 198.51.100.0/24 203.0.112.0/23 10.20.30.0/24 \
	2001:db8::1 2001:db8:1::/48 >/dev/null
ok $? "listings made"
loader list 10.20.30.40 --code $CODE >/dev/null
ok $? "a /32 with code $CODE inside 10.20.30.0/24"

# resolve ZONEFILE: read "ADDRESS" lines on stdin, answer each from the
# master file as an authoritative server would (exact name, else the
# wildcard at the closest encloser, else NXDOMAIN): "ADDRESS A|- TXT|-".
cat >"$T/resolve.py" <<'PY'
import sys, ipaddress, dns.zone, dns.name, dns.rdatatype
z = dns.zone.from_file(sys.argv[1], origin="relays.example.", relativize=False)
names = set(z.nodes.keys())
# Empty non-terminals exist too.
ents = set()
for n in names:
    p = n
    while len(p) > 3:
        p = p.parent(); ents.add(p)
exists = names | ents
def answer(node, t):
    rds = node.get_rdataset(1, t)
    if rds is None: return "-"
    if t == dns.rdatatype.TXT:
        return "|".join(b"".join(r.strings).decode() for r in rds)
    return "|".join(sorted(r.to_text() for r in rds))
for line in sys.stdin:
    a = line.strip()
    if not a: continue
    ip = ipaddress.ip_address(a)
    rev = ip.reverse_pointer
    rev = rev[: -len(".in-addr.arpa")] if ip.version == 4 else rev[: -len(".ip6.arpa")]
    q = dns.name.from_text(rev + ".relays.example.")
    node = None
    if q in names:
        node = z.nodes[q]
    elif q not in ents:
        p = q
        while p not in exists:
            p = p.parent()
        w = dns.name.Name((b"*",) + p.labels)
        if w in names:
            node = z.nodes[w]
    if node is None:
        print(a, "NXDOMAIN")
    else:
        print(a, answer(node, dns.rdatatype.A), answer(node, dns.rdatatype.TXT))
PY

loader export --format zone -o "$T/zone"
ok $? "export --format zone -o FILE"
check "ldns-read-zone accepts the zone" -- ldns-read-zone "$T/zone"
check "nsd-checkzone accepts the zone" -- nsd-checkzone relays.example "$T/zone"
check "dnspython reads the zone" -- $PY -c "import dns.zone,sys; dns.zone.from_file(sys.argv[1], origin='relays.example.')" "$T/zone"
owners() { awk '!/^[;$]/ && $1 != "@" {print $1}' "$1" | sort -u; }
owners "$T/zone" >"$T/owners"
grep -qx '2.0.0.127' "$T/owners"; ok $? "the RFC 5782 test entry 2.0.0.127 is there"
grep -q '^1\.0\.0\.127$\|^\*\.0\.0\.127$\|^\*\.0\.127$\|^\*\.127$' "$T/owners"; [ $? -ne 0 ]
ok $? "no name or wildcard covers 1.0.0.127"
grep -qx '\*.100.51.198' "$T/owners"; ok $? "198.51.100.0/24 is the wildcard *.100.51.198"
is "$(grep -c '\.100\.51\.198$' "$T/owners")" 1 "and nothing else under 100.51.198"
is "$(grep '\.0\.203$' "$T/owners" | tr '\n' ' ')" "*.112.0.203 *.113.0.203 " "203.0.112.0/23 is two /24 wildcards"
grep -qx '\*.1.0.0.0.8.b.d.0.1.0.0.2' "$T/owners"; ok $? "2001:db8:1::/48 is a nibble wildcard"
grep -qx '1.2.0.192' "$T/owners"; ok $? "192.0.2.1 is a host name"

# Every address of 10.20.30.0/24, and others, resolved from the file.
{
	for i in $(seq 0 255); do echo 10.20.30.$i; done
	echo 198.51.100.0; echo 198.51.100.77; echo 198.51.100.255; echo 198.51.101.0
	echo 203.0.111.255; echo 203.0.112.0; echo 203.0.113.255; echo 203.0.114.0
	echo 192.0.2.1; echo 192.0.2.2; echo 127.0.0.1; echo 127.0.0.2
	echo 2001:db8::1; echo 2001:db8::2; echo 2001:db8:1::; echo 2001:db8:1:ffff:ffff:ffff:ffff:ffff; echo 2001:db8:2::
} >"$T/addrs"
$PY "$T/resolve.py" "$T/zone" <"$T/addrs" >"$T/got"
ok $? "resolve every address from the zone file"
# want: listed addresses with their code; the TXT of a host record names
# it, a wildcard's names its block (a master file cannot name the query).
want() {
	local a=$1 code=${2:-} blk=${3:-}
	if [ -z "$code" ]; then echo "$a NXDOMAIN"; else echo "$a $code ${TPL//\$/${blk:-$a}}"; fi
}
{
	for i in $(seq 0 255); do
		if [ $i -eq 40 ]; then want 10.20.30.$i $CODE; else want 10.20.30.$i $ZONE_A; fi
	done
	want 198.51.100.0 $ZONE_A 198.51.100.0/24; want 198.51.100.77 $ZONE_A 198.51.100.0/24
	want 198.51.100.255 $ZONE_A 198.51.100.0/24; want 198.51.101.0
	want 203.0.111.255; want 203.0.112.0 $ZONE_A 203.0.112.0/24
	want 203.0.113.255 $ZONE_A 203.0.113.0/24; want 203.0.114.0
	want 192.0.2.1 $ZONE_A; want 192.0.2.2; want 127.0.0.1; want 127.0.0.2 $ZONE_A
	want 2001:db8::1 $ZONE_A; want 2001:db8::2; want 2001:db8:1:: $ZONE_A 2001:db8:1::/48
	want 2001:db8:1:ffff:ffff:ffff:ffff:ffff $ZONE_A 2001:db8:1::/48; want 2001:db8:2::
} >"$T/want"
diff "$T/want" "$T/got" >"$T/diff"
okd $? "every address resolves from the zone file to the listed code and text" "$T/diff"
is "$(grep -c " $CODE " "$T/got")" 1 "exactly one address has code $CODE"

# ---- 127.0.0.0/8 listed: still 2 listed, 1 never ----
loader list 127.0.0.0/8 --force --code 127.0.0.9 >/dev/null
ok $? "list 127.0.0.0/8 --force"
loader export -o "$T/zone127"
check "nsd-checkzone accepts it" -- nsd-checkzone relays.example "$T/zone127"
printf '127.0.0.0\n127.0.0.1\n127.0.0.2\n127.0.0.3\n127.0.1.1\n127.1.2.3\n127.255.255.255\n' |
	$PY "$T/resolve.py" "$T/zone127" >"$T/got"
{
	want 127.0.0.0 127.0.0.9; want 127.0.0.1; want 127.0.0.2 $ZONE_A; want 127.0.0.3 127.0.0.9
	# The /8 less 127.0.0.0/24 is /24 wildcards inside 127.0 and /16s above.
	want 127.0.1.1 127.0.0.9 127.0.1.0/24; want 127.1.2.3 127.0.0.9 127.1.0.0/16
	want 127.255.255.255 127.0.0.9 127.255.0.0/16
} >"$T/want"
diff "$T/want" "$T/got" >"$T/diff"
okd $? "with 127.0.0.0/8 listed: 127.0.0.1 NXDOMAIN, 127.0.0.2 the zone's answer" "$T/diff"
owners "$T/zone127" | grep -q '^1\.0\.0\.127$'; [ $? -ne 0 ]; ok $? "no 1.0.0.127 record"
loader delist 127.0.0.0/8 >/dev/null

# ---- rbldnsd format ----
loader export --format rbldnsd -o "$T/rbl4"
ok $? "export --format rbldnsd"
grep -q '^:127.0.0.2:' "$T/rbl4"; ok $? "default answer line with the zone's a"
grep -qF ":$ZONE_A:$TPL" "$T/rbl4"; ok $? "default answer carries the TXT template with \$ for rbldnsd"
grep -qx '198.51.100.0/24' "$T/rbl4"; ok $? "a /24 is one line"
grep -qx '203.0.112.0/23' "$T/rbl4"; ok $? "a /23 is one line"
grep -qE "^10\.20\.30\.40 +:$CODE:" "$T/rbl4"; ok $? "the /32 carries its own code"
grep -q ':' <(grep -v '^[#$:]' "$T/rbl4" | grep -v ' :'); [ $? -ne 0 ]; ok $? "family 4 by default: no IPv6 lines"
grep -qx '127.0.0.1' "$T/rbl4"; [ $? -ne 0 ]; ok $? "127.0.0.1 never in ip4set"
grep -qx '127.0.0.2' "$T/rbl4"; ok $? "127.0.0.2 in ip4set"
loader export --format rbldnsd --family 6 -o "$T/rbl6"
ok $? "export --format rbldnsd --family 6"
grep -vE '^(#|\$|:[0-9])' "$T/rbl6" | grep -q '\.'; [ $? -ne 0 ]; ok $? "ip6trie lines hold no dotted IPv4 (rbldnsd cannot read it)"
loader export --family 5 >/dev/null 2>&1; is $? 2 "--family 5 is a usage error"
loader export --format bind >/dev/null 2>&1; is $? 2 "an unknown --format is a usage error"

# ---- lines round trip ----
loader export --format lines -o "$T/lines"
ok $? "export --format lines"
grep -q '^127\.' "$T/lines"; [ $? -ne 0 ]; ok $? "lines: no test entries"
mkdir "$T/fresh"
sed "s#^database: .*#database: $T/fresh/db#" "$T/dnsbl.yaml" >"$T/fresh/dnsbl.yaml"
"$LOADER" -c "$T/fresh/dnsbl.yaml" import --format lines "$T/lines" >/dev/null
ok $? "import the lines export into a fresh database"
"$LOADER" -c "$T/fresh/dnsbl.yaml" export --format lines -o "$T/lines2"
cmp -s "$T/lines" "$T/lines2"; ok $? "the fresh database exports the same lines"
# The served set, address by address, through both zone exports (the
# fresh one has no codes: lines carry none).
"$LOADER" -c "$T/fresh/dnsbl.yaml" export -o "$T/zone2"
$PY "$T/resolve.py" "$T/zone" <"$T/addrs" | awk '{print $1, $2 == "NXDOMAIN" ? "no" : "yes"}' >"$T/set1"
$PY "$T/resolve.py" "$T/zone2" <"$T/addrs" | awk '{print $1, $2 == "NXDOMAIN" ? "no" : "yes"}' >"$T/set2"
cmp -s "$T/set1" "$T/set2"; ok $? "the same addresses are listed in both"
[ "$(awk '$2=="yes"' "$T/set1" | wc -l)" -gt 260 ] && [ "$(awk '$2=="no"' "$T/set1" | wc -l)" -ge 5 ]
ok $? "the compared set has listed and unlisted addresses"

done_testing
