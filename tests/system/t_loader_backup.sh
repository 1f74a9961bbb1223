#!/usr/bin/env bash
# t_loader_backup.sh -- backup and restore.  A backup taken while dnsbld
# answers and an import writes is one consistent commit with a manifest;
# restore refuses a damaged, cut short or foreign backup, and one older
# than the live history unless --force; a restore puts every listing,
# entry and event of the backup back, raises the serial past the live one
# (so mirrors take the whole zone), keeps the replaced database, and dnsbld
# picks it up by itself.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example
write_config
loader list 192.0.2.1 198.51.100.0/24 2001:db8::1 --reason "in the backup" >/dev/null &&
loader retest-request 192.0.2.1 --contact ops@example.net >/dev/null
ok $? "a store with listings, history and a retest request"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
serial() { X serial $PORT $Z; }

# A backup while an import writes and dnsbld answers.
$PY -c "
for i in range(200000): print('10.%d.%d.%d' % (i >> 16, (i >> 8) & 255, i & 255))" >"$T/big.txt"
loader import --format lines "$T/big.txt" >/dev/null &
ipid=$!
sleep 0.3
loader backup --json "$T/bk" >"$T/bk.json" 2>"$T/err"; st=$?
wait $ipid
ok $st "backup during an import"
[ $st -eq 0 ] || sed 's/^/#   /' "$T/err"
[ -f "$T/bk/MANIFEST" ] && head -1 "$T/bk/MANIFEST" | grep -qx "dnsbl-backup 1"
ok $? "the backup has a manifest"
grep -q "^zone $Z serial [0-9]* entries [0-9]* listed [0-9]*$" "$T/bk/MANIFEST"; ok $? "with the zone's serial and counts"
n=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["zones"][0]["entries"])' "$T/bk.json")
[ "$n" -eq 3 ] || [ "$n" -eq 200003 ]; ok $? "one commit: the import all or nothing ($n entries)"
sed 's/^/# /' "$T/bk/MANIFEST"

# Changes after the backup, then the restore.
loader list 203.0.113.9 --reason "after the backup" >/dev/null
loader delist 192.0.2.1 --reason "after the backup" >/dev/null
s_live=$(serial)
loader restore "$T/bk" >"$T/out" 2>"$T/err"
is $? 1 "restore over newer history: refused without --force"
grep -q "history events newer than the backup.*would be lost.*--force" "$T/err"; ok $? "and says what would be lost"
d0=$(db_digest)

# Damaged, cut short, foreign.
cp -r "$T/bk" "$T/bad1"; printf 'x' | dd of="$T/bad1/meta/data.mdb" bs=1 seek=5000 conv=notrunc 2>/dev/null
loader restore --force "$T/bad1" >/dev/null 2>"$T/err"
is $? 1 "a backup with a changed byte: refused"
grep -q "does not match the manifest: a damaged backup" "$T/err"; ok $? "and says it is damaged"
cp -r "$T/bk" "$T/bad2"; head -n 4 "$T/bk/MANIFEST" >"$T/bad2/MANIFEST"
loader restore --force "$T/bad2" >/dev/null 2>"$T/err"
is $? 1 "a manifest cut short: refused"
grep -q "damaged or cut short manifest" "$T/err"; ok $? "and says so"
mkdir "$T/bad3"
loader restore --force "$T/bad3" >/dev/null 2>"$T/err"
is $? 1 "a directory without a manifest: refused"
sed "s/^  - name: $Z\$/  - name: other.example/" "$T/dnsbl.yaml" >"$T/other.yaml"
"$LOADER" -c "$T/other.yaml" restore --force "$T/bk" >/dev/null 2>"$T/err"
is $? 1 "a backup of other zones: refused"
grep -q "has no zone other.example" "$T/err"; ok $? "and says which zone is missing"
is "$(db_digest)" "$d0" "no refused restore changed the live store"

loader restore --force "$T/bk" >"$T/out" 2>"$T/err"; st=$?
ok $st "restore --force"
sed 's/^/# /' "$T/out" "$T/err"
ls -d "$T"/db.replaced-* >/dev/null 2>&1; ok $? "the replaced database is kept"
for i in $(seq 1 50); do
	dig +short -p $PORT @127.0.0.1 9.113.0.203.$Z A | grep -q . || break
	sleep 0.2
done
check "dnsbld answers the restored store: a later listing is gone" -- dc q $PORT 9.113.0.203.$Z A --rcode NXDOMAIN
check "a later delisting is undone" -- dc q $PORT 1.2.0.192.$Z A --rcode NOERROR --a 127.0.0.2
s_new=$(serial)
[ "$s_new" -gt "$s_live" ]; ok $? "the serial moved past the live one ($s_live -> $s_new): mirrors take the whole zone"
grep -q "was replaced (a restore); reopening" "$T/dnsbld.log"; ok $? "dnsbld logged the reopening"
loader show 192.0.2.1 --json | $PY -c 'import json,sys
d = json.load(sys.stdin)
sys.exit(0 if d["listed"] and [e["action"] for e in d["history"]][:2] == ["listed", "retest-requested"] else 1)'
ok $? "the history is the backup's"
check "the restored store takes writes" -- loader list 203.0.113.10
check "and dnsbld answers them" -- dc q $PORT 10.113.0.203.$Z A --rcode NOERROR
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
