#!/usr/bin/env bash
# t_lifecycle_retest.sh -- retest requests: queued for a listed address;
# refused (with a clear message, nothing written) for an unlisted address, an
# address listed only through a covering CIDR, a malformed contact, a second
# open request, a contact over retest_per_contact (case-insensitive), and
# within retest_min_interval of the last test; retest_per_contact: 0 is no
# limit.  A request is never lost: unreachable and stale results leave it
# open; open resolves it (stays listed), closed resolves it (delisted at
# once), and the request records the outcome.  retests: --open (default) and
# --all, oldest first, with the age, and --json.
source "$(dirname "$0")/lib.sh"
nok() { local st=$1; shift; [ "$st" -ne 0 ]; ok $? "$@"; }	# nok STATUS NAME: passes when STATUS is not 0

jget() { $PY - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)
PY
}
# jlist FILE KEY EXPR: EXPR with d the array KEY of the object in FILE.
jlist() { $PY - "$1" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))[sys.argv[2]]
v = eval(sys.argv[3])
print("null" if v is None else v)
PY
}
show() { loader show --json "$1" >"$T/show.json"; }
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
# refused NAME PATTERN -- COMMAND...: exits non-zero, says PATTERN on
# stderr, and writes nothing.
refused() {
	local name=$1 pat=$2; shift 2; [ "$1" = "--" ] && shift
	local d0 d1 st
	d0=$(db_digest)
	"$@" >"$T/ref.out" 2>"$T/ref.err"; st=$?
	d1=$(db_digest)
	[ $st -ne 0 ]; ok $? "$name: refused (exit $st)"
	grep -qE -- "$pat" "$T/ref.err"; ok $? "$name: says /$pat/"
	[ $st -ne 0 ] && grep -qE -- "$pat" "$T/ref.err" || sed 's/^/#   /' "$T/ref.err"
	is "$d1" "$d0" "$name: nothing written"
	[ -s "$T/ref.out" ]; nok $? "$name: nothing on stdout"
}
# retest_per_contact counts a contact's requests per UTC day: the checks
# of it must not straddle midnight.  Within 30 s of it, wait till it passes.
not_near_midnight() { local s=$((86400 - $(date -u +%s) % 86400)); [ "$s" -gt 30 ] || sleep "$s"; }

# ---------------------------------------------------------------------
# Limits, with retest_min_interval 0 and two requests per contact a day.
write_config "    retest_min_interval: 0
    retest_per_contact: 2"
loader list 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 2001:db8::1 198.51.100.0/24 \
	--reason "seen relaying" >/dev/null
ok $? "list the addresses to retest"

not_near_midnight
loader retest-request 192.0.2.1 --contact Postmaster@Example.COM --note "fixed the relay" \
	>"$T/rq.out" 2>&1
ok $? "retest-request 192.0.2.1"
grep -q '^192.0.2.1: retest request #1 queued for Postmaster@Example.COM$' "$T/rq.out"
ok $? "the request is queued as #1 and says so"
show 192.0.2.1
is "$(jget "$T/show.json" 'd["listed"]')" True "a request does not change the listing"
is "$(jget "$T/show.json" '[(e["action"], e["reason"], e["details"]) for e in d["history"]][-1]')" \
	"('retest-requested', 'fixed the relay', 'request=#1 contact=Postmaster@Example.COM')" \
	"the request is in the address's history with its note and contact"

refused "second open request for 192.0.2.1" \
	'retest request refused: 192.0.2.1 already has an open retest request \(#1, made [0-9T:-]+Z\)' \
	-- loader retest-request 192.0.2.1 --contact someone-else@example.net
refused "an unlisted address" 'retest request refused: 192.0.2.99 is not listed in relays.example' \
	-- loader retest-request 192.0.2.99 --contact a@example.net
refused "an address listed only by a covering /24" \
	'198.51.100.7 is listed as part of 198.51.100.0/24, not by itself' \
	-- loader retest-request 198.51.100.7 --contact a@example.net
for bad in not-a-mail "a b@example.net" "@example.net" "a@example" "a@@example.net" "<a@example.net>"; do
	refused "contact '$bad'" "'$bad' is not a mail address" \
		-- loader retest-request 192.0.2.2 --contact "$bad"
done
d0=$(db_digest)
loader retest-request 192.0.2.2 >/dev/null 2>"$T/err"
is "$? $(db_digest)" "2 $d0" "without --contact: usage error, nothing written"

# The per-contact limit counts this contact in any case.
loader retest-request 2001:db8::1 --contact postmaster@example.com >/dev/null
ok $? "a second request by the same contact (other case), for an IPv6 address"
refused "a third request by the contact in a day" \
	'POSTMASTER@example.com has made 2 retest requests today, the most allowed' \
	-- loader retest-request 192.0.2.3 --contact POSTMASTER@example.com
loader retest-request 192.0.2.3 --contact other@example.org >/dev/null
ok $? "another contact may still ask for 192.0.2.3"

loader retests --json >"$T/q.json"
ok $? "retests --json"
is "$(jlist "$T/q.json" retests '[(r["id"], r["prefix"], r["open"]) for r in d]')" \
	"[(1, '192.0.2.1', True), (2, '2001:db8::1', True), (3, '192.0.2.3', True)]" \
	"the queue has the three requests, oldest first"
is "$(jlist "$T/q.json" retests 'd[0]["note"], d[0]["contact"], d[1]["note"]')" \
	"('fixed the relay', 'Postmaster@Example.COM', None)" "each request keeps its contact and note"
is "$(jlist "$T/q.json" retests 'all(type(r["age_seconds"]) is int and 0 <= r["age_seconds"] < 120 for r in d)')" \
	True "each request has its age in seconds"

# ---------------------------------------------------------------------
# A request is never lost: only an open or closed result resolves it.
cat >"$T/unreach.yaml" <<EOF
- ip: 192.0.2.1
  result: unreachable
  tested_at: "$(ago 5)"
  tester: probe-1
  transcript: "connect: timed out"
EOF
loader import "$T/unreach.yaml" >/dev/null
ok $? "import an unreachable result for 192.0.2.1"
loader retests --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[r["id"] for r in d if r["open"]]')" "[1, 2, 3]" \
	"unreachable leaves request #1 open"
OLD=$(ago 60)
echo "192.0.2.1 closed $OLD" | loader import - >"$T/imp.out" 2>&1
ok $? "import a closed result older than the last test"
grep -q "1 stale" "$T/imp.out"; ok $? "it is stale"
d0=$(db_digest)
echo "192.0.2.1 closed $OLD" | loader import - >"$T/imp.out" 2>&1
is "$(db_digest)" "$d0" "the same stale result again writes nothing"
loader retests --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[r["id"] for r in d]')" "[1, 2, 3]" "a stale result leaves request #1 open"

# open: resolved, stays listed.
echo "2001:db8::1 open" | loader import - >/dev/null
ok $? "import open for 2001:db8::1"
show 2001:db8::1
is "$(jget "$T/show.json" 'd["listed"]')" True "open keeps 2001:db8::1 listed"
loader retests --all --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[(r["open"], r["result"], r["delisted"], r["resolved_at"] is not None, r["tested_at"] is not None) for r in d if r["id"] == 2][0]')" \
	"(False, 'open', False, True, True)" "request #2 is resolved: open, not delisted, with its times"
is "$(jget "$T/show.json" '[(e["action"], e["result"], e["reason"]) for e in d["history"]][-1]')" \
	"('retest-resolved', 'open', 'retest: still open, stays listed')" \
	"the history records the outcome of #2"

# closed: resolved, delisted at once.
echo "192.0.2.1 closed" | loader import - >/dev/null
ok $? "import closed for 192.0.2.1"
show 192.0.2.1
is "$(jget "$T/show.json" 'd["listed"]')" False "closed delists 192.0.2.1 at once"
loader retests --all --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[(r["open"], r["result"], r["delisted"]) for r in d if r["id"] == 1][0]')" \
	"(False, 'closed', True)" "request #1 is resolved: closed, delisted"
is "$(jget "$T/show.json" '[(e["action"], e["result"], e["reason"]) for e in d["history"]][-2:]')" \
	"[('delisted', 'closed', None), ('retest-resolved', 'closed', 'retest: closed, delisted')]" \
	"the history has the delisting, then the request's outcome"

# retests: --open is the default; --all shows outcomes.
loader retests >"$T/q.txt"
ok $? "retests"
is "$(grep -c '^#' "$T/q.txt")" 1 "retests shows only the open request"
grep -qE '^#3 +192\.0\.2\.3 +other@example\.org +open +[0-9T:-]+Z \(waiting [0-9]+m\)$' "$T/q.txt"
ok $? "an open request: id, address, contact, time and age"
loader retests --open >"$T/q2.txt"
cmp -s "$T/q.txt" "$T/q2.txt"; ok $? "--open is the default"
loader retests --all >"$T/q.txt"
is "$(grep -c '^#' "$T/q.txt")" 3 "retests --all shows all three"
is "$(sed -n 1p "$T/q.txt" | grep -cE '^#1 +192\.0\.2\.1 .* resolved [0-9T:-]+Z: closed, delisted \(after [0-9]+m\)$')" 1 \
	"#1 first, resolved: closed, delisted"
is "$(sed -n 2p "$T/q.txt" | grep -cE '^#2 +2001:db8::1 .* resolved [0-9T:-]+Z: open \(after [0-9]+m\)$')" 1 \
	"#2 second, resolved: open"
echo "192.0.2.3 closed" | loader import - >/dev/null
is "$(loader retests)" "no open retest requests" "an empty queue says so"

# A request can be made again once the last is resolved.
echo "192.0.2.4 open $(ago 10)" | loader import - >/dev/null
loader retest-request 192.0.2.4 --contact other@example.org >/dev/null
ok $? "request for 192.0.2.4"
echo "192.0.2.4 open" | loader import - >/dev/null
is "$(loader retests --json | $PY -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["retests"]])')" "[]" \
	"a newer open result resolved it"
loader retest-request 192.0.2.4 --contact third@example.org >/dev/null
ok $? "a new request once the first is resolved (retest_min_interval 0)"

# ---------------------------------------------------------------------
# The ages and the order: an older request first, with the larger age.
write_config "    retest_min_interval: 0
    retest_per_contact: 0"
rm -rf "$T/db"
loader list 192.0.2.20 192.0.2.21 >/dev/null
loader retest-request 192.0.2.21 --contact a@example.net >/dev/null
sleep 2
loader retest-request 192.0.2.20 --contact a@example.net >/dev/null
loader retests --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[r["prefix"] for r in d]')" "['192.0.2.21', '192.0.2.20']" \
	"oldest first, not by address"
is "$(jlist "$T/q.json" retests 'd[0]["age_seconds"] - d[1]["age_seconds"] >= 1')" True \
	"the older request has the larger age"

# retest_per_contact: 0 is no limit.
for i in $(seq 30 37); do echo "192.0.2.$i"; done | loader import - >/dev/null
n=0
for i in $(seq 30 37); do
	loader retest-request 192.0.2.$i --contact busy@example.net >/dev/null 2>&1 && n=$((n + 1))
done
is "$n" 8 "retest_per_contact: 0 accepts 8 requests by one contact"

# ---------------------------------------------------------------------
# retest_min_interval (default 1h), counted from the last test's time.
write_config
rm -rf "$T/db"
printf '192.0.2.40 open %s\n192.0.2.41 open %s\n' "$(ago 1800)" "$(ago 7200)" | loader import - >/dev/null
ok $? "import 192.0.2.40 tested 30 minutes ago and 192.0.2.41 2 hours ago"
refused "tested 30 minutes ago, retest_min_interval 1h" \
	'192.0.2.40 was tested recently: a retest can be requested from [0-9T:-]+Z' \
	-- loader retest-request 192.0.2.40 --contact a@example.net
want=$(date -u -d "$(grep -o 'from [0-9T:-]*Z' "$T/ref.err" | cut -c6-)" +%s)
tested=$(date -u -d "$(loader show --json 192.0.2.40 | $PY -c 'import json,sys; print(json.load(sys.stdin)["entry"]["last_tested"])')" +%s)
is "$((want - tested))" 3600 "the message names the last test + 1h"
loader retest-request 192.0.2.41 --contact a@example.net >/dev/null
ok $? "tested 2 hours ago: accepted"
loader list 192.0.2.42 >/dev/null
loader retest-request 192.0.2.42 --contact a@example.net >/dev/null
ok $? "listed by hand, never tested: accepted"

# The default per-contact limit is 5.
write_config "    retest_min_interval: 0"
rm -rf "$T/db"
loader list 192.0.2.50 192.0.2.51 192.0.2.52 192.0.2.53 192.0.2.54 192.0.2.55 >/dev/null
not_near_midnight
for i in 0 1 2 3 4; do loader retest-request 192.0.2.5$i --contact a@example.net >/dev/null || break; done
ok $? "five requests by one contact"
refused "the sixth request by the contact (default 5)" 'has made 5 retest requests today' \
	-- loader retest-request 192.0.2.55 --contact a@example.net

done_testing
