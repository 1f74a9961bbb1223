#!/usr/bin/env bash
# t_lifecycle_exclude.sh -- exclusions: exclude needs --reason; an excluded
# address or CIDR is never answered, whatever is listed there; listing it
# is refused (nothing written); an import result for it is recorded, not
# listed; unexclude undoes exactly one exclusion, lists nothing by itself,
# and listings inside are answered again; a later open result lists it.
# Checked in the store and in dnsbld's answers.
source "$(dirname "$0")/lib.sh"
nok() { local st=$1; shift; [ "$st" -ne 0 ]; ok $? "$@"; }	# nok STATUS NAME: passes when STATUS is not 0
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example

jget() { $PY - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)
PY
}
show() { loader show --json "$1" >"$T/show.json"; }
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
rev() { $PY -c "import ipaddress,sys; r = ipaddress.ip_address(sys.argv[1]).reverse_pointer; print(r.replace('.in-addr.arpa', '').replace('.ip6.arpa', ''))" "$1"; }
answered() { dc q $PORT "$(rev "$1").$Z" A --rcode NOERROR --a "${2:-127.0.0.2}"; }
nxdomain() { dc q $PORT "$(rev "$1").$Z" A --rcode NXDOMAIN; }

write_config
loader list 192.0.2.5 198.51.100.0/24 2001:db8::5 --reason "relay" >/dev/null
ok $? "list 192.0.2.5, 198.51.100.0/24, 2001:db8::5"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
check "192.0.2.5 answered before the exclusion" -- answered 192.0.2.5
check "198.51.100.9 answered (inside the /24)" -- answered 198.51.100.9

# exclude needs a reason.
d0=$(db_digest)
loader exclude 192.0.2.5 >/dev/null 2>"$T/err"
is "$?" 2 "exclude without --reason: usage error"
grep -q "exclude needs --reason" "$T/err"; ok $? "and says so"
loader exclude 192.0.2.5 --reason "" >/dev/null 2>&1
nok $? "an empty --reason is refused"
is "$(db_digest)" "$d0" "nothing written"

# Exclude a listed host, a range inside a listed CIDR, and an IPv6 host.
loader exclude 192.0.2.5 198.51.100.0/28 2001:db8::5 --reason "our own mail servers" >"$T/ex.out"
ok $? "exclude 192.0.2.5 198.51.100.0/28 2001:db8::5"
is "$(grep -c ': excluded in relays.example (serial [0-9]*)$' "$T/ex.out")" 3 "each is reported excluded"
check "192.0.2.5 excluded: NXDOMAIN" -- nxdomain 192.0.2.5
check "198.51.100.9 inside the excluded /28: NXDOMAIN" -- nxdomain 198.51.100.9
check "198.51.100.16, outside the /28: still answered" -- answered 198.51.100.16
check "2001:db8::5 excluded: NXDOMAIN" -- nxdomain 2001:db8::5
show 198.51.100.9
is "$(jget "$T/show.json" '(d["listed"], d["excluded_by"])')" "(False, '198.51.100.0/28')" \
	"show: 198.51.100.9 not listed, excluded by the /28"
d0=$(db_digest)
loader exclude 192.0.2.5 --reason again >"$T/ex.out"
is "$?:$(cat "$T/ex.out")" "0:192.0.2.5: already excluded; nothing changed" "excluding again changes nothing"
is "$(db_digest)" "$d0" "and writes nothing"

# Listing an excluded address is refused.
for p in 192.0.2.5 198.51.100.3 198.51.100.0/29; do
	d0=$(db_digest)
	loader list $p >/dev/null 2>"$T/err"
	nok $? "list $p: refused"
	grep -qE "is excluded (by [0-9./]+ \\(our own mail servers\\))?.*unexclude it first" "$T/err"
	ok $? "list $p: says it is excluded, by what, and why" || sed 's/^/#   /' "$T/err"
	is "$(db_digest)" "$d0" "list $p: nothing written"
done

# An import result for an excluded address is recorded but not listed.
# (Tested after the exclusion: one tested before it is stale anyway.)
sleep 1.1
cat >"$T/res.yaml" <<EOF
- ip: 198.51.100.4
  result: open
  tested_at: "$(ago 0)"
  tester: probe-2
  transcript: "250 relay accepted"
- {ip: 192.0.2.5, result: open, tested_at: "$(ago 0)"}
EOF
loader import --json "$T/res.yaml" >"$T/imp.json"
ok $? "import open results for excluded addresses"
is "$(jget "$T/imp.json" '(d["listed"], d["confirmed"], d["recorded"])')" "(0, 0, 2)" \
	"both recorded, none listed"
check "198.51.100.4: still NXDOMAIN" -- nxdomain 198.51.100.4
check "192.0.2.5: still NXDOMAIN" -- nxdomain 192.0.2.5
show 198.51.100.4
is "$(jget "$T/show.json" '(d["listed"], d["entry"]["last_result"])')" "(False, 'open')" \
	"198.51.100.4's result is stored"
is "$(jget "$T/show.json" '[(e["action"], e["result"], e["evidence"]) for e in d["history"] if e["prefix"] == "198.51.100.4"]')" \
	"[('tested', 'open', '250 relay accepted')]" "and in its history, with the evidence"

# unexclude: exactly that prefix.
d0=$(db_digest)
loader unexclude 198.51.100.0/29 >/dev/null 2>"$T/err"
nok $? "unexclude 198.51.100.0/29 (not excluded itself): refused"
grep -q "198.51.100.0/29 is not excluded itself" "$T/err"; ok $? "and says so"
is "$(db_digest)" "$d0" "nothing written"
loader unexclude 198.51.100.0/28 192.0.2.5 --reason "moved" >"$T/un.out"
ok $? "unexclude 198.51.100.0/28 192.0.2.5"
is "$(grep -c ': unexcluded in relays.example' "$T/un.out")" 2 "both reported"
check "198.51.100.9 answered again by the /24" -- answered 198.51.100.9
check "192.0.2.5 not listed again by the unexclude" -- nxdomain 192.0.2.5
show 192.0.2.5
is "$(jget "$T/show.json" '(d["listed"], d["excluded_by"], d["entry"]["state"])')" "(False, None, 'delisted')" \
	"192.0.2.5 is a delisted entry now"
is "$(jget "$T/show.json" '[(e["action"], e["reason"]) for e in d["history"] if e["action"] in ("excluded", "unexcluded")]')" \
	"[('excluded', 'our own mail servers'), ('unexcluded', 'moved')]" "the history has both, with reasons"
check "2001:db8::5 still excluded" -- nxdomain 2001:db8::5

# A new open result lists it now.  "New" means tested in a later second
# than the open result recorded while it was excluded: one tested in the
# same second is not after it, so it is stale (dnsbl-loader(8), import).
sleep 1.1
echo "192.0.2.5 open" | loader import --json - >"$T/imp.json"
is "$(jget "$T/imp.json" '(d["listed"], d["stale"])')" "(1, 0)" "the open result after unexclude is listed, not stale"
check "an open result after unexclude lists 192.0.2.5" -- answered 192.0.2.5
loader unexclude 2001:db8::5 >/dev/null
check "2001:db8::5 not answered after unexclude" -- nxdomain 2001:db8::5
loader list 2001:db8::5 >/dev/null
ok $? "2001:db8::5 may be listed again"
check "and is answered" -- answered 2001:db8::5

# An exclusion of a CIDR wins over a more specific listing inside it.
loader list 203.0.113.77 --code 127.0.0.4 >/dev/null
loader exclude 203.0.113.0/24 --reason "a provider verified closed" >/dev/null
check "203.0.113.77 listed inside an excluded /24: NXDOMAIN" -- nxdomain 203.0.113.77
show 203.0.113.77
is "$(jget "$T/show.json" '(d["listed"], d["entry"]["state"], d["excluded_by"])')" \
	"(False, 'listed', '203.0.113.0/24')" "the listing is kept, but not answered"
loader unexclude 203.0.113.0/24 >/dev/null
check "unexclude: 203.0.113.77 answered again, with its code" -- answered 203.0.113.77 127.0.0.4

stop_dnsbld
done_testing
