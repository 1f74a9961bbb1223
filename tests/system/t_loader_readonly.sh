#!/usr/bin/env bash
# t_loader_readonly.sh -- read-only commands open the store read-only.
# show, history, stats, export and retests (without --run) change no byte
# of any data file, take no writer lock (they run while a writer holds the
# lock), and work for a user who may only read the database: read on
# data.mdb, write on lock.mdb (LMDB's reader table), the permission model
# loader(8) documents.  The same user's write commands fail cleanly.
source "$(dirname "$0")/lib.sh"
write_config
loader list 192.0.2.1 198.51.100.0/24 2001:db8::1 --reason "read me" >/dev/null &&
loader retest-request 192.0.2.1 --contact ops@example.net >/dev/null
ok $? "a store with listings and a retest request"
files() { find "$T/db" -name data.mdb -exec sha256sum {} + | sort; }
f0=$(files)
ro() {	# the read-only commands, their output in ${T2:-$T}/ro.$1
	local o=${T2:-$T}/ro.$1
	loader show 192.0.2.1 >"$o" &&
	loader history >>"$o" &&
	loader stats --json | $PY -c 'import json,sys; d=json.load(sys.stdin); del d["file_bytes"], d["map_bytes"]; print(d)' >>"$o" &&
	loader export --format zone >>"$o" &&
	loader export --format lines -o /dev/stdout >>"$o" &&
	loader retests >>"$o"
}
ro root; ok $? "show, history, stats, export, retests"
is "$(files)" "$f0" "no byte of a data file changed"

# While a writer holds the writer lock (a 1M-line import inside its
# transaction), a reader neither waits for it nor takes it.
$PY -c "
for i in range(1000000): print('10.%d.%d.%d' % (i >> 16, (i >> 8) & 255, i & 255))" >"$T/big.txt"
sed "s|^database: .*|database: $T/db2|" "$T/dnsbl.yaml" >"$T/db2.yaml"
"$LOADER" -c "$T/db2.yaml" list 192.0.2.1 >/dev/null
"$LOADER" -c "$T/db2.yaml" import --format lines "$T/big.txt" >/dev/null 2>&1 &
ipid=$!
# Not a fixed sleep: the import holds the lock only in its transaction,
# after reading the file, and 1M lines take under 2 s on a fast machine.
# It holds it once a writer (a no-op list) still waits after 0.5 s.
held=1
while kill -0 $ipid 2>/dev/null; do
	timeout 0.5 "$LOADER" -c "$T/db2.yaml" list 192.0.2.1 >/dev/null 2>&1
	[ $? -eq 124 ] && { held=0; break; }
	sleep 0.05
done
ok $held "the import holds the writer lock (a writer waits for it)"
"$LOADER" -c "$T/db2.yaml" stats >/dev/null; st=$?
kill -0 $ipid 2>/dev/null; running=$?
wait $ipid
ok $st "stats during a large import"
is "$running" 0 "and it finished while the import still held the writer lock"
f0=$(files)
# A user who may only read: group read on data.mdb, group write on lock.mdb.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	grp=$(id -gn nobody)
	chgrp -R "$grp" "$T/db"
	find "$T/db" -type d -exec chmod 750 {} +
	find "$T/db" -name data.mdb -exec chmod 640 {} +
	find "$T/db" -name lock.mdb -exec chmod 660 {} +
	chmod 755 "$T"; chmod 644 "$T/dnsbl.yaml"
	asnobody() { setpriv --reuid=nobody --regid="$grp" --clear-groups "$@"; }
	f0=$(files)
	out=$(mktemp -d /tmp/dnsbl-ro.XXXXXX); chmod 777 "$out"
	asnobody bash -c "$(declare -f ro loader); LOADER='$LOADER' T='$T' PY='$PY'; T2='$out'; ro nobody" 2>"$T/err"
	st=$?
	ok $st "the read-only commands work for a user with read access"
	[ $st -eq 0 ] || sed 's/^/#   /' "$T/err"
	ro root
	cmp -s "$T/ro.root" "$out/ro.nobody"; ok $? "and print what root's print"
	rm -rf "$out"
	is "$(files)" "$f0" "no byte of a data file changed"
	asnobody "$LOADER" -c "$T/dnsbl.yaml" list 203.0.113.1 >/dev/null 2>"$T/err"
	st=$?
	[ $st -eq 1 ] && grep -qi "permission denied" "$T/err"; ok $? "a write by that user: refused, permission denied (exit $st)"
	is "$(files)" "$f0" "and nothing written"
	asnobody "$LOADER" -c "$T/dnsbl.yaml" retests --run >/dev/null 2>"$T/err"
	[ $? -eq 1 ]; ok $? "retests --run needs write access"
else
	ok 0 "# SKIP the read-only user part needs root and a nobody user"
fi
done_testing
