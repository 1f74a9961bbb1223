#!/usr/bin/env bash
# tests/bench/axfr.sh -- a full AXFR of a 1M-entry zone from dnsbld.
#
# Imports N random IPv4 hosts (as tests/bench/import.sh), starts dnsbld,
# and times whole transfers received by a small client that reads every
# message to the end of the connection and counts messages and bytes
# (kdig and dig spend far more time printing than dnsbld sending).  Then
# kdig +noall for a count of records, and dnsbld's RSS before and after.
# It prints figures only: a timing never passes or fails.
#   N=1000000 RUNS=3 bash tests/bench/axfr.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${N:-1000000}
RUNS=${RUNS:-3}
ROOT=$PWD
. tests/bench/lib.sh
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null && wait $DPID 2>/dev/null; rm -rf "$T"' EXIT
P=$(bench_ports 1)

bench_ips "$N" "$T/ips.txt"
bench_yaml "$T/dnsbl.yaml" "$T/db" "127.0.0.1@$P"
bench_import "$T/dnsbl.yaml" "$T/ips.txt" || exit 1
"$BUILD/dnsbld" -c "$T/dnsbl.yaml" 2>"$T/dnsbld.log" &
DPID=$!
for i in $(seq 1 100); do
	dig +time=1 +tries=1 -p $P @127.0.0.1 relays.example SOA +short 2>/dev/null | grep -q . && break
	sleep 0.1
done
rss() { awk '/^VmRSS/{print $2}' /proc/$DPID/status; }
echo "dnsbld RSS before: $(rss) kB"

# The client: one AXFR, every message read; prints seconds, messages, bytes.
cat >"$T/client.py" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
q = bytearray(b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00")
for l in b"relays.example".split(b"."):
    q += bytes([len(l)]) + l
q += b"\x00\x00\xfc\x00\x01"
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(struct.pack("!H", len(q)) + q)
f = s.makefile("rb", buffering=1 << 20)
msgs = total = 0
while True:
    h = f.read(2)
    if len(h) < 2:
        break
    n = struct.unpack("!H", h)[0]
    body = f.read(n)
    msgs += 1
    total += n
print("%.3f %d %d" % (time.monotonic() - t0, msgs, total))
PY
best=
for r in $(seq 1 "$RUNS"); do
	set -- $($PY "$T/client.py" $P)
	printf 'AXFR of %d entries, run %d: %.2f s, %d messages, %.1f MB\n' "$N" "$r" "$1" "$2" "$(echo "$3 / 1000000" | bc -l)"
	if [ -z "$best" ] || [ "$(echo "$1 < $best" | bc)" = 1 ]; then best=$1; fi
done
grep "AXFR relays.example" "$T/dnsbld.log" | tail -n 1 | sed 's/^/dnsbld log: /'
echo "best: $best s"
s=$(date +%s.%N)
recs=$(kdig -p $P @127.0.0.1 relays.example AXFR +noall +stats 2>/dev/null | sed -n 's/.*(\([0-9]*\) messages, \([0-9]*\) records).*/\2 records in \1 messages/p')
printf 'kdig +noall: %s, %.2f s\n' "$recs" "$(echo "$(date +%s.%N) - $s" | bc)"
echo "dnsbld RSS after: $(rss) kB"
