#!/usr/bin/env bash
# t_lifecycle_guard.sh -- the guard against mass delisting: an import, a
# delist, an expire or an exclusion that would remove more than max_drop
# percent of the zone's listings and more than max_drop_min of them is
# refused (clear message, nothing written) unless --force; under either
# limit it passes; the defaults (10 %, 100) at their boundaries; a whole
# zone never empties itself.  And no command lists everything: a listing
# wider than /8 (IPv4) or /16 (IPv6) needs --force, by list or by import.
source "$(dirname "$0")/lib.sh"
nok() { local st=$1; shift; [ "$st" -ne 0 ]; ok $? "$@"; }	# nok STATUS NAME: passes when STATUS is not 0

nlisted() { loader stats --json | $PY -c 'import json,sys; z = json.load(sys.stdin)["zones"][0]; print(z["ipv4"] + z["ipv6"] + z["cidr"])'; }
# addrs FROM TO: the FROMth to the TOth of 10.1.0.1 ... 10.1.0.250, 10.1.1.1 ...
addrs() { local i; for i in $(seq "$1" "$2"); do echo "10.1.$(((i - 1) / 250)).$(((i - 1) % 250 + 1))"; done; }
# fresh N [AGO]: a new store with N listings, by results tested AGO
# seconds ago (default a minute: any result of this second is newer; it
# must stay inside expire_after, or the results are too old to list).
fresh() {
	local t; t=$(date -u -d "@$(( $(date +%s) - ${2:-60} ))" +%Y-%m-%dT%H:%M:%SZ)
	rm -rf "$T/db"; addrs 1 "$1" | sed "s/\$/ open $t/" | loader import - >/dev/null
}
# refused NAME COUNT OF -- COMMAND...: refused by the guard, nothing written
refused() {
	local name=$1 n=$2 of=$3; shift 3; [ "$1" = "--" ] && shift
	local d0 st
	d0=$(db_digest)
	"$@" >"$T/out" 2>"$T/err"; st=$?
	is "$st" 1 "$name: refused"
	grep -qE "this would remove $n of the $of listings of relays.example \(more than [0-9]+% and more than [0-9]+\): refused without --force" "$T/err"
	ok $? "$name: says it would remove $n of $of, and needs --force" || sed 's/^/#   /' "$T/err"
	is "$(db_digest)" "$d0" "$name: nothing written"
}

write_config "    max_drop_min: 20
    expire_after: 1h"
fresh 200
is "$(nlisted)" 200 "a zone of 200 listings"
# The stats field names are checked here once, so that nlisted cannot
# silently count something else.
loader stats --json | $PY -c 'import json,sys; z = json.load(sys.stdin)["zones"][0]; assert (z["ipv4"], z["ipv6"], z["cidr"]) == (200, 0, 0), z'
ok $? "stats --json counts 200 IPv4 listings"

# ---- import ----
addrs 1 30 | sed 's/$/ closed/' >"$T/c30.txt"
refused "import 30 closed (15 %)" 30 200 -- loader import "$T/c30.txt"
grep -q "c30.txt rejected; nothing was imported" "$T/err"; ok $? "the import says it was rejected"
{ addrs 1 30 | sed 's/$/ closed/'; for i in $(seq 1 30); do echo "10.2.0.$i open"; done; } >"$T/mix.txt"
refused "import 30 closed and 30 new (removals count, not the net)" 30 200 -- loader import "$T/mix.txt"
addrs 1 200 | sed 's/$/ closed/' >"$T/c200.txt"
refused "import closing every listing" 200 200 -- loader import "$T/c200.txt"
is "$(nlisted)" 200 "the zone did not empty itself"
addrs 1 20 | sed 's/$/ closed/' >"$T/c20.txt"
loader import "$T/c20.txt" >/dev/null
ok $? "import 20 closed (10 %, not more than 20): accepted"
is "$(nlisted)" 180 "180 left"
addrs 21 50 | sed 's/$/ closed/' >"$T/c30b.txt"
refused "then 30 more closed (16 %)" 30 180 -- loader import "$T/c30b.txt"
loader import --force "$T/c30b.txt" >/dev/null
ok $? "import --force: accepted"
is "$(nlisted)" 150 "the 30 are delisted"

write_config "    max_drop_min: 50
    expire_after: 1h"
fresh 200
loader import "$T/c30.txt" >/dev/null
ok $? "max_drop_min 50: 30 closed (15 %) pass"
is "$(nlisted)" 170 "170 left"
write_config "    max_drop_min: 20
    max_drop: 20
    expire_after: 1h"
fresh 200
loader import "$T/c30.txt" >/dev/null
ok $? "max_drop 20: 30 closed (15 %) pass"

# ---- delist ----
write_config "    max_drop_min: 20
    expire_after: 1h"
fresh 200
refused "delist 30 addresses" 30 200 -- loader delist $(addrs 1 30)
loader delist $(addrs 1 20) >/dev/null
ok $? "delist 20: accepted"
refused "delist 21 more of 180" 21 180 -- loader delist $(addrs 21 41)
loader delist --force $(addrs 21 41) >/dev/null
ok $? "delist --force 21: accepted"
is "$(nlisted)" 159 "159 left"
write_config "    max_drop_min: 50
    expire_after: 1h"
fresh 200
loader delist $(addrs 1 30) >/dev/null
ok $? "max_drop_min 50: delist 30 passes"

# ---- exclude ----
write_config "    max_drop_min: 20
    expire_after: 1h"
fresh 200
refused "exclude 10.1.0.0/27, hiding 31 listings" 31 200 -- loader exclude 10.1.0.0/27 --reason "ours"
refused "exclude 10.1.0.0/16, hiding everything" 200 200 -- loader exclude 10.1.0.0/16 --reason "ours"
refused "exclude 30 hosts at once" 30 200 -- loader exclude $(addrs 1 30) --reason "ours"
loader exclude 10.1.0.0/28 --reason "ours" >/dev/null
ok $? "exclude 10.1.0.0/28 (15 listings): accepted"
loader exclude 10.1.0.64/26 --reason "ours" --force >/dev/null
ok $? "exclude --force 10.1.0.64/26 (64 listings): accepted"
write_config "    max_drop_min: 50
    expire_after: 1h"
fresh 200
loader exclude 10.1.0.0/27 --reason "ours" >/dev/null
ok $? "max_drop_min 50: exclude hiding 31 passes"

# ---- expire ----
write_config "    max_drop_min: 20
    expire_after: 3s"
fresh 200 1
sleep 4
d0=$(db_digest)
refused "expire of all 200" 200 200 -- loader expire
is "$(cat "$T/out")" "" "a refused expire prints no listing as expired"
loader expire --dry-run >"$T/out"
is "$(tail -n 1 "$T/out")" "relays.example: 200 listings would expire (dry run: nothing changed)" \
	"expire --dry-run shows the 200"
is "$(db_digest)" "$d0" "and changes nothing"
loader expire --json >"$T/out" 2>/dev/null
is "$($PY -c 'import json,sys; e = json.load(open(sys.argv[1]))["error"]; print(e["code"], "max_drop" in e["message"] or "--force" in e["message"])' "$T/out")" \
	"refused True" "a refused expire --json prints one error object (no half object): code refused"
# Reconfirm all but 30, then all but 15.  The results are dated two minutes
# ahead (the importer allows five), so that however slow the steps, the
# reconfirmed cannot fall out of the 3 s window.
SOON=$(date -u -d '2 minutes' +%Y-%m-%dT%H:%M:%SZ)
addrs 31 200 | sed "s/\$/ open $SOON/" | loader import - >/dev/null
refused "expire of 30 unconfirmed" 30 200 -- loader expire
addrs 16 30 | sed "s/\$/ open $SOON/" | loader import - >/dev/null
loader expire >"$T/out"
is "$(tail -n 1 "$T/out")" "relays.example: 15 listings expired" "expire of 15 unconfirmed: accepted"
is "$(nlisted)" 185 "185 left"
fresh 200 1
sleep 4
loader expire --force >"$T/out"
is "$(tail -n 1 "$T/out")" "relays.example: 200 listings expired" "expire --force of all 200: accepted"
is "$(nlisted)" 0 "expire --force may empty the zone"

# ---- the defaults: 10 % and 100 ----
write_config
fresh 1100
addrs 1 111 | sed 's/$/ closed/' >"$T/c.txt"
refused "defaults: 111 of 1100 (10.1 %, more than 100)" 111 1100 -- loader import "$T/c.txt"
grep -q "more than 10% and more than 100" "$T/err"; ok $? "the message names the defaults"
addrs 1 110 | sed 's/$/ closed/' >"$T/c.txt"
loader import "$T/c.txt" >/dev/null
ok $? "defaults: 110 of 1100 (exactly 10 %) pass"
fresh 500
refused "defaults: delist 101 of 500" 101 500 -- loader delist $(addrs 1 101)
loader delist $(addrs 1 100) >/dev/null
ok $? "defaults: delist 100 of 500 (not more than 100) passes"

# ---- no command lists everything ----
write_config
fresh 10
for p in 0.0.0.0/0 10.0.0.0/7 ::/0 2000::/15; do
	d0=$(db_digest)
	loader list $p >/dev/null 2>"$T/err"
	is "$?" 1 "list $p: refused"
	want=$([[ $p == *:* ]] && echo 16 || echo 8)
	grep -qF "$p is wider than /$want: refused without --force" "$T/err"
	ok $? "list $p: says it is wider than /$want" || sed 's/^/#   /' "$T/err"
	is "$(db_digest)" "$d0" "list $p: nothing written"
	d0=$(db_digest)
	echo "$p open" | loader import - >/dev/null 2>"$T/err"
	is "$?" 1 "import open $p: refused"
	grep -qF "$p is wider than /$want: refused without --force" "$T/err"
	ok $? "import open $p: says so"
	is "$(db_digest)" "$d0" "import open $p: nothing written"
done
loader list 10.0.0.0/8 2001::/16 >/dev/null
ok $? "list a /8 and a /16: no --force needed"
echo "11.0.0.0/8 open" | loader import - >/dev/null
ok $? "import open 11.0.0.0/8: no --force needed"
loader list 12.0.0.0/7 --force >/dev/null
ok $? "list 12.0.0.0/7 --force: accepted"
echo "2002::/15 open" | loader import --force - >/dev/null
ok $? "import --force open 2002::/15: accepted"
echo "14.0.0.0/7 closed" | loader import - >/dev/null
ok $? "a closed result for a wide prefix needs no --force"

done_testing
