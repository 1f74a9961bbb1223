#!/usr/bin/env bash
# t_loader_admin.sh -- loader list / delist / show / stats: IPv4 and IPv6
# hosts and CIDRs, show --json (listed, listed_by, code, txt, history),
# most specific entry wins, delisting a covered address, --force for wide
# listings, --code limits, no-op changes, one serial bump per command and
# the stats --json counts.
source "$(dirname "$0")/lib.sh"

write_config
# The zone's TXT template and A, as write_config sets them.
TPL='Open relay $ - see https://relays.example/lookup?ip=$'
ZONE_A=127.0.0.2
grep -qF "txt: \"$TPL\"" "$T/dnsbl.yaml"; ok $? "the config carries the TXT template"
grep -qx "    a: $ZONE_A" "$T/dnsbl.yaml"; ok $? "the config's a is $ZONE_A"

# jget FILE EXPR: evaluate a Python expression over d = the JSON in FILE.
jget() { $PY - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)
PY
}
show() { loader show --json "$1" >"$T/show.json" 2>"$T/show.err"; }
serial() { loader stats --json >"$T/stats.json" && jget "$T/stats.json" 'd["zones"][0]["serial"]'; }
txt_for() { local a=$1; echo "${TPL//\$/$a}"; }

# ---- IPv4 host ----
s0=1	# a new zone starts at serial 1 (and there is no database yet)
loader list 192.0.2.1 --reason "spam source" >/dev/null
ok $? "list 192.0.2.1"
is "$(serial)" $((s0 + 1)) "listing a host bumps the serial once"
show 192.0.2.1; ok $? "show --json 192.0.2.1"
is "$(jget "$T/show.json" 'type(d["listed"]).__name__')" bool "listed is a JSON boolean"
is "$(jget "$T/show.json" 'd["listed"]')" True "192.0.2.1 listed"
is "$(jget "$T/show.json" 'd["listed_by"]')" 192.0.2.1 "listed by itself"
is "$(jget "$T/show.json" 'd["code"]')" "$ZONE_A" "code is the zone's a"
is "$(jget "$T/show.json" 'd["txt"]')" "$(txt_for 192.0.2.1)" "txt has \$ replaced by the address"
is "$(jget "$T/show.json" '[e["action"] for e in d["history"]]')" "['listed']" "history: one listed event"
is "$(jget "$T/show.json" 'd["history"][0]["reason"]')" "spam source" "history carries the --reason"
is "$(jget "$T/show.json" 'd["history"][0]["actor"].startswith("admin:") and len(d["history"][0]["actor"]) > 6')" True "history actor is admin:NAME"

# ---- a change that changes nothing ----
s1=$(serial); d1=$(db_digest)
loader list 192.0.2.1 --json >"$T/list.json"
ok $? "listing an already listed address succeeds"
is "$(jget "$T/list.json" '(d["serial"], [(r["prefix"], r["outcome"]) for r in d["results"]])')" \
	"($s1, [('192.0.2.1', 'unchanged')])" "list --json: outcome unchanged, serial as before"
is "$(db_digest)" "$d1" "re-listing the same way writes nothing"
is "$(serial)" "$s1" "re-listing the same way keeps the serial"

# ---- IPv4 CIDR with a more specific /32 inside ----
loader list 198.51.100.0/24 --reason "whole net" >/dev/null
ok $? "list 198.51.100.0/24"
is "$(serial)" $((s1 + 1)) "listing a /24 bumps the serial once"
show 198.51.100.77
is "$(jget "$T/show.json" 'd["listed"]')" True "198.51.100.77 listed"
is "$(jget "$T/show.json" 'd["listed_by"]')" 198.51.100.0/24 "listed_by the covering /24"
is "$(jget "$T/show.json" 'd["code"]')" "$ZONE_A" "covered address: zone's code"
is "$(jget "$T/show.json" 'd["txt"]')" "$(txt_for 198.51.100.77)" "covered address: txt names the address, not the CIDR"
is "$(jget "$T/show.json" '[(e["action"], e["prefix"], e["reason"]) for e in d["history"]]')" \
	"[('listed', '198.51.100.0/24', 'whole net')]" "covered address shows the CIDR's history"

s2=$(serial)
loader list 198.51.100.7 --code 127.0.0.3 --reason "own code" >/dev/null
ok $? "list a /32 with --code 127.0.0.3 inside the /24"
is "$(serial)" $((s2 + 1)) "serial +1"
show 198.51.100.7
is "$(jget "$T/show.json" 'd["listed_by"]')" 198.51.100.7 "the /32 wins inside the /24"
is "$(jget "$T/show.json" 'd["code"]')" 127.0.0.3 "the /32's own code"
for a in 198.51.100.6 198.51.100.8 198.51.100.0 198.51.100.255; do
	show $a
	is "$(jget "$T/show.json" '(d["listed_by"], d["code"])')" "('198.51.100.0/24', '$ZONE_A')" "$a: still the /24 with the zone's code"
done
show 198.51.101.0
is "$(jget "$T/show.json" '(d["listed"], d["listed_by"], d["code"], d["txt"])')" "(False, None, None, None)" "198.51.101.0 (next /24) not listed"

# ---- delisting an address only covered by a CIDR ----
d2=$(db_digest)
loader delist 198.51.100.8 >"$T/out" 2>"$T/err"
is $? 1 "delist of a covered address exits 1"
grep -q '198.51.100.8' "$T/err" && grep -q '198.51.100.0/24' "$T/err"
ok $? "the message names the address and the covering CIDR"
is "$(db_digest)" "$d2" "refused delist writes nothing"
show 198.51.100.8
is "$(jget "$T/show.json" 'd["listed"]')" True "198.51.100.8 still listed"

# ---- delist a host ----
s3=$(serial)
loader delist 192.0.2.1 --reason "cleaned up" >/dev/null
ok $? "delist 192.0.2.1"
is "$(serial)" $((s3 + 1)) "delist bumps the serial once"
show 192.0.2.1
is "$(jget "$T/show.json" '(d["listed"], d["listed_by"], d["code"], d["txt"])')" "(False, None, None, None)" "delisted: not listed, no code or txt"
is "$(jget "$T/show.json" '[e["action"] for e in d["history"]]')" "['listed', 'delisted']" "history: listed then delisted"
is "$(jget "$T/show.json" '[e["reason"] for e in d["history"]]')" "['spam source', 'cleaned up']" "each event keeps its reason"
is "$(jget "$T/show.json" 'all(e["actor"].startswith("admin:") for e in d["history"])')" True "both events by admin:"
d3=$(db_digest)
loader delist 192.0.2.1 >/dev/null 2>"$T/err"
is $? 1 "delisting a delisted address exits 1"
is "$(db_digest)" "$d3" "and writes nothing"
loader delist 192.0.2.99 >/dev/null 2>"$T/err"
is $? 1 "delisting a never listed address exits 1"
grep -q 'not listed' "$T/err"; ok $? "with 'not listed' in the message"

# ---- IPv6 ----
s4=$(serial)
loader list 2001:db8::1 --reason "v6 host" >/dev/null
ok $? "list 2001:db8::1"
is "$(serial)" $((s4 + 1)) "serial +1"
show 2001:db8::1
is "$(jget "$T/show.json" '(d["listed"], d["listed_by"], d["code"])')" "(True, '2001:db8::1', '$ZONE_A')" "IPv6 host listed"
is "$(jget "$T/show.json" 'd["txt"]')" "$(txt_for 2001:db8::1)" "IPv6 txt names the address"
is "$(jget "$T/show.json" '[(e["action"], e["reason"]) for e in d["history"]]')" "[('listed', 'v6 host')]" "IPv6 history"
loader list 2001:db8:1::/48 --reason "v6 net" >/dev/null
ok $? "list 2001:db8:1::/48"
loader list 2001:db8:1::5 --code 127.0.0.5 >/dev/null
ok $? "list 2001:db8:1::5 with its own code"
show 2001:db8:1:ffff::abcd
is "$(jget "$T/show.json" '(d["listed"], d["listed_by"], d["code"])')" "(True, '2001:db8:1::/48', '$ZONE_A')" "inside the /48"
is "$(jget "$T/show.json" 'd["txt"]')" "$(txt_for 2001:db8:1:ffff::abcd)" "IPv6 CIDR: txt names the address"
show 2001:db8:1::5
is "$(jget "$T/show.json" '(d["listed_by"], d["code"])')" "('2001:db8:1::5', '127.0.0.5')" "most specific IPv6 entry wins"
show 2001:db8:2::1
is "$(jget "$T/show.json" 'd["listed"]')" False "2001:db8:2::1 (outside) not listed"
d4=$(db_digest)
loader delist 2001:db8:1::6 >/dev/null 2>"$T/err"
is $? 1 "delisting a covered IPv6 address exits 1"
grep -q '2001:db8:1::/48' "$T/err"; ok $? "and names the /48"
is "$(db_digest)" "$d4" "and writes nothing"
loader delist 2001:db8::1 --reason gone >/dev/null
show 2001:db8::1
is "$(jget "$T/show.json" '(d["listed"], [e["action"] for e in d["history"]])')" "(False, ['listed', 'delisted'])" "IPv6 delist"

# ---- wide listings ----
d5=$(db_digest)
loader list 10.0.0.0/7 >/dev/null 2>"$T/err"
is $? 1 "IPv4 /7 refused without --force"
grep -q -- '--force' "$T/err"; ok $? "the message mentions --force"
loader list 2000::/15 >/dev/null 2>"$T/err"
is $? 1 "IPv6 /15 refused without --force"
is "$(db_digest)" "$d5" "refused wide listings write nothing"
loader list 20.0.0.0/8 >/dev/null; ok $? "IPv4 /8 needs no --force"
loader list 2a00::/16 >/dev/null; ok $? "IPv6 /16 needs no --force"
loader list 10.0.0.0/7 --force >/dev/null; ok $? "IPv4 /7 with --force"
loader list 2000::/15 --force >/dev/null; ok $? "IPv6 /15 with --force"
show 11.255.0.1
is "$(jget "$T/show.json" 'd["listed_by"]')" 10.0.0.0/7 "the forced /7 covers 11.255.0.1"
show 2001:4860::1
is "$(jget "$T/show.json" 'd["listed_by"]')" 2000::/15 "the forced /15 covers 2001:4860::1"

# ---- --code limits ----
d6=$(db_digest)
for c in 128.0.0.1 126.255.255.255 127.0.0.1 127.0.0.0 10.0.0.2 2001:db8::2 nonsense 127.0.0.0/8; do
	loader list 203.0.113.50 --code "$c" >/dev/null 2>&1
	is $? 2 "--code $c is a usage error (exit 2)"
done
is "$(db_digest)" "$d6" "rejected --code writes nothing"
loader list 203.0.113.50 --code 127.1.2.3 >/dev/null; ok $? "--code 127.1.2.3 accepted"
show 203.0.113.50
is "$(jget "$T/show.json" 'd["code"]')" 127.1.2.3 "--code 127.1.2.3 served"
loader list 203.0.113.50 --txt 'custom $ text' >/dev/null; ok $? "--txt on a listed address"
show 203.0.113.50
is "$(jget "$T/show.json" '(d["code"], d["txt"])')" "('127.1.2.3', 'custom 203.0.113.50 text')" "--txt changes the text and keeps the code"
is "$(jget "$T/show.json" '[e["action"] for e in d["history"]]')" "['listed', 'changed']" "the change is in the history"

# ---- several addresses: one transaction, one serial ----
s5=$(serial)
loader list 203.0.113.1 203.0.113.2 203.0.113.3 --reason batch >/dev/null
ok $? "list A B C"
is "$(serial)" $((s5 + 1)) "list A B C bumps the serial exactly once"
for a in 203.0.113.1 203.0.113.2 203.0.113.3; do
	show $a
	is "$(jget "$T/show.json" '(d["listed"], d["history"][-1]["reason"])')" "(True, 'batch')" "$a listed by the batch"
done
d7=$(db_digest); s7=$(serial)
loader list 203.0.113.9 8.0.0.0/6 >/dev/null 2>&1
is $? 1 "a batch with a refused member fails"
is "$(db_digest)" "$d7" "and writes nothing, not even its good member"
show 203.0.113.9
is "$(jget "$T/show.json" 'd["listed"]')" False "203.0.113.9 not listed"
loader list 203.0.113.1 203.0.113.2 >/dev/null
is "$(serial)" "$s7" "a batch that changes nothing keeps the serial"
is "$(db_digest)" "$d7" "and writes nothing"
loader delist 203.0.113.2 203.0.113.3 >/dev/null
is "$(serial)" $((s7 + 1)) "delist A B bumps the serial exactly once"

# ---- stats --json ----
# Listed now: hosts 198.51.100.7 203.0.113.50 203.0.113.1; IPv6 host
# 2001:db8:1::5; CIDRs 198.51.100.0/24 20.0.0.0/8 10.0.0.0/7 2001:db8:1::/48
# 2a00::/16 2000::/15.
want4=0 want6=0 wantc=0
for p in 198.51.100.7 203.0.113.50 203.0.113.1 2001:db8:1::5 198.51.100.0/24 \
    20.0.0.0/8 10.0.0.0/7 2001:db8:1::/48 2a00::/16 2000::/15; do
	case $p in
	*/*) wantc=$((wantc + 1)) ;;
	*:*) want6=$((want6 + 1)) ;;
	*) want4=$((want4 + 1)) ;;
	esac
done
loader stats --json >"$T/stats.json"; ok $? "stats --json"
is "$(jget "$T/stats.json" 'd["zones"][0]["ipv4"]')" $want4 "stats: IPv4 host count"
is "$(jget "$T/stats.json" 'd["zones"][0]["ipv6"]')" $want6 "stats: IPv6 host count"
is "$(jget "$T/stats.json" 'd["zones"][0]["cidr"]')" $wantc "stats: CIDR count"
is "$(jget "$T/stats.json" 'd["zones"][0]["serial"]')" "$(serial)" "stats: serial"
# file_bytes: the disk the two data files use (blocks, at most their length).
used=0
for env in serve meta; do
	read -r blk bsz len < <(stat -c '%b %B %s' "$T/db/$env/data.mdb")
	u=$((blk * bsz)); [ "$u" -gt "$len" ] && u=$len
	used=$((used + u))
done
is "$(jget "$T/stats.json" 'd["file_bytes"]')" "$used" "stats: file_bytes is the disk the data files use"
is "$(jget "$T/stats.json" '0 < d["file_bytes"] <= d["map_bytes"]')" True "stats: 0 < file_bytes <= map_bytes"
loader list 192.0.2.200 >/dev/null
loader stats --json >"$T/stats.json"
is "$(jget "$T/stats.json" 'd["zones"][0]["ipv4"]')" $((want4 + 1)) "stats follows a new listing"

done_testing
