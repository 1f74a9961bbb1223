#!/usr/bin/env bash
# Lifecycle corner cases found in review, each once wrong:
# - an exclusion over a narrower one counts only what it newly hides;
# - a listing listed again keeps its code and text;
# - a retest request is answered only by a test made after it (or by a
#   result that delists the address).
. "$(dirname "$0")/lib.sh"

write_config '    codes:
      multihop: {a: 127.0.0.3, txt: "Multi-hop relay $"}
    max_drop: 10
    max_drop_min: 20
    retest_min_interval: 0
    relist_penalty: 0'
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
old=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)

for i in $(seq 1 200); do echo "10.1.0.$i open $old"; done >"$T/200.txt"
loader import "$T/200.txt" >/dev/null
check "exclude a /28 hiding 15 of 200 (under max_drop_min 20)" -- loader exclude 10.1.0.0/28 --reason a
check "exclude the /27 around it: 16 more are hidden, not 31" -- loader exclude 10.1.0.0/27 --reason b
d=$(db_digest)
loader exclude 10.1.0.0/26 --reason c >"$T/out" 2>&1
st=$?
ok $((st == 0 ? 1 : 0)) "exclude the /26: 32 newly hidden is over the guard"
grep -q "would remove 32 of the 200" "$T/out"; ok $? "and it says 32, not 63"
is "$(db_digest)" "$d" "and writes nothing"
check "an exclusion under one that hides everything hides nothing new" -- loader exclude 10.1.0.0/29 --reason d

loader list 192.0.2.1 --code multihop >/dev/null
loader delist 192.0.2.1 >/dev/null
loader list 192.0.2.1 >/dev/null
loader show 192.0.2.1 --json >"$T/s.json"
is "$(jget "$T/s.json" 'd["code"]')" 127.0.0.3 "listed again by hand: the code stays"
is "$(jget "$T/s.json" 'd["txt"]')" "Multi-hop relay 192.0.2.1" "and so does the text"
loader list 192.0.2.2 --code 127.0.0.5 >/dev/null
loader delist 192.0.2.2 >/dev/null
echo "192.0.2.2 open" | loader import - >/dev/null
loader show 192.0.2.2 --json >"$T/s.json"
is "$(jget "$T/s.json" 'd["code"]')" 127.0.0.5 "listed again by a result: the code stays"

loader list 192.0.2.9 >/dev/null
loader retest-request 192.0.2.9 --contact ops@example.net >/dev/null
echo "192.0.2.9 open $(date -u -d '9 days ago' +%Y-%m-%dT%H:%M:%SZ)" | loader import - >/dev/null
loader retests --json >"$T/r.json"
is "$(jget "$T/r.json" 'len(d["retests"])')" 1 "an open result from before the request leaves it open"
echo "192.0.2.9 closed $(date -u -d '8 days ago' +%Y-%m-%dT%H:%M:%SZ)" | loader import - >/dev/null
loader retests --json >"$T/r.json"
is "$(jget "$T/r.json" 'len(d["retests"])')" 1 "a closed result older than the admin's listing is stale: the request stays open"
is "$(loader show 192.0.2.9 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["listed"])')" True \
	"and the admin's listing stands"
echo "192.0.2.9 closed" | loader import - >/dev/null
loader retests --all --json >"$T/r.json"
is "$(jget "$T/r.json" 'd["retests"][0]["open"]')" False "a closed result tested now delists and resolves it"
is "$(jget "$T/r.json" 'd["retests"][0]["delisted"]')" True "and records the delisting"

# The issue's story: list, delist by hand, then an open result tested a
# week before the delisting: stale, so not listed again, and no relist
# penalty blocks its owner.
loader list 192.0.2.7 >/dev/null
loader delist 192.0.2.7 --reason "owner fixed it" >/dev/null
echo "192.0.2.7 open $(date -u -d '7 days ago' +%Y-%m-%dT%H:%M:%SZ)" | loader import --json - >"$T/i.json"
is "$(jget "$T/i.json" '(d["listed"], d["stale"])')" "(0, 1)" "a week-old open result after a delisting: stale"
loader show 192.0.2.7 --json >"$T/s.json"
is "$(jget "$T/s.json" '(d["listed"], d["entry"]["hold_until"])')" "(False, None)" "not listed, not held"
is "$(jget "$T/s.json" '[e["action"] for e in d["history"]]')" "['listed', 'delisted', 'tested']" \
	"the stale result is in the history"
is "$(jget "$T/s.json" 'd["history"][-1]["reason"][:44]')" "stale: older than the admin's decision of 20" \
	"with why"
done_testing
