#!/usr/bin/env bash
# t_lifecycle_codes.sh -- return codes: a listing with its own --code
# 127.0.0.N, named sub-lists from the zone's codes (with and without their
# own TXT), --txt over a code's TXT, changing a listed entry's code, bad
# codes refused with nothing written, and dnsbld answering each code and
# text.
source "$(dirname "$0")/lib.sh"
nok() { local st=$1; shift; [ "$st" -ne 0 ]; ok $? "$@"; }	# nok STATUS NAME: passes when STATUS is not 0
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example
TXT() { echo "Open relay $1 - see https://relays.example/lookup?ip=$1"; }
rev() { $PY -c "import ipaddress,sys; r = ipaddress.ip_address(sys.argv[1]).reverse_pointer; print(r.replace('.in-addr.arpa', '').replace('.ip6.arpa', ''))" "$1"; }
q() { local a=$1; shift; dc q $PORT "$(rev "$a").$Z" ANY --tcp --rcode NOERROR --an 2 "$@"; }
jfield() { loader show --json "$1" | $PY -c "import json,sys; d = json.load(sys.stdin); print(d[sys.argv[1]])" "$2"; }

write_config '    codes: {relay: {a: 127.0.0.2}, multihop: {a: 127.0.0.3, txt: "Multi-hop relay $"}, formmail: {a: 127.0.0.4}}'
check "the config with codes is valid" -- loader check-config

loader list 192.0.2.1 >/dev/null &&
loader list 192.0.2.2 --code relay >/dev/null &&
loader list 192.0.2.3 --code multihop >/dev/null &&
loader list 192.0.2.4 --code formmail >/dev/null &&
loader list 192.0.2.5 --code 127.0.0.9 >/dev/null &&
loader list 192.0.2.6 --code multihop --txt 'own text for $' >/dev/null &&
loader list 2001:db8::3 --code multihop >/dev/null &&
loader list 198.51.100.0/24 --code formmail >/dev/null
ok $? "list with the zone's a, named codes, a number, --txt, IPv6 and a CIDR"

is "$(jfield 192.0.2.3 code) / $(jfield 192.0.2.3 txt)" "127.0.0.3 / Multi-hop relay 192.0.2.3" \
	"show: a named code brings its own TXT"
is "$(jfield 192.0.2.4 code) / $(jfield 192.0.2.4 txt)" "127.0.0.4 / $(TXT 192.0.2.4)" \
	"show: a named code without TXT has the zone's TXT"

start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
check "no code: the zone's a and TXT" -- q 192.0.2.1 --a 127.0.0.2 --txt "$(TXT 192.0.2.1)"
check "relay: 127.0.0.2, the zone's TXT" -- q 192.0.2.2 --a 127.0.0.2 --txt "$(TXT 192.0.2.2)"
check "multihop: 127.0.0.3, its own TXT with \$ replaced" -- q 192.0.2.3 --a 127.0.0.3 \
	--txt "Multi-hop relay 192.0.2.3"
check "formmail: 127.0.0.4, the zone's TXT" -- q 192.0.2.4 --a 127.0.0.4 --txt "$(TXT 192.0.2.4)"
check "--code 127.0.0.9: that A, the zone's TXT" -- q 192.0.2.5 --a 127.0.0.9 --txt "$(TXT 192.0.2.5)"
check "multihop with --txt: the code's A, the given TXT" -- q 192.0.2.6 --a 127.0.0.3 \
	--txt "own text for 192.0.2.6"
check "IPv6 multihop" -- q 2001:db8::3 --a 127.0.0.3 --txt "Multi-hop relay 2001:db8::3"
check "inside a formmail /24" -- q 198.51.100.77 --a 127.0.0.4 --txt "$(TXT 198.51.100.77)"
is "$(dig +short -p $PORT @127.0.0.1 "$(rev 192.0.2.3).$Z" A)" "127.0.0.3" "dig agrees: 127.0.0.3"

# Change a listed entry's code; the very next query sees it.
loader list 192.0.2.1 --code multihop --json >"$T/l.json"
is "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["outcome"])' "$T/l.json")" \
	changed "listing 192.0.2.1 again with a code: changed"
check "192.0.2.1 now answers multihop" -- q 192.0.2.1 --a 127.0.0.3 --txt "Multi-hop relay 192.0.2.1"
loader list 192.0.2.3 --code relay >/dev/null
check "192.0.2.3 back to relay: 127.0.0.2" -- dc q $PORT "$(rev 192.0.2.3).$Z" A --a 127.0.0.2
d0=$(db_digest)
loader list 192.0.2.4 --code formmail --json >"$T/l.json"
is "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["outcome"])' "$T/l.json")" \
	unchanged "the same code again: unchanged"
is "$(db_digest)" "$d0" "and nothing written"

# Bad codes: usage errors naming the choices, nothing written.
for bad in bogus 127.0.0.1 127.0.0.0 10.0.0.2 127.0.0.2/31 ::1 RELAY; do
	d0=$(db_digest)
	loader list 192.0.2.50 --code "$bad" >/dev/null 2>"$T/err"
	is "$?" 2 "--code $bad: usage error"
	grep -qF -- "--code $bad: want a code name of relays.example (relay, multihop, formmail) or an address in 127.0.0.0/8 other than 127.0.0.0 and 127.0.0.1" "$T/err"
	ok $? "--code $bad: the message names the choices" || sed 's/^/#   /' "$T/err"
	is "$(db_digest)" "$d0" "--code $bad: nothing written"
done
check "192.0.2.50 not listed" -- dc q $PORT "$(rev 192.0.2.50).$Z" A --rcode NXDOMAIN

# A code in the config must be a 127.0.0.0/8 address.
write_config '    codes: {relay: {a: 10.0.0.2}}'
loader check-config >/dev/null 2>&1
nok $? "check-config refuses a code outside 127.0.0.0/8"

stop_dnsbld
done_testing
