#!/usr/bin/env bash
# t_dnsbld_listed.sh -- answers from the store the loader fills: listed and
# unlisted IPv4 and IPv6, the most specific CIDR, exclusions, codes and own
# TXT, '$' substitution, ANY and other types, invalid names, the RFC 5782
# test entries, empty non-terminals (RFC 8020), and a loader commit seen by
# the very next query without any reload.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example
TXT() { echo "Open relay $1 - see https://relays.example/lookup?ip=$1"; }
V6NAME() {	# V6NAME ADDRESS: the 32 reversed nibbles
	$PY -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer[:-9])" "$1"
}

write_config
check "list 192.0.2.1" -- loader list 192.0.2.1 --reason test
check "list 198.51.100.0/24" -- loader list 198.51.100.0/24
check "list 198.51.100.128/25 with a code" -- loader list 198.51.100.128/25 --code 127.0.0.4
check "list 203.0.113.7 with its own TXT" -- loader list 203.0.113.7 --code 127.0.0.5 --txt 'own text for $'
check "list 2001:db8::1" -- loader list 2001:db8::1
check "list 2001:db8:1::/48" -- loader list 2001:db8:1::/48 --code 127.0.0.6
check "list 127.0.0.1 (must never be answered)" -- loader list 127.0.0.1
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

check "listed v4: A" -- dc q $PORT 1.2.0.192.$Z A --rcode NOERROR --aa --an 1 --ns 0 \
	--a 127.0.0.2 --ttl 2100
check "listed v4: TXT with \$ replaced" -- dc q $PORT 1.2.0.192.$Z TXT --rcode NOERROR --aa \
	--an 1 --txt "$(TXT 192.0.2.1)" --ttl 2100
check "listed v4: TXT over TCP has the zone's ttl" -- dc q $PORT 1.2.0.192.$Z TXT --tcp --rcode NOERROR \
	--aa --an 1 --txt "$(TXT 192.0.2.1)" --ttl 2100
check "listed v4: ANY over TCP gives A and TXT" -- dc q $PORT 1.2.0.192.$Z ANY --tcp --an 2 --a 127.0.0.2 \
	--txt "$(TXT 192.0.2.1)"
check "listed v4: MX is NODATA with SOA" -- dc q $PORT 1.2.0.192.$Z MX --rcode NOERROR --aa \
	--an 0 --ns 1 --soa-ttl 300
check "listed v4: AAAA is NODATA" -- dc q $PORT 1.2.0.192.$Z AAAA --rcode NOERROR --an 0 --ns 1
is "$(dig +short -p $PORT @127.0.0.1 1.2.0.192.$Z A)" "127.0.0.2" "dig: listed A"
is "$(kdig +short -p $PORT @127.0.0.1 1.2.0.192.$Z TXT)" "\"$(TXT 192.0.2.1)\"" "kdig: listed TXT"
check "unlisted v4: NXDOMAIN, SOA TTL min(3600, 300)" -- dc q $PORT 2.2.0.192.$Z A \
	--rcode NXDOMAIN --aa --an 0 --ns 1 --soa-ttl 300
check "unlisted v4 TXT: NXDOMAIN" -- dc q $PORT 2.2.0.192.$Z TXT --rcode NXDOMAIN --aa

check "inside a /24: the /24's answer" -- dc q $PORT 5.100.51.198.$Z ANY --tcp --rcode NOERROR \
	--a 127.0.0.2 --txt "$(TXT 198.51.100.5)"
check "inside the /25: most specific wins" -- dc q $PORT 200.100.51.198.$Z A --a 127.0.0.4
check "the /25's TXT is the zone's" -- dc q $PORT 200.100.51.198.$Z TXT --txt "$(TXT 198.51.100.200)"
check "own code and TXT" -- dc q $PORT 7.113.0.203.$Z ANY --tcp --a 127.0.0.5 --txt "own text for 203.0.113.7"

N1=$(V6NAME 2001:db8::1)
check "listed v6: A and TXT, compressed address in TXT" -- dc q $PORT $N1.$Z ANY --tcp \
	--rcode NOERROR --aa --an 2 --a 127.0.0.2 --txt "$(TXT 2001:db8::1)"
check "listed v6: upper-case nibbles" -- dc q $PORT "$(echo $N1 | tr a-f A-F).$Z" A --a 127.0.0.2
check "listed v6: AAAA is NODATA" -- dc q $PORT $N1.$Z AAAA --rcode NOERROR --an 0 --ns 1
check "v6 inside a /48: its code" -- dc q $PORT $(V6NAME 2001:db8:1:2::3).$Z A --a 127.0.0.6
check "unlisted v6: NXDOMAIN" -- dc q $PORT $(V6NAME 2001:db8::2).$Z A --rcode NXDOMAIN --aa --soa-ttl 300

for bad in 256.2.0.192 01.2.0.192 1.02.0.192 a.2.0.192 1.1.2.0.192 1-1.2.0.192 x 1.2.0.192x \
    "g.$(echo $N1 | cut -d. -f2-)" "0.$N1" "10.$(echo $N1 | cut -d. -f2-)"; do
	check "not an address: $bad" -- dc q $PORT $bad.$Z A --rcode NXDOMAIN --aa --an 0 --ns 1
done

check "127.0.0.2 always listed (zone default)" -- dc q $PORT 2.0.0.127.$Z ANY --tcp --rcode NOERROR \
	--an 2 --a 127.0.0.2 --txt "$(TXT 127.0.0.2)"
check "127.0.0.1 never listed, even when stored" -- dc q $PORT 1.0.0.127.$Z A --rcode NXDOMAIN --aa
check "::ffff:7f00:2 always listed, TXT in inet_ntop form" -- dc q $PORT $(V6NAME ::ffff:7f00:2).$Z ANY --tcp \
	--rcode NOERROR --a 127.0.0.2 --txt "$(TXT ::ffff:127.0.0.2)"
check "::ffff:7f00:1 never listed" -- dc q $PORT $(V6NAME ::ffff:7f00:1).$Z A --rcode NXDOMAIN

for ent in 2.0.192 0.192 192 100.51.198 113.0.203 0.0.127 127 \
    "$(echo $N1 | cut -d. -f2-)" "$(echo $N1 | cut -d. -f17-)" 2 1.0.0.2 8.b.d.0.1.0.0.2; do
	check "empty non-terminal: $ent" -- dc q $PORT $ent.$Z A --rcode NOERROR --aa --an 0 --ns 1 --soa-ttl 300
done
for nx in 3.0.192 1 4.0.0.2 9.b.d.0.1.0.0.2 0.1; do
	check "nothing below: $nx" -- dc q $PORT $nx.$Z A --rcode NXDOMAIN --aa
done

if "$LOADER" exclude --help >/dev/null 2>&1; then
	check "exclude 198.51.100.7" -- loader exclude 198.51.100.7 --reason "the test network"
	check "an exclusion wins over the /24" -- dc q $PORT 7.100.51.198.$Z A --rcode NXDOMAIN --aa
	check "the rest of the /24 stays listed" -- dc q $PORT 8.100.51.198.$Z A --a 127.0.0.2
else
	ok 0 "# SKIP loader has no exclude command yet"
fi

# A commit is visible to the very next query: no reload, no wait.
check "203.0.113.99 unlisted at first" -- dc q $PORT 99.113.0.203.$Z A --rcode NXDOMAIN
check "loader list 203.0.113.99" -- loader list 203.0.113.99
check "listed by the loader: answered at once" -- dc q $PORT 99.113.0.203.$Z A --rcode NOERROR --a 127.0.0.2
check "and over TCP" -- dc q $PORT 99.113.0.203.$Z A --tcp --rcode NOERROR --a 127.0.0.2
check "loader changes its code" -- loader list 203.0.113.99 --code 127.0.0.9
check "code change answered at once" -- dc q $PORT 99.113.0.203.$Z A --a 127.0.0.9
check "loader delist 192.0.2.1" -- loader delist 192.0.2.1
check "delisted: NXDOMAIN at once" -- dc q $PORT 1.2.0.192.$Z A --rcode NXDOMAIN
check "its parents are no longer ENTs" -- dc q $PORT 2.0.192.$Z A --rcode NXDOMAIN
serial=$(dig +short -p $PORT @127.0.0.1 $Z SOA | awk '{print $3}')
check "loader list 192.0.2.200" -- loader list 192.0.2.200
serial2=$(dig +short -p $PORT @127.0.0.1 $Z SOA | awk '{print $3}')
[ "$serial2" -gt "$serial" ]; ok $? "SOA serial follows the store ($serial -> $serial2)"
check "negative answers carry the new serial" -- dc q $PORT 3.3.3.3.$Z A --serial "$serial2"
grep -q "reload" "$T/dnsbld.log"; ok $((! $?)) "no reload happened"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
