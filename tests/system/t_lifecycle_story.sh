#!/usr/bin/env bash
# t_lifecycle_story.sh -- the whole story, with the default policy:
#   1. an imported open result lists the address, and dnsbld answers it;
#   2. its operator asks for a retest;
#   3. an imported closed result delists it, and dnsbld answers NXDOMAIN;
#   4. the request is resolved, and the history shows every step.
source "$(dirname "$0")/lib.sh"
nok() { local st=$1; shift; [ "$st" -ne 0 ]; ok $? "$@"; }	# nok STATUS NAME: passes when STATUS is not 0
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
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
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
Z=relays.example
A=192.0.2.77 N=77.2.0.192.$Z
TXT="Open relay $A - see https://relays.example/lookup?ip=$A"
ME="admin:$(id -un)"

write_config
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
check "before: $A is not listed" -- dc q $PORT $N A --rcode NXDOMAIN --aa
serial() { dig +short -p $PORT @127.0.0.1 $Z SOA | awk '{print $3}'; }
s0=$(serial)

# 1. The tester found it open two hours ago (retest_min_interval is 1h).
TOPEN=$(ago 7200)
cat >"$T/open.yaml" <<EOF
- ip: $A
  result: open
  tested_at: "$TOPEN"
  tester: probe-3
  helo: relay.victim.test
  transcript: |
    220 relay.victim.test ESMTP
    MAIL FROM:<probe@relays.example>
    250 OK
    RCPT TO:<check@elsewhere.example>
    250 Accepted
EOF
loader import "$T/open.yaml" >"$T/imp.out"
ok $? "1. import the open result"
grep -q "1 records: 1 listed" "$T/imp.out"; ok $? "1. the import lists it"
check "1. dnsbld answers A 127.0.0.2" -- dc q $PORT $N A --rcode NOERROR --aa --a 127.0.0.2
check "1. dnsbld answers the TXT" -- dc q $PORT $N TXT --rcode NOERROR --txt "$TXT"
s1=$(serial)
[ "$s1" -gt "$s0" ]; ok $? "1. the SOA serial rose ($s0 -> $s1)"

# 2. The operator asks for a retest.
loader retest-request $A --contact postmaster@victim.test --note "relay closed" >"$T/rq.out"
ok $? "2. retest-request"
is "$(cat "$T/rq.out")" "$A: retest request #1 queued for postmaster@victim.test" "2. queued as #1"
loader retests --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[(r["id"], r["prefix"], r["open"], r["contact"]) for r in d]')" \
	"[(1, '$A', True, 'postmaster@victim.test')]" "2. the queue has it, open"
check "2. still listed while the request is open" -- dc q $PORT $N A --a 127.0.0.2

# 3. The retest finds it closed.
cat >"$T/closed.yaml" <<EOF
- ip: $A
  result: closed
  tested_at: "$(ago 1)"
  tester: probe-3
  transcript: |
    220 relay.victim.test ESMTP
    MAIL FROM:<probe@relays.example>
    250 OK
    RCPT TO:<check@elsewhere.example>
    550 5.7.1 Relaying denied
EOF
loader import "$T/closed.yaml" >"$T/imp.out"
ok $? "3. import the closed result"
grep -q "1 records: 0 listed, 0 confirmed, 1 delisted" "$T/imp.out"; ok $? "3. the import delists it"
check "3. dnsbld answers NXDOMAIN for A" -- dc q $PORT $N A --rcode NXDOMAIN --aa --an 0
check "3. dnsbld answers NXDOMAIN for TXT" -- dc q $PORT $N TXT --rcode NXDOMAIN --aa
[ "$(serial)" -gt "$s1" ]; ok $? "3. the SOA serial rose again"

# 4. The request is resolved, and the history tells the story.
is "$(loader retests)" "no open retest requests" "4. no open request left"
loader retests --all --json >"$T/q.json"
is "$(jlist "$T/q.json" retests '[(r["id"], r["open"], r["result"], r["delisted"], r["note"]) for r in d]')" \
	"[(1, False, 'closed', True, 'relay closed')]" "4. request #1: resolved, closed, delisted"
loader show --json $A >"$T/s.json"
is "$(jget "$T/s.json" 'd["listed"]')" False "4. show: not listed"
is "$(jget "$T/s.json" '[(e["action"], e["actor"], e["result"]) for e in d["history"]]')" \
	"[('listed', 'import:$T/open.yaml ($ME)', 'open'), ('retest-requested', '$ME', None), ('delisted', 'import:$T/closed.yaml ($ME)', 'closed'), ('retest-resolved', 'import:$T/closed.yaml ($ME)', 'closed')]" \
	"4. show: listed, retest requested, delisted, resolved; with actors and results"
is "$(jget "$T/s.json" '[(e["evidence"] or "").splitlines()[-1:] for e in d["history"]]')" \
	"[['250 Accepted'], [], ['550 5.7.1 Relaying denied'], []]" "4. the listing and the delisting carry their transcripts"
is "$(jget "$T/s.json" 'd["history"][0]["tested_at"]')" "$TOPEN" "4. the listing names its test's time"
is "$(jget "$T/s.json" 'd["history"][3]["reason"], d["history"][3]["details"]')" \
	"('retest: closed, delisted', 'request=#1 contact=postmaster@victim.test')" "4. the resolution names the request"
loader history --since "$START" --json >"$T/h.json"
is "$(jlist "$T/h.json" history '[(e["prefix"], e["action"]) for e in d]')" \
	"[('$A', 'listed'), ('$A', 'retest-requested'), ('$A', 'delisted'), ('$A', 'retest-resolved')]" \
	"4. history --since the start: the same four steps"
loader show $A >"$T/s.txt"
is "$(sed -n '/^history:/,$p' "$T/s.txt" | grep -cE '^  [0-9T:-]+Z  (listed|retest-requested|delisted|retest-resolved) ')" 4 \
	"4. show (text) prints the four steps"

stop_dnsbld
ok $? "dnsbld stops cleanly"
done_testing
