#!/usr/bin/env bash
# t_lifecycle_audit.sh -- the audit trail: every change (listing, change of
# code, reconfirmation, test result, delisting by hand and by a result,
# exclusion, unexclusion, retest request and its outcome, expiry) is in the
# history with its time, actor, reason and evidence; a refused or no-op
# command records nothing; show prints an address's history; history
# --since TIME [--json] lists the changes after a time.
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
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
nevents() { loader history --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["history"]))'; }

write_config "    retest_min_interval: 0
    expire_after: 3s
    relist_penalty: 0
    codes: {multihop: {a: 127.0.0.3, txt: \"Multi-hop relay \$\"}}"
ME="admin:$(id -un)"
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)

loader list 192.0.2.1 --reason "spam trap hit" >/dev/null
loader list 192.0.2.1 --code multihop --reason "multi-hop" >/dev/null
# Each test is made after the admin action before it, and imported inside
# expire_after (a result older than either changes no listing:
# docs/policy.md).
sleep 1.1
TA=$(ago 0)
cat >"$T/t1.yaml" <<EOF
- ip: 192.0.2.1
  result: open
  tested_at: "$TA"
  tester: probe-1
  helo: mx1.test
  transcript: |
    220 mx1.test ESMTP
    RCPT TO:<victim@elsewhere.example>
    250 Accepted
- {ip: 192.0.2.2, result: open, tested_at: "$TA", transcript: "250 relayed"}
- {ip: 192.0.2.3, result: unreachable, tested_at: "$TA", transcript: "connect: refused"}
EOF
loader import "$T/t1.yaml" >/dev/null
loader retest-request 192.0.2.2 --contact ops@example.net --note "patched" >/dev/null
sleep 1.1
TB=$(ago 0)
cat >"$T/t2.yaml" <<EOF
- {ip: 192.0.2.2, result: closed, tested_at: "$TB", tester: probe-2, transcript: "550 relay denied"}
EOF
loader import "$T/t2.yaml" >/dev/null
loader delist 192.0.2.1 --reason "listee asked, verified by hand" >/dev/null
loader exclude 192.0.2.3 --reason "our own server" >/dev/null
loader unexclude 192.0.2.3 --reason "sold" >/dev/null
loader list 192.0.2.4 --reason "to expire" >/dev/null
ok $? "a day of changes"

# Refused and no-op commands record nothing.
n0=$(nevents)
loader list 192.0.2.4 >/dev/null
loader delist 192.0.2.99 >/dev/null 2>&1
loader retest-request 192.0.2.99 --contact ops@example.net >/dev/null 2>&1
loader import "$T/t1.yaml" >/dev/null
loader exclude 192.0.2.0/8 --reason x >/dev/null 2>&1
is "$(nevents)" "$n0" "a no-op listing, refused commands and a re-import record nothing"

sleep 4
MID=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
loader expire >/dev/null
loader list 192.0.2.5 --reason "after the mark" >/dev/null
ok $? "expire and a listing after a pause"

loader history --json >"$T/h.json"
ok $? "history --json"
is "$(jlist "$T/h.json" history '[(e["prefix"], e["action"]) for e in d]')" \
"[('192.0.2.1', 'listed'), ('192.0.2.1', 'changed'), ('192.0.2.1', 'confirmed'), ('192.0.2.2', 'listed'), ('192.0.2.3', 'tested'), ('192.0.2.2', 'retest-requested'), ('192.0.2.2', 'delisted'), ('192.0.2.2', 'retest-resolved'), ('192.0.2.1', 'delisted'), ('192.0.2.3', 'excluded'), ('192.0.2.3', 'unexcluded'), ('192.0.2.4', 'listed'), ('192.0.2.4', 'expired'), ('192.0.2.5', 'listed')]" \
	"every change, in order"
is "$(jlist "$T/h.json" history '[e["seq"] for e in d] == sorted(e["seq"] for e in d) and len(set(e["seq"] for e in d)) == len(d)')" True \
	"sequence numbers rise"
is "$(jlist "$T/h.json" history 'all(d[i]["time"] <= d[i+1]["time"] for i in range(len(d)-1))')" True \
	"times do not go back"
is "$(jlist "$T/h.json" history "all(e['time'] >= '$START' for e in d)")" True "every change has its time"

# Actors.
is "$(jlist "$T/h.json" history "sorted(set(e['actor'] for e in d))")" \
	"['$ME', 'expiry', 'import:$T/t1.yaml ($ME)', 'import:$T/t2.yaml ($ME)']" \
	"actors: the admin, the importing admin with the file, and expiry"

# Reasons, results and evidence, event by event.
ev() { jlist "$T/h.json" history "[(e['reason'], e['result'], e['tested_at'], e['evidence'], e['details']) for e in d if e['prefix'] == '$1' and e['action'] == '$2'][0]"; }
is "$(ev 192.0.2.1 listed)" "('spam trap hit', None, None, None, None)" "listing: the reason"
is "$(ev 192.0.2.1 changed)" "('multi-hop', None, None, None, None)" "change of code: the reason"
is "$(ev 192.0.2.1 confirmed)" \
	"(None, 'open', '$TA', '220 mx1.test ESMTP\\nRCPT TO:<victim@elsewhere.example>\\n250 Accepted\\n', 'tester=probe-1 helo=mx1.test')" \
	"reconfirmation: result, test time, transcript, tester and HELO"
is "$(ev 192.0.2.2 listed)" "(None, 'open', '$TA', '250 relayed', None)" "listing by a result: its evidence"
is "$(ev 192.0.2.3 tested)" "(None, 'unreachable', '$TA', 'connect: refused', None)" "an unreachable result is recorded"
is "$(ev 192.0.2.2 retest-requested)" "('patched', None, None, None, 'request=#1 contact=ops@example.net')" \
	"retest request: the note and contact"
is "$(ev 192.0.2.2 delisted)" "(None, 'closed', '$TB', '550 relay denied', 'tester=probe-2')" \
	"delisting by a result: its evidence"
is "$(ev 192.0.2.2 retest-resolved)" "('retest: closed, delisted', 'closed', '$TB', None, 'request=#1 contact=ops@example.net')" \
	"the request's outcome"
is "$(ev 192.0.2.1 delisted)" "('listee asked, verified by hand', None, None, None, None)" "delisting by hand: the reason"
is "$(ev 192.0.2.3 excluded)" "('our own server', None, None, None, None)" "exclusion: the reason"
is "$(ev 192.0.2.3 unexcluded)" "('sold', None, None, None, None)" "unexclusion: the reason"
is "$(jlist "$T/h.json" history "[(e['actor'], e['reason'][:25]) for e in d if e['action'] == 'expired'][0]")" \
	"('expiry', 'expired: last confirmed 2')" "expiry: by 'expiry', with the last confirmation"

# history --since.
loader history --since "$MID" --json >"$T/hs.json"
ok $? "history --since MID --json"
is "$(jlist "$T/hs.json" history '[(e["prefix"], e["action"]) for e in d]')" \
	"[('192.0.2.4', 'expired'), ('192.0.2.5', 'listed')]" "--since: only the later changes"
loader history --since "$MID" >"$T/hs.txt"
is "$(wc -l <"$T/hs.txt")" 2 "history --since (text): two lines"
grep -qE "^[0-9T:-]+Z  expired +192\.0\.2\.4 +expiry  reason: expired: last confirmed [0-9T:-]+Z$" "$T/hs.txt"
ok $? "text: time, action, address, actor, reason" || sed 's/^/#   /' "$T/hs.txt"
grep -qE "^[0-9T:-]+Z  listed +192\.0\.2\.5 +$ME  reason: after the mark$" "$T/hs.txt"
ok $? "text: the listing after the mark"
is "$(loader history --since 2999-01-01T00:00:00Z)" "no changes since then" "--since the future: nothing"
loader history --since "$START" --json >"$T/hs.json"
is "$(jlist "$T/hs.json" history 'len(d)')" "$(jlist "$T/h.json" history 'len(d)')" "--since the start: everything"
loader history >"$T/h.txt"
is "$(wc -l <"$T/h.txt")" "$(jlist "$T/h.json" history 'len(d)')" "history (text): one line a change"
grep -qE "confirmed +192\.0\.2\.1 +import:$T/t1.yaml \($ME\)  result=open tested_at=$TA  \(tester=probe-1 helo=mx1.test\)" "$T/h.txt"
ok $? "text: a reconfirmation with its result, test time and tester"
for bad in yesterday 2026-13-01T00:00:00Z ""; do
	loader history --since "$bad" >/dev/null 2>"$T/err"
	is "$?" 2 "--since '$bad': usage error"
done
grep -q "want an RFC 3339 time" "$T/err"; ok $? "and the message says what is wanted"

# show ADDRESS prints the address's history.
loader show 192.0.2.2 >"$T/s.txt"
ok $? "show 192.0.2.2"
is "$(sed -n '/^history:/,$p' "$T/s.txt" | grep -cE '^  [0-9T:-]+Z  ')" 4 "show: four history lines"
grep -qE "^  [0-9T:-]+Z  retest-requested 192\.0\.2\.2  $ME  reason: patched  \(request=#1 contact=ops@example.net\)$" "$T/s.txt"
ok $? "show: the request" || sed 's/^/#   /' "$T/s.txt"
grep -qE "^    evidence: 16 bytes \(see --json\)$" "$T/s.txt"
ok $? "show: the evidence is pointed to"
loader show --json 192.0.2.2 >"$T/s.json"
is "$(jget "$T/s.json" '[e["action"] for e in d["history"]]')" \
	"['listed', 'retest-requested', 'delisted', 'retest-resolved']" "show --json: the whole story of 192.0.2.2"
is "$(jget "$T/s.json" '[e["evidence"] for e in d["history"]]')" \
	"['250 relayed', None, '550 relay denied', None]" "show --json: with the transcripts"

done_testing
