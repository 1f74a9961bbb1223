#!/usr/bin/env bash
# t_loader_import.sh -- loader import in both formats: open lists and
# reconfirms, closed delists, unreachable is only recorded, older results
# are stale, a second import of the same file writes nothing, the --json
# summary, the transcript as history evidence, stdin, and the format chosen
# by the file name.
source "$(dirname "$0")/lib.sh"

write_config
jget() { $PY - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)
PY
}
show() { loader show --json "$1" >"$T/show.json"; }
serial() { loader stats --json >"$T/stats.json" && jget "$T/stats.json" 'd["zones"][0]["serial"]'; }
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
T0=$(ago 400000) T1=$(ago 300000) T1b=$(ago 250000) T2=$(ago 200000) T3=$(ago 100000)

# ---- yaml ----
cat >"$T/transcript.txt" <<'TX'
220 mx.test ESMTP
MAIL FROM:<probe@relays.example>
250 OK
RCPT TO:<victim@elsewhere.example>
250 Accepted
TX
{
	echo "# relay tests, first run"
	echo "- ip: 192.0.2.10"
	echo "  result: open"
	echo "  tested_at: $T1"
	echo "  tester: probe-7"
	echo "  helo: mx.test"
	echo "  transcript: |"
	sed 's/^/    /' "$T/transcript.txt"
	echo "- {ip: 192.0.2.11, result: unreachable, tested_at: \"$T1\"}"
	echo "- ip: 2001:db8::10"
	echo "  result: open"
	echo "  tested_at: $T1"
	echo "- ip: 192.0.2.12"
	echo "  result: closed"
	echo "  tested_at: $T1"
	echo "- ip: 192.0.2.13"
	echo "  result: open"
	echo "  tested_at: $T1"
} >"$T/run1.yaml"

s0=1	# a new zone starts at serial 1 (and there is no database yet)
loader import --json "$T/run1.yaml" >"$T/imp.json"
ok $? "import run1.yaml"
is "$(jget "$T/imp.json" '(d["records"], d["listed"], d["recorded"], d["stale"], d["delisted"], d["confirmed"])')" \
	"(5, 3, 2, 0, 0, 0)" "summary: 5 records, 3 listed, 2 recorded"
is "$(jget "$T/imp.json" 'd["serial"]')" $((s0 + 1)) "summary serial: one bump for the file"
is "$(serial)" $((s0 + 1)) "the store's serial bumped once"

show 192.0.2.10
is "$(jget "$T/show.json" '(d["listed"], d["listed_by"])')" "(True, '192.0.2.10')" "open lists 192.0.2.10"
is "$(jget "$T/show.json" '(d["entry"]["last_result"], d["entry"]["last_tested"], d["entry"]["last_confirmed"])')" \
	"('open', '$T1', '$T1')" "entry: last result open, tested and confirmed at tested_at"
is "$(jget "$T/show.json" '[(e["action"], e["result"], e["tested_at"]) for e in d["history"]]')" \
	"[('listed', 'open', '$T1')]" "history: listed by an open result at tested_at"
is "$(jget "$T/show.json" 'd["history"][0]["evidence"] == open(sys.argv[1].replace("show.json", "transcript.txt")).read()')" \
	True "history evidence is the transcript, byte for byte"
is "$(jget "$T/show.json" '"tester=probe-7" in d["history"][0]["details"] and "helo=mx.test" in d["history"][0]["details"]')" \
	True "history details carry tester and helo"
is "$(jget "$T/show.json" 'd["history"][0]["actor"].startswith("import:") and "run1.yaml" in d["history"][0]["actor"]')" \
	True "history actor names the import file"
show 192.0.2.11
is "$(jget "$T/show.json" '(d["listed"], [(e["action"], e["result"]) for e in d["history"]])')" \
	"(False, [('tested', 'unreachable')])" "unreachable: not listed, but in the history"
show 192.0.2.12
is "$(jget "$T/show.json" '(d["listed"], d["entry"]["last_result"])')" "(False, 'closed')" "closed on an unlisted address: recorded only"
show 2001:db8::10
is "$(jget "$T/show.json" '(d["listed"], d["listed_by"])')" "(True, '2001:db8::10')" "IPv6 open result listed"

# ---- the same file again ----
d1=$(db_digest); s1=$(serial)
loader import --json "$T/run1.yaml" >"$T/imp.json"
ok $? "import run1.yaml again"
is "$(jget "$T/imp.json" '(d["records"], d["stale"], d["listed"], d["recorded"])')" "(5, 5, 0, 0)" "second import: every record stale"
is "$(db_digest)" "$d1" "second import writes nothing"
is "$(serial)" "$s1" "second import keeps the serial"

# ---- lines ----
cat >"$T/run2.txt" <<LINES
# second run, lines format
192.0.2.10 open $T2
192.0.2.13	closed	$T2     # tabs and a trailing comment

192.0.2.11 unreachable $T2
192.0.2.12 open $T0
2001:db8::10 closed $T0
LINES
loader import --json "$T/run2.txt" >"$T/imp.json"
ok $? "import run2.txt (lines)"
is "$(jget "$T/imp.json" '(d["records"], d["confirmed"], d["delisted"], d["recorded"], d["stale"], d["listed"])')" \
	"(5, 1, 1, 1, 2, 0)" "summary: 1 confirmed, 1 delisted, 1 recorded, 2 stale"
is "$(serial)" $((s1 + 1)) "serial +1 for the delisting"
show 192.0.2.10
is "$(jget "$T/show.json" '(d["listed"], d["entry"]["last_confirmed"])')" "(True, '$T2')" "open reconfirms: last_confirmed moves to T2"
is "$(jget "$T/show.json" '[e["action"] for e in d["history"]]')" "['listed', 'confirmed']" "history: listed, confirmed"
show 192.0.2.13
is "$(jget "$T/show.json" '(d["listed"], [e["action"] for e in d["history"]])')" "(False, ['listed', 'delisted'])" "closed delists a listed address"
show 192.0.2.11
is "$(jget "$T/show.json" '[(e["action"], e["result"], e["tested_at"]) for e in d["history"]]')" \
	"[('tested', 'unreachable', '$T1'), ('tested', 'unreachable', '$T2')]" "both unreachable results recorded"
show 192.0.2.12
is "$(jget "$T/show.json" '(d["listed"], d["entry"]["last_result"], d["entry"]["last_tested"])')" "(False, 'closed', '$T1')" \
	"an open result older than the stored closed one does not list"
show 2001:db8::10
is "$(jget "$T/show.json" '(d["listed"], [(e["action"], e["result"]) for e in d["history"]])')" \
	"(True, [('listed', 'open')])" \
	"an older closed result does not delist, nor add to the history (a newer test is there)"

# An older open result does not relist a newer closed one.
printf '192.0.2.13 open %s\n' "$T1b" >"$T/older.txt"
d2=$(db_digest)
loader import --json "$T/older.txt" >"$T/imp.json"
is "$(jget "$T/imp.json" 'd["stale"]')" 1 "open at T1b < T2 (closed) is stale"
is "$(db_digest)" "$d2" "a result older than the last test writes nothing"
loader import --json "$T/older.txt" >"$T/imp.json"
is "$(db_digest)" "$d2" "the same stale result again writes nothing"
show 192.0.2.13
is "$(jget "$T/show.json" 'd["listed"]')" False "192.0.2.13 stays delisted"

# unreachable on a listed address: recorded, listing and serial unchanged.
s3=$(serial)
printf '192.0.2.10 unreachable %s\n' "$T3" >"$T/unr.txt"
loader import --json "$T/unr.txt" >"$T/imp.json"
is "$(jget "$T/imp.json" 'd["recorded"]')" 1 "unreachable on a listed address: recorded"
show 192.0.2.10
is "$(jget "$T/show.json" '(d["listed"], d["history"][-1]["action"], d["history"][-1]["result"])')" "(True, 'tested', 'unreachable')" \
	"still listed, unreachable in the history"
is "$(serial)" "$s3" "unreachable changes no listing: serial kept"

# A bare address: open, now.
before=$(date -u +%s)
printf '192.0.2.14\n' >"$T/bare.txt"
loader import --json "$T/bare.txt" >"$T/imp.json"
after=$(date -u +%s)
is "$(jget "$T/imp.json" 'd["listed"]')" 1 "a bare address is an open result"
show 192.0.2.14
is "$(jget "$T/show.json" 'd["listed"]')" True "192.0.2.14 listed"
t=$(date -u -d "$(jget "$T/show.json" 'd["entry"]["last_tested"]')" +%s)
[ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
ok $? "a bare address is tested now ($before <= $t <= $after)"

# ---- stdin ----
printf '198.51.100.20 open %s\n198.51.100.21\n' "$T2" | loader import --json - >"$T/imp.json"
ok $? "import - reads stdin"
is "$(jget "$T/imp.json" '(d["records"], d["listed"])')" "(2, 2)" "two records from stdin"
show 198.51.100.20
is "$(jget "$T/show.json" '(d["listed"], "(stdin)" in d["history"][0]["actor"])')" "(True, True)" "listed from stdin; actor says (stdin)"
printf -- '- ip: 198.51.100.22\n  result: open\n  tested_at: %s\n' "$T2" | loader import --format yaml --json - >"$T/imp.json"
is "$(jget "$T/imp.json" 'd["listed"]')" 1 "import --format yaml - reads yaml from stdin"

# ---- format from the file name ----
printf -- '- ip: 198.51.100.30\n  result: open\n  tested_at: %s\n' "$T2" >"$T/auto.yml"
cp "$T/auto.yml" "$T/auto.txt"
loader import --json "$T/auto.yml" >"$T/imp.json"
is "$(jget "$T/imp.json" 'd["listed"]')" 1 ".yml is read as yaml"
d4=$(db_digest)
loader import "$T/auto.txt" >/dev/null 2>&1
isnt=$?; [ $isnt -ne 0 ]; ok $? "the same yaml in a .txt file is read as lines (and refused)"
is "$(db_digest)" "$d4" "and nothing is written"
printf -- '- ip: 198.51.100.31\n  result: open\n  tested_at: %s\n' "$T2" >"$T/auto2.txt"
loader import --format yaml --json "$T/auto2.txt" >"$T/imp.json"
is "$(jget "$T/imp.json" 'd["listed"]')" 1 "--format yaml overrides the name"
printf '198.51.100.32 open %s\n' "$T2" >"$T/lines.yaml"
loader import --format lines --json "$T/lines.yaml" >"$T/imp.json"
is "$(jget "$T/imp.json" 'd["listed"]')" 1 "--format lines overrides .yaml"
loader import --format csv "$T/bare.txt" >/dev/null 2>&1
is $? 2 "an unknown --format is a usage error"

done_testing
