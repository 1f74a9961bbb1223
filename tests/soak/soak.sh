#!/usr/bin/env bash
# tests/soak/soak.sh -- dnsbld under steady load for a long while (make soak;
# not part of make test).
#
#   SOAK_SECS=600 QPS=5000 bash tests/soak/soak.sh
#
# A store of 100k listings; dnsbld with its default config (RRL on, the
# test's own address exempt so the load is not limited).  For SOAK_SECS
# seconds at once:
#   - dnsperf at a fixed QPS of A and TXT queries for listed and unlisted
#     names;
#   - driver.py: 100 changes a second (list 50, delist 50) and, after each
#     commit, a check of every changed address and 50 others against its
#     model of the list: 0 wrong answers allowed;
#   - an AXFR every 10 s from an allowed address, which must end with the
#     SOA it began with;
#   - dnsbld's RSS every 10 s.
# Passes when: no wrong or unanswered check, every AXFR whole, dnsperf lost
# under 0.1 % of its queries, RSS after warm-up (the second half of the run
# against the first) grew by under 10 %, and dnsbld logged no error.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
SECS=${SOAK_SECS:-600}
QPS=${QPS:-5000}
SEED=${DNSBL_SEED:-$(date +%s)}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/dnsbl-soak.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
for b in dnsperf kdig; do
	command -v $b >/dev/null || { echo "soak: $b not installed"; exit 1; }
done
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
Z=relays.example
fail=0
say() { echo "soak: $*"; }
bad() { echo "soak: FAIL: $*"; fail=1; }

cat >"$T/dnsbl.yaml" <<YAML
database: $T/db
user: root
pidfile: $T/dnsbld.pid
listen: [127.0.0.1@$PORT]
rrl:
  exempt: [127.0.0.1/32]
zones:
  - name: $Z
    soa: {mname: ns1.$Z, rname: hostmaster.$Z}
    ns: [ns1.$Z]
    transfer:
      allow: [127.0.0.2/32]
YAML
L() { "$ROOT/$BUILD/loader" -c "$T/dnsbl.yaml" "$@"; }
$PY -c '
for i in range(100000): print("10.%d.%d.%d" % (100 + i // 62500, i // 250 % 250, i % 250 + 1))' >"$T/base.txt"
L import --format lines "$T/base.txt" >/dev/null || { echo "soak: import failed"; exit 1; }
"$ROOT/$BUILD/dnsbld" -c "$T/dnsbl.yaml" 2>"$T/dnsbld.log" &
DPID=$!
PIDS+=($DPID)
for i in $(seq 1 100); do
	dig +short +time=1 +tries=1 -p $PORT @127.0.0.1 $Z SOA >/dev/null 2>&1 && break
	sleep 0.1
done
say "seed $SEED, $SECS s, dnsperf at $QPS queries/s, 100 changes/s, an AXFR every 10 s"
say "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"

# dnsperf's queries: listed, unlisted, TXT.
$PY - "$SEED" "$Z" >"$T/queries" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1])); z = sys.argv[2]
for _ in range(100000):
    i = r.randrange(100000)
    a = (100 + i // 62500, i // 250 % 250, i % 250 + 1)
    if r.random() < 0.5:
        print("%d.%d.%d.10.%s A" % (a[2], a[1], a[0], z))
    elif r.random() < 0.8:
        print("%d.%d.%d.11.%s A" % (r.randrange(256), r.randrange(256), r.randrange(256), z))
    else:
        print("%d.%d.%d.10.%s TXT" % (a[2], a[1], a[0], z))
PY
dnsperf -s 127.0.0.1 -p $PORT -d "$T/queries" -l "$SECS" -Q "$QPS" -c 4 -t 5 >"$T/dnsperf.out" 2>&1 &
PIDS+=($!)
PERF=$!

# AXFR every 10 s.
(
	n=0 bad=0
	end=$(( $(date +%s) + SECS ))
	while [ "$(date +%s)" -lt "$end" ]; do
		out=$(kdig -b 127.0.0.2 -p $PORT @127.0.0.1 $Z AXFR +noall +answer 2>&1)
		first=$(echo "$out" | awk '$4 == "SOA" { print $7; exit }')
		last=$(echo "$out" | awk '$4 == "SOA" { s = $7 } END { print s }')
		n=$((n + 1))
		if [ -z "$first" ] || [ "$first" != "$last" ] || [ "$(echo "$out" | grep -c 'SOA')" -lt 2 ]; then
			bad=$((bad + 1))
		fi
		sleep 10
	done
	echo "axfr $n bad $bad" >"$T/axfr.out"
) &
AX=$!
PIDS+=($AX)

$PY "$ROOT/tests/soak/driver.py" "$ROOT/$BUILD/loader" "$T/dnsbl.yaml" $PORT $Z "$SECS" "$SEED" "$T/dnsbld.pid" "$T" >"$T/driver.out" 2>&1
wait $PERF
wait $AX

say "driver: $(tail -n 1 "$T/driver.out")"
grep -E "^(WRONG|no answer|loader)" "$T/driver.out" | head -n 5 | sed 's/^/soak:   /'
read -r _ changes _ checked _ wrong _ unanswered < <(tail -n 1 "$T/driver.out")
[ "${wrong:-x}" = 0 ] && [ "${unanswered:-x}" = 0 ] || bad "wrong or unanswered checks"
[ "${changes:-0}" -ge $((SECS * 90)) ] || bad "only ${changes:-0} changes in $SECS s"
grep -q "^loader" "$T/driver.out" && bad "a loader command failed"
say "$(cat "$T/axfr.out")"
read -r _ nax _ axbad <"$T/axfr.out"
[ "$axbad" = 0 ] && [ "$nax" -ge 1 ] || bad "an AXFR was not whole"
sent=$(awk '/Queries sent:/ { print $3 }' "$T/dnsperf.out")
lost=$(awk '/Queries lost:/ { print $3 }' "$T/dnsperf.out")
qps=$(awk '/Queries per second:/ { print $4 }' "$T/dnsperf.out")
say "dnsperf: $sent sent, $lost lost, $qps queries/s"
[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ $((lost * 1000)) -le "$sent" ] || bad "dnsperf lost over 0.1 %"
# RSS: the mean of the second half against the first half's after a
# warm-up of a fifth of the run.
say "RSS (s KiB): $(tr '\n' ' ' <"$T/rss")"
read -r r1 r2 < <(awk -v s="$SECS" '{ if ($1 >= s / 5 && $1 < s / 2) { a += $2; na++ } else if ($1 >= s / 2) { b += $2; nb++ } }
	END { printf "%d %d\n", na ? a / na : 0, nb ? b / nb : 0 }' "$T/rss")
say "RSS after warm-up: $r1 KiB, then $r2 KiB"
[ "$r1" -gt 0 ] && [ $((r2 * 100)) -le $((r1 * 110)) ] || bad "RSS grew by 10 % or more"
kill -TERM $DPID; wait $DPID; st=$?
[ $st -eq 0 ] || bad "dnsbld exited $st"
if grep -Eiv "^dnsbld: (serving|running as root|rrl:|access:|reloaded|exiting|AXFR $Z serial [0-9]+ to 127.0.0.2:|IXFR )" "$T/dnsbld.log" | grep -q .; then
	grep -Eiv "^dnsbld: (serving|running as root|rrl:|access:|reloaded|exiting|AXFR $Z serial [0-9]+ to 127.0.0.2:|IXFR )" "$T/dnsbld.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/soak:   log: /'
	bad "dnsbld logged something other than transfers and start-up"
fi
if [ $fail -eq 0 ]; then say "PASS"; else say "FAILED"; fi
exit $fail
