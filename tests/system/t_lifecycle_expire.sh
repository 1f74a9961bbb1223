#!/usr/bin/env bash
# t_lifecycle_expire.sh -- expiry: expire_after delists listings neither
# confirmed nor listed within it, and keeps reconfirmed ones; --dry-run
# shows the same and writes nothing; expire_after 0 turns it off; the
# relist penalty (relist_window, relist_penalty) holds an address listed
# again soon after its removal: no retest request and no expiry before the
# hold ends, but a closed result still delists it at once; a relisting
# outside the window is not held.  The documented timer runs expire.
source "$(dirname "$0")/lib.sh"
nok() { local st=$1; shift; [ "$st" -ne 0 ]; ok $? "$@"; }	# nok STATUS NAME: passes when STATUS is not 0

jget() { $PY - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)
PY
}
listed() { loader show --json "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["listed"])'; }
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }

# ---------------------------------------------------------------------
# The timer is documented and runs "loader expire".
grep -qE '^ExecStart=.*loader .*expire$' "$ROOT/dist/systemd/dnsbl-expire.service.in"
ok $? "dnsbl-expire.service runs loader expire"
grep -qE '^OnCalendar=' "$ROOT/dist/systemd/dnsbl-expire.timer" &&
	grep -qE '^\[Install\]' "$ROOT/dist/systemd/dnsbl-expire.timer"
ok $? "dnsbl-expire.timer is a daily timer"
grep -q 'dnsbl-expire.timer' "$ROOT/docs/dnsbl-loader.8"; ok $? "dnsbl-loader(8) documents the timer"

# ---------------------------------------------------------------------
# expire_after 15s (room for a slow machine before the first expiry, which
# must find nothing): 192.0.2.1-3 listed by hand, .4 by an import; after the
# wait, .2 is reconfirmed by an open result and .3 listed again after a
# delisting long ago (no penalty: relist_penalty 0).
write_config "    expire_after: 15s
    relist_penalty: 0"
loader list 192.0.2.1 192.0.2.2 2001:db8::1 198.51.100.0/24 >/dev/null
echo "192.0.2.4 open $(ago 1)" | loader import - >/dev/null
ok $? "list 192.0.2.1, .2, 2001:db8::1, 198.51.100.0/24; import .4 tested 1 s ago"
# Evidence already older than expire_after does not list: it is stale.
echo "192.0.2.5 open $(ago 100)" | loader import --json - >"$T/old.json"
is "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["listed"], d["stale"])' "$T/old.json")" "0 1" \
	"an open result tested 100 s ago, expire_after 15s: stale, not listed"
is "$(listed 192.0.2.5)" False "192.0.2.5 is not listed"
loader show --json 192.0.2.5 | $PY -c 'import json,sys
h = json.load(sys.stdin)["history"]
sys.exit(0 if len(h) == 1 and h[0]["action"] == "tested" and h[0]["reason"].startswith("stale: older than expire_after") else 1)'
ok $? "and it is in the history as stale, with why"
d0=$(db_digest)
loader expire --dry-run >"$T/dry.out"
ok $? "expire --dry-run at once"
is "$(cat "$T/dry.out")" "relays.example: 0 listings would expire (dry run: nothing changed)" \
	"nothing expires within expire_after"
is "$(db_digest)" "$d0" "the dry run wrote nothing"
loader expire >"$T/exp.out"
is "$(cat "$T/exp.out")" "relays.example: 0 listings expired" "expire at once: nothing"
is "$(db_digest)" "$d0" "an expiry with nothing to do writes nothing"

sleep 16
# Dated two minutes ahead (the importer allows five), so that however slow
# the steps below, 192.0.2.2 cannot fall out of the 15 s window.
echo "192.0.2.2 open $(date -u -d '2 minutes' +%Y-%m-%dT%H:%M:%SZ)" | loader import - >/dev/null
ok $? "reconfirm 192.0.2.2 by an open result"
d0=$(db_digest)
loader expire --dry-run >"$T/dry.out"
ok $? "expire --dry-run after expire_after"
is "$(grep -c '^would expire ' "$T/dry.out")" 4 "four would expire"
for p in 192.0.2.1 192.0.2.4 2001:db8::1 198.51.100.0/24; do
	grep -qE "^would expire $p \\(last confirmed [0-9T:-]+Z\\)$" "$T/dry.out"
	ok $? "dry run names $p with its last confirmation"
done
grep -q "192.0.2.2" "$T/dry.out"; nok $? "the reconfirmed 192.0.2.2 would not expire"
is "$(tail -n 1 "$T/dry.out")" "relays.example: 4 listings would expire (dry run: nothing changed)" \
	"the dry run's summary"
is "$(db_digest)" "$d0" "--dry-run changes nothing"
is "$(listed 192.0.2.1)" True "192.0.2.1 is still listed after the dry run"
loader expire --dry-run --json >"$T/dry.json"
is "$(jget "$T/dry.json" '(d["dry_run"], d["count"], sorted(e["prefix"] for e in d["expired"]))')" \
	"(True, 4, ['192.0.2.1', '192.0.2.4', '198.51.100.0/24', '2001:db8::1'])" "--dry-run --json"
is "$(db_digest)" "$d0" "--dry-run --json changes nothing"

loader expire --json >"$T/exp.json"
ok $? "expire"
is "$(jget "$T/exp.json" '(d["dry_run"], d["count"], sorted(e["prefix"] for e in d["expired"]))')" \
	"(False, 4, ['192.0.2.1', '192.0.2.4', '198.51.100.0/24', '2001:db8::1'])" "expire --json names the four"
for p in 192.0.2.1 192.0.2.4 2001:db8::1 198.51.100.7; do
	is "$(listed $p)" False "$p is delisted"
done
is "$(listed 192.0.2.2)" True "the reconfirmed 192.0.2.2 stays listed"
loader show --json 192.0.2.1 >"$T/show.json"
is "$(jget "$T/show.json" '[(e["action"], e["actor"], (e["reason"] or "").startswith("expired: last confirmed ")) for e in d["history"]][-1]')" \
	"('expired', 'expiry', True)" "the expiry is in the history, by 'expiry', with the reason"
d0=$(db_digest)
is "$(loader expire)" "relays.example: 0 listings expired" "a second expire has nothing left to do"
is "$(db_digest)" "$d0" "and writes nothing"

# expire_after 0: never.
write_config "    expire_after: 0"
loader list 192.0.2.9 >/dev/null
sleep 1
d0=$(db_digest)
is "$(loader expire)" "relays.example: 0 listings expired" "expire_after 0: nothing expires"
is "$(db_digest)" "$d0" "expire_after 0: nothing written"

# ---------------------------------------------------------------------
# The relist penalty: relisted within relist_window (1m) of the removal,
# held for relist_penalty (15s: room for a slow machine) with expire_after 1s.
write_config "    expire_after: 1s
    relist_window: 1m
    relist_penalty: 15s
    retest_min_interval: 0"
rm -rf "$T/db"
loader list 192.0.2.10 192.0.2.11 192.0.2.12 >/dev/null
loader delist 192.0.2.10 192.0.2.12 >/dev/null
loader list 192.0.2.10 >/dev/null
echo "192.0.2.12 open" | loader import - >/dev/null
ok $? "192.0.2.10 listed again by hand, .12 by an open result, soon after their removal"
d0=$(db_digest)
loader retest-request 192.0.2.10 --contact a@example.net >/dev/null 2>"$T/err"
nok $? "a retest request for the held 192.0.2.10 is refused"
grep -qE '192.0.2.10 was listed again soon after its last removal: a retest can be requested from [0-9T:-]+Z \(relist penalty\)' "$T/err"
ok $? "the message names the relist penalty and the time" || sed 's/^/#   /' "$T/err"
is "$(db_digest)" "$d0" "the refused request wrote nothing"
loader retest-request 192.0.2.11 --contact a@example.net >/dev/null
ok $? "192.0.2.11, not relisted, may be retested"
sleep 2
loader expire >"$T/exp.out"
is "$(grep '^expired' "$T/exp.out" | cut -d' ' -f2 | sort | tr '\n' ' ')" "192.0.2.11 " \
	"after expire_after, only 192.0.2.11 expires: the relisted are held"
is "$(listed 192.0.2.10) $(listed 192.0.2.12)" "True True" "192.0.2.10 and .12 stay listed"
# A test that finds it closed still delists it at once.
echo "192.0.2.12 closed" | loader import - >/dev/null
is "$(listed 192.0.2.12)" False "a closed result delists the held 192.0.2.12 at once"
sleep 14
loader expire >"$T/exp.out"
is "$(grep '^expired' "$T/exp.out" | cut -d' ' -f2)" "192.0.2.10" "once the hold is over, 192.0.2.10 expires"
loader list 192.0.2.20 >/dev/null
loader retest-request 192.0.2.20 --contact a@example.net >/dev/null
ok $? "a first listing is not held: retest request accepted"

# Relisted outside relist_window: not held.
write_config "    expire_after: 1h
    relist_window: 10s
    relist_penalty: 1h
    retest_min_interval: 0"
loader list 192.0.2.30 192.0.2.31 >/dev/null
loader delist 192.0.2.30 192.0.2.31 >/dev/null
loader list 192.0.2.31 >/dev/null
sleep 12
loader list 192.0.2.30 >/dev/null
loader retest-request 192.0.2.30 --contact a@example.net >/dev/null
ok $? "relisted 12 s after removal, relist_window 10s: not held"
loader retest-request 192.0.2.31 --contact a@example.net >/dev/null 2>&1
nok $? "relisted at once, relist_window 10s: held"

done_testing
