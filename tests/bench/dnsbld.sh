#!/usr/bin/env bash
# tests/bench/dnsbld.sh -- dnsbld against Debian's rbldnsd, side by side in
# one run, on the same 1M-entry list and the same dnsperf query mix (45%
# listed A, 45% unlisted A, 10% listed TXT, from ../shared/bench/gen.py).
#
# For each server: its capacity per core (capped.sh: a cgroup cap at 40% of
# core 0, dnsperf on core 1), then its CPU microseconds per query at a fixed
# offered load (dnsperf-pair.sh), and dnsbld's RSS.  The last line is the
# ratio.  It prints figures only: a timing never passes or fails.
#   N=1000000 Q=200000 SECS=10 bash tests/bench/dnsbld.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
N=${N:-1000000}
Q=${Q:-200000}
SECS=${SECS:-10}
SHARED=${SHARED:-$ROOT/../shared/bench}
PY=/usr/bin/python3
for f in gen.py capped.sh dnsperf-pair.sh; do
	[ -f "$SHARED/$f" ] || { echo "bench dnsbld: no $SHARED/$f; skipped"; exit 0; }
done
for b in dnsperf rbldnsd taskset; do
	command -v $b >/dev/null || [ -x /usr/sbin/$b ] ||
	    { echo "bench dnsbld: $b not installed; skipped"; exit 0; }
done
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ports=($($PY - <<'PY'
import socket, random
out = []
while len(out) < 3:
    p = random.randint(20000, 60000)
    try:
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, typ); s.bind(("127.0.0.1", p)); s.close()
        if p not in out: out.append(p)
    except OSError:
        pass
print(*out)
PY
))
P1=${ports[0]} P2=${ports[1]} P3=${ports[2]}

echo "generating $N entries and $Q queries"
$PY "$SHARED/gen.py" "$N" "$Q" "$T/gen" >/dev/null || { echo "gen.py failed"; exit 1; }
cat >"$T/dnsbl.yaml" <<YAML
database: $T/db
# The tests run as root in a private directory: stay root.
user: root
listen: [127.0.0.1@$P1]
workers: 1
zones:
  - name: relays.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    a: 127.0.0.2
    txt: "Open relay \$ see http://www.relays.example/lookup?ip=\$"
YAML
L() { "$BUILD/loader" -c "$T/dnsbl.yaml" "$@"; }
s=$(date +%s.%N)
L import --format lines "$T/gen/ips.txt" >/dev/null || { echo "import failed"; exit 1; }
printf 'loader import: %.1f s\n' "$(echo "$(date +%s.%N) - $s" | bc)"
mkdir -p "$T/rbl"
L export --format rbldnsd -o "$T/rbl/relays.txt" || { echo "export failed"; exit 1; }
chmod -R a+rX "$T"

"$BUILD/dnsbld" -c "$T/dnsbl.yaml" 2>"$T/dnsbld.log" &
DPID=$!; PIDS+=($DPID)
# rbldnsd: -a minimal answers (no NS in authority, as dnsbld), foreground.
/usr/sbin/rbldnsd -n -a -q -r "$T/rbl" -w / -b 127.0.0.1/$P2 \
    relays.example:ip4set:relays.txt 2>"$T/rbldnsd.log" &
RPID=$!; PIDS+=($RPID)
# The floor: an echo server doing no lookup, batching with recvmmsg and
# sendmmsg (../shared/bench/floor.c): the kernel's share, the most any
# server here can answer.
FPID=
if cc -O2 -o "$T/floor" "$SHARED/floor.c" 2>/dev/null; then
	"$T/floor" $P3 64 &
	FPID=$!; PIDS+=($FPID)
fi
for i in $(seq 1 300); do
	dig +time=1 +tries=1 -p $P1 @127.0.0.1 2.0.0.127.relays.example A +short 2>/dev/null | grep -q 127 &&
	dig +time=1 +tries=1 -p $P2 @127.0.0.1 2.0.0.127.relays.example A +short 2>/dev/null | grep -q 127 && break
	sleep 0.2
done
# Same answers from both, on a sample of the queries.
same=0 diff=0
while read -r name type; do
	a=$(dig +short -p $P1 @127.0.0.1 "$name" "$type" | sort)
	b=$(dig +short -p $P2 @127.0.0.1 "$name" "$type" | sort)
	if [ "$a" = "$b" ]; then same=$((same + 1)); else diff=$((diff + 1)); fi
done < <(head -n 40 "$T/gen/queries.txt")
echo "answers compared on 40 queries: $same same, $diff different"

echo "-- capacity per core (cgroup cap 40% of core 0, dnsperf on core 1, ${SECS}s)"
cd_out=$(bash "$SHARED/capped.sh" 40 $P1 $DPID "$T/gen/queries.txt" $SECS 2>&1)
echo "dnsbld:  $cd_out"
cr_out=$(bash "$SHARED/capped.sh" 40 $P2 $RPID "$T/gen/queries.txt" $SECS 2>&1)
echo "rbldnsd: $cr_out"
cf_out=
if [ -n "$FPID" ]; then
	cf_out=$(bash "$SHARED/capped.sh" 40 $P3 $FPID "$T/gen/queries.txt" $SECS 2>&1)
	echo "floor:   $cf_out"
fi
echo "-- CPU per query (server on core 0, dnsperf on core 1, ${SECS}s)"
pd_out=$(bash "$SHARED/dnsperf-pair.sh" $P1 $DPID "$T/gen/queries.txt" $SECS 2>&1)
echo "dnsbld:  $pd_out"
pr_out=$(bash "$SHARED/dnsperf-pair.sh" $P2 $RPID "$T/gen/queries.txt" $SECS 2>&1)
echo "rbldnsd: $pr_out"
echo "-- memory"
rss() { awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} END{printf "RSS %d kB (private %d kB, file-backed %d kB)", r, a, f}' /proc/$1/status; }
echo "dnsbld:  $(rss $DPID) with $N entries ($(du -sh "$T/db" | cut -f1) store)"
echo "rbldnsd: $(rss $RPID)"
if command -v mdb_stat >/dev/null; then
	pages=$(mdb_stat -s relays.example/v4 "$T/db/serve" 2>/dev/null |
	    awk '/Branch pages|Leaf pages|Overflow pages/{n += $3} END{print n + 0}')
	echo "served IPv4 table: $pages pages ($((pages * 4)) kB) of the store"
fi

cap() { echo "$1" | sed -n 's/.*capacity_per_core_qps=\([0-9]*\).*/\1/p'; }
us() { echo "$1" | sed -n 's/.*total=\([0-9.]*\).*/\1/p'; }
cd=$(cap "$cd_out") cr=$(cap "$cr_out") ud=$(us "$pd_out") ur=$(us "$pr_out")
cf=$(cap "$cf_out")
if [ -n "$cd" ] && [ -n "$cr" ] && [ "$cr" -gt 0 ]; then
	printf 'ratio: dnsbld/rbldnsd capacity per core = %.2f (%s vs %s qps)\n' \
	    "$(echo "$cd / $cr" | bc -l)" "$cd" "$cr"
fi
if [ -n "$ud" ] && [ -n "$ur" ]; then
	printf 'ratio: rbldnsd/dnsbld CPU per query = %.2f (%s vs %s us)\n' \
	    "$(echo "$ur / $ud" | bc -l)" "$ur" "$ud"
fi
if [ -n "$cd" ] && [ -n "$cf" ] && [ "$cf" -gt 0 ]; then
	printf 'ratio: dnsbld/floor capacity per core = %.2f (%s vs %s qps)\n' \
	    "$(echo "$cd / $cf" | bc -l)" "$cd" "$cf"
fi
