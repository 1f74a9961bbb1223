#!/usr/bin/env bash
# t_store_disk.sh -- a full disk.  The store on a 2 MB tmpfs (this test
# mounts one, and needs root for it): a 200000-address import runs out of
# space and must end with a clear "no space" error and exit 1, not a
# SIGBUS; the store must be as it was (every listing, serial, history),
# readable, and take the same import once the filesystem has room.  dnsbld
# answers throughout.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
if [ "$(id -u)" -ne 0 ] || ! command -v mount >/dev/null; then
	echo "1..0 # SKIP mounting a small tmpfs needs root"; exit 0
fi
mkdir -p "$T/small"
if ! mount -t tmpfs -o size=2m tmpfs "$T/small" 2>"$T/err"; then
	echo "1..0 # SKIP cannot mount a tmpfs here: $(cat "$T/err")"; exit 0
fi
trap 'stop_dnsbld; umount "$T/small" 2>/dev/null; cleanup' EXIT
write_config
sed -i "s|^database: .*|database: $T/small/db|" "$T/dnsbl.yaml"
echo "map_size: 1M" >>"$T/dnsbl.yaml"
loader list 192.0.2.1 198.51.100.0/24 2001:db8::1 --reason before >/dev/null
ok $? "a few listings on the small filesystem"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
digest() { { mdb_dump -a -p "$T/small/db/serve"; mdb_dump -a -p "$T/small/db/meta"; } 2>/dev/null | sha256sum | cut -d' ' -f1; }
d0=$(digest)
s0=$(loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])')
$PY -c "
import random
r = random.Random(3)
for i in range(200000): print('10.%d.%d.%d' % (i >> 16, (i >> 8) & 255, i & 255))" >"$T/ips.txt"

loader import --format lines "$T/ips.txt" >"$T/out" 2>"$T/err"
st=$?
sed 's/^/#   /' "$T/err"
is "$st" 1 "the import fails with exit 1 (not a signal)"
grep -qi "no space left" "$T/err"; ok $? "and says there is no space left"
is "$(digest)" "$d0" "the store is as it was"
is "$(loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])')" "$s0" \
	"stats works, the serial is the same"
check "the listings before are answered" -- dc q $PORT 1.2.0.192.relays.example A --rcode NOERROR --a 127.0.0.2
check "nothing of the import is" -- dc q $PORT 0.0.0.10.relays.example A --rcode NXDOMAIN
loader list 203.0.113.5 >"$T/out" 2>"$T/err"
st=$?
[ "$st" -eq 0 ] || grep -qi "no space left" "$T/err"
ok $? "a small write either fits or fails cleanly too"

mount -o remount,size=256m "$T/small"; ok $? "the filesystem gets room"
check "the same import now completes" -- loader import --format lines "$T/ips.txt"
check "dnsbld answers the last imported address" -- dc q $PORT 63.13.3.10.relays.example A --rcode NOERROR
check "and the first listings still" -- dc q $PORT 1.2.0.192.relays.example A --rcode NOERROR
kill -0 "$DNSBLD_PID"; ok $? "dnsbld ran throughout"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
